// Checks, in its own realm, that no other plugin's pollution is visible here.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'realm-check',
  version: '1.0.0',
  description: 'Probe: is this realm clean?',
  type: 'probe',
  detect(service) {
    if (service.metadata.name !== 'checkout') return null;
    const clean =
      Object.prototype.polluted === undefined &&
      Object.prototype.toJSON === undefined &&
      JSON.stringify({ a: [1] }) === '{"a":[1]}' &&
      [].push(1) === 1 &&
      'abc'.slice(1) === 'bc';
    return { port: 'http', path: clean ? '/realm-clean' : '/realm-polluted' };
  },
});
