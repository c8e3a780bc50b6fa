// Detects checkout; its toolsets() entry carries keys HolmesGPT does not know (it would drop the entry).
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'toolsets-unknown-keys',
  version: '1.0.0',
  description: 'Hostile: unknown toolset entry keys.',
  type: 'hostile',
  detect: (service) => (service.metadata.name === 'checkout' ? { port: 'http' } : null),
  toolsets(found) {
    return { 'checkout/api': { enabled: true, url: found.url, run_as_root: true } };
  },
});
