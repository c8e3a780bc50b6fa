// Reports what `process` is inside the sandbox, as the path of its detection of checkout.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'probe-process',
  version: '1.0.0',
  description: 'Probe: typeof process.',
  type: 'probe',
  detect(service) {
    if (service.metadata.name !== 'checkout') return null;
    return { port: 'http', path: `/process-${typeof process}/globalThis-process-${typeof globalThis.process}` };
  },
});
