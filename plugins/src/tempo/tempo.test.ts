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
