// Top-level code that never finishes.
import { defineDetector } from '@kubernaut/toolset-sdk';

for (;;) {}

// eslint-disable-next-line no-unreachable
export default defineDetector({ name: 'load-loop', version: '1.0.0', description: 'Hostile: loops at load.', type: 'hostile', detect: () => null });
