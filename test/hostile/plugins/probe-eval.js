// eval works (it is this realm's own eval) but finds nothing of the host.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'probe-eval',
  version: '1.0.0',
  description: 'Probe: eval.',
  type: 'probe',
  detect(service) {
    if (service.metadata.name !== 'checkout') return null;
    const direct = eval('typeof process');
    const indirect = (0, eval)('typeof require');
    return { port: 'http', path: `/eval-${eval('6 * 7')}/process-${direct}/require-${indirect}` };
  },
});
