// Answers that JSON would silently drop or mangle, a different one per Service.
import { defineDetector } from '@kubernaut/toolset-sdk';

function cyclic() {
  const d = { port: 'http' };
  d.self = d;
  return d;
}

const ANSWERS = {
  'kube-prometheus-stack-prometheus': () => ({ port: 'http', path: () => '/hidden' }),
  'kube-prometheus-stack-grafana': () => ({ port: 'http', type: Symbol('hostile') }),
  'loki-gateway': () => ({ port: 8080n }),
  'ledger-api': () => cyclic(),
  checkout: () => ({ port: Number.NaN, health: { path: '/ready' } }),
};

export default defineDetector({
  name: 'returns-unserialisable',
  version: '1.0.0',
  description: 'Hostile: a function, a Symbol, a BigInt, a cycle, NaN inside the answer.',
  type: 'hostile',
  detect(service) {
    return ANSWERS[service.metadata.name]();
  },
});
