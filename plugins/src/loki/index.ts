// Built-in detector: Grafana Loki — one query endpoint per install.
//
// Evidence (labels, else the Service selector): app.kubernetes.io/name=loki or enterprise-logs (grafana/loki 3–6),
// app=loki (loki-stack and the old grafana/loki 2.x chart). The role comes from app.kubernetes.io/component:
//   gateway                               → preferred: the nginx front door (port `http` 80 → 8080)
//   read, query-frontend, single-binary,  → the query path (port `http-metrics` 3100), used only when the install has
//   or no component (single binary,         no gateway Service in the namespace
//   loki-stack)
//   anything else (write, backend, canary, memcached-*, distributor, ingester, querier, ruler, compactor,
//   index-gateway, query-scheduler, bloom-*, pattern-ingester…) → not a query endpoint.
// The memberlist Service (`loki-memberlist`, port `tcp` 7946) and caches have no HTTP API port and never qualify.
// Scheme: https when the port's name/appProtocol or an OpenShift serving-cert annotation says so.
// Health, relative to host:port: `/ready` on Loki itself; the gateway's nginx answers `location = /` with 200 and
// does not proxy `/ready`, so a gateway is probed at `/`.
// One endpoint per install: a headless twin (`*-headless`, `variant: headless`, `clusterIP: None`) is skipped when a
// normal query-path Service of the same install selects the same pods, and every query-path Service is skipped when
// the same install has a gateway.
//
// With workload evidence the Pods decide: grafana/loki or grafana/enterprise-logs with -target all (the default),
// read or query-frontend is the query path (other targets — write, backend, querier, distributor, ingester… — are
// not entries; dskit's -target module flag, pkg/loki/modules.go); a Service labelled component gateway whose Pods run
// something else (the charts' nginx) is the gateway when a sibling of the same install runs Loki — so
// grafana/loki-distributed (app.kubernetes.io/name: loki-distributed) and renamed installs are found. The API port
// must land on the Loki container (not memberlist, not a sidecar); nothing behind the Service: no entry.
// -server.path-prefix moves the API and /ready under it.
//
// With a LokiStack resource tied to the Service (evidence.resources; the host's projection, core/src/discovery/
// operators.ts, names its front door) the resource decides, as the Loki operator builds it (grafana/loki operator/ at
// 65e30f8): its front door is the one entry, every other Service of the stack (the <name>-<component>-http/-grpc
// components, headless twins, a user's Service in front of its Pods) is none. See lokiStackEntry.
import {
  defineDetector,
  isExternalName,
  labelOrSelector,
  findPort,
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
import { interestOf, landing, operatorFrontDoor, portOnto, productContainer, reaches, specTenants, specText, trimPath } from '../shared/evidence.js';
import type { Product } from '../shared/evidence.js';
import type { Detection, DetectContext, ResourceEvidence, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

type Role = 'gateway' | 'query';
const QUERY_COMPONENTS = ['read', 'query-frontend', 'single-binary'];

const LOKI_IMAGES = ['grafana/loki', 'grafana/enterprise-logs'];
const QUERY_TARGETS = ['all', 'read', 'query-frontend'];
const LOKI: Product = {
  images: LOKI_IMAGES,
  names: ['loki'],
  words: ['loki'],
  accept: (c) => {
    const t = argValue(c, 'target');
    return t === undefined || QUERY_TARGETS.includes(t);
  },
};
const ANY_LOKI: Product = { images: LOKI_IMAGES, words: ['loki'] };

/** With evidence: the role and port, or null. The gateway check asks for siblings only for a gateway-labelled Service. */
function evidenceRole(s: ServiceView, ctx: DetectContext): { role: Role; port: ServicePort } | null {
  if (workloads(s).length === 0 || mentionsAny(s, NON_API_WORDS)) return null;
  if (productContainer(s, LOKI) !== undefined) {
    let port = apiPort(s, 'query');
    if (port === undefined || !reaches(s, port, LOKI)) port = portOnto(s, LOKI, { names: ['http-metrics', 'http'], numbers: [3100] });
    return port === undefined ? null : { role: 'query', port };
  }
  if (productContainer(s, ANY_LOKI) !== undefined) return null;
  const component = labelOrSelector(s, 'app.kubernetes.io/component') ?? labelOrSelector(s, 'component');
  const install = installOf(s);
  if (component !== 'gateway' || install === undefined) return null;
  const port = apiPort(s, 'gateway');
  if (port === undefined || landing(s, port, ANY_LOKI) === 'product') return null;
  const lokiBehind = ctx.siblings().some((o) => o.metadata.name !== s.metadata.name && installOf(o) === install && productContainer(o, ANY_LOKI) !== undefined);
  return lokiBehind ? { role: 'gateway', port } : null;
}

/**
 * The Loki operator's gateway (component lokistack-gateway, operator/internal/manifests/gateway.go): the LokiStack's
 * front door, with per-tenant paths that only the LokiStack resource tells; its query path is not an entry beside it
 * (auth_enabled: a query needs the tenant).
 */
function isLokiStackGateway(s: ServiceView, o: ServiceView): boolean {
  return (labelOrSelector(o, 'app.kubernetes.io/component') === 'lokistack-gateway') && installOf(o) !== undefined && installOf(o) === installOf(s);
}

/**
 * The LokiStack's front door, on the port the projection names (operator/internal/manifests/gateway.go
 * NewGatewayHTTPService: `public` 8080 beside `metrics` 8081; var.go: the query frontend's `metrics` 3100 without
 * spec.tenants). Scheme: https when the projection says the gateway serves TLS, else the port's name, appProtocol or
 * OpenShift serving-cert annotation (the operator annotates its Services where the httpEncryption gate runs).
 */
function lokiStackEntry(s: ServiceView, r: ResourceEvidence, port: ServicePort): Detection | null {
  const scheme = r.spec.tls === true ? 'https' : portScheme(s, port);
  if (r.spec.gateway !== true) {
    // No gateway: the query frontend is Loki itself.
    const path = trimPath(specText(r, 'path'));
    return { port: portRef(port), scheme, ...(path ? { path } : {}), health: { path: `${path}/ready` } };
  }
  if (specText(r, 'tenantsMode') === 'passthrough') {
    // The passthrough gateway (operator/internal/passthroughgateway/proxy.go) forwards Loki's own paths to the query
    // frontend, the tenant in X-Scope-OrgID (or its -default-tenant): the API is at the root. Its /ready is on the
    // admin port; on the public port /ready reaches the query frontend's. With TLS it asks for a client certificate
    // (server.go BuildServerTLSConfigWithClientAuth) that a probe does not have: no probe path then.
    return { port: portRef(port), scheme, health: scheme === 'https' ? null : { path: '/ready' } };
  }
  // The observatorium gateway mounts each tenant's Loki API at /api/logs/v1/<tenant> (observatorium/api main.go at
  // e5cc822; the operator's Ingress routes /api/logs/v1, gateway.go NewGatewayIngress). One entry per install: the
  // `application` tenant in the openshift-logging mode (the one users query; infrastructure and audit are the
  // cluster's), else the first tenant the resource lists. No tenant known: no API URL to give.
  const tenants = specTenants(r);
  const tenant = tenants.includes('application') && specText(r, 'tenantsMode') === 'openshift-logging' ? 'application' : tenants[0];
  if (tenant === undefined) return null;
  const base = trimPath(specText(r, 'path')) || '/api/logs/v1';
  // Health: the gateway's /ready and /live are on its internal `metrics` port 8081 (gateway.go probes); on `public`
  // it answers GET / itself, unauthenticated, with its route list (observatorium/api main.go, server/paths.go).
  return { port: portRef(port), scheme, path: `${base}/${tenant}`, health: { path: '/' } };
}

function fromEvidence(s: ServiceView, ctx: DetectContext): Detection | null {
  const op = operatorFrontDoor(s, ['LokiStack']);
  if (op !== undefined) return op === null ? null : lokiStackEntry(s, op.resource, op.port);
  const found = evidenceRole(s, ctx);
  if (found === null) return null;
  const { role: r, port } = found;
  const sameRole = (o: ServiceView, want: Role) => (hasEvidence(o) ? evidenceRole(o, ctx)?.role === want : sameInstallRole(s, o, want)) && sameInstall(s, o);
  if (r === 'query' && ctx.siblings().some((o) => !isExternalName(o) && !looksHeadless(o) && (sameRole(o, 'gateway') || isLokiStackGateway(s, o)))) return null;
  if (yieldsToTwin(s, ctx, (o) => sameRole(o, r))) return null;
  const main = r === 'query' ? productContainer(s, LOKI) : undefined;
  const prefix = main ? trimPath(argValue(main.container, 'server.path-prefix')) : '';
  return { port: portRef(port), scheme: portScheme(s, port), ...(prefix ? { path: prefix } : {}), health: { path: r === 'gateway' ? '/' : `${prefix}/ready` } };
}

function role(s: ServiceView): Role | null {
  if (mentionsAny(s, NON_API_WORDS)) return null;
  const name = labelOrSelector(s, 'app.kubernetes.io/name');
  const app = labelOrSelector(s, 'app');
  if (name !== 'loki' && name !== 'enterprise-logs' && app !== 'loki') return null;
  // The memberlist Service selects every ring member (`app.kubernetes.io/part-of: memberlist`): not an API.
  if (s.spec.selector?.['app.kubernetes.io/part-of'] === 'memberlist') return null;
  const component = labelOrSelector(s, 'app.kubernetes.io/component') ?? labelOrSelector(s, 'component');
  if (component === 'gateway') return 'gateway';
  if (component === undefined || QUERY_COMPONENTS.includes(component)) return 'query';
  return null;
}

function apiPort(s: ServiceView, r: Role): ServicePort | undefined {
  return r === 'gateway'
    ? findPort(s, { names: ['http', 'http-metrics', 'https'], numbers: [80, 8080, 443] })
    : findPort(s, { names: ['http-metrics', 'http', 'https'], numbers: [3100] });
}

/** True when `other` is a usable Service of the same install in role `r`. */
function sameInstallRole(s: ServiceView, other: ServiceView, r: Role): boolean {
  return sameInstall(s, other) && role(other) === r && apiPort(other, r) !== undefined;
}

/** True when the install of a query-path Service has a gateway: the gateway is its front door. */
function hasGateway(s: ServiceView, ctx: DetectContext): boolean {
  return ctx.siblings().some((o) => !isExternalName(o) && !looksHeadless(o) && sameInstallRole(s, o, 'gateway'));
}

export default defineDetector({
  name: 'loki',
  version: '1.2.0',
  description: 'Grafana Loki (logs) — the gateway when the install has one, else the read / query-frontend / single-binary path.',
  type: 'loki',
  // With evidence it claims only Services where Loki runs, a gateway labelled so (the charts' nginx: evidenceRole),
  // or a LokiStack's front door: the host asks about no other.
  evidence: interestOf([LOKI], { resourceKinds: ['LokiStack'], labels: { 'app.kubernetes.io/component': ['gateway'], component: ['gateway'] } }),
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service)) return null;
    if (hasEvidence(service)) return fromEvidence(service, ctx);
    const r = role(service);
    if (r === null) return null;
    const port = apiPort(service, r);
    if (port === undefined) return null;
    if (r === 'query' && hasGateway(service, ctx)) return null;
    if (yieldsToTwin(service, ctx, (o) => sameInstallRole(service, o, r))) return null;
    return { port: portRef(port), scheme: portScheme(service, port), health: { path: r === 'gateway' ? '/' : '/ready' } };
  },
  toolsets(found): Record<string, ToolsetEntry> {
    // HolmesGPT 2026: `api_url` (Loki itself, no Grafana proxy); `url` is a deprecated alias.
    const config: Record<string, unknown> = { api_url: found.url };
    if (found.scheme === 'https') config.verify_ssl = false;
    return { 'grafana/loki': { enabled: true, config } };
  },
});
