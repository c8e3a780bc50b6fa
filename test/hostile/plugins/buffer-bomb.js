// Allocates ArrayBuffers (memory outside the JS heap) until the isolate's allocator refuses.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'buffer-bomb',
  version: '1.0.0',
  description: 'Hostile: allocates ArrayBuffers until refused.',
  type: 'hostile',
  detect() {
    const hog = [];
    for (;;) {
      const b = new ArrayBuffer(4 * 1024 * 1024);
      new Uint8Array(b).fill(7);
      hog.push(b);
    }
  },
});
