// Catastrophic backtracking: CPU burnt inside V8's regexp engine rather than in a JS loop.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'regex-backtrack',
  version: '1.0.0',
  description: 'Hostile: a regular expression with exponential backtracking.',
  type: 'hostile',
  detect(service) {
    return /^(a+)+$/.test('a'.repeat(48) + service.metadata.name) ? { port: 'http' } : null;
  },
});
