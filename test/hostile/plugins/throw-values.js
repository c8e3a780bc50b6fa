// Throws something that is not an Error, a different value per Service.
import { defineDetector } from '@kubernaut/toolset-sdk';

const VALUES = {
  'kube-prometheus-stack-prometheus': () => 'a plain string',
  'kube-prometheus-stack-grafana': () => 42,
  'loki-gateway': () => null,
  'ledger-api': () => ({ code: 'E_NOPE' }),
  checkout: () => Symbol('thrown'),
};

export default defineDetector({
  name: 'throw-values',
  version: '1.0.0',
  description: 'Hostile: throws non-Error values.',
  type: 'hostile',
  detect(service) {
    throw VALUES[service.metadata.name]();
  },
});
