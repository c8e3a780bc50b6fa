// Built-in detector: Grafana Tempo — the HTTP query API (port 3200).
//
// Evidence (labels, else the Service selector): app.kubernetes.io/name=tempo or app=tempo. Role from
// app.kubernetes.io/component:
//   none (grafana/tempo single binary)  → port `tempo-prom-metrics` / `http` / `http-metrics`, else 3200, else 3100
//                                          (chart < 0.7). That Service lists the Jaeger UDP receivers first and, with
//                                          tempo-query enabled, a Jaeger UI on 16686: neither is the API.
//   query-frontend (tempo-distributed,  → port `http-metrics` / `http`, else 3200
//   Tempo operator)
//   anything else (distributor, ingester, querier, compactor, metrics-generator, gateway, memcached, gossip-ring,
//   admin-api, enterprise-gateway…) → not a query endpoint.
// Scheme: https when the port's name/appProtocol or an OpenShift serving-cert annotation says so.
// Health: `/ready` relative to host:port.
// One endpoint per install: a headless twin (`*-query-frontend-discovery`, `*-headless`) is skipped when a normal
// Service of the same role selects the same pods.
import {
  defineDetector,
  isExternalName,
  labelOrSelector,
  findPort,
  portRef,
  portScheme,
  yieldsToTwin,
  sameInstall,
  mentionsAny,
  NON_API_WORDS,
} from '@kubernaut/toolset-sdk';
import type { Detection, DetectContext, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

type Role = 'single' | 'query-frontend';

function role(s: ServiceView): Role | null {
  if (mentionsAny(s, NON_API_WORDS)) return null;
  if (labelOrSelector(s, 'app.kubernetes.io/name') !== 'tempo' && labelOrSelector(s, 'app') !== 'tempo') return null;
  const component = labelOrSelector(s, 'app.kubernetes.io/component') ?? labelOrSelector(s, 'component');
  if (component === undefined) return 'single';
  return component === 'query-frontend' ? 'query-frontend' : null;
}

function apiPort(s: ServiceView, r: Role): ServicePort | undefined {
  return r === 'single'
    ? findPort(s, { names: ['tempo-prom-metrics', 'http', 'http-metrics', 'https'], numbers: [3200, 3100] })
    : findPort(s, { names: ['http-metrics', 'http', 'https'], numbers: [3200] });
}

export default defineDetector({
  name: 'tempo',
  version: '1.0.0',
  description: 'Grafana Tempo (traces) — the single binary, or the query-frontend of a distributed install.',
  type: 'tempo',
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service)) return null;
    const r = role(service);
    if (r === null) return null;
    const port = apiPort(service, r);
    if (port === undefined) return null;
    if (yieldsToTwin(service, ctx, (o) => sameInstall(service, o) && role(o) === r && apiPort(o, r) !== undefined)) return null;
    return { port: portRef(port), scheme: portScheme(service, port), health: { path: '/ready' } };
  },
  toolsets(found): Record<string, ToolsetEntry> {
    // HolmesGPT 2026: `api_url` (Tempo itself); `url` is a deprecated alias.
    const config: Record<string, unknown> = { api_url: found.url };
    if (found.scheme === 'https') config.verify_ssl = false;
    return { 'grafana/tempo': { enabled: true, config } };
  },
});
