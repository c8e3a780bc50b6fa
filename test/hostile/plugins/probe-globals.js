// Reports which host-ish globals exist in the sandbox: timers, network, WebAssembly, Node's globals.
import { defineDetector } from '@kubernaut/toolset-sdk';

const NAMES = [
  'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'XMLHttpRequest', 'WebSocket',
  'WebAssembly', 'FinalizationRegistry', 'Atomics', 'SharedArrayBuffer', 'global', 'Buffer',
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
