// Answers that are not objects at all, a different one per Service.
import { defineDetector } from '@kubernaut/toolset-sdk';

const ANSWERS = {
  'kube-prometheus-stack-prometheus': () => Symbol('answer'),
  'kube-prometheus-stack-grafana': () => 9090n,
  'loki-gateway': () => Number.POSITIVE_INFINITY,
  'ledger-api': () => [{ port: 'http' }],
  checkout: () => 'http://checkout:8080',
};

export default defineDetector({
  name: 'returns-primitive',
  version: '1.0.0',
  description: 'Hostile: a Symbol, a BigInt, Infinity, an array, a string.',
  type: 'hostile',
  detect(service) {
    return ANSWERS[service.metadata.name]();
  },
});
