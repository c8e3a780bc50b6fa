// Claims checkout on a port the Service does not have.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'wrong-port',
  version: '1.0.0',
  description: 'Hostile: a port that is not on the Service.',
  type: 'hostile',
  detect(service) {
    return service.metadata.name === 'checkout' ? { port: 9999 } : null;
  },
});
