// Built-in detector: Prometheus Alertmanager.
//
// Evidence (labels, else the Service selector):
//   - app.kubernetes.io/name=alertmanager (prometheus-community/alertmanager chart, kube-prometheus, operator-managed pods),
//     as a label or in the selector (bitnami kube-prometheus labels its Service name=kube-prometheus)
//   - app=alertmanager or app=*-alertmanager (kube-prometheus-stack: `<chart name>-alertmanager`)
//   - operated-alertmanager=true (the prometheus-operator governing Service `alertmanager-operated`)
//   - app.kubernetes.io/name=vmalertmanager (VictoriaMetrics operator)
//   - app=prometheus or app.kubernetes.io/name=prometheus with component=alertmanager (prometheus-community/prometheus
//     charts before the alertmanager became a sub-chart)
// Port: `http-web`, `web`, `http`, `https`, else 9093, else 80 — never the mesh/cluster or reloader ports.
// Scheme: https when the port's name/appProtocol or an OpenShift serving-cert annotation says so (alertmanager-main).
// Health: `/-/healthy` relative to host:port (Alertmanager serves it at the root unless --web.route-prefix is set,
// which a Service does not reveal).
// One endpoint per install: a headless twin (`alertmanager-operated`, `*-headless`) is skipped when a normal
// Alertmanager Service in the namespace selects the same pods.
//
// With workload evidence the image decides: prometheus/alertmanager, prom/alertmanager, bitnami/alertmanager (the
// container named `alertmanager` on OpenShift's release images). The API port must land on it, or on the
// authenticating proxy in front of it in its Pod (OpenShift's alertmanager-main `web`); nothing behind the Service,
// or a port on another container: no entry. Path from --web.route-prefix, else --web.external-url's path
// (cmd/alertmanager/main.go), with /-/healthy under it.
import {
  defineDetector,
  isExternalName,
  labelOrSelector,
  findPort,
  findPortByTarget,
  portRef,
  portScheme,
  yieldsToTwin,
  mentionsAny,
  NON_API_WORDS,
  hasEvidence,
  workloads,
} from '@kubernaut/toolset-sdk';
import { interestOf, operatorScheme, portOnto, productContainer, reaches, routePrefix } from '../shared/evidence.js';
import type { Product } from '../shared/evidence.js';
import type { Detection, DetectContext, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

const ALERTMANAGER: Product = { images: ['prometheus/alertmanager', 'prom/alertmanager', 'bitnami/alertmanager'], names: ['alertmanager'], words: ['alertmanager'] };

/** With evidence: the API port when an Alertmanager runs behind the Service and the port reaches it. */
function evidencePort(s: ServiceView): ServicePort | undefined {
  if (workloads(s).length === 0 || mentionsAny(s, NON_API_WORDS) || productContainer(s, ALERTMANAGER) === undefined) return undefined;
  const port = apiPort(s);
  if (port !== undefined && reaches(s, port, ALERTMANAGER)) return port;
  return portOnto(s, ALERTMANAGER, { names: ['http', 'web', 'http-web'], numbers: [9093] });
}

function isAlertmanager(s: ServiceView): boolean {
  if (hasEvidence(s)) return evidencePort(s) !== undefined;
  if (mentionsAny(s, NON_API_WORDS)) return false;
  const name = labelOrSelector(s, 'app.kubernetes.io/name');
  const app = labelOrSelector(s, 'app');
  const component = labelOrSelector(s, 'app.kubernetes.io/component') ?? labelOrSelector(s, 'component');
  if (s.metadata.labels['operated-alertmanager'] === 'true') return true;
  if (name === 'alertmanager' || name === 'vmalertmanager') return true;
  // The Pods prometheus-operator runs for an Alertmanager carry app.kubernetes.io/name=alertmanager
  // (pkg/alertmanager/statefulset.go); a Service selecting them by it is theirs, whatever its own labels say
  // (bitnami/charts kube-prometheus templates/alertmanager/service.yaml labels it name=kube-prometheus).
  if (s.spec.selector?.['app.kubernetes.io/name'] === 'alertmanager') return true;
  if (app === 'alertmanager' || (app !== undefined && app.endsWith('-alertmanager'))) return true;
  return (name === 'prometheus' || app === 'prometheus') && component === 'alertmanager';
}

function apiPort(s: ServiceView): ServicePort | undefined {
  return findPort(s, { names: ['http-web', 'web', 'http', 'https'], numbers: [9093, 80] }) ?? findPortByTarget(s, [9093, 'http-web', 'web']);
}

export default defineDetector({
  name: 'alertmanager',
  version: '1.3.0',
  description: 'Prometheus Alertmanager (alerts, silences) — published as a read-only HTTP toolset.',
  type: 'alertmanager',
  // With evidence it claims only Services where an Alertmanager runs (evidencePort): the host asks about no other.
  evidence: interestOf([ALERTMANAGER]),
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service) || !isAlertmanager(service)) return null;
    const evidence = hasEvidence(service);
    const port = evidence ? evidencePort(service) : apiPort(service);
    if (port === undefined) return null;
    if (yieldsToTwin(service, ctx, (o) => isAlertmanager(o) && apiPort(o) !== undefined)) return null;
    const main = evidence ? productContainer(service, ALERTMANAGER) : undefined;
    const prefix = main ? routePrefix(main.container) : '';
    const scheme = evidence ? operatorScheme(service, port, ALERTMANAGER, ['Alertmanager', 'VMAlertmanager'], portScheme(service, port)) : portScheme(service, port);
    return { port: portRef(port), scheme, ...(prefix ? { path: prefix } : {}), health: { path: `${prefix}/-/healthy` } };
  },
  toolsets(found): Record<string, ToolsetEntry> {
    const prefix = found.path === '/' ? '' : found.path;
    return {
      'alertmanager/api': {
        enabled: true,
        type: 'http',
        description: `Prometheus Alertmanager ${found.service.namespace}/${found.service.name}: firing alerts, silences, receivers and cluster status (API v2, read-only).`,
        llm_instructions:
          'Use the Alertmanager API v2 with GET requests only: /api/v2/alerts lists alerts (filter with ?filter=label="value", ' +
          '?active=true, ?silenced=false), /api/v2/alerts/groups groups them by route, /api/v2/silences lists silences, ' +
          '/api/v2/receivers the receivers and /api/v2/status the configuration and cluster peers. ' +
          'Correlate alert labels (namespace, pod, service) with the Kubernetes objects under investigation.',
        config: {
          endpoints: [{ hosts: [`${found.host}:${found.port}`], paths: [`${prefix}/api/v2/*`], methods: ['GET'] }],
        },
      },
    };
  },
});
