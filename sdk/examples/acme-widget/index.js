// The SDK's worked example: the detector from the README, as a plugin author writes it.
// Build:  npx toolset-sdk build sdk/examples/acme-widget/index.js --out acme-widget.js
import { defineDetector, hasLabels, findPort, findPortByTarget, portRef, portScheme, yieldsToTwin } from '@kubernaut/toolset-sdk';

const isWidget = (service) => hasLabels(service, { 'app.kubernetes.io/name': 'acme-widget' });
// The API port as the built-ins pick theirs: by name, else by number, else the port forwarding to the
// container's; never ports[0].
const apiPort = (service) => findPort(service, { names: ['http', 'api'], numbers: [8080] }) ?? findPortByTarget(service, [8080, 'http']);

export default defineDetector({
  name: 'acme-widget',
  version: '1.2.0',
  description: 'Detects ACME widget servers',
  type: 'widget', // the service type it reports
  detect(service, ctx) {
    // service: plain Kubernetes Service JSON (metadata + spec); null means "not mine".
    if (!isWidget(service)) return null;
    const port = apiPort(service);
    if (!port) return null;
    // One endpoint per install: a headless twin yields to the widget Service it mirrors (a lone headless one stays).
    if (yieldsToTwin(service, ctx, (other) => isWidget(other) && apiPort(other) !== undefined)) return null;
    const path = typeof ctx.config.apiPath === 'string' ? ctx.config.apiPath : '/api';
    return { port: portRef(port), scheme: portScheme(service, port), path, health: { path: '/healthz' } };
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
