// Spins forever on one Service only; every other Service is answered ("not mine").
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'loop-one',
  version: '1.0.0',
  description: 'Hostile: an infinite loop for the Loki gateway only.',
  type: 'hostile',
  detect(service) {
    if (service.metadata.name === 'loki-gateway') for (;;) {}
    return null;
  },
});
