import test from 'ava';
import plugin from './index.js';
import { svc, ctx } from '@kubernaut/toolset-sdk/testing';

const l = (component: string | undefined, instance = 'logs') => ({
  'app.kubernetes.io/name': 'loki',
  'app.kubernetes.io/instance': instance,
  ...(component ? { 'app.kubernetes.io/component': component } : {}),
});
const hg: Array<[string, number]> = [['http-metrics', 3100], ['grpc', 9095]];
const gateway = svc('loki-gateway', { labels: l('gateway'), selector: l('gateway'), ports: [['http', 80]] });

test('the gateway is preferred and decided without siblings', (t) => {
  const c = ctx();
  t.deepEqual(plugin.detect(gateway, c), { port: 'http', scheme: 'http', health: { path: '/' } });
  t.is(c.calls, 0);
});

test('read / query-frontend / single binary yield to a gateway of the same install only', (t) => {
  for (const component of ['read', 'query-frontend', 'single-binary', undefined]) {
    const s = svc(`loki-${component ?? 'sb'}`, { labels: l(component), selector: l(component ?? 'single-binary'), ports: hg });
    t.is(plugin.detect(s, ctx([gateway])), null, String(component));
    t.deepEqual(plugin.detect(s, ctx([])), { port: 'http-metrics', scheme: 'http', health: { path: '/ready' } }, String(component));
    const otherGateway = svc('loki-gateway', { labels: l('gateway', 'other'), ports: [['http', 80]] });
    t.truthy(plugin.detect(s, ctx([otherGateway])), String(component));
  }
});

test('write, backend, canary, caches, memberlist and other components are never query endpoints', (t) => {
  for (const component of ['write', 'backend', 'canary', 'memcached-chunks-cache', 'distributor', 'ingester', 'querier', 'ruler', 'compactor', 'index-gateway', 'query-scheduler']) {
    t.is(plugin.detect(svc(`loki-${component}`, { labels: l(component), ports: hg }), ctx()), null, component);
  }
  const memberlist = svc('loki-memberlist', { labels: l(undefined), selector: { ...l(undefined), 'app.kubernetes.io/part-of': 'memberlist' }, headless: true, ports: [['tcp', 7946]] });
  t.is(plugin.detect(memberlist, ctx()), null);
});

test('loki-stack (app: loki, release): the Service is detected, its -headless twin skipped', (t) => {
  const labels = { app: 'loki', release: 'loki', chart: 'loki-2.16.0' };
  const main = svc('loki', { labels, selector: { app: 'loki', release: 'loki' }, ports: [['http-metrics', 3100]] });
  const headless = svc('loki-headless', { labels: { ...labels, variant: 'headless' }, selector: { app: 'loki', release: 'loki' }, headless: true, ports: [['http-metrics', 3100]] });
  t.deepEqual(plugin.detect(main, ctx([headless])), { port: 'http-metrics', scheme: 'http', health: { path: '/ready' } });
  t.is(plugin.detect(headless, ctx([main])), null);
  t.truthy(plugin.detect(headless, ctx([])));
});

test('a read-headless twin is skipped next to the read Service when no gateway exists', (t) => {
  const read = svc('loki-read', { labels: l('read'), selector: l('read'), ports: hg });
  const readHeadless = svc('loki-read-headless', { labels: { ...l('read'), variant: 'headless' }, selector: l('read'), headless: true, ports: hg });
  t.is(plugin.detect(readHeadless, ctx([read])), null);
});

test('enterprise logs gateway, https by port name', (t) => {
  t.deepEqual(plugin.detect(svc('gel-gateway', { labels: { 'app.kubernetes.io/name': 'enterprise-logs', 'app.kubernetes.io/component': 'gateway' }, ports: [['https', 443]] }), ctx()), {
    port: 'https', scheme: 'https', health: { path: '/' },
  });
});

test('promtail and plain apps on 3100 are not Loki', (t) => {
  t.is(plugin.detect(svc('promtail', { labels: { 'app.kubernetes.io/name': 'promtail' }, ports: [['http-metrics', 3101]] }), ctx()), null);
  t.is(plugin.detect(svc('log-shipper', { labels: { app: 'log-shipper' }, ports: [['http-metrics', 3100]] }), ctx()), null);
});

test('evidence: loki-distributed (labels say loki-distributed): the nginx gateway is the entry, components by -target are not', (t) => {
  const lbl = (c: string) => ({ 'app.kubernetes.io/name': 'loki-distributed', 'app.kubernetes.io/instance': 'logs', 'app.kubernetes.io/component': c });
  const loki = (target: string) => ({ image: 'docker.io/grafana/loki:2.9.13', args: [`-target=${target}`], ports: [['http', 3100] as [string, number]] });
  const gateway = svc('logs-gw', { labels: lbl('gateway'), ports: [['http', 80, { targetPort: 'http' }]], workloads: [{ image: 'docker.io/nginxinc/nginx-unprivileged:1.20.2-alpine', ports: [['http', 8080]] }] });
  const qf = svc('logs-qf', { labels: lbl('query-frontend'), ports: [['http', 3100, { targetPort: 'http' }]], workloads: [loki('query-frontend')] });
  const querier = svc('logs-querier', { labels: lbl('querier'), ports: [['http', 3100, { targetPort: 'http' }]], workloads: [loki('querier')] });
  t.deepEqual(plugin.detect(gateway, ctx([qf, querier])), { port: 'http', scheme: 'http', health: { path: '/' } });
  t.is(plugin.detect(qf, ctx([gateway, querier])), null);
  t.is(plugin.detect(querier, ctx([gateway, qf])), null);
  // Without the gateway the query-frontend is the way in; an nginx gateway with no Loki in its install is nothing.
  t.deepEqual(plugin.detect(qf, ctx([querier])), { port: 'http', scheme: 'http', health: { path: '/ready' } });
  t.is(plugin.detect(gateway, ctx([])), null);
});

test('evidence: a hand-written single binary with a path prefix; nothing behind is no entry', (t) => {
  const s = svc('logs', { labels: { app: 'logs' }, ports: [['http', 3100]], workloads: [{ image: 'grafana/loki:3.5.1', args: ['-server.path-prefix=/loki-api/'] }] });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'http', scheme: 'http', path: '/loki-api', health: { path: '/loki-api/ready' } });
  t.is(plugin.detect(svc('loki', { labels: l(undefined), ports: [['http-metrics', 3100]], workloads: [] }), ctx()), null);
});

test("evidence: a LokiStack's query-frontend is no entry beside the operator's gateway (tenants: queries need one)", (t) => {
  const lbl = (c: string) => ({ 'app.kubernetes.io/name': 'lokistack', 'app.kubernetes.io/instance': 'logs', 'app.kubernetes.io/component': c });
  const qf = svc('logs-query-frontend-http', { labels: lbl('query-frontend'), ports: [['metrics', 3100]], workloads: [{ image: 'docker.io/grafana/loki:3.4.2', args: ['-target=query-frontend'] }] });
  const gw = svc('logs-gateway-http', { labels: lbl('lokistack-gateway'), ports: [['public', 8080], ['metrics', 8081]], workloads: [{ image: 'quay.io/observatorium/api:latest' }] });
  t.is(plugin.detect(qf, ctx([gw])), null);
  t.truthy(plugin.detect(qf, ctx([])));
});
