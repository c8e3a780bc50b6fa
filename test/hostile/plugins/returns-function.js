// Returns a function instead of a detection.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'returns-function',
  version: '1.0.0',
  description: 'Hostile: returns a function.',
  type: 'hostile',
  detect() {
    return function port() {
      return 'http';
    };
  },
});
