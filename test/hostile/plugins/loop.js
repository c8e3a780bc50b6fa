// Spins forever on every Service: each call hits its time limit, the plugin is quarantined.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'loop',
  version: '1.0.0',
  description: 'Hostile: an infinite loop in detect.',
  type: 'hostile',
  detect() {
    while (true) {
      /* never returns */
    }
  },
});
