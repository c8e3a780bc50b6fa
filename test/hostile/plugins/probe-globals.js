// Reports which host-ish globals exist in the sandbox: timers, network, WebAssembly, Node's globals, V8's gc
// (which the harness keeps for itself).
import { defineDetector } from '@kubernaut/toolset-sdk';

const NAMES = [
  'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'XMLHttpRequest', 'WebSocket',
  'WebAssembly', 'FinalizationRegistry', 'Atomics', 'SharedArrayBuffer', 'global', 'Buffer', 'gc',
];

export default defineDetector({
  name: 'probe-globals',
  version: '1.0.0',
  description: 'Probe: host globals.',
  type: 'probe',
  detect(service) {
    if (service.metadata.name !== 'checkout') return null;
    return { port: 'http', path: '/' + NAMES.map((n) => `${n}-${typeof globalThis[n]}`).join('/') };
  },
});
