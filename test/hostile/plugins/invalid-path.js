// Claims every Service with a path no Service says: "/a b" (a space). The Services are clean, so the rejected
// answers are the plugin's own fault, counted towards quarantine, not passed off as the Services' input.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'invalid-path',
  version: '1.0.0',
  description: 'Hostile: an invalid path of its own on clean Services.',
  type: 'hostile',
  detect(service) {
    const p = service.spec.ports[0];
    return p ? { port: p.name ?? p.port, path: '/a b' } : null;
  },
});
