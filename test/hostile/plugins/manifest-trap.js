// The registered detector is a Proxy: reading its name throws an error whose message and stack getters loop.
import { defineDetector } from '@kubernaut/toolset-sdk';

const definition = defineDetector({
  name: 'manifest-trap',
  version: '1.0.0',
  description: 'Hostile: a trapped definition.',
  type: 'hostile',
  detect: () => null,
});

const loopyError = {
  get message() {
    for (;;) {}
  },
  get stack() {
    for (;;) {}
  },
};

export default new Proxy(definition, {
  get(target, key) {
    if (key === 'name') throw loopyError;
    return target[key];
  },
});
