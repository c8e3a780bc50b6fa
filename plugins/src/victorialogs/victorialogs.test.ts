import test from 'ava';
import plugin from './index.js';
import { svc, ctx } from '@kubernaut/toolset-sdk/testing';

const chart = { app: 'server', 'app.kubernetes.io/name': 'victoria-logs-single', 'app.kubernetes.io/instance': 'vlogs' };
const op = (name: string, instance = 'applogs') => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/component': 'monitoring', 'managed-by': 'vm-operator' });

test('chart victoria-logs-single: the (headless) server Service on http 9428, health /health', (t) => {
  const s = svc('vlogs-victoria-logs-single-server', { labels: chart, selector: chart, headless: true, ports: [['http', 9428]] });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'http', scheme: 'http', health: { path: '/health' } });
});

test('operator VLSingle and the deprecated VLogs: vlsingle-<name> / vlogs-<name> on http 9428', (t) => {
  t.deepEqual(plugin.detect(svc('vlsingle-applogs', { labels: op('vlsingle'), selector: op('vlsingle'), ports: [['http', 9428]] }), ctx()), { port: 'http', scheme: 'http', health: { path: '/health' } });
  t.deepEqual(plugin.detect(svc('vlogs-old', { labels: op('vlogs', 'old'), selector: op('vlogs', 'old'), ports: [['http', 9428]] }), ctx()), { port: 'http', scheme: 'http', health: { path: '/health' } });
});

test('cluster: vlselect is the query endpoint (9471); vlinsert and vlstorage are not', (t) => {
  t.deepEqual(plugin.detect(svc('vlselect-applogs', { labels: op('vlselect'), ports: [['http', 9471]] }), ctx()), { port: 'http', scheme: 'http', health: { path: '/health' } });
  const chartSelect = { app: 'vlselect', 'app.kubernetes.io/name': 'victoria-logs-cluster', 'app.kubernetes.io/instance': 'vlc' };
  t.truthy(plugin.detect(svc('vlc-victoria-logs-cluster-vlselect', { labels: chartSelect, ports: [['http', 9471]] }), ctx()));
  t.is(plugin.detect(svc('vlinsert-applogs', { labels: op('vlinsert'), ports: [['http', 9481]] }), ctx()), null);
  t.is(plugin.detect(svc('vlstorage-applogs', { labels: op('vlstorage'), headless: true, ports: [['http', 9491]] }), ctx()), null);
  t.is(plugin.detect(svc('vlc-victoria-logs-cluster-vlinsert', { labels: { ...chartSelect, app: 'vlinsert' }, ports: [['http', 9481]] }), ctx()), null);
});

test('a headless twin yields to the normal Service of the same install; VictoriaMetrics is not VictoriaLogs', (t) => {
  const normal = svc('vlogs-server', { labels: chart, selector: chart, ports: [['http', 9428]] });
  const headless = svc('vlogs-server-headless', { labels: chart, selector: chart, headless: true, ports: [['http', 9428]] });
  t.is(plugin.detect(headless, ctx([normal])), null);
  t.truthy(plugin.detect(normal, ctx([headless])));
  const vm = { app: 'server', 'app.kubernetes.io/name': 'victoria-metrics-single' };
  t.is(plugin.detect(svc('vm-server', { labels: vm, ports: [['http', 8428]] }), ctx()), null);
  t.is(plugin.detect(svc('vlogs-server', { labels: chart, ports: [['metrics', 9100]] }), ctx()), null, 'no API port');
});

test('toolsets: victorialogs with api_url only', (t) => {
  const found = { detector: 'victorialogs', type: 'victorialogs', service: { name: 'v', namespace: 'n', labels: {}, annotations: {} }, url: 'http://v.n.svc.cluster.local:9428', scheme: 'http' as const, host: 'v.n.svc.cluster.local', port: 9428, path: '', healthPath: '/health' };
  t.deepEqual(plugin.toolsets!(found, { config: {} }), { victorialogs: { enabled: true, config: { api_url: 'http://v.n.svc.cluster.local:9428' } } });
});

test('evidence: VictoriaLogs by image (hand-written), never vlinsert; nothing behind is no entry', (t) => {
  const s = svc('logstore', { labels: { app: 'logstore' }, ports: [['http', 9428]], workloads: [{ image: 'victoriametrics/victoria-logs:v1.24.0-victorialogs', args: ['-http.pathPrefix=/vl'] }] });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'http', scheme: 'http', path: '/vl', health: { path: '/vl/health' } });
  t.is(plugin.detect(svc('vlinsert-applogs', { labels: { 'app.kubernetes.io/name': 'vlinsert' }, ports: [['http', 9481]], workloads: [{ image: 'victoriametrics/victoria-logs:v1.24.0-victorialogs' }] }), ctx()), null);
  t.is(plugin.detect(svc('v', { labels: chart, ports: [['http', 9428]], workloads: [] }), ctx()), null);
});
