// Allocates until the isolate's heap limit kills it.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'memory-bomb',
  version: '1.0.0',
  description: 'Hostile: allocates until killed.',
  type: 'hostile',
  detect() {
    const hog = [];
    for (;;) hog.push(new Array(100_000).fill(hog.length));
  },
});
