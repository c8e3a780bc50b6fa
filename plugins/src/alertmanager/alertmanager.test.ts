import test from 'ava';
import plugin from './index.js';
import { svc, ctx, type SvcOptions } from '@kubernaut/toolset-sdk/testing';

const operated = (ports: SvcOptions['ports']) =>
  svc('alertmanager-operated', { labels: { 'operated-alertmanager': 'true' }, selector: { 'app.kubernetes.io/name': 'alertmanager' }, headless: true, ports });

test('kube-prometheus-stack Alertmanager: http-web, not the reloader, without asking for siblings', (t) => {
  const c = ctx();
  const d = plugin.detect(svc('r-kube-prometheus-stack-alertmanager', { labels: { app: 'kube-prometheus-stack-alertmanager' }, selector: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'r' }, ports: [['reloader-web', 8080, { appProtocol: 'http' }], ['http-web', 9093]] }), c);
  t.deepEqual(d, { port: 'http-web', scheme: 'http', health: { path: '/-/healthy' } });
  t.is(c.calls, 0);
});

test('alertmanager-operated: the mesh ports are never chosen; skipped next to a normal twin, kept when alone', (t) => {
  const lone = operated([['tcp-mesh', 9094], ['udp-mesh', 9094, { protocol: 'UDP' }], ['web', 9093]]);
  t.deepEqual(plugin.detect(lone, ctx()), { port: 'web', scheme: 'http', health: { path: '/-/healthy' } });
  const twin = svc('am', { labels: { 'app.kubernetes.io/name': 'alertmanager' }, selector: { 'app.kubernetes.io/name': 'alertmanager', 'app.kubernetes.io/instance': 'x' }, ports: [['http', 9093]] });
  t.is(plugin.detect(lone, ctx([twin])), null);
});

test('bitnami kube-prometheus: the Service labelled name=kube-prometheus selects the operator\'s Alertmanager Pods; alertmanager-operated yields to it', (t) => {
  const main = svc('kp-kube-prometheus-alertmanager', {
    labels: { 'app.kubernetes.io/name': 'kube-prometheus', 'app.kubernetes.io/instance': 'kp', 'app.kubernetes.io/component': 'alertmanager' },
    selector: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'kp-kube-prometheus-alertmanager' },
    ports: [['http', 9093]],
  });
  const operated = svc('alertmanager-operated', { labels: { 'operated-alertmanager': 'true' }, selector: { 'app.kubernetes.io/name': 'alertmanager' }, headless: true, ports: [['web', 9093], ['tcp-mesh', 9094]] });
  t.is(plugin.detect(main, ctx([operated]))?.port, 'http');
  t.is(plugin.detect(operated, ctx([main])), null);
  // Other components of the same chart are not Alertmanagers.
  t.is(plugin.detect(svc('kp-kube-prometheus-operator', { labels: { 'app.kubernetes.io/name': 'kube-prometheus', 'app.kubernetes.io/component': 'operator' }, selector: { 'app.kubernetes.io/name': 'kube-prometheus', 'app.kubernetes.io/component': 'operator' }, ports: [['http', 8080]] }), ctx()), null);
});

test('chart -headless twin skipped by name', (t) => {
  const labels = { 'app.kubernetes.io/name': 'alertmanager', 'app.kubernetes.io/instance': 'm' };
  t.is(plugin.detect(svc('m-alertmanager-headless', { labels, headless: true, ports: [['http', 9093]] }), ctx([svc('m-alertmanager', { labels, ports: [['http', 9093]] })])), null);
});

test('old prometheus chart component, VictoriaMetrics operator vmalertmanager, https port', (t) => {
  t.is(plugin.detect(svc('legacy-prometheus-alertmanager', { labels: { app: 'prometheus', component: 'alertmanager' }, ports: [['http', 80, { targetPort: 9093 }]] }), ctx())?.port, 'http');
  t.is(plugin.detect(svc('x', { labels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'alertmanager' }, ports: [['http', 80]] }), ctx())?.port, 'http');
  t.is(plugin.detect(svc('vmalertmanager-main', { labels: { 'app.kubernetes.io/name': 'vmalertmanager' }, ports: [['http', 9093]] }), ctx())?.port, 'http');
  t.is(plugin.detect(svc('am', { labels: { app: 'alertmanager' }, ports: [['https', 9093]] }), ctx())?.scheme, 'https');
});

test('Mimir alertmanager, webhooks/bots and plain apps on 9093 are not Alertmanagers', (t) => {
  t.is(plugin.detect(svc('lgtm-mimir-alertmanager', { labels: { 'app.kubernetes.io/name': 'mimir', 'app.kubernetes.io/component': 'alertmanager' }, ports: [['http-metrics', 8080]] }), ctx()), null);
  t.is(plugin.detect(svc('alertmanager-webhook-logger', { labels: { app: 'alertmanager-webhook-logger' }, ports: [['http', 9093]] }), ctx()), null);
  t.is(plugin.detect(svc('notifier', { labels: { app: 'notifier' }, ports: [['web', 9093]] }), ctx()), null);
  t.is(plugin.detect(svc('prometheus-server', { labels: { app: 'prometheus', component: 'server' }, ports: [['http', 80]] }), ctx()), null);
});

test('toolsets: path prefix goes in front of /api/v2/*', (t) => {
  const out = plugin.toolsets!(
    { detector: 'alertmanager', type: 'alertmanager', service: { name: 'am', namespace: 'n', labels: {}, annotations: {} }, url: 'http://am.n.svc.cluster.local:9093/am', scheme: 'http', host: 'am.n.svc.cluster.local', port: 9093, path: '/am', healthPath: '/-/healthy' },
    { config: {} },
  );
  t.deepEqual(out?.['alertmanager/api']?.config, { endpoints: [{ hosts: ['am.n.svc.cluster.local:9093'], paths: ['/am/api/v2/*'], methods: ['GET'] }] });
});

test('the old stable/prometheus-operator chart under release "prometheus-operator"', (t) => {
  t.is(plugin.detect(svc('prometheus-operator-alertmanager', { labels: { app: 'prometheus-operator-alertmanager', release: 'prometheus-operator' }, ports: [['web', 9093]] }), ctx())?.port, 'web');
});

test('evidence: the image decides (renamed, hand-written on an unnamed port), with its route prefix', (t) => {
  const s = svc('alerting', { labels: { 'app.kubernetes.io/name': 'alerting' }, ports: [['http', 9093, { targetPort: 'http' }]], workloads: [{ image: 'quay.io/prometheus/alertmanager:v0.28.1', ports: [['http', 9093]] }] });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'http', scheme: 'http', health: { path: '/-/healthy' } });
  const bare = svc('alerts', { ports: [9093], workloads: [{ image: 'prom/alertmanager:v0.27.0', args: ['--web.route-prefix=/am/'] }] });
  t.deepEqual(plugin.detect(bare, ctx()), { port: 9093, scheme: 'http', path: '/am', health: { path: '/am/-/healthy' } });
});

test('evidence: an alertmanager-named Service running something else, or nothing, is no entry', (t) => {
  const labels = { 'app.kubernetes.io/name': 'alertmanager' };
  t.is(plugin.detect(svc('alertmanager', { labels, ports: [['http', 9093]], workloads: [{ image: 'ghcr.io/acme/alert-relay:2.0' }] }), ctx()), null);
  t.is(plugin.detect(svc('alertmanager', { labels, ports: [['http', 9093]], workloads: [] }), ctx()), null);
});

test("evidence: an Alertmanager resource's web TLS (spec.tls of the host's projection) makes its own port https", (t) => {
  const resource = (tls: boolean) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager', name: 'main', namespace: 'default', spec: { tls, path: '' }, via: 'ownerReference' });
  const s = (tls: boolean) => svc('alertmanager-main', { ports: [['web', 9093, { targetPort: 'web' }]], workloads: [{ image: 'quay.io/prometheus/alertmanager:v0.28.1', ports: [['web', 9093]] }], resources: [resource(tls)] });
  t.is(plugin.detect(s(true), ctx())?.scheme, 'https');
  t.is(plugin.detect(s(false), ctx())?.scheme, 'http');
});
