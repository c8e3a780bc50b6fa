// Not failing, just slow: about 100 ms of busy work on one Service, well inside its time limit.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'slow',
  version: '1.0.0',
  description: 'Hostile: burns 100 ms of CPU on the checkout Service.',
  type: 'hostile',
  detect(service) {
    if (service.metadata.name !== 'checkout') return null;
    const end = Date.now() + 100;
    while (Date.now() < end) {
      /* busy */
    }
    return null;
  },
});
