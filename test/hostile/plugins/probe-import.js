// Dynamic import() at load time; the outcome (settled by the end of the load) is reported by detect.
import { defineDetector } from '@kubernaut/toolset-sdk';

let outcome = 'pending';
try {
  const specifier = ['node', 'fs'].join(':');
  import(specifier).then(
    () => {
      outcome = 'resolved';
    },
    (e) => {
      outcome = `rejected-${e && e.name}`;
    },
  );
} catch (e) {
  outcome = `threw-${e && e.name}`;
}

export default defineDetector({
  name: 'probe-import',
  version: '1.0.0',
  description: 'Probe: dynamic import().',
  type: 'probe',
  detect(service) {
    if (service.metadata.name !== 'checkout') return null;
    return { port: 'http', path: `/import-${outcome}` };
  },
});
