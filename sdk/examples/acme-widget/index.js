// The SDK's worked example: the detector from the README, as a plugin author writes it.
// Build:  npx toolset-sdk build sdk/examples/acme-widget/index.js --out acme-widget.js
import { defineDetector, findPort, hasLabels, isHeadless } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'acme-widget',
  version: '1.2.0',
  description: 'Detects ACME widget servers',
  type: 'widget', // the service type it reports
  detect(service, ctx) {
    // service: plain Kubernetes Service JSON (metadata + spec); null means "not mine".
    if (!hasLabels(service, { 'app.kubernetes.io/name': 'acme-widget' })) return null;
    if (isHeadless(service)) return null;
    const port = findPort(service, { names: ['http', 'api'], numbers: [8080] });
    if (!port) return null;
    const path = typeof ctx.config.apiPath === 'string' ? ctx.config.apiPath : '/api';
    return { port: port.name ?? port.port, scheme: 'http', path, health: { path: '/healthz' } };
  },
  toolsets(found) {
    // Optional: HolmesGPT toolset entries for this service (a generic HTTP toolset).
    return {
      'acme/widgets': {
        enabled: true,
        type: 'http',
        description: 'ACME widget API: list widgets and their status',
        config: { endpoints: [{ hosts: [`${found.host}:${found.port}`], paths: [`${found.path}/*`], methods: ['GET'] }] },
      },
    };
  },
});
