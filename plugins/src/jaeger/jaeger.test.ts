import test from 'ava';
import plugin from './index.js';
import { svc, ctx, type SvcOptions } from '@kubernaut/toolset-sdk/testing';

const j = (component?: string) => ({ 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/instance': 's', ...(component ? { 'app.kubernetes.io/component': component } : {}) });

test('v1 chart query Service (query 80 -> 16686) and v2 all-in-one (http-query among many ports)', (t) => {
  t.deepEqual(plugin.detect(svc('s-jaeger-query', { labels: j('query'), ports: [['query', 80, { targetPort: 'query' }], ['admin', 16687]] }), ctx()), { port: 'query', scheme: 'http', health: { path: '/' } });
  const aio = svc('s-jaeger', {
    labels: j('all-in-one'),
    ports: [['zk-compact-trft', 5775, { protocol: 'UDP' }], ['http-zipkin', 9411, { appProtocol: 'http' }], ['http-c-binary-trft', 14268, { appProtocol: 'http' }], ['http-query', 16686], ['grpc-query', 16685]],
  });
  t.is(plugin.detect(aio, ctx())?.port, 'http-query');
});

test('jaeger-operator: <name>-query is detected, collector / agent / headless collector are not', (t) => {
  const op = (name: string, component: string, ports: SvcOptions['ports']) =>
    svc(name, { labels: { app: 'jaeger', 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'simplest', 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': 'jaeger', 'app.kubernetes.io/managed-by': 'jaeger-operator' }, ports });
  t.is(plugin.detect(op('simplest-query', 'service-query', [['http-query', 16686], ['grpc-query', 16685]]), ctx())?.port, 'http-query');
  t.is(plugin.detect(op('simplest-collector', 'service-collector', [['http-c-binary-trft', 14268], ['grpc-otlp', 4317]]), ctx()), null);
  t.is(plugin.detect(op('simplest-collector-headless', 'service-collector', [['http-c-binary-trft', 14268]]), ctx()), null);
  t.is(plugin.detect(op('simplest-agent', 'service-agent', [['zk-compact-trft', 5775, { protocol: 'UDP' }], ['config-rest', 5778]]), ctx()), null);
});

test('collectors name a port "http": never taken, even without a component label', (t) => {
  t.is(plugin.detect(svc('s-jaeger-collector', { labels: j('collector'), ports: [['grpc', 14250], ['http', 14268]] }), ctx()), null);
  t.is(plugin.detect(svc('jaeger', { labels: j(), ports: [['grpc', 14250], ['http', 14268]] }), ctx()), null);
  t.is(plugin.detect(svc('jaeger', { labels: j(), ports: [['http', 14268], ['query-http', 16686]] }), ctx())?.port, 'query-http');
});

test('Tempo exposing a Jaeger UI on 16686 is not a Jaeger, nor is hotrod or a plain app on 16686', (t) => {
  t.is(plugin.detect(svc('traces-tempo', { labels: { 'app.kubernetes.io/name': 'tempo' }, ports: [['tempo-query-jaeger-ui', 16686]] }), ctx()), null);
  t.is(plugin.detect(svc('s-jaeger-hotrod', { labels: j('hotrod'), ports: [['http', 80, { targetPort: 8080 }]] }), ctx()), null);
  t.is(plugin.detect(svc('trace-viewer', { labels: { app: 'trace-viewer' }, ports: [['http-query', 16686]] }), ctx()), null);
});

test('toolsets: host:port and /api/* (behind a base path when there is one)', (t) => {
  const out = plugin.toolsets!(
    { detector: 'jaeger', type: 'jaeger', service: { name: 'q', namespace: 'n', labels: {}, annotations: {} }, url: 'http://q.n.svc.cluster.local:16686/jaeger', scheme: 'http', host: 'q.n.svc.cluster.local', port: 16686, path: '/jaeger', healthPath: '/' },
    { config: {} },
  );
  t.deepEqual(out?.['jaeger/query']?.config, { endpoints: [{ hosts: ['q.n.svc.cluster.local:16686'], paths: ['/jaeger/api/*'], methods: ['GET'] }] });
});

test('evidence: all-in-one found by image on an odd port name, with QUERY_BASE_PATH; collectors and tempo-query are not Jaeger query', (t) => {
  const s = svc('traces', { labels: { app: 'traces' }, ports: [['otlp-grpc', 4317], ['ui', 16686]], workloads: [{ image: 'jaegertracing/all-in-one:1.69.0', ports: [4317, 16686], env: { QUERY_BASE_PATH: '/jaeger' } }] });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'ui', scheme: 'http', path: '/jaeger', health: { path: '/jaeger/' } });
  t.is(plugin.detect(svc('c', { labels: j('query'), ports: [['query', 16686]], workloads: [{ image: 'jaegertracing/jaeger-collector:1.53.0', ports: [14268] }] }), ctx()), null);
  t.is(plugin.detect(svc('tempo', { labels: j(), ports: [['jaeger-ui', 16686]], workloads: [{ image: 'grafana/tempo:2.8.1', ports: [3200], sidecars: [{ image: 'grafana/tempo-query:2.8.1', ports: [{ containerPort: 16686 }] }] }] }), ctx()), null);
  t.is(plugin.detect(svc('q', { labels: j('query'), ports: [['query', 80, { targetPort: 16686 }]], workloads: [] }), ctx()), null);
});
