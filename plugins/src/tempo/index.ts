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
//
// With a TempoStack or TempoMonolithic resource tied to the Service (evidence.resources; the host's projection,
// core/src/discovery/operators.ts, names its front door) the resource decides, as grafana/tempo-operator builds it (at
// 049c8f2): its front door — the gateway with one, else the query frontend (TempoStack) or tempo-<name>
// (TempoMonolithic) — is the one entry; every other Service of it (distributor, ingester, compactor, querier,
// the -discovery twin, a user's Service in front of its Pods) is none. See tempoOperatorEntry.
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
import { interestOf, operatorFrontDoor, portOnto, productContainer, reaches, specTenants, specText, trimPath } from '../shared/evidence.js';
import type { Product } from '../shared/evidence.js';
import type { Detection, DetectContext, ResourceEvidence, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

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

/**
 * The Tempo operator's front door, on the port the projection names: `public` 8080 of tempo-<name>-gateway
 * (internal/manifests/gateway/gateway.go service, monolithic/services.go buildGatewayService), else `http` 3200.
 * Scheme: https when the projection says the gateway serves TLS, else the port's name, appProtocol or OpenShift
 * serving-cert annotation.
 */
function tempoOperatorEntry(s: ServiceView, r: ResourceEvidence, port: ServicePort): Detection | null {
  const scheme = r.spec.tls === true ? 'https' : portScheme(s, port);
  if (r.spec.gateway !== true) {
    const path = trimPath(specText(r, 'path'));
    return { port: portRef(port), scheme, ...(path ? { path } : {}), health: { path: `${path}/ready` } };
  }
  // The gateway is observatorium's API (--traces.tempo.endpoint, gateway.go / monolithic/statefulset.go
  // configureGateway): /api/traces/v1/<tenant> per tenant (observatorium/api main.go at e5cc822), and under it /tempo/api*
  // goes to Tempo with /tempo removed (api/traces/v1/http.go) — the operator's own Grafana datasource example uses
  // .../api/traces/v1/<tenant>/tempo (docs/examples/openshift/uiplugin/datasources-tempo.yaml). One entry per install:
  // the first tenant the resource lists; none known, no API URL to give.
  const tenant = specTenants(r)[0];
  if (tenant === undefined) return null;
  const base = trimPath(specText(r, 'path')) || '/api/traces/v1';
  // Health: the gateway's /ready is on its `internal` port 8081 (gateway.go ReadinessProbe); on `public` it answers
  // GET / itself, unauthenticated, with its route list (observatorium/api main.go, server/paths.go).
  return { port: portRef(port), scheme, path: `${base}/${tenant}/tempo`, health: { path: '/' } };
}

export default defineDetector({
  name: 'tempo',
  version: '1.2.0',
  description: 'Grafana Tempo (traces) — the single binary, or the query-frontend of a distributed install.',
  type: 'tempo',
  // With evidence it claims only Services where Tempo runs (evidenceRole) or a TempoStack/TempoMonolithic's front
  // door: the host asks about no other.
  evidence: interestOf([TEMPO], { resourceKinds: ['TempoStack', 'TempoMonolithic'] }),
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service)) return null;
    if (hasEvidence(service)) {
      const op = operatorFrontDoor(service, ['TempoStack', 'TempoMonolithic']);
      if (op !== undefined) return op === null ? null : tempoOperatorEntry(service, op.resource, op.port);
      const found = evidenceRole(service);
      if (found === null) return null;
      const same = (o: ServiceView) => sameInstall(service, o) && (hasEvidence(o) ? evidenceRole(o)?.role === found.role : role(o) === found.role && apiPort(o, found.role) !== undefined);
      if (yieldsToTwin(service, ctx, same)) return null;
      const { port, prefix } = found;
      // A TempoStack/TempoMonolithic tied to the Service was decided above: the port's own scheme is what is left.
      return { port: portRef(port), scheme: portScheme(service, port), ...(prefix ? { path: prefix } : {}), health: { path: `${prefix}/ready` } };
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
