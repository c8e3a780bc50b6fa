// The built-in detectors against Services as real charts and operators create them.
// test/fixtures/charts/*.yaml: one chart install per file; expected.yaml: exactly what the built-in set reports.
// test/fixtures/negative/*.yaml: Services that must yield no detection at all.
import { detectOffline } from '../core/src/detection/offline.js';
import type { DetectionRecord } from '../core/src/detection/offline.js';
import { DEFAULT_LIMITS } from '../core/src/sandbox/plugin.js';
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import YAML from 'yaml';
import type { FoundService, PluginExport, ToolsetEntry } from '@kubernaut/toolset-sdk';
import custom from '../plugins/src/custom/index.js';
import prometheus from '../plugins/src/prometheus/index.js';
import alertmanager from '../plugins/src/alertmanager/index.js';
import grafana from '../plugins/src/grafana/index.js';
import loki from '../plugins/src/loki/index.js';
import tempo from '../plugins/src/tempo/index.js';
import jaeger from '../plugins/src/jaeger/index.js';
import elasticsearch from '../plugins/src/elasticsearch/index.js';
import victorialogs from '../plugins/src/victorialogs/index.js';

type Rec = DetectionRecord;

const here = path.dirname(fileURLToPath(import.meta.url));
const chartsDir = path.join(here, 'fixtures', 'charts');
const negativeDir = path.join(here, 'fixtures', 'negative');
const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'expected.yaml').sort();

function loadServices(file: string): unknown[] {
  return YAML.parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as unknown)
    .filter((d) => d !== null && d !== undefined);
}

const byKey = (a: Rec, b: Rec) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);
const normalise = (rs: readonly Rec[]): Rec[] =>
  rs.map((r) => ({ namespace: r.namespace, name: r.name, type: r.type, detector: r.detector, endpoint: r.endpoint, healthPath: r.healthPath ?? null })).sort(byKey);

const expected = YAML.parse(readFileSync(path.join(chartsDir, 'expected.yaml'), 'utf8')) as Record<string, Rec[]>;

test('expected.yaml covers exactly the chart fixture files', (t) => {
  t.deepEqual(Object.keys(expected).sort(), yamlFiles(chartsDir));
});

for (const file of yamlFiles(chartsDir)) {
  test(`chart fixture ${file}: the built-in set reports exactly expected.yaml`, async (t) => {
    const got = await detectOffline(loadServices(path.join(chartsDir, file)));
    t.deepEqual(normalise(got), normalise(expected[file] ?? []));
  });
}

// Small batches run on the daemon's thread, large ones on isolate threads (SandboxedPlugin.detect): both paths,
// including the sibling callback the twin and gateway rules use, must say the same.
test('every chart fixture: the same detections on the daemon thread and on isolate threads', async (t) => {
  for (const file of yamlFiles(chartsDir)) {
    const services = loadServices(path.join(chartsDir, file));
    const onDaemonThread = await detectOffline(services, { limits: { ...DEFAULT_LIMITS, syncBatchMax: services.length } });
    const threaded = await detectOffline(services, { limits: { ...DEFAULT_LIMITS, syncBatchMax: 0 } });
    t.deepEqual(normalise(onDaemonThread), normalise(expected[file] ?? []), `${file}, daemon thread`);
    t.deepEqual(normalise(threaded), normalise(expected[file] ?? []), `${file}, isolate threads`);
  }
});

for (const file of yamlFiles(negativeDir)) {
  test(`negative fixture ${file}: nothing is detected`, async (t) => {
    const services = loadServices(path.join(negativeDir, file));
    t.true(services.length > 0);
    t.deepEqual(await detectOffline(services), []);
  });
}

test('fixtures are complete `kubectl get svc -o yaml` Service objects', (t) => {
  const all: Array<[string, string]> = [...yamlFiles(chartsDir).map((f): [string, string] => [chartsDir, f]), ...yamlFiles(negativeDir).map((f): [string, string] => [negativeDir, f])];
  for (const [dir, file] of all) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    t.true(text.startsWith('# '), `${file}: header comment naming the chart/source`);
    for (const s of loadServices(path.join(dir, file)) as Array<Record<string, any>>) {
      const where = `${file}: ${String(s.metadata?.name)}`;
      t.is(s.apiVersion, 'v1', where);
      t.is(s.kind, 'Service', where);
      for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp']) t.is(typeof s.metadata[k], 'string', `${where}: metadata.${k}`);
      t.true(Array.isArray(s.metadata.managedFields) && s.metadata.managedFields.length > 0, `${where}: managedFields`);
      t.is(typeof s.spec.type, 'string', `${where}: spec.type`);
      t.is(typeof s.spec.sessionAffinity, 'string', `${where}: spec.sessionAffinity`);
      t.deepEqual(s.status, { loadBalancer: {} }, `${where}: status`);
      if (s.spec.type !== 'ExternalName') {
        for (const k of ['clusterIP', 'internalTrafficPolicy', 'ipFamilyPolicy']) t.is(typeof s.spec[k], 'string', `${where}: spec.${k}`);
        t.true(Array.isArray(s.spec.clusterIPs) && Array.isArray(s.spec.ipFamilies), `${where}: clusterIPs/ipFamilies`);
        for (const p of s.spec.ports as Array<Record<string, unknown>>) {
          t.is(typeof p.port, 'number', `${where}: port`);
          t.true(p.protocol === 'TCP' || p.protocol === 'UDP', `${where}: protocol`);
          t.not(p.targetPort, undefined, `${where}: targetPort`);
        }
      }
    }
  }
});

// ---- toolsets(): one found service per plugin -------------------------------------------------------------------

async function foundFor(file: string, name: string): Promise<FoundService> {
  const services = loadServices(path.join(chartsDir, file)) as Array<{ metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } }>;
  const rec = (await detectOffline(services)).find((r) => r.name === name);
  if (rec === undefined) throw new Error(`${name} not detected in ${file}`);
  const svc = services.find((s) => s.metadata.name === name)!;
  const url = new URL(rec.endpoint);
  // WHATWG URL drops a port that is the scheme's default (80/443): read it from the endpoint text instead.
  const port = Number(/^[a-z]+:\/\/[^/:]+:(\d+)/.exec(rec.endpoint)?.[1] ?? (url.protocol === 'https:' ? 443 : 80));
  return {
    detector: rec.detector,
    type: rec.type,
    service: { name: rec.name, namespace: rec.namespace, labels: svc.metadata.labels ?? {}, annotations: svc.metadata.annotations ?? {} },
    url: rec.endpoint,
    scheme: url.protocol === 'https:' ? 'https' : 'http',
    host: url.hostname,
    port,
    path: url.pathname === '/' ? '' : url.pathname,
    healthPath: rec.healthPath,
  };
}

function toolsetsOf(plugin: PluginExport<any>, found: FoundService): Record<string, ToolsetEntry> {
  const out = plugin.toolsets?.(found, { config: {} });
  if (out === null || out === undefined) throw new Error(`${plugin.name}: no toolsets`);
  return out;
}

/** HolmesGPT drops a whole entry that carries an unknown key next to enabled/config (2026 http toolsets add type/description/llm_instructions). */
function assertHolmesEntries(t: import('ava').ExecutionContext, entries: Record<string, ToolsetEntry>) {
  const allowed = new Set(['enabled', 'config', 'type', 'description', 'llm_instructions']);
  for (const [name, entry] of Object.entries(entries)) {
    t.is(entry.enabled, true, `${name}: enabled: true`);
    t.deepEqual(Object.keys(entry).filter((k) => !allowed.has(k)), [], `${name}: only known entry keys`);
    t.false(JSON.stringify(entry).includes('{{'), `${name}: no {{ env.X }} references`);
  }
}

test('toolsets: prometheus → prometheus/metrics with prometheus_url', async (t) => {
  const entries = toolsetsOf(prometheus, await foundFor('kube-prometheus-stack-72.yaml', 'kps-prod-kube-prometheus-s-prometheus'));
  assertHolmesEntries(t, entries);
  t.deepEqual(entries, {
    'prometheus/metrics': { enabled: true, config: { prometheus_url: 'http://kps-prod-kube-prometheus-s-prometheus.monitoring.svc.cluster.local:9090' } },
  });
});

// HolmesGPT 2026 (reference "Built-in toolset names"): VictoriaMetrics is prometheus/metrics with
// subtype: victoriametrics; `healthcheck` and `prometheus_ssl_enabled` are no longer read (verify_ssl is).
test('toolsets: VictoriaMetrics gets subtype victoriametrics, Mimir plain prometheus_url, https disables verification', async (t) => {
  const vm = toolsetsOf(prometheus, await foundFor('victoria-metrics-cluster-0.yaml', 'vmc-victoria-metrics-cluster-vmselect'));
  assertHolmesEntries(t, vm);
  t.deepEqual(vm['prometheus/metrics']?.config, {
    prometheus_url: 'http://vmc-victoria-metrics-cluster-vmselect.vmcluster.svc.cluster.local:8481/select/0/prometheus',
    subtype: 'victoriametrics',
  });
  const single = toolsetsOf(prometheus, await foundFor('victoria-metrics-single-0.yaml', 'vmdb-victoria-metrics-single-server'));
  t.deepEqual(single['prometheus/metrics']?.config, { prometheus_url: 'http://vmdb-victoria-metrics-single-server.vm.svc.cluster.local:8428', subtype: 'victoriametrics' });
  const mimir = toolsetsOf(prometheus, await foundFor('mimir-distributed-5.yaml', 'lgtm-mimir-gateway'));
  t.deepEqual(mimir['prometheus/metrics']?.config, { prometheus_url: 'http://lgtm-mimir-gateway.mimir.svc.cluster.local:80/prometheus' });
  const ocp = toolsetsOf(prometheus, await foundFor('openshift-monitoring-4.16.yaml', 'thanos-querier'));
  t.deepEqual(ocp['prometheus/metrics']?.config, {
    prometheus_url: 'https://thanos-querier.openshift-monitoring.svc.cluster.local:9091',
    verify_ssl: false,
  });
});

test('toolsets: grafana → grafana/dashboards {api_url}', async (t) => {
  const entries = toolsetsOf(grafana, await foundFor('grafana-9.yaml', 'dashboards-grafana'));
  assertHolmesEntries(t, entries);
  t.deepEqual(entries, { 'grafana/dashboards': { enabled: true, config: { api_url: 'http://dashboards-grafana.grafana.svc.cluster.local:80' } } });
});

test('toolsets: loki → grafana/loki {api_url}', async (t) => {
  const entries = toolsetsOf(loki, await foundFor('loki-6-simple-scalable.yaml', 'loki-gateway'));
  assertHolmesEntries(t, entries);
  t.deepEqual(entries, { 'grafana/loki': { enabled: true, config: { api_url: 'http://loki-gateway.loki.svc.cluster.local:80' } } });
});

test('toolsets: tempo → grafana/tempo {api_url}', async (t) => {
  const entries = toolsetsOf(tempo, await foundFor('tempo-distributed-1.yaml', 'apm-tempo-query-frontend'));
  assertHolmesEntries(t, entries);
  t.deepEqual(entries, { 'grafana/tempo': { enabled: true, config: { api_url: 'http://apm-tempo-query-frontend.tempo.svc.cluster.local:3200' } } });
});

test('toolsets: elasticsearch → elasticsearch/cluster and /data with api_url, verify_ssl false over https', async (t) => {
  const entries = toolsetsOf(elasticsearch, await foundFor('elasticsearch-8.yaml', 'elasticsearch-master'));
  assertHolmesEntries(t, entries);
  const config = { api_url: 'https://elasticsearch-master.elastic.svc.cluster.local:9200', verify_ssl: false };
  t.deepEqual(entries, { 'elasticsearch/cluster': { enabled: true, config }, 'elasticsearch/data': { enabled: true, config } });
});

test('toolsets: victorialogs → victorialogs {api_url}, chart and operator', async (t) => {
  const chart = toolsetsOf(victorialogs, await foundFor('victoria-logs-single-0.yaml', 'vlogs-victoria-logs-single-server'));
  assertHolmesEntries(t, chart);
  t.deepEqual(chart, { victorialogs: { enabled: true, config: { api_url: 'http://vlogs-victoria-logs-single-server.logging.svc.cluster.local:9428' } } });
  const op = toolsetsOf(victorialogs, await foundFor('vm-operator-vlcluster-1.yaml', 'vlselect-applogs'));
  t.deepEqual(op, { victorialogs: { enabled: true, config: { api_url: 'http://vlselect-applogs.observability.svc.cluster.local:9471' } } });
});

test('toolsets: jaeger → a read-only http toolset jaeger/query on host:port /api/*', async (t) => {
  const entries = toolsetsOf(jaeger, await foundFor('jaeger-3.yaml', 'spans-jaeger-query'));
  assertHolmesEntries(t, entries);
  const e = entries['jaeger/query'];
  t.is(e?.type, 'http');
  t.true(typeof e?.description === 'string' && e.description.length > 0);
  t.true(typeof e?.llm_instructions === 'string' && e.llm_instructions.includes('/api/traces'));
  t.deepEqual(e?.config, { endpoints: [{ hosts: ['spans-jaeger-query.jaeger.svc.cluster.local:80'], paths: ['/api/*'], methods: ['GET'] }] });
});

test('toolsets: alertmanager → a read-only http toolset alertmanager/api on host:port /api/v2/*', async (t) => {
  const entries = toolsetsOf(alertmanager, await foundFor('kube-prometheus-stack-72.yaml', 'kps-prod-kube-prometheus-s-alertmanager'));
  assertHolmesEntries(t, entries);
  const e = entries['alertmanager/api'];
  t.is(e?.type, 'http');
  t.true(typeof e?.description === 'string' && e.description.length > 0);
  t.true(typeof e?.llm_instructions === 'string' && e.llm_instructions.includes('/api/v2/alerts'));
  t.deepEqual(e?.config, {
    endpoints: [{ hosts: ['kps-prod-kube-prometheus-s-alertmanager.monitoring.svc.cluster.local:9093'], paths: ['/api/v2/*'], methods: ['GET'] }],
  });
});

test('toolsets: custom publishes nothing itself (the host generates the generic http toolset)', (t) => {
  t.is(custom.toolsets, undefined);
});
