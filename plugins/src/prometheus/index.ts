// Built-in detector: Prometheus-API compatible query endpoints, all reported as type `prometheus`.
//
//   flavor        | evidence (labels, else the Service selector)                              | port                  | path                 | health
//   prometheus    | app.kubernetes.io/name=prometheus (component none/server/prometheus),     | http-web, web, http,  | —                    | /-/healthy
//                 | app=prometheus (component none/server), app=prometheus-server,            | https; 9090, 80       |                      |
//                 | app=*-prometheus (kube-prometheus-stack, rancher…), operated-prometheus=true |                     |                      |
//   thanos        | app.kubernetes.io/name=thanos + component query|query-frontend (bitnami),  | http, web, https;     | —                    | /-/healthy
//                 | app.kubernetes.io/name=thanos-query|thanos-query-frontend, app=thanos-query|thanos-querier | 9090, 10902, 9091 | |
//   victoria      | app.kubernetes.io/name=victoria-metrics-single|vmsingle                    | http; 8428, 8429      | —                    | /health
//   vmselect      | name=victoria-metrics-cluster + app|component=vmselect, name=vmselect, app=vmselect | http; 8481    | /select/0/prometheus | /health
//   mimir/cortex  | app.kubernetes.io/name=mimir|cortex + component gateway|nginx|query-frontend | http-metrics, http; 80, 8080 | /prometheus  | /ready (nginx gateway: /)
//
// Health paths are relative to host:port, not under the path prefix: Prometheus, Thanos and VictoriaMetrics serve
// them at the root, and Mimir/Cortex serve `/ready` at the root while the Prometheus API lives under `/prometheus`.
// The nginx gateways of Mimir/Cortex answer `location = / { return 200 }` and do not proxy `/ready`, so the
// gateway is probed at `/`.
//
// One endpoint per install: a headless twin (`prometheus-operated`, `*-headless`, `clusterIP: None`) is skipped when a
// normal Service of the same flavor selects the same pods; Thanos query is skipped when a query-frontend of the same
// install exists, Mimir/Cortex query-frontend when a gateway exists. Agents, operators, exporters, pushgateways and
// adapters are never detected. Scheme: https when the port's name/appProtocol or an OpenShift serving-cert
// annotation says so (OpenShift's thanos-querier and prometheus-k8s on 9091).
import {
  defineDetector,
  isExternalName,
  labelOrSelector,
  findPort,
  findPortByTarget,
  portRef,
  portScheme,
  looksHeadless,
  yieldsToTwin,
  sameInstall,
  mentionsAny,
  NON_API_WORDS,
} from '@kubernaut/toolset-sdk';
import type { Detection, DetectContext, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

type Flavor = 'prometheus' | 'thanos' | 'victoria' | 'vmselect' | 'mimir';
/** `preferred` roles are an install's front door; `fallback` roles yield to a preferred one of the same install. */
interface Role {
  flavor: Flavor;
  preferred: boolean;
}

const COMPONENT = 'app.kubernetes.io/component';
const NAME = 'app.kubernetes.io/name';

function classify(s: ServiceView): Role | null {
  if (mentionsAny(s, NON_API_WORDS)) return null;
  const name = labelOrSelector(s, NAME);
  const app = labelOrSelector(s, 'app');
  const component = labelOrSelector(s, COMPONENT) ?? labelOrSelector(s, 'component');

  // Agent-mode Prometheus (kube-prometheus-stack agentMode selects prometheus-agent pods) has no query API.
  if (name === 'prometheus-agent' || app === 'prometheus-agent') return null;

  // Thanos Query / Query Frontend.
  if (name === 'thanos') {
    if (component === 'query-frontend') return { flavor: 'thanos', preferred: true };
    if (component === 'query') return { flavor: 'thanos', preferred: false };
    return null;
  }
  if (name === 'thanos-query-frontend' || app === 'thanos-query-frontend') return { flavor: 'thanos', preferred: true };
  if (name === 'thanos-query' || app === 'thanos-query' || app === 'thanos-querier') return { flavor: 'thanos', preferred: false };

  // VictoriaMetrics.
  if (name === 'victoria-metrics-single' || name === 'vmsingle') return { flavor: 'victoria', preferred: true };
  if (name === 'victoria-metrics-cluster') {
    return app === 'vmselect' || component === 'vmselect' ? { flavor: 'vmselect', preferred: true } : null;
  }
  if (name === 'vmselect' || app === 'vmselect') return { flavor: 'vmselect', preferred: true };

  // Mimir / Cortex.
  if (name === 'mimir' || name === 'cortex') {
    if (component === 'gateway' || component === 'nginx') return { flavor: 'mimir', preferred: true };
    if (component === 'query-frontend') return { flavor: 'mimir', preferred: false };
    return null;
  }

  // Prometheus itself.
  if (s.metadata.labels['operated-prometheus'] === 'true') return { flavor: 'prometheus', preferred: true };
  if (name === 'prometheus') {
    return component === undefined || component === 'server' || component === 'prometheus' ? { flavor: 'prometheus', preferred: true } : null;
  }
  if (app === 'prometheus') {
    return component === undefined || component === 'server' ? { flavor: 'prometheus', preferred: true } : null;
  }
  if (app === 'prometheus-server' || (app !== undefined && app.endsWith('-prometheus'))) return { flavor: 'prometheus', preferred: true };
  return null;
}

function apiPort(s: ServiceView, flavor: Flavor): ServicePort | undefined {
  switch (flavor) {
    case 'prometheus':
      return (
        findPort(s, { names: ['http-web', 'web', 'http', 'https', 'http-prometheus', 'prometheus'], numbers: [9090, 80] }) ??
        findPortByTarget(s, [9090, 'http-web', 'web'])
      );
    case 'thanos':
      return findPort(s, { names: ['http', 'web', 'https', 'http-query'], numbers: [9090, 10902, 9091] }) ?? findPortByTarget(s, [10902, 9090]);
    case 'victoria':
      return findPort(s, { names: ['http'], numbers: [8428, 8429] });
    case 'vmselect':
      return findPort(s, { names: ['http'], numbers: [8481] });
    case 'mimir':
      return findPort(s, { names: ['http-metrics', 'http'], numbers: [80, 8080] });
  }
}

function detection(s: ServiceView, role: Role, port: ServicePort): Detection {
  const d: Detection = { port: portRef(port), scheme: portScheme(s, port) };
  switch (role.flavor) {
    case 'prometheus':
    case 'thanos':
      d.health = { path: '/-/healthy' };
      break;
    case 'victoria':
      d.health = { path: '/health' };
      break;
    case 'vmselect':
      d.path = '/select/0/prometheus';
      d.health = { path: '/health' };
      break;
    case 'mimir':
      d.path = '/prometheus';
      d.health = { path: role.preferred ? '/' : '/ready' };
      break;
  }
  return d;
}

/** True when `other` plays `role` (same flavor, same front-door rank) and has a usable API port. */
function playsRole(other: ServiceView, role: Role): boolean {
  const r = classify(other);
  return r !== null && r.flavor === role.flavor && r.preferred === role.preferred && apiPort(other, r.flavor) !== undefined;
}

/** True when the install of a fallback Service (Thanos query, Mimir query-frontend) has a front door of its flavor. */
function hasFrontDoor(s: ServiceView, role: Role, ctx: DetectContext): boolean {
  const door: Role = { flavor: role.flavor, preferred: true };
  return ctx.siblings().some((o) => !isExternalName(o) && !looksHeadless(o) && sameInstall(s, o) && playsRole(o, door));
}

export default defineDetector({
  name: 'prometheus',
  version: '1.0.0',
  description: 'Prometheus, Thanos Query, VictoriaMetrics and Mimir/Cortex query endpoints (Prometheus HTTP API).',
  type: 'prometheus',
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service)) return null;
    const role = classify(service);
    if (role === null) return null;
    const port = apiPort(service, role.flavor);
    if (port === undefined) return null;
    if (!role.preferred && hasFrontDoor(service, role, ctx)) return null;
    if (yieldsToTwin(service, ctx, (o) => playsRole(o, role))) return null;
    return detection(service, role, port);
  },
  toolsets(found): Record<string, ToolsetEntry> {
    const config: Record<string, unknown> = { prometheus_url: found.url };
    // HolmesGPT 2026 reads `subtype: victoriametrics` for VictoriaMetrics (vmsingle, vmselect: the only flavors
    // probed at `/health`); `healthcheck` is no longer read.
    if (found.healthPath === '/health') config.subtype = 'victoriametrics';
    // In-cluster TLS is signed by a cluster CA (OpenShift service CA, self-signed) the HolmesGPT pod does not trust.
    // `verify_ssl` is the 2026 name (`prometheus_ssl_enabled` a deprecated alias).
    if (found.scheme === 'https') config.verify_ssl = false;
    return { 'prometheus/metrics': { enabled: true, config } };
  },
});
