// Detects checkout; its toolsets() throws.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'toolsets-throw',
  version: '1.0.0',
  description: 'Hostile: toolsets() throws.',
  type: 'hostile',
  detect: (service) => (service.metadata.name === 'checkout' ? { port: 'http' } : null),
  toolsets() {
    throw new Error('no toolsets today');
  },
});
