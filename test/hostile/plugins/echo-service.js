// Tries to launder its own invalid answers as the Services' input: it builds each invalid value from the
// Service's own (clean) text, a different way per Service. None of the defects is in that text, so each rejection
// is still the plugin's fault.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'echo-service',
  version: '1.0.0',
  description: 'Hostile: invalid answers made from the Service\'s own clean text.',
  type: 'hostile',
  detect(service) {
    const p = service.spec.ports[0];
    if (!p) return null;
    const port = p.name ?? p.port;
    const name = service.metadata.name;
    const values = [...Object.values(service.metadata.annotations), ...Object.values(service.metadata.labels)];
    switch (name) {
      case 'kube-prometheus-stack-prometheus':
        return { port, path: name }; // no leading "/"
      case 'kube-prometheus-stack-grafana':
        return { port, path: `/${name.repeat(200)}` }; // too long, by repeating one clean string
      case 'loki-gateway':
        return { endpoint: values[0] ?? name }; // a label value that is no URL, as the endpoint
      case 'ledger-api':
        return { port, path: `/${name} ${values[0] ?? name}` }; // the space is the plugin's
      default:
        return { port, health: { path: `/${name}#top` } }; // so is the fragment
    }
  },
});
