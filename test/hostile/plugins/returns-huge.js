// A multi-megabyte answer.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'returns-huge',
  version: '1.0.0',
  description: 'Hostile: a 4 MiB answer.',
  type: 'hostile',
  detect() {
    return { port: 'http', path: '/' + 'a'.repeat(4 * 1024 * 1024) };
  },
});
