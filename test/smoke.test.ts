import test from 'ava';
import { defineDetector, SDK_API_VERSION } from '@kubernaut/toolset-sdk';

test('defineDetector stamps the SDK API version', (t) => {
  const d = defineDetector({ name: 'x', version: '1.0.0', description: 'd', type: 'x', detect: () => null });
  t.is(d.apiVersion, SDK_API_VERSION);
});
