// An async detect that rejects with a trapped Proxy.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'async-throw-proxy',
  version: '1.0.0',
  description: 'Hostile: an async detect rejecting with a Proxy.',
  type: 'hostile',
  async detect() {
    throw new Proxy(new Error('x'), {
      get() {
        for (;;) {}
      },
    });
  },
});
