// APIs whose callbacks V8 runs later, as tasks outside any call: FinalizationRegistry cleanup,
// Atomics.waitAsync (aborted the process), WebAssembly's async compile. The sandbox removes them.
import { defineDetector } from '@kubernaut/toolset-sdk';

const ATTEMPTS = {
  'kube-prometheus-stack-prometheus': () => {
    const registry = new FinalizationRegistry(() => {
      for (;;) {}
    });
    for (let i = 0; i < 1000; i++) registry.register({ garbage: new Array(1000) }, i);
    globalThis.keep = registry;
  },
  'kube-prometheus-stack-grafana': () => {
    const cell = new Int32Array(new SharedArrayBuffer(16));
    Atomics.waitAsync(cell, 0, 0, 10).value.then(() => {
      for (;;) {}
    });
  },
  'loki-gateway': () => {
    WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => {
      for (;;) {}
    });
  },
};

export default defineDetector({
  name: 'deferred-apis',
  version: '1.0.0',
  description: 'Hostile: callbacks V8 would run outside any call.',
  type: 'hostile',
  detect(service) {
    ATTEMPTS[service.metadata.name]?.();
    return null;
  },
});
