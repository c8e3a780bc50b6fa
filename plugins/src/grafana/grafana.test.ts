import test from 'ava';
import plugin from './index.js';
import { svc, ctx } from '@kubernaut/toolset-sdk/testing';

const g = { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'd' };

test('port choice across charts: service (grafana chart), http-web (kube-prometheus-stack), http 3000 (bitnami), targetPort 3000', (t) => {
  t.is(plugin.detect(svc('d-grafana', { labels: g, ports: [['service', 80, { targetPort: 3000 }]] }), ctx())?.port, 'service');
  t.is(plugin.detect(svc('k-grafana', { labels: g, ports: [['http-web', 80, { targetPort: 3000 }]] }), ctx())?.port, 'http-web');
  t.is(plugin.detect(svc('b-grafana', { labels: g, ports: [['http', 3000]] }), ctx())?.port, 'http');
  t.is(plugin.detect(svc('o-grafana', { labels: { app: 'grafana' }, ports: [['ui', 8080, { targetPort: 3000 }]] }), ctx())?.port, 'ui');
  t.deepEqual(plugin.detect(svc('g', { labels: g, ports: [['https', 443]] }), ctx()), { port: 'https', scheme: 'https', health: { path: '/api/health' } });
});

test('image renderer, agent, operator and the alerting-gossip headless Service are not Grafana APIs', (t) => {
  t.is(plugin.detect(svc('d-grafana-image-renderer', { labels: { 'app.kubernetes.io/name': 'grafana-image-renderer' }, ports: [['http', 8081]] }), ctx()), null);
  t.is(plugin.detect(svc('grafana-agent', { labels: { 'app.kubernetes.io/name': 'grafana-agent' }, ports: [['http-metrics', 80]] }), ctx()), null);
  t.is(plugin.detect(svc('grafana-operator-metrics-service', { labels: { 'app.kubernetes.io/name': 'grafana-operator' }, ports: [['metrics', 9090]] }), ctx()), null);
  t.is(plugin.detect(svc('d-grafana-headless', { labels: g, headless: true, ports: [['gossip-tcp', 9094]] }), ctx()), null);
  t.is(plugin.detect(svc('storefront', { labels: { app: 'storefront' }, ports: [['http', 3000]] }), ctx()), null);
});

test('a headless Grafana twin is skipped only when a normal Grafana selects the same pods', (t) => {
  const headless = svc('d-grafana-headless', { labels: g, selector: g, headless: true, ports: [['service', 80]] });
  t.is(plugin.detect(headless, ctx([svc('d-grafana', { labels: g, selector: g, ports: [['service', 80]] })])), null);
  t.truthy(plugin.detect(headless, ctx([])));
});

test('toolsets: api_url only, verify_ssl false over https', (t) => {
  const found = { detector: 'grafana', type: 'grafana', service: { name: 'g', namespace: 'n', labels: {}, annotations: {} }, url: 'https://g.n.svc.cluster.local:443', scheme: 'https' as const, host: 'g.n.svc.cluster.local', port: 443, path: '', healthPath: '/api/health' };
  t.deepEqual(plugin.toolsets!(found, { config: {} }), { 'grafana/dashboards': { enabled: true, config: { api_url: 'https://g.n.svc.cluster.local:443', verify_ssl: false } } });
});

test('a release named like a non-API component does not hide Grafana', (t) => {
  t.is(plugin.detect(svc('operator-grafana', { labels: { ...g, 'app.kubernetes.io/instance': 'operator' }, ports: [['service', 80]] }), ctx())?.port, 'service');
});

test('evidence: a renamed Grafana is found by its image behind k8s-sidecar; a sub-path setup moves URL and health', (t) => {
  const sidecar = { name: 'grafana-sc-dashboard', image: 'quay.io/kiwigrid/k8s-sidecar:1.30.3' };
  const s = svc('dashboards', { labels: { 'app.kubernetes.io/name': 'ui' }, ports: [['service', 80, { targetPort: 3000 }]], workloads: [{ image: 'docker.io/grafana/grafana:12.0.2', ports: [['grafana', 3000]], sidecars: [sidecar] }] });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'service', scheme: 'http', health: { path: '/api/health' } });
  const sub = svc('dashboards', {
    ports: [['http', 80, { targetPort: 3000 }]],
    workloads: [{ image: 'grafana/grafana:11.6.0', ports: [3000], env: { GF_SERVER_ROOT_URL: '%(protocol)s://%(domain)s:%(http_port)s/grafana/', GF_SERVER_SERVE_FROM_SUB_PATH: 'true' } }],
  });
  t.deepEqual(plugin.detect(sub, ctx()), { port: 'http', scheme: 'http', path: '/grafana', health: { path: '/grafana/api/health' } });
  // root_url with a path but without serve_from_sub_path: a proxy strips it, Grafana serves at the root.
  const proxied = svc('d', { ports: [['http', 80, { targetPort: 3000 }]], workloads: [{ image: 'grafana/grafana:11.6.0', ports: [3000], env: { GF_SERVER_ROOT_URL: 'https://x.example.com/grafana/' } }] });
  t.is(plugin.detect(proxied, ctx())?.path, undefined);
});

test('evidence: a grafana-named storefront, the image renderer and a Service with nothing behind are no entry', (t) => {
  t.is(plugin.detect(svc('grafana', { labels: { app: 'grafana' }, ports: [['http', 3000]], workloads: [{ image: 'ghcr.io/acme/storefront-dashboard:4.2.0' }] }), ctx()), null);
  t.is(plugin.detect(svc('r', { labels: g, ports: [['http', 8081]], workloads: [{ image: 'grafana/grafana-image-renderer:3.12.0' }] }), ctx()), null);
  t.is(plugin.detect(svc('old-grafana', { labels: g, ports: [['service', 80]], workloads: [] }), ctx()), null);
});
