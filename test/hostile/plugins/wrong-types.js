// Well-formed JSON with the wrong types or values, a different mistake per Service.
import { defineDetector } from '@kubernaut/toolset-sdk';

const ANSWERS = {
  'kube-prometheus-stack-prometheus': { port: {} },
  'kube-prometheus-stack-grafana': { port: 'http-web', scheme: 'ftp' },
  'loki-gateway': { port: 'http-metrics', path: 'no-slash' },
  'ledger-api': { port: 'http', type: 'Not_A_Label' },
  checkout: { port: 'http', admin: true, token: 'hunter2' },
};

export default defineDetector({
  name: 'wrong-types',
  version: '1.0.0',
  description: 'Hostile: wrongly typed fields and unknown keys.',
  type: 'hostile',
  detect(service) {
    return ANSWERS[service.metadata.name];
  },
});
