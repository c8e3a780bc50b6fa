// From its first call on, makes every object serialise as "hijacked" and traps array index writes.
import { defineDetector } from '@kubernaut/toolset-sdk';

let polluted = false;

export default defineDetector({
  name: 'pollute-tojson',
  version: '1.0.0',
  description: 'Hostile: toJSON and Array index setters on its own prototypes.',
  type: 'hostile',
  detect() {
    if (!polluted) {
      polluted = true;
      Object.prototype.toJSON = () => 'hijacked';
      Object.defineProperty(Array.prototype, '0', {
        set() {
          throw new Error('index setter trap');
        },
        get() {
          return 'hijacked';
        },
        configurable: true,
      });
    }
    return null;
  },
});
