// Returns an already resolved Promise of a valid-looking detection: still not a synchronous answer.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'promise-resolved',
  version: '1.0.0',
  description: 'Hostile: returns a resolved Promise.',
  type: 'hostile',
  detect() {
    return Promise.resolve({ port: 'http' });
  },
});
