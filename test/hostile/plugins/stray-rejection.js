// Leaves rejected Promises behind whose reasons trap every read (a Proxy, looping getters). isolated-vm reads
// the first unhandled rejection's reason after a call has ended, outside the call's time limit.
import { defineDetector } from '@kubernaut/toolset-sdk';

const trap = () =>
  new Proxy(
    {},
    {
      get() {
        for (;;) {}
      },
      getPrototypeOf() {
        for (;;) {}
      },
    },
  );

const loopyError = () => ({
  get message() {
    for (;;) {}
  },
  get stack() {
    for (;;) {}
  },
});

export default defineDetector({
  name: 'stray-rejection',
  version: '1.0.0',
  description: 'Hostile: unhandled rejections with trapped reasons.',
  type: 'hostile',
  detect() {
    Promise.reject(trap());
    (async () => {
      throw loopyError();
    })();
    return null;
  },
});
