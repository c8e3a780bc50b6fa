// Claims checkout on its UDP (statsd) port.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'udp-port',
  version: '1.0.0',
  description: 'Hostile: a UDP port.',
  type: 'hostile',
  detect(service) {
    return service.metadata.name === 'checkout' ? { port: 'statsd' } : null;
  },
});
