// Returns a Promise that never settles.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'promise-pending',
  version: '1.0.0',
  description: 'Hostile: returns a never-resolving Promise.',
  type: 'hostile',
  detect() {
    return new Promise(() => {});
  },
});
