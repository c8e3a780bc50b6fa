import test from 'ava';
import plugin from './index.js';
import { svc, ctx } from '@kubernaut/toolset-sdk/testing';

const single = { 'app.kubernetes.io/name': 'tempo', 'app.kubernetes.io/instance': 'traces' };
const qf = { ...single, 'app.kubernetes.io/component': 'query-frontend' };

test('single binary: UDP receivers first and a Jaeger UI port do not matter, 3200 is the API', (t) => {
  const s = svc('traces-tempo', {
    labels: single,
    ports: [['tempo-jaeger-thrift-compact', 6831, { protocol: 'UDP' }], ['tempo-query-jaeger-ui', 16686], ['tempo-prom-metrics', 3200], ['grpc-tempo-otlp', 4317]],
  });
  const c = ctx();
  t.deepEqual(plugin.detect(s, c), { port: 'tempo-prom-metrics', scheme: 'http', health: { path: '/ready' } });
  t.is(c.calls, 0);
});

test('older single-binary chart on 3100', (t) => {
  t.is(plugin.detect(svc('t', { labels: single, ports: [['tempo-jaeger-thrift-compact', 6831, { protocol: 'UDP' }], ['tempo-prom-metrics', 3100]] }), ctx())?.port, 'tempo-prom-metrics');
});

test('distributed: only the query-frontend; its discovery twin is skipped next to it', (t) => {
  const front = svc('apm-tempo-query-frontend', { labels: qf, selector: qf, ports: [['http-metrics', 3200], ['grpc', 9095], ['tempo-query-jaeger-ui', 16686]] });
  const discovery = svc('apm-tempo-query-frontend-discovery', { labels: qf, selector: qf, headless: true, ports: [['http', 3200], ['grpc', 9095]] });
  t.is(plugin.detect(front, ctx())?.port, 'http-metrics');
  t.is(plugin.detect(discovery, ctx([front])), null);
  for (const component of ['distributor', 'ingester', 'querier', 'compactor', 'metrics-generator', 'gateway', 'memcached', 'gossip-ring']) {
    t.is(plugin.detect(svc(component, { labels: { ...single, 'app.kubernetes.io/component': component }, ports: [['http-metrics', 3200]] }), ctx()), null, component);
  }
});

test('Tempo operator query-frontend, UDP-only LoadBalancer, plain 3200', (t) => {
  const op = svc('tempo-simplest-query-frontend', { labels: { 'app.kubernetes.io/name': 'tempo', 'app.kubernetes.io/component': 'query-frontend', 'app.kubernetes.io/managed-by': 'tempo-operator', 'app.kubernetes.io/instance': 'simplest' }, ports: [['http', 3200], ['grpc', 9095], ['jaeger-ui', 16686]] });
  t.is(plugin.detect(op, ctx())?.port, 'http');
  t.is(plugin.detect(svc('ingest-tempo', { labels: single, type: 'LoadBalancer', ports: [['tempo-jaeger-thrift-compact', 6831, { protocol: 'UDP' }]] }), ctx()), null);
  t.is(plugin.detect(svc('x', { labels: { app: 'traces-api' }, ports: [['http', 3200]] }), ctx()), null);
});

test('evidence: Tempo by image and -target; other targets, another image or nothing behind are no entry', (t) => {
  const s = svc('spans', { labels: { app: 'spans' }, ports: [['http', 3200], ['otlp-grpc', 4317]], workloads: [{ image: 'grafana/tempo:2.8.1', args: ['-config.file=/conf/tempo.yaml'] }] });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'http', scheme: 'http', health: { path: '/ready' } });
  const qf = svc('qf', { ports: [['http-metrics', 3200]], workloads: [{ image: 'grafana/tempo:2.8.1', args: ['-target=query-frontend'] }] });
  t.truthy(plugin.detect(qf, ctx()));
  t.is(plugin.detect(svc('ing', { labels: single, ports: [['http-metrics', 3200]], workloads: [{ image: 'grafana/tempo:2.8.1', args: ['-target=ingester'] }] }), ctx()), null);
  t.is(plugin.detect(svc('t', { labels: single, ports: [['tempo-prom-metrics', 3200]], workloads: [{ image: 'ghcr.io/acme/traces:1' }] }), ctx()), null);
  t.is(plugin.detect(svc('t', { labels: single, ports: [['tempo-prom-metrics', 3200]], workloads: [] }), ctx()), null);
});

// TempoStack / TempoMonolithic resources as the host projects them (core/src/discovery/operators.ts tempoStackSpec,
// tempoMonolithicSpec) and Services, Pods as grafana/tempo-operator makes them at 049c8f2
// (internal/manifests/{gateway/gateway.go, queryfrontend/query_frontend.go, monolithic/{services,statefulset}.go},
// manifestutils/labels.go ComponentLabels; test/fixtures/operators/tempo-operator.yaml).
const stack = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'tempo.grafana.com/v1alpha1', kind, name, namespace: 'tracing', spec, via: 'ownerReference' });
const op = (component: string, instance: string, name = 'tempo') => ({ 'app.kubernetes.io/component': component, 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/managed-by': 'tempo-operator', 'app.kubernetes.io/name': name });
const tempoTarget = (target: string) => ({ image: 'docker.io/grafana/tempo:2.8.2', name: 'tempo', args: [`-target=${target}`, '-config.file=/conf/tempo.yaml'], ports: [['http', 3200], ['grpc', 9095]] as Array<[string, number]>, labels: op(target, 'simplest') });
const observatorium = { image: 'quay.io/observatorium/api:main-2026-08-13-db2b289', name: 'tempo-gateway', args: ['--web.listen=0.0.0.0:8080', '--web.internal.listen=0.0.0.0:8081'], ports: [['grpc-public', 8090], ['internal', 8081], ['public', 8080]] as Array<[string, number]>, labels: op('gateway', 'simplest') };
function tempoStack(spec: Record<string, unknown>) {
  const r = [stack('TempoStack', 'simplest', spec)];
  const qf = svc('tempo-simplest-query-frontend', { ns: 'tracing', labels: op('query-frontend', 'simplest'), ports: [['http', 3200, { targetPort: 'http' }], ['grpc', 9095, { targetPort: 'grpc' }], ['jaeger-ui', 16686, { targetPort: 'jaeger-ui' }]], workloads: [{ ...tempoTarget('query-frontend'), sidecars: [{ image: 'docker.io/jaegertracing/jaeger-query:1.68.0', ports: [{ name: 'jaeger-ui', containerPort: 16686 }] }] }], resources: r });
  const discovery = svc('tempo-simplest-query-frontend-discovery', { ns: 'tracing', labels: op('query-frontend-discovery', 'simplest'), headless: true, ports: [['http', 3200, { targetPort: 'http' }], ['grpc', 9095, { targetPort: 'grpc' }]], workloads: [tempoTarget('query-frontend')], resources: r });
  const distributor = svc('tempo-simplest-distributor', { ns: 'tracing', labels: op('distributor', 'simplest'), ports: [['otlp-grpc', 4317], ['http', 3200, { targetPort: 'http' }]], workloads: [tempoTarget('distributor')], resources: r });
  const querier = svc('tempo-simplest-querier', { ns: 'tracing', labels: op('querier', 'simplest'), ports: [['http', 3200, { targetPort: 'http' }]], workloads: [tempoTarget('querier')], resources: r });
  const gw = svc('tempo-simplest-gateway', { ns: 'tracing', labels: op('gateway', 'simplest'), ports: [['grpc-public', 8090, { targetPort: 'grpc-public' }], ['internal', 8081, { targetPort: 'internal' }], ['public', 8080, { targetPort: 'public' }]], workloads: [observatorium], resources: r });
  return { qf, discovery, distributor, querier, gw };
}

test('TempoStack without the gateway: the query frontend is the one entry (http 3200); -discovery, distributor, querier are none', (t) => {
  const spec = { tls: false, path: '', gateway: false, jaegerQuery: true, frontDoor: { service: 'tempo-simplest-query-frontend', port: 'http', number: 3200 } };
  const { qf, discovery, distributor, querier } = tempoStack(spec);
  const all = [qf, discovery, distributor, querier];
  const c = ctx(all);
  t.deepEqual(plugin.detect(qf, c), { port: 'http', scheme: 'http', health: { path: '/ready' } });
  t.is(c.calls, 0);
  for (const s of [discovery, distributor, querier]) t.is(plugin.detect(s, ctx(all)), null, s.metadata.name);
});

test('TempoStack with the gateway: public 8080 under the first tenant\'s /tempo, probed at / ; the query frontend is no entry beside it', (t) => {
  const spec = (mode: string, tls: boolean) => ({ tls, path: '', gateway: true, tenantsMode: mode, tenants: ['dev', 'prod'], frontDoor: { service: 'tempo-simplest-gateway', port: 'public', number: 8080 } });
  const s = tempoStack(spec('static', false));
  const all = Object.values(s);
  t.deepEqual(plugin.detect(s.gw, ctx(all)), { port: 'public', scheme: 'http', path: '/api/traces/v1/dev/tempo', health: { path: '/' } });
  for (const o of [s.qf, s.discovery, s.distributor, s.querier]) t.is(plugin.detect(o, ctx(all)), null, o.metadata.name);
  // openshift mode: the gateway serves TLS.
  t.is(plugin.detect(tempoStack(spec('openshift', true)).gw, ctx())?.scheme, 'https');
  // No tenant known: no API URL to give (and still no component instead).
  const none = tempoStack({ ...spec('static', false), tenants: [] });
  t.is(plugin.detect(none.gw, ctx()), null);
  t.is(plugin.detect(none.qf, ctx()), null);
});

test('TempoMonolithic with multitenancy: its only Service is tempo-<name>-gateway; public 8080 lands on the gateway sidecar, http 3200 on Tempo', (t) => {
  const mono = op('tempo', 'mono', 'tempo-monolithic');
  const pod = { image: 'docker.io/grafana/tempo:2.8.2', name: 'tempo', args: ['-config.file=/conf/tempo.yaml'], ports: [['http', 3200], ['otlp-grpc', 4317]] as Array<[string, number]>, owner: { kind: 'StatefulSet', name: 'tempo-mono' }, labels: mono, sidecars: [{ image: 'quay.io/observatorium/api:main-2026-08-13-db2b289', name: 'tempo-gateway', ports: [{ name: 'public', containerPort: 8080 }, { name: 'internal', containerPort: 8081 }] }] };
  const spec = { tls: true, path: '', gateway: true, tenantsMode: 'openshift', tenants: ['dev'], frontDoor: { service: 'tempo-mono-gateway', port: 'public', number: 8080 } };
  const ports: Array<[string, number, { targetPort: string }]> = [['public', 8080, { targetPort: 'public' }], ['internal', 8081, { targetPort: 'internal' }], ['http', 3200, { targetPort: 'http' }]];
  const gw = svc('tempo-mono-gateway', { ns: 'tracing', labels: op('gateway', 'mono', 'tempo-monolithic'), selector: mono, ports, workloads: [pod], resources: [stack('TempoMonolithic', 'mono', spec)] });
  t.deepEqual(plugin.detect(gw, ctx()), { port: 'public', scheme: 'https', path: '/api/traces/v1/dev/tempo', health: { path: '/' } });
  // Without the resource the Pods alone say Tempo on http 3200 (the rule as it was).
  const podsOnly = { ...gw, evidence: { workloads: gw.evidence!.workloads, resources: [] } };
  t.deepEqual(plugin.detect(podsOnly, ctx()), { port: 'http', scheme: 'http', health: { path: '/ready' } });
});

test('TempoMonolithic without multitenancy: tempo-<name> on http 3200 is the entry; no Pod behind the front door is none', (t) => {
  const mono = op('tempo', 'mono', 'tempo-monolithic');
  const spec = { tls: false, path: '', gateway: false, frontDoor: { service: 'tempo-mono', port: 'http', number: 3200 } };
  const r = [stack('TempoMonolithic', 'mono', spec)];
  const pod = { image: 'docker.io/grafana/tempo:2.8.2', name: 'tempo', ports: [['http', 3200], ['otlp-grpc', 4317]] as Array<[string, number]>, owner: { kind: 'StatefulSet', name: 'tempo-mono' }, labels: mono };
  const s = svc('tempo-mono', { ns: 'tracing', labels: mono, selector: mono, ports: [['http', 3200, { targetPort: 'http' }], ['otlp-grpc', 4317, { targetPort: 'otlp-grpc' }]], workloads: [pod], resources: r });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'http', scheme: 'http', health: { path: '/ready' } });
  t.is(plugin.detect({ ...s, evidence: { workloads: [], resources: r } }, ctx()), null);
});
