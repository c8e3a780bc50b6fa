// The answer's `port` is a getter that never returns: it runs when the host serialises the answer.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'getter-loop',
  version: '1.0.0',
  description: 'Hostile: a looping getter on the answer.',
  type: 'hostile',
  detect() {
    return {
      get port() {
        for (;;) {}
      },
    };
  },
});
