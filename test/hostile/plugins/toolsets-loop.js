// Detects checkout; its toolsets() never returns.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'toolsets-loop',
  version: '1.0.0',
  description: 'Hostile: toolsets() loops.',
  type: 'hostile',
  detect: (service) => (service.metadata.name === 'checkout' ? { port: 'http' } : null),
  toolsets() {
    for (;;) {}
  },
});
