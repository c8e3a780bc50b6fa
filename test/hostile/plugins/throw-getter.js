// Throws an object whose `message` getter itself throws (so does its `name`, and its toString).
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'throw-getter',
  version: '1.0.0',
  description: 'Hostile: a thrown value whose message getter throws.',
  type: 'hostile',
  detect() {
    throw {
      get message() {
        throw new Error('message trap');
      },
      get name() {
        throw new Error('name trap');
      },
      toString() {
        throw new Error('toString trap');
      },
    };
  },
});
