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
//
// With workload evidence the Pods decide: grafana/tempo or grafana/enterprise-traces; -target absent, all or
// scalable-single-binary is the single binary, query-frontend the query-frontend, any other target no entry (the
// -target module flag, cmd/tempo/app/modules.go). The API port must land on the Tempo container (a tempo-query
// Jaeger UI sidecar on 16686 is not it); nothing behind the Service: no entry. -server.path-prefix moves the API.
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
  hasEvidence,
  workloads,
  argValue,
} from '@kubernaut/toolset-sdk';
import { operatorScheme, portOnto, productContainer, reaches, trimPath } from '../shared/evidence.js';
import type { Product } from '../shared/evidence.js';
import type { Detection, DetectContext, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

type Role = 'single' | 'query-frontend';

function role(s: ServiceView): Role | null {
  if (mentionsAny(s, NON_API_WORDS)) return null;
  if (labelOrSelector(s, 'app.kubernetes.io/name') !== 'tempo' && labelOrSelector(s, 'app') !== 'tempo') return null;
  const component = labelOrSelector(s, 'app.kubernetes.io/component') ?? labelOrSelector(s, 'component');
  if (component === undefined) return 'single';
  return component === 'query-frontend' ? 'query-frontend' : null;
}

const TEMPO: Product = { images: ['grafana/tempo', 'grafana/enterprise-traces'], names: ['tempo'], words: ['tempo'] };
const SINGLE_TARGETS = ['all', 'scalable-single-binary'];

function evidenceRole(s: ServiceView): { role: Role; port: ServicePort; prefix: string } | null {
  if (workloads(s).length === 0 || mentionsAny(s, NON_API_WORDS)) return null;
  const main = productContainer(s, TEMPO);
  if (main === undefined) return null;
  const t = argValue(main.container, 'target');
  const r: Role | null = t === undefined || SINGLE_TARGETS.includes(t) ? 'single' : t === 'query-frontend' ? 'query-frontend' : null;
  if (r === null) return null;
  let port = apiPort(s, r);
  if (port === undefined || !reaches(s, port, TEMPO)) port = portOnto(s, TEMPO, { names: ['http', 'http-metrics', 'tempo-prom-metrics'], numbers: [3200] });
  return port === undefined ? null : { role: r, port, prefix: trimPath(argValue(main.container, 'server.path-prefix')) };
}

function apiPort(s: ServiceView, r: Role): ServicePort | undefined {
  return r === 'single'
    ? findPort(s, { names: ['tempo-prom-metrics', 'http', 'http-metrics', 'https'], numbers: [3200, 3100] })
    : findPort(s, { names: ['http-metrics', 'http', 'https'], numbers: [3200] });
}

export default defineDetector({
  name: 'tempo',
  version: '1.1.0',
  description: 'Grafana Tempo (traces) — the single binary, or the query-frontend of a distributed install.',
  type: 'tempo',
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service)) return null;
    if (hasEvidence(service)) {
      const found = evidenceRole(service);
      if (found === null) return null;
      const same = (o: ServiceView) => sameInstall(service, o) && (hasEvidence(o) ? evidenceRole(o)?.role === found.role : role(o) === found.role && apiPort(o, found.role) !== undefined);
      if (yieldsToTwin(service, ctx, same)) return null;
      const { port, prefix } = found;
      const scheme = operatorScheme(service, port, TEMPO, ['TempoStack', 'TempoMonolithic'], portScheme(service, port));
      return { port: portRef(port), scheme, ...(prefix ? { path: prefix } : {}), health: { path: `${prefix}/ready` } };
    }
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
