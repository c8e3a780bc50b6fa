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
//
// With workload evidence (the Pods behind the Service) the images decide instead of the labels:
//   prometheus  prometheus/prometheus, prom/prometheus, bitnami/prometheus (not in agent mode: --agent,
//               --enable-feature=agent); path from --web.route-prefix, else --web.external-url's path
//   thanos      thanos/thanos, bitnami/thanos, improbable/thanos running `query-frontend` (front door) or `query`
//   victoria    victoriametrics/victoria-metrics; vmselect: victoriametrics/vmselect (+ -http.pathPrefix)
//   mimir       grafana/mimir, cortexproject/cortex with -target=query-frontend|all; their gateway is the nginx
//               Service labelled component gateway|nginx next to them in the same install
// OpenShift's release images name no product: there the container name (`prometheus`, `thanos-query`) says it.
// The API port must land on that container (or on the authenticating proxy in front of it in its Pod); a port on
// a config reloader or Thanos sidecar, nothing behind the Service, or another program behind it: no entry.
// Prometheus replicas that run a Thanos sidecar are not entries when a Thanos query in their namespace fronts them.
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
  hasEvidence,
  workloads,
  argValue,
  installOf,
} from '@kubernaut/toolset-sdk';
import type { ContainerEvidence, Detection, DetectContext, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';
import { interestOf, landing, operatorScheme, portOnto, productContainer, reaches, routePrefix, subcommand, trimPath } from '../shared/evidence.js';
import type { Product, ProductMatch } from '../shared/evidence.js';

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

// ---- evidence --------------------------------------------------------------------------------------------------

const THANOS_MODES = ['query', 'query-frontend', 'receive', 'sidecar', 'store', 'rule', 'compact'];
const isAgent = (c: ContainerEvidence) => argValue(c, 'agent') !== undefined || (argValue(c, 'enable-feature') ?? '').split(',').includes('agent');
const target = (c: ContainerEvidence) => argValue(c, 'target');

const PRODUCTS: Record<Flavor, Product> = {
  prometheus: { images: ['prometheus/prometheus', 'prom/prometheus', 'bitnami/prometheus'], names: ['prometheus'], words: ['prometheus'], accept: (c) => !isAgent(c) },
  thanos: {
    images: ['thanos/thanos', 'bitnami/thanos', 'improbable/thanos'],
    names: ['thanos-query', 'thanos-query-frontend'],
    words: ['thanos'],
    accept: (c) => {
      const mode = subcommand(c, THANOS_MODES);
      return mode === 'query' || mode === 'query-frontend';
    },
  },
  victoria: { images: ['victoriametrics/victoria-metrics'] },
  vmselect: { images: ['victoriametrics/vmselect'] },
  mimir: {
    images: ['grafana/mimir', 'cortexproject/cortex'],
    accept: (c) => {
      const t = target(c);
      return t === undefined || t === 'all' || t === 'query-frontend';
    },
  },
};
const FLAVORS: readonly Flavor[] = ['prometheus', 'thanos', 'victoria', 'vmselect', 'mimir'];
const THANOS_SIDECAR: Product = { images: PRODUCTS.thanos.images, names: ['thanos-sidecar'], words: ['thanos'], accept: (c) => subcommand(c, THANOS_MODES) === 'sidecar' };

interface EvidenceRole extends Role {
  /** The product's container; absent for a Mimir/Cortex gateway (nginx). */
  match?: ProductMatch;
}

/** A Mimir/Cortex gateway: labelled so, with the install's Mimir/Cortex Pods behind a sibling of the same install. */
function isMimirGateway(s: ServiceView, ctx: DetectContext): boolean {
  const component = labelOrSelector(s, COMPONENT) ?? labelOrSelector(s, 'component');
  if ((component !== 'gateway' && component !== 'nginx') || installOf(s) === undefined) return false;
  return ctx.siblings().some((o) => o.metadata.name !== s.metadata.name && installOf(o) === installOf(s) && productContainer(o, { images: PRODUCTS.mimir.images }) !== undefined);
}

/** The role from what runs behind the Service; null when nothing does, or not one of these products. */
function classifyByEvidence(s: ServiceView, ctx: DetectContext): EvidenceRole | null {
  if (workloads(s).length === 0 || mentionsAny(s, NON_API_WORDS)) return null;
  for (const flavor of FLAVORS) {
    const match = productContainer(s, PRODUCTS[flavor]);
    if (match === undefined) continue;
    const preferred = flavor === 'thanos' ? subcommand(match.container, THANOS_MODES) === 'query-frontend' : flavor !== 'mimir' || target(match.container) === 'all' || target(match.container) === undefined;
    return { flavor, preferred, match };
  }
  if (isMimirGateway(s, ctx)) return { flavor: 'mimir', preferred: true };
  return null;
}

/** The API port by name/number, else the port that lands on the product's own API port. */
function evidencePort(s: ServiceView, role: EvidenceRole): ServicePort | undefined {
  const port = apiPort(s, role.flavor);
  if (role.match === undefined) return port;
  const p = PRODUCTS[role.flavor];
  if (port !== undefined && landing(s, port, p) !== 'elsewhere') return reaches(s, port, p) ? port : undefined;
  return portOnto(s, p, { names: ['http-web', 'web', 'http'], numbers: [9090, 10902, 8428, 8481, 8080] });
}

/** True when Prometheus replicas behind `s` run a Thanos sidecar and a Thanos query in the namespace fronts them. */
function frontedByThanos(s: ServiceView, ctx: DetectContext): boolean {
  if (productContainer(s, THANOS_SIDECAR) === undefined) return false;
  return ctx.siblings().some((o) => !isExternalName(o) && hasEvidence(o) && productContainer(o, PRODUCTS.thanos) !== undefined && usable(o, ctx));
}

function usable(o: ServiceView, ctx: DetectContext): boolean {
  const r = classifyByEvidence(o, ctx);
  return r !== null && evidencePort(o, r) !== undefined;
}

function fromEvidence(s: ServiceView, ctx: DetectContext): Detection | null {
  const role = classifyByEvidence(s, ctx);
  if (role === null) return null;
  const port = evidencePort(s, role);
  if (port === undefined) return null;
  const same = (o: ServiceView) => {
    if (!hasEvidence(o)) return playsRole(o, role);
    const r = classifyByEvidence(o, ctx);
    return r !== null && r.flavor === role.flavor && r.preferred === role.preferred && evidencePort(o, r) !== undefined;
  };
  if (!role.preferred) {
    const door = (o: ServiceView) => {
      if (isExternalName(o) || looksHeadless(o) || !sameInstall(s, o)) return false;
      if (!hasEvidence(o)) return playsRole(o, { flavor: role.flavor, preferred: true });
      const r = classifyByEvidence(o, ctx);
      return r !== null && r.flavor === role.flavor && r.preferred && evidencePort(o, r) !== undefined;
    };
    if (ctx.siblings().some(door)) return null;
  }
  if (role.flavor === 'prometheus' && frontedByThanos(s, ctx)) return null;
  if (yieldsToTwin(s, ctx, same)) return null;
  const d = detection(s, role, port);
  if (role.match !== undefined) {
    d.scheme = operatorScheme(s, port, PRODUCTS[role.flavor], ['Prometheus', 'VMSingle', 'VMCluster'], d.scheme === 'https' ? 'https' : 'http');
    const c = role.match.container;
    // The prefix the product serves under (health paths move with it).
    const prefix = role.flavor === 'victoria' || role.flavor === 'vmselect' ? trimPath(argValue(c, 'http.pathPrefix')) : role.flavor === 'mimir' ? trimPath(argValue(c, 'server.path-prefix')) : routePrefix(c);
    if (prefix !== '') {
      d.path = `${prefix}${d.path ?? ''}`;
      if (d.health) d.health = { path: `${prefix}${d.health.path}` };
    }
  }
  return d;
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
  version: '1.2.0',
  description: 'Prometheus, Thanos Query, VictoriaMetrics and Mimir/Cortex query endpoints (Prometheus HTTP API).',
  type: 'prometheus',
  // With evidence it claims only Services where one of its products runs, or a Mimir/Cortex gateway (labelled
  // gateway or nginx, classifyByEvidence): the host asks about no other.
  evidence: interestOf(
    FLAVORS.map((f) => PRODUCTS[f]),
    { labels: { [COMPONENT]: ['gateway', 'nginx'], component: ['gateway', 'nginx'] } },
  ),
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service)) return null;
    if (hasEvidence(service)) return fromEvidence(service, ctx);
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
