// For checkout only, throws an object whose message getter never returns.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'thrown-loopy-message',
  version: '1.0.0',
  description: 'Hostile: a thrown value with a looping message getter.',
  type: 'hostile',
  detect(service) {
    if (service.metadata.name !== 'checkout') return null;
    throw {
      get message() {
        for (;;) {}
      },
    };
  },
});
