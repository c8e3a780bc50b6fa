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

// LokiStack resources as the host projects them (core/src/discovery/operators.ts lokiSpec) and Services, Pods as the
// Loki operator makes them (test/fixtures/operators/loki-operator.yaml; grafana/loki operator/internal/manifests at
// 65e30f8: gateway.go, var.go ComponentLabels).
const lokiStack = (spec: Record<string, unknown>, via = 'ownerReference') => ({ apiVersion: 'loki.grafana.com/v1', kind: 'LokiStack', name: 'logs', namespace: 'logging', spec, via });
const gatewaySpec = (tenantsMode: string, tenants: string[], tls = false) => ({
  tls, path: '/api/logs/v1', gateway: true, tenantsMode, tenants, frontDoor: { service: 'logs-gateway-http', port: 'public', number: 8080 },
});
const ls = (component: string) => ({
  'app.kubernetes.io/component': component, 'app.kubernetes.io/created-by': 'lokistack-controller', 'app.kubernetes.io/instance': 'logs',
  'app.kubernetes.io/managed-by': 'lokistack-controller', 'app.kubernetes.io/name': 'lokistack',
});
const observatorium = { image: 'quay.io/observatorium/api:latest', name: 'gateway', ports: [['metrics', 8081], ['public', 8080]] as Array<[string, number]>, args: ['--web.listen=0.0.0.0:8080', '--web.internal.listen=0.0.0.0:8081'], owner: { kind: 'Deployment', name: 'logs-gateway' }, labels: ls('lokistack-gateway') };
const lokiTarget = (target: string) => ({ image: 'docker.io/grafana/loki:3.7.3', name: `loki-${target}`, args: [`-target=${target}`, '-config.file=/etc/loki/config/config.yaml'], ports: [['metrics', 3100], ['grpclb', 9095], ['healthchecks', 3101]] as Array<[string, number]>, owner: { kind: 'Deployment', name: `logs-${target}` }, labels: ls(target) });
function stackServices(spec: Record<string, unknown>, annotations: Record<string, string> = {}) {
  const gw = svc('logs-gateway-http', { ns: 'logging', labels: ls('lokistack-gateway'), selector: ls('lokistack-gateway'), annotations, ports: [['public', 8080], ['metrics', 8081]], workloads: [observatorium], resources: [lokiStack(spec)] });
  const qf = svc('logs-query-frontend-http', { ns: 'logging', labels: ls('query-frontend'), selector: ls('query-frontend'), ports: [['metrics', 3100]], workloads: [lokiTarget('query-frontend')], resources: [lokiStack(spec)] });
  const qfGrpc = svc('logs-query-frontend-grpc', { ns: 'logging', labels: ls('query-frontend'), selector: ls('query-frontend'), headless: true, ports: [['grpclb', 9095]], workloads: [lokiTarget('query-frontend')], resources: [lokiStack(spec)] });
  const querier = svc('logs-querier-http', { ns: 'logging', labels: ls('querier'), selector: ls('querier'), ports: [['metrics', 3100]], workloads: [lokiTarget('querier')], resources: [lokiStack(spec)] });
  const distributor = svc('logs-distributor-http', { ns: 'logging', labels: ls('distributor'), selector: ls('distributor'), ports: [['metrics', 3100]], workloads: [lokiTarget('distributor')], resources: [lokiStack(spec)] });
  return { gw, qf, qfGrpc, querier, distributor, all: [gw, qf, qfGrpc, querier, distributor] };
}

test('LokiStack, static tenants: the gateway is the one entry, on public 8080 under the first tenant, probed at / (observatorium answers it)', (t) => {
  const { gw, all } = stackServices(gatewaySpec('static', ['team-a', 'team-b']));
  const c = ctx(all);
  t.deepEqual(plugin.detect(gw, c), { port: 'public', scheme: 'http', path: '/api/logs/v1/team-a', health: { path: '/' } });
  for (const s of all.slice(1)) t.is(plugin.detect(s, ctx(all)), null, s.metadata.name);
  // The resource decides on its own: no sibling is looked at.
  t.is(c.calls, 0);
});

test('LokiStack, openshift-logging: https (the gateway serves TLS there) under the application tenant', (t) => {
  const spec = gatewaySpec('openshift-logging', ['application', 'infrastructure', 'audit'], true);
  const { gw, qf, all } = stackServices(spec, { 'service.beta.openshift.io/serving-cert-secret-name': 'logs-gateway-http' });
  t.deepEqual(plugin.detect(gw, ctx(all)), { port: 'public', scheme: 'https', path: '/api/logs/v1/application', health: { path: '/' } });
  t.is(plugin.detect(qf, ctx(all)), null);
  // openshift-network has the one tenant `network`.
  const net = stackServices(gatewaySpec('openshift-network', ['network'], true));
  t.is(plugin.detect(net.gw, ctx(net.all))?.path, '/api/logs/v1/network');
});

test('LokiStack without spec.tenants: no gateway, the query frontend is the front door (metrics 3100, Loki itself)', (t) => {
  const spec = { tls: false, path: '', gateway: false, frontDoor: { service: 'logs-query-frontend-http', port: 'metrics', number: 3100 } };
  const { qf, qfGrpc, querier, distributor, all } = stackServices(spec);
  const rest = all.filter((s) => s.metadata.name !== 'logs-gateway-http');
  t.deepEqual(plugin.detect(qf, ctx(rest)), { port: 'metrics', scheme: 'http', health: { path: '/ready' } });
  for (const s of [qfGrpc, querier, distributor]) t.is(plugin.detect(s, ctx(rest)), null, s.metadata.name);
});

test('LokiStack passthrough: the gateway forwards Loki paths at the root (tenant header); with TLS it wants a client certificate, so no probe', (t) => {
  const passthrough = { image: 'quay.io/openshift-logging/passthrough-gateway:latest', name: 'gateway', ports: [['metrics', 8081], ['public', 8080]] as Array<[string, number]>, args: ['-listen-addr=:8080', '-admin-addr=:8081'] };
  const gw = (tls: boolean) => svc('logs-gateway-http', { ns: 'logging', labels: ls('lokistack-gateway'), ports: [['public', 8080], ['metrics', 8081]], workloads: [passthrough], resources: [lokiStack(gatewaySpec('passthrough', [], tls))] });
  t.deepEqual(plugin.detect(gw(false), ctx()), { port: 'public', scheme: 'http', health: { path: '/ready' } });
  t.deepEqual(plugin.detect(gw(true), ctx()), { port: 'public', scheme: 'https', health: null });
});

test('LokiStack: a front door with no tenant, without its port or with no Pod behind is no entry; the stack still has none elsewhere', (t) => {
  const none = stackServices(gatewaySpec('static', []));
  t.is(plugin.detect(none.gw, ctx(none.all)), null);
  t.is(plugin.detect(none.qf, ctx(none.all)), null);
  const spec = gatewaySpec('static', ['team-a']);
  const noPort = svc('logs-gateway-http', { ns: 'logging', labels: ls('lokistack-gateway'), ports: [['metrics', 8081]], workloads: [observatorium], resources: [lokiStack(spec)] });
  t.is(plugin.detect(noPort, ctx()), null);
  const noPods = svc('logs-gateway-http', { ns: 'logging', labels: ls('lokistack-gateway'), ports: [['public', 8080], ['metrics', 8081]], workloads: [], resources: [lokiStack(spec)] });
  t.is(plugin.detect(noPods, ctx()), null);
  // A user's Service in front of the stack's query frontend (tied through its Pods' labels) is not a second entry.
  const users = svc('loki-read', { ns: 'logging', labels: { app: 'loki-read' }, ports: [['http', 3100, { targetPort: 'metrics' }]], workloads: [lokiTarget('query-frontend')], resources: [lokiStack(spec, 'workload label app.kubernetes.io/instance')] });
  t.is(plugin.detect(users, ctx()), null);
});

test('LokiStack without its resource (CRD not readable): the rules from Pods and labels stay as they were', (t) => {
  const { gw, qf } = stackServices(gatewaySpec('static', ['team-a']));
  const strip = (s: ReturnType<typeof svc>) => ({ ...s, evidence: { workloads: s.evidence!.workloads, resources: [] } });
  t.is(plugin.detect(strip(gw), ctx([strip(qf)])), null);
  t.is(plugin.detect(strip(qf), ctx([strip(gw)])), null);
  t.deepEqual(plugin.detect(strip(qf), ctx([])), { port: 'metrics', scheme: 'http', health: { path: '/ready' } });
});
