// Input errors are the input's, not the plugin's. Services whose own annotations make the custom detector's
// answer invalid (`kubernaut.io/toolset-path: "/a b"`) are left unpublished with the reason in explain, the API
// and a metric by namespace; they do not count towards the detector's quarantine, so one namespace cannot switch
// annotation detection off for the others. A plugin that makes invalid answers of its own on clean Services (even
// out of the Services' own text) is still quarantined.
import test from 'ava';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApp } from '../../core/src/http/app.js';
import { apiRoutes } from '../../core/src/http/routes/api.js';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import { fileConfigSource } from '../../core/src/config/source.js';
import { DEFAULT_CONFIG } from '../../core/src/config/schema.js';
import type { Config } from '../../core/src/config/schema.js';
import { createLogger } from '../../core/src/log.js';
import { createMetrics } from '../../core/src/metrics/index.js';
import { DEFAULT_LIMITS } from '../../core/src/sandbox/plugin.js';
import { startDaemon } from '../daemon/helpers.js';
import { eventually, tempDir } from '../helpers/bundles.js';
import { samples, value } from '../metrics/helpers.js';
import { ALL_KEYS, KEYS, LIMITS, assertContained, assertStep, baseline, runHostile } from './helpers.js';

// Health checks off: every detected Service is published (unchecked), so the ConfigMap shows detection alone.
const config: Config = { ...DEFAULT_CONFIG, healthCheck: { ...DEFAULT_CONFIG.healthCheck, enabled: false } };

function annotated(name: string, namespace: string, type: string, extra: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': type, ...extra } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 9000, targetPort: 9000, protocol: 'TCP' }] },
  };
}

const BAD = { 'kubernaut.io/toolset-path': '/a b' };
const INPUT_METRIC = 'dynamic_toolset_service_input_rejected_total';

test('one namespace\'s "/a b" Services cannot quarantine the custom detector: other namespaces stay published, the reason is in explain, the API and the metric', async (t) => {
  const metrics = createMetrics({ collectDefaults: false });
  const h = await startDaemon(t, { config, options: { observers: { plugins: metrics.pluginObserver() } } });
  const { dir, cleanup } = await tempDir('input');
  t.teardown(cleanup);
  const configFile = path.join(dir, 'detector-config.yaml');
  await writeFile(configFile, 'detectors: {}\n');
  const reloader = new ConfigReloader({ source: fileConfigSource(configFile), apply: (c) => h.daemon.applyConfig(c), log: createLogger({ level: 'error' }) });
  const app = createApp({ routers: [apiRoutes({ daemon: h.daemon, reloader })] });
  const server = app.listen(0);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const get = async (p: string) => (await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${p}`)).json()) as Record<string, unknown>;
  await eventually(() => h.configMap());

  // More bad Services in a row than the quarantine threshold, and nothing in between that resets the count.
  const bad = DEFAULT_LIMITS.quarantineAfter;
  for (let i = 0; i < bad; i++) h.emu.create(annotated(`bad-${i}`, 'tenant-a', 'widget', BAD));
  await eventually(() => Array.from({ length: bad }, (_, i) => h.daemon.model.get(`tenant-a/bad-${i}`)).every((r) => r !== undefined));
  const custom = () => h.daemon.registry.list().find((p) => p.name === 'custom')!;

  // Another namespace's annotated Service, created after them, is still detected and published.
  h.emu.create(annotated('ledger', 'team-b', 'ledger'));
  await eventually(() => h.customToolsets()?.['ledger/api'], 15_000);
  t.is(custom().stats?.inputRejections, bad);
  // And again after a second round of bad ones.
  for (let i = bad; i < 2 * bad; i++) h.emu.create(annotated(`bad-${i}`, 'tenant-a', 'widget', BAD));
  await eventually(() => h.daemon.model.get(`tenant-a/bad-${2 * bad - 1}`));
  h.emu.create(annotated('queue', 'team-c', 'queue'));
  await eventually(() => h.customToolsets()?.['queue/api'], 15_000);

  const stats = custom().stats!;
  t.false(stats.quarantined);
  t.is(stats.failures, 0, `custom never failed (last error: ${JSON.stringify(stats.lastError)})`);
  t.true(stats.syncCalls, 'custom keeps its fast path');
  t.is(stats.inputRejections, 2 * bad);
  // None of the bad Services is published.
  t.deepEqual(Object.keys(h.customToolsets()!).filter((k) => k.startsWith('widget')), []);
  t.false(h.daemon.model.snapshot().detected.some((d) => d.namespace === 'tenant-a'));

  // explain says why, and where the fix is.
  const explain = await get('/api/v1/services/tenant-a/bad-0/explain');
  t.like(explain, { detected: false, published: false });
  const step = (explain.detectors as Array<Record<string, unknown>>).find((s) => s.detector === 'custom');
  t.like(step, { outcome: 'rejected', error_type: 'input' });
  t.regex(String(step?.reason), /path "\/a b" from the Service's annotation kubernaut\.io\/toolset-path: must start with "\/"/);
  t.regex(String(step?.detail), /fix the Service; this does not count against the detector/);
  // The good ones were detected by custom.
  const good = await get('/api/v1/services/team-b/ledger/explain');
  t.like(good, { detected: true, published: true, detection: { detector: 'custom', type: 'ledger' } });

  // /plugins: custom active, no failures, the rejections counted apart.
  const plugins = (await get('/api/v1/plugins')).plugins as Array<Record<string, unknown>>;
  t.like(plugins.find((p) => p.name === 'custom'), { status: 'active', quarantined: false, failures: 0, input_rejections: 2 * bad, fast_path: true, last_error: null });

  // The metric counts by namespace; the good namespaces have no series.
  const text = await metrics.render();
  t.is(value(text, INPUT_METRIC, { namespace: 'tenant-a', detector: 'custom', reason: 'path' }), 2 * bad);
  t.false(samples(text).some((s) => s.name === INPUT_METRIC && s.labels.namespace !== 'tenant-a'));
  t.is(value(text, 'dynamic_toolset_plugin_quarantines_total', { plugin: 'custom' }), 0);

  // Fixing the Service publishes it.
  h.emu.patch({ apiVersion: 'v1', kind: 'Service', namespace: 'tenant-a', name: 'bad-0' }, { metadata: { annotations: { 'kubernaut.io/toolset-path': '/a-b' } } });
  await eventually(() => h.customToolsets()?.['widget/api'], 15_000);
  t.pass();
});

test('a plugin that answers invalid paths of its own on clean Services is still quarantined', async (t) => {
  await baseline();
  const run = await runHostile(['invalid-path']);
  await assertContained(t, run);
  const info = run.plugin('invalid-path');
  for (const key of ALL_KEYS.slice(0, info.stats!.failures)) assertStep(t, run, 'invalid-path', key, 'rejected', 'bad-result', /^answer rejected: path: must start with "\/"/);
  t.true(info.stats?.quarantined);
  t.is(info.stats?.inputRejections, 0);
  t.like(info.stats?.lastError, { kind: 'bad-result' });
});

test('a plugin that builds invalid answers out of the Services\' own clean text cannot pass them off as input', async (t) => {
  await baseline();
  // Quarantined at the fifth failure: every Service gets its own attempt first.
  const run = await runHostile(['echo-service'], { limits: { ...LIMITS, quarantineAfter: ALL_KEYS.length } });
  await assertContained(t, run);
  const info = run.plugin('echo-service');
  assertStep(t, run, 'echo-service', KEYS.prometheus, 'rejected', 'bad-result', /^answer rejected: path: must start with "\/"/);
  assertStep(t, run, 'echo-service', KEYS.grafana, 'rejected', 'bad-result', /^answer rejected: path: Too big/i);
  assertStep(t, run, 'echo-service', KEYS.loki, 'rejected', 'bad-result', /^answer rejected: endpoint: must be an absolute http\(s\) URL/);
  assertStep(t, run, 'echo-service', KEYS.ledger, 'rejected', 'bad-result', /^answer rejected: path: must start with "\/" and contain no query, fragment or whitespace/);
  assertStep(t, run, 'echo-service', KEYS.checkout, 'rejected', 'bad-result', /^answer rejected: health\.path: must start with "\/" and contain no fragment/);
  t.is(info.stats?.failures, ALL_KEYS.length);
  t.true(info.stats?.quarantined);
  t.is(info.stats?.inputRejections, 0);
});
