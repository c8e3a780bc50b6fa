// Doubles a string until V8 refuses its length.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'string-bomb',
  version: '1.0.0',
  description: 'Hostile: string doubling.',
  type: 'hostile',
  detect() {
    let s = 'x';
    for (;;) s += s;
  },
});
