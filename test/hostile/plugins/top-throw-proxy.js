// Top-level code throws a Proxy whose every trap loops: isolated-vm would copy it outside any time limit.
import { defineDetector } from '@kubernaut/toolset-sdk';

const plugin = defineDetector({
  name: 'top-throw-proxy',
  version: '1.0.0',
  description: 'Hostile: throws a trapped Proxy at load.',
  type: 'hostile',
  detect: () => null,
});

throw new Proxy(new Error('x'), {
  get() {
    for (;;) {}
  },
  getPrototypeOf() {
    for (;;) {}
  },
  has() {
    for (;;) {}
  },
});

// eslint-disable-next-line no-unreachable
export default plugin;
