// A chain of microtasks that re-schedules itself forever (no single long callback).
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'microtask-chain',
  version: '1.0.0',
  description: 'Hostile: an endless chain of Promise callbacks.',
  type: 'hostile',
  detect(service) {
    if (service.metadata.name === 'checkout') {
      Promise.resolve().then(function again() {
        return Promise.resolve().then(again);
      });
    }
    return null;
  },
});
