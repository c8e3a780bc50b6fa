// Top-level code leaves an unhandled rejection with a trapped reason, then loads normally.
import { defineDetector } from '@kubernaut/toolset-sdk';

Promise.reject(
  new Proxy(
    {},
    {
      get() {
        for (;;) {}
      },
    },
  ),
);

export default defineDetector({
  name: 'top-reject-proxy',
  version: '1.0.0',
  description: 'Hostile: a trapped unhandled rejection at load.',
  type: 'hostile',
  detect: () => null,
});
