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
} from '@kubernaut/toolset-sdk';
import type { Detection, DetectContext, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

type Role = 'gateway' | 'query';
const QUERY_COMPONENTS = ['read', 'query-frontend', 'single-binary'];

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
  version: '1.0.0',
  description: 'Grafana Loki (logs) — the gateway when the install has one, else the read / query-frontend / single-binary path.',
  type: 'loki',
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service)) return null;
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
