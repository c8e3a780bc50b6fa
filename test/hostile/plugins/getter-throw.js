// The answer's `port` is a getter that throws.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'getter-throw',
  version: '1.0.0',
  description: 'Hostile: a throwing getter on the answer.',
  type: 'hostile',
  detect() {
    return {
      scheme: 'http',
      get port() {
        throw new Error('port trap');
      },
    };
  },
});
