// Answers with Proxies. For checkout, a Proxy that reads like a valid detection (only its serialised data
// reaches the host, so it is accepted as plain data); for the others, a Proxy whose traps throw.
import { defineDetector } from '@kubernaut/toolset-sdk';

const looksValid = () =>
  new Proxy(
    {},
    {
      ownKeys: () => ['port', 'path'],
      getOwnPropertyDescriptor: (_t, key) => ({ value: key === 'port' ? 'http' : '/through-a-proxy', enumerable: true, configurable: true }),
      get: (_t, key) => (key === 'port' ? 'http' : key === 'path' ? '/through-a-proxy' : undefined),
    },
  );

const trapped = () =>
  new Proxy(
    {},
    {
      get: () => {
        throw new Error('get trap');
      },
      ownKeys: () => {
        throw new Error('ownKeys trap');
      },
    },
  );

export default defineDetector({
  name: 'proxy-answer',
  version: '1.0.0',
  description: 'Hostile: Proxy answers.',
  type: 'hostile',
  detect(service) {
    return service.metadata.name === 'checkout' ? looksValid() : trapped();
  },
});
