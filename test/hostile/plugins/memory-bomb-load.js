// Allocates until killed while the bundle loads (top-level code).
import { defineDetector } from '@kubernaut/toolset-sdk';

const hog = [];
for (;;) hog.push(new Array(100_000).fill(hog.length));

export default defineDetector({
  name: 'memory-bomb-load',
  version: '1.0.0',
  description: 'Hostile: allocates until killed at load.',
  type: 'hostile',
  detect: () => null,
});
