// Unbounded recursion: V8 throws RangeError (stack overflow) inside the isolate.
import { defineDetector } from '@kubernaut/toolset-sdk';

function down(n) {
  return down(n + 1) + 1;
}

export default defineDetector({
  name: 'recursion',
  version: '1.0.0',
  description: 'Hostile: deep recursion.',
  type: 'hostile',
  detect() {
    return down(0);
  },
});
