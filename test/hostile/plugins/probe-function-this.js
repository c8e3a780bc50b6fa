// Function('return this')() yields the global object of the realm the code runs in.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'probe-function-this',
  version: '1.0.0',
  description: 'Probe: Function("return this")().',
  type: 'probe',
  detect(service) {
    if (service.metadata.name !== 'checkout') return null;
    const g = Function('return this')();
    const which = g === globalThis ? 'sandbox-global' : 'another-global';
    return { port: 'http', path: `/${which}/process-${typeof g.process}/require-${typeof g.require}` };
  },
});
