// detect returns at once, but leaves a Promise callback behind that never ends.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'microtask-loop',
  version: '1.0.0',
  description: 'Hostile: a microtask loop scheduled from detect.',
  type: 'hostile',
  detect() {
    Promise.resolve().then(function f() {
      for (;;) {}
    });
    return null;
  },
});
