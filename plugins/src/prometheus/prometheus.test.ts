import test from 'ava';
import plugin from './index.js';
import { svc, ctx } from '@kubernaut/toolset-sdk/testing';

const kpsLabels = { app: 'kube-prometheus-stack-prometheus', release: 'r', 'self-monitor': 'true' };
const kpsSelector = { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'r-kube-prometheus-stack-prometheus' };
const operated = svc('prometheus-operated', {
  labels: { 'managed-by': 'prometheus-operator', 'operated-prometheus': 'true' },
  selector: { 'app.kubernetes.io/name': 'prometheus' },
  ports: [['http-web', 9090]],
  headless: true,
});

test('a normal Prometheus Service is decided without looking at siblings', (t) => {
  const c = ctx();
  const d = plugin.detect(svc('r-kube-prometheus-stack-prometheus', { labels: kpsLabels, selector: kpsSelector, ports: [['http-web', 9090], ['reloader-web', 8080, { appProtocol: 'http' }]] }), c);
  t.deepEqual(d, { port: 'http-web', scheme: 'http', health: { path: '/-/healthy' } });
  t.is(c.calls, 0);
});

test('the reloader port is never the API, even when listed first', (t) => {
  const d = plugin.detect(svc('p', { labels: kpsLabels, ports: [['reloader-web', 8080, { appProtocol: 'http' }], ['http-web', 9090]] }), ctx());
  t.is(d?.port, 'http-web');
});

test('prometheus-operated: skipped next to its normal twin, detected when it is the only way in', (t) => {
  const twin = svc('r-kube-prometheus-stack-prometheus', { labels: kpsLabels, selector: kpsSelector, ports: [['http-web', 9090]] });
  t.is(plugin.detect(operated, ctx([twin])), null);
  t.deepEqual(plugin.detect(operated, ctx([])), { port: 'http-web', scheme: 'http', health: { path: '/-/healthy' } });
  // A Thanos or Grafana next to it is not a twin.
  const thanos = svc('q', { labels: { 'app.kubernetes.io/name': 'thanos', 'app.kubernetes.io/component': 'query' }, ports: [['http', 9090]] });
  t.truthy(plugin.detect(operated, ctx([thanos])));
});

test('a -headless twin is skipped by name even without overlapping selectors', (t) => {
  const labels = { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'server' };
  const headless = svc('m-prometheus-server-headless', { labels, headless: true, ports: [['http', 80, { targetPort: 9090 }]] });
  const main = svc('m-prometheus-server', { labels, ports: [['http', 80, { targetPort: 9090 }]] });
  t.is(plugin.detect(headless, ctx([main])), null);
});

test('agent-mode Prometheus, pushgateway, node-exporter and the chart alertmanager are not query endpoints', (t) => {
  t.is(plugin.detect(svc('edge', { labels: kpsLabels, selector: { 'app.kubernetes.io/name': 'prometheus-agent' }, ports: [['http-web', 9090]] }), ctx()), null);
  for (const component of ['pushgateway', 'node-exporter', 'alertmanager', 'kube-state-metrics']) {
    t.is(plugin.detect(svc(`x-${component}`, { labels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': component }, ports: [['http', 80]] }), ctx()), null, component);
    t.is(plugin.detect(svc(`y-${component}`, { labels: { app: 'prometheus', component }, ports: [['http', 80]] }), ctx()), null, component);
  }
  t.is(plugin.detect(svc('n', { labels: { 'app.kubernetes.io/name': 'prometheus-node-exporter' }, ports: [['metrics', 9100]] }), ctx()), null);
});

test('evidence may come from the selector alone (a hand-written Service without labels)', (t) => {
  const d = plugin.detect(svc('prom', { selector: { app: 'prometheus' }, ports: [['web', 9090]] }), ctx());
  t.is(d?.port, 'web');
});

test('a port number alone is not evidence; UDP and ExternalName never qualify', (t) => {
  t.is(plugin.detect(svc('payments', { labels: { app: 'payments' }, ports: [['http', 9090]] }), ctx()), null);
  t.is(plugin.detect(svc('prom', { labels: { app: 'prometheus' }, ports: [['udp', 9090, { protocol: 'UDP' }]] }), ctx()), null);
  t.is(plugin.detect(svc('prom', { labels: { app: 'prometheus' }, type: 'ExternalName', ports: [['web', 9090]] }), ctx()), null);
});

test('unnamed API port is reported by number', (t) => {
  t.deepEqual(plugin.detect(svc('prom', { labels: { app: 'prometheus' }, ports: [9090] }), ctx())?.port, 9090);
});

test('Thanos: the query-frontend is the front door; query alone, or of another install, is reported', (t) => {
  const q = svc('lts-thanos-query', { labels: { 'app.kubernetes.io/name': 'thanos', 'app.kubernetes.io/component': 'query', 'app.kubernetes.io/instance': 'lts' }, ports: [['http', 9090]] });
  const qf = svc('lts-thanos-query-frontend', { labels: { 'app.kubernetes.io/name': 'thanos', 'app.kubernetes.io/component': 'query-frontend', 'app.kubernetes.io/instance': 'lts' }, ports: [['http', 9090]] });
  const other = svc('b-thanos-query-frontend', { labels: { 'app.kubernetes.io/name': 'thanos', 'app.kubernetes.io/component': 'query-frontend', 'app.kubernetes.io/instance': 'b' }, ports: [['http', 9090]] });
  t.is(plugin.detect(q, ctx([qf])), null);
  t.truthy(plugin.detect(q, ctx([other])));
  t.truthy(plugin.detect(q, ctx([])));
  const c = ctx([q]);
  t.deepEqual(plugin.detect(qf, c), { port: 'http', scheme: 'http', health: { path: '/-/healthy' } });
  t.is(c.calls, 0);
});

test('Thanos: storegateway, compactor, ruler, receive and the gRPC-only query Service are not query endpoints', (t) => {
  for (const component of ['storegateway', 'compactor', 'ruler', 'receive', 'bucketweb']) {
    t.is(plugin.detect(svc(component, { labels: { 'app.kubernetes.io/name': 'thanos', 'app.kubernetes.io/component': component }, ports: [['http', 9090]] }), ctx()), null, component);
  }
  t.is(plugin.detect(svc('q-grpc', { labels: { 'app.kubernetes.io/name': 'thanos', 'app.kubernetes.io/component': 'query' }, ports: [['grpc', 10901]] }), ctx()), null);
});

test('https-only thanos querier: by appProtocol, by port name, or by OpenShift serving-cert annotation', (t) => {
  const labels = { 'app.kubernetes.io/name': 'thanos-query', 'app.kubernetes.io/component': 'query-layer' };
  t.deepEqual(plugin.detect(svc('thanos-querier', { labels, ports: [['web', 9091, { appProtocol: 'https' }], ['metrics', 9094]] }), ctx()), { port: 'web', scheme: 'https', health: { path: '/-/healthy' } });
  t.is(plugin.detect(svc('thanos-querier', { labels, ports: [['https', 9091], ['metrics', 9094]] }), ctx())?.scheme, 'https');
  const annotations = { 'service.beta.openshift.io/serving-cert-secret-name': 'thanos-querier-tls' };
  t.deepEqual(plugin.detect(svc('thanos-querier', { labels, annotations, ports: [['web', 9091], ['tenancy', 9092]] }), ctx()), { port: 'web', scheme: 'https', health: { path: '/-/healthy' } });
  // An explicit plain-HTTP appProtocol beats the annotation.
  t.is(plugin.detect(svc('thanos-querier', { labels, annotations, ports: [['web', 9091, { appProtocol: 'http' }]] }), ctx())?.scheme, 'http');
});

test('VictoriaMetrics: single at the root, vmselect under /select/0/prometheus, operator names too; vminsert/vmstorage never', (t) => {
  t.deepEqual(plugin.detect(svc('vmsingle-main', { labels: { 'app.kubernetes.io/name': 'vmsingle', 'app.kubernetes.io/instance': 'main' }, ports: [['http', 8429]] }), ctx()), {
    port: 'http', scheme: 'http', health: { path: '/health' },
  });
  t.deepEqual(plugin.detect(svc('vmselect-main', { labels: { 'app.kubernetes.io/name': 'vmselect' }, ports: [['http', 8481]] }), ctx()), {
    port: 'http', scheme: 'http', path: '/select/0/prometheus', health: { path: '/health' },
  });
  for (const app of ['vminsert', 'vmstorage']) {
    t.is(plugin.detect(svc(app, { labels: { app, 'app.kubernetes.io/name': 'victoria-metrics-cluster' }, ports: [['http', 8480]] }), ctx()), null);
  }
});

test('Mimir/Cortex: the gateway under /prometheus (probed at /), the query-frontend only without a gateway (probed at /ready)', (t) => {
  const l = (component: string, instance = 'lgtm') => ({ 'app.kubernetes.io/name': 'mimir', 'app.kubernetes.io/component': component, 'app.kubernetes.io/instance': instance });
  const gw = svc('lgtm-mimir-gateway', { labels: l('gateway'), ports: [['http-metrics', 80]] });
  const qf = svc('lgtm-mimir-query-frontend', { labels: l('query-frontend'), ports: [['http-metrics', 8080], ['grpc', 9095]] });
  t.deepEqual(plugin.detect(gw, ctx()), { port: 'http-metrics', scheme: 'http', path: '/prometheus', health: { path: '/' } });
  t.is(plugin.detect(qf, ctx([gw])), null);
  t.deepEqual(plugin.detect(qf, ctx([])), { port: 'http-metrics', scheme: 'http', path: '/prometheus', health: { path: '/ready' } });
  const cortex = svc('c-cortex-query-frontend', { labels: { 'app.kubernetes.io/name': 'cortex', 'app.kubernetes.io/component': 'query-frontend' }, ports: [['http-metrics', 8080]] });
  t.is(plugin.detect(cortex, ctx([]))?.path, '/prometheus');
  for (const component of ['querier', 'distributor', 'ingester', 'store-gateway', 'compactor', 'ruler', 'alertmanager', 'overrides-exporter']) {
    t.is(plugin.detect(svc(component, { labels: l(component), ports: [['http-metrics', 8080]] }), ctx()), null, component);
  }
});

test('operators and webhooks of the stack are never detected', (t) => {
  const op = svc('r-kube-prometheus-stack-operator', { labels: { app: 'kube-prometheus-stack-operator', 'app.kubernetes.io/name': 'kube-prometheus-stack-prometheus-operator' }, ports: [['https', 443]] });
  t.is(plugin.detect(op, ctx()), null);
  t.is(plugin.detect(svc('prometheus-operator', { labels: { 'app.kubernetes.io/name': 'prometheus-operator' }, ports: [['http', 8080]], headless: true }), ctx()), null);
});

test('toolsets: https disables verification (verify_ssl, the 2026 name only)', (t) => {
  const out = plugin.toolsets!(
    { detector: 'prometheus', type: 'prometheus', service: { name: 'p', namespace: 'n', labels: {}, annotations: {} }, url: 'https://p.n.svc.cluster.local:9091', scheme: 'https', host: 'p.n.svc.cluster.local', port: 9091, path: '', healthPath: '/-/healthy' },
    { config: {} },
  );
  t.deepEqual(out, { 'prometheus/metrics': { enabled: true, config: { prometheus_url: 'https://p.n.svc.cluster.local:9091', verify_ssl: false } } });
});

test('release names may contain "operator", "canary" or "exporter": only trailing chart/component segments exclude', (t) => {
  // The old stable/prometheus-operator chart installed as release "prometheus-operator" (one of HolmesGPT's own selectors).
  const legacy = svc('prometheus-operator-prometheus', { labels: { app: 'prometheus-operator-prometheus', release: 'prometheus-operator', chart: 'prometheus-operator-9.3.2' }, ports: [['web', 9090]] });
  t.is(plugin.detect(legacy, ctx())?.port, 'web');
  t.is(plugin.detect(svc('prometheus-operator-operator', { labels: { app: 'prometheus-operator-operator' }, ports: [['http', 8080]] }), ctx()), null);
  const canary = svc('canary-exporter-kube-prom-prometheus', { labels: { ...kpsLabels, release: 'canary-exporter' }, ports: [['http-web', 9090]] });
  t.is(plugin.detect(canary, ctx())?.port, 'http-web');
});

// ---- with workload evidence (SDK API version 2) -----------------------------------------------------------------

const reloader = { name: 'configmap-reload', image: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.83.0', ports: [{ name: 'metrics', containerPort: 8080 }] };

test('evidence: a renamed Prometheus is found by its image, even behind a reloader listed first', (t) => {
  const s = svc('metrics-core', {
    labels: { 'app.kubernetes.io/name': 'metrics', 'app.kubernetes.io/component': 'server' },
    ports: [['http', 80, { targetPort: 9090 }]],
    workloads: [{ containers: [{ ...reloader, args: [], env: {} }, { name: 'metrics-server', image: 'quay.io/prometheus/prometheus:v3.4.1', ports: [{ containerPort: 9090 }], args: [], env: {}, sidecar: true }] }],
  });
  t.is(plugin.detect({ ...s, evidence: undefined }, ctx()), null, 'metadata alone says nothing');
  t.deepEqual(plugin.detect(s, ctx()), { port: 'http', scheme: 'http', health: { path: '/-/healthy' } });
});

test('evidence: --web.route-prefix (else --web.external-url) moves the API and /-/healthy', (t) => {
  const s = svc('metrics', { ports: [['web', 9090]], workloads: [{ image: 'prom/prometheus:v2.53.4', args: ['--web.external-url=https://x.example.com/ext/', '--web.route-prefix=/prom'] }] });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'web', scheme: 'http', path: '/prom', health: { path: '/prom/-/healthy' } });
  const ext = svc('metrics', { ports: [['web', 9090]], workloads: [{ image: 'prom/prometheus:v2.53.4', args: ['--web.external-url=https://x.example.com/ext/'] }] });
  t.is(plugin.detect(ext, ctx())?.path, '/ext');
});

test('evidence: a decoy named prometheus, a port on the reloader, agent mode and nothing behind are no entry', (t) => {
  const labels = { app: 'prometheus' };
  t.is(plugin.detect(svc('prometheus', { labels, ports: [['http', 9090]], workloads: [{ image: 'nginx:1.27' }] }), ctx()), null);
  const onReloader = svc('prom-reloader', {
    labels,
    ports: [['http', 8080]],
    workloads: [{ image: 'quay.io/prometheus/prometheus:v3.4.1', ports: [9090], sidecars: [{ ...reloader }] }],
  });
  t.is(plugin.detect(onReloader, ctx()), null);
  t.is(plugin.detect(svc('agent', { labels, ports: [['http-web', 9090]], workloads: [{ image: 'quay.io/prometheus/prometheus:v3.4.1', args: ['--agent'] }] }), ctx()), null);
  t.is(plugin.detect(svc('prometheus', { labels, ports: [['http', 9090]], workloads: [] }), ctx()), null);
});

test('evidence: Prometheus replicas with a Thanos sidecar yield to the Thanos query in front of them', (t) => {
  const sidecar = { name: 'thanos-sidecar', image: 'quay.io/thanos/thanos:v0.38.0', args: ['sidecar'], ports: [{ name: 'http', containerPort: 10902 }] };
  const prom = svc('kps-prometheus', { ports: [['http-web', 9090]], workloads: [{ image: 'quay.io/prometheus/prometheus:v3.4.1', sidecars: [sidecar] }] });
  const query = svc('thanos-query', { ports: [['http', 9090, { targetPort: 'http' }]], workloads: [{ image: 'docker.io/bitnami/thanos:0.38.0', args: ['query'], ports: [['http', 10902]] }] });
  t.is(plugin.detect(prom, ctx([query])), null);
  t.deepEqual(plugin.detect(query, ctx([prom])), { port: 'http', scheme: 'http', health: { path: '/-/healthy' } });
  // Without a querier the replicas are the entry; a Thanos store is not a querier.
  t.truthy(plugin.detect(prom, ctx([])));
  const store = svc('thanos-store', { ports: [['http', 10902]], workloads: [{ image: 'quay.io/thanos/thanos:v0.38.0', args: ['store'] }] });
  t.is(plugin.detect(store, ctx()), null);
  t.truthy(plugin.detect(prom, ctx([store])));
});

test("evidence: OpenShift's thanos-querier (release image, thanos-query container) is reached through kube-rbac-proxy-web", (t) => {
  const image = 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0a1b';
  const s = svc('thanos-querier', {
    annotations: { 'service.beta.openshift.io/serving-cert-secret-name': 'thanos-querier-tls' },
    ports: [['web', 9091, { targetPort: 'web' }], ['metrics', 9094, { targetPort: 'metrics' }]],
    workloads: [{ name: 'thanos-query', image, args: ['query'], ports: [['http', 9090]], sidecars: [{ name: 'kube-rbac-proxy-web', image, ports: [{ name: 'web', containerPort: 9091 }] }] }],
  });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'web', scheme: 'https', health: { path: '/-/healthy' } });
  // The same release image named otherwise (a config reloader) is nothing.
  t.is(plugin.detect(svc('x', { ports: [['web', 9091]], workloads: [{ name: 'config-reloader', image }] }), ctx()), null);
});

test("evidence: a Prometheus resource's TLS applies to its own port, not to a proxy's in front of it", (t) => {
  const resource = (tls: boolean) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', name: 'k8s', namespace: 'default', spec: { tls, path: '' }, via: 'ownerReference' });
  const direct = svc('prometheus-operated', { ports: [['web', 9090, { targetPort: 'web' }]], workloads: [{ image: 'quay.io/prometheus/prometheus:v3.4.1', ports: [['web', 9090]] }], resources: [resource(true)] });
  t.is(plugin.detect(direct, ctx())?.scheme, 'https');
  const image = 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:2c3d';
  const proxied = svc('prometheus-k8s', {
    annotations: { 'service.beta.openshift.io/serving-cert-secret-name': 'prometheus-k8s-tls' },
    ports: [['web', 9091, { targetPort: 'web' }]],
    workloads: [{ name: 'prometheus', image, ports: [], sidecars: [{ name: 'kube-rbac-proxy-web', image, ports: [{ name: 'web', containerPort: 9091 }] }] }],
    resources: [resource(false)],
  });
  t.is(plugin.detect(proxied, ctx())?.scheme, 'https');
});

test('evidence: a mirrored image named for the product counts (rancher/mirrored-prometheus-prometheus), its tools do not', (t) => {
  const s = (image: string) => svc('rancher-monitoring-prometheus', { ports: [['http-web', 9090]], workloads: [{ image }] });
  t.truthy(plugin.detect(s('docker.io/rancher/mirrored-prometheus-prometheus:v2.53.1'), ctx()));
  for (const image of ['rancher/mirrored-prometheus-alertmanager:v0.27.0', 'rancher/mirrored-prometheus-node-exporter:v1.8.2', 'quay.io/prometheus-operator/prometheus-config-reloader:v0.83.0']) {
    t.is(plugin.detect(s(image), ctx()), null, image);
  }
});
