// Built-in detector: Jaeger query (UI + HTTP API) — never collectors or agents.
//
// Evidence (labels, else the Service selector):
//   - app.kubernetes.io/name=jaeger (jaegertracing/jaeger chart) with component `query` (v1 chart, 3.x) or
//     `all-in-one` (v2 chart, 4.x); no component is accepted only with a dedicated query port (plain manifests)
//   - app.kubernetes.io/part-of=jaeger or app=jaeger with component `service-query` / `query` / `all-in-one`
//     (jaeger-operator: `<name>-query`)
//   Never: component collector / agent / ingester / service-collector / service-agent, Tempo (its single binary
//   exposes a Jaeger UI port 16686 but is labelled tempo), hotrod, operators.
// Port: `query` (v1 chart: 80 → 16686), `http-query` (v2 chart, operator), `query-http`; else 16686; else the port
// forwarding to container port 16686 / `query`. A plain `http` port is never taken: collectors name theirs `http`.
// Scheme: https when the port's name/appProtocol or an OpenShift serving-cert annotation says so.
// Health: `/` on the query port, relative to host:port (the UI answers there; a --query.base-path is not visible).
//
// With workload evidence the Pods decide: jaegertracing/all-in-one, jaegertracing/jaeger-query or the v2
// jaegertracing/jaeger, with the query port (by name, 16686, or the port landing on the container's 16686/query
// port) landing on that container — a collector (no query port), Tempo's tempo-query sidecar and other images are no
// entry; nothing behind the Service: no entry. --query.base-path / QUERY_BASE_PATH (cmd/query/app/flags.go; viper
// maps flags to env) is the path, and the UI answers at it.
import {
  defineDetector,
  isExternalName,
  labelOrSelector,
  findPort,
  findPortByTarget,
  portRef,
  portScheme,
  mentionsAny,
  NON_API_WORDS,
  hasEvidence,
  workloads,
  argValue,
} from '@kubernaut/toolset-sdk';
import { interestOf, operatorScheme, portOnto, productContainer, reaches, trimPath } from '../shared/evidence.js';
import type { Product } from '../shared/evidence.js';
import type { Detection, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

const QUERY_COMPONENTS = ['query', 'all-in-one', 'service-query', 'allinone'];

function queryPort(s: ServiceView): ServicePort | undefined {
  return findPort(s, { names: ['query', 'http-query', 'query-http'], numbers: [16686] }) ?? findPortByTarget(s, [16686, 'query', 'http-query']);
}

const JAEGER: Product = { images: ['jaegertracing/all-in-one', 'jaegertracing/jaeger-query', 'jaegertracing/jaeger'], names: ['jaeger', 'jaeger-query'] };

function fromEvidence(s: ServiceView): Detection | null {
  if (workloads(s).length === 0 || mentionsAny(s, NON_API_WORDS)) return null;
  const main = productContainer(s, JAEGER);
  if (main === undefined) return null;
  let port = queryPort(s);
  if (port === undefined || !reaches(s, port, JAEGER)) port = portOnto(s, JAEGER, { names: ['query', 'http-query', 'query-http'], numbers: [16686] });
  if (port === undefined) return null;
  const c = main.container;
  const prefix = trimPath(argValue(c, 'query.base-path') ?? c.env.QUERY_BASE_PATH);
  const tls = (argValue(c, 'query.http.tls.enabled') ?? c.env.QUERY_HTTP_TLS_ENABLED ?? '').toLowerCase() === 'true' || argValue(c, 'query.http.tls.enabled') === '';
  return { port: portRef(port), scheme: operatorScheme(s, port, JAEGER, ['Jaeger'], tls ? 'https' : portScheme(s, port)), ...(prefix ? { path: prefix } : {}), health: { path: `${prefix}/` } };
}

function isJaegerQuery(s: ServiceView): boolean {
  if (mentionsAny(s, NON_API_WORDS) || mentionsAny(s, ['tempo', 'hotrod'])) return false;
  const name = labelOrSelector(s, 'app.kubernetes.io/name');
  const app = labelOrSelector(s, 'app');
  const partOf = labelOrSelector(s, 'app.kubernetes.io/part-of');
  if (name !== 'jaeger' && app !== 'jaeger' && partOf !== 'jaeger') return false;
  const component = labelOrSelector(s, 'app.kubernetes.io/component') ?? labelOrSelector(s, 'component');
  if (component === undefined) return name === 'jaeger' || app === 'jaeger';
  return QUERY_COMPONENTS.includes(component);
}

export default defineDetector({
  name: 'jaeger',
  version: '1.2.0',
  description: 'Jaeger query service (traces API and UI) — published as a read-only HTTP toolset.',
  type: 'jaeger',
  // With evidence it claims only Services where a Jaeger query runs (fromEvidence): the host asks about no other.
  evidence: interestOf([JAEGER]),
  detect(service: ServiceView): Detection | null {
    if (isExternalName(service)) return null;
    if (hasEvidence(service)) return fromEvidence(service);
    if (!isJaegerQuery(service)) return null;
    const port = queryPort(service);
    if (port === undefined) return null;
    return { port: portRef(port), scheme: portScheme(service, port), health: { path: '/' } };
  },
  toolsets(found): Record<string, ToolsetEntry> {
    const prefix = found.path === '/' ? '' : found.path;
    return {
      'jaeger/query': {
        enabled: true,
        type: 'http',
        description: `Jaeger query API ${found.service.namespace}/${found.service.name}: services, operations and traces (read-only).`,
        llm_instructions:
          'Use the Jaeger query HTTP API with GET requests only: /api/services lists services, ' +
          '/api/services/{service}/operations their operations, /api/traces?service=<name>&lookback=1h&limit=20 ' +
          '(optionally &tags={"error":"true"}, &minDuration=500ms) searches traces and /api/traces/{traceID} fetches one. ' +
          'Look for error tags and slow spans and tie them back to the workloads under investigation.',
        config: {
          endpoints: [{ hosts: [`${found.host}:${found.port}`], paths: [`${prefix}/api/*`], methods: ['GET'] }],
        },
      },
    };
  },
});
