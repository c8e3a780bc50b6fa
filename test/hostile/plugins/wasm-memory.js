// WebAssembly memory lives outside the isolate's heap limit (it would grow the host's memory); the sandbox
// removes WebAssembly, so this plugin can only report that it is gone.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'wasm-memory',
  version: '1.0.0',
  description: 'Hostile: grows WebAssembly memory.',
  type: 'hostile',
  detect() {
    const memories = [];
    for (;;) {
      const m = new WebAssembly.Memory({ initial: 1000 });
      new Uint8Array(m.buffer).fill(1);
      memories.push(m);
    }
  },
});
