// The /api/v1 routes through real HTTP against a daemon running on the API emulator.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import { rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApp } from '../../core/src/http/app.js';
import { healthRoutes } from '../../core/src/http/routes/health.js';
import { apiRoutes, jsonBodiesOnly } from '../../core/src/http/routes/api.js';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import { fileConfigSource } from '../../core/src/config/source.js';
import { createLogger } from '../../core/src/log.js';
import { backend, grafanaService, prometheusService, startDaemon } from '../daemon/helpers.js';
import { eventually, tempDir } from '../helpers/bundles.js';

async function api(t: ExecutionContext) {
  const { dir, cleanup } = await tempDir('api');
  t.teardown(cleanup);
  const configFile = path.join(dir, 'detector-config.yaml');
  await writeFile(configFile, 'detectors:\n  grafana: {priority: 40}\n');
  const h = await startDaemon(t);
  const reloader = new ConfigReloader({ source: fileConfigSource(configFile), apply: (c) => h.daemon.applyConfig(c), log: createLogger({ level: 'error' }) });
  const app = createApp({ middleware: [jsonBodiesOnly()], routers: [healthRoutes(h.daemon), apiRoutes({ daemon: h.daemon, reloader })] });
  const server = app.listen(0);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (p: string) => {
    const r = await fetch(base + p);
    return { status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as Record<string, unknown> };
  };
  const post = async (p: string, body?: string, type = 'application/json') => {
    const r = await fetch(base + p, { method: 'POST', ...(body !== undefined ? { body, headers: { 'content-type': type } } : {}) });
    return { status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as Record<string, unknown> };
  };
  return { h, get, post, configFile };
}

test('services, toolsets, statistics, plugins and explain describe what the daemon found', async (t) => {
  const { h, get } = await api(t);
  const graf = await backend(t);
  h.emu.registerProxyTarget({ namespace: 'monitoring', name: 'obs-grafana', port: 'service', url: graf.url });
  h.emu.create(grafanaService('obs'));
  h.emu.create(prometheusService('dead')); // no proxy target: unhealthy, still listed
  await eventually(() => h.customToolsets()?.['grafana/dashboards']);
  await eventually(() => h.daemon.health.get('monitoring/dead-kube-prometheus-st-prometheus')?.state === 'unhealthy');

  const services = await get('/api/v1/services');
  t.is(services.status, 200);
  t.is(services.body.count, 2);
  const byName = new Map((services.body.services as Array<Record<string, unknown>>).map((s) => [s.name, s]));
  t.like(byName.get('obs-grafana'), { namespace: 'monitoring', type: 'grafana', detector: 'grafana', endpoint: 'http://obs-grafana.monitoring.svc.cluster.local:80', healthy: true, primary: true });
  t.like(byName.get('dead-kube-prometheus-st-prometheus'), { healthy: false });
  t.truthy((byName.get('dead-kube-prometheus-st-prometheus') as { reason?: string }).reason);

  t.is((await get('/api/v1/services?type=grafana')).body.count, 1);
  t.is((await get('/api/v1/services?namespace=elsewhere')).body.count, 0);

  const toolsets = await get('/api/v1/toolsets');
  const names = (toolsets.body.toolsets as Array<{ name: string; source: string }>).map((x) => `${x.name}:${x.source}`);
  t.true(names.includes('grafana/dashboards:discovered'));
  t.true(names.includes('kubernetes/core:baseline'));
  t.is(toolsets.body.count, names.length);

  const stats = await get('/api/v1/statistics');
  t.true((stats.body.discoveries_total as number) >= 1);
  t.is(stats.body.services_discovered, 2);
  t.like((stats.body.detectors as Record<string, unknown>).grafana, { enabled: true, services: 1 });

  const plugins = await get('/api/v1/plugins');
  t.is((plugins.body.plugins as unknown[]).length, 9);
  t.like((plugins.body.plugins as Array<Record<string, unknown>>).find((p) => p.name === 'grafana'), { source: 'built-in', status: 'active', quarantined: false, fast_path: true, fast_path_lost: null });

  const explain = await get('/api/v1/services/monitoring/obs-grafana/explain');
  t.is(explain.status, 200);
  t.like(explain.body, { detected: true, published: true, detection: { detector: 'grafana', type: 'grafana' } });
  const steps = explain.body.detectors as Array<{ detector: string; outcome: string }>;
  t.deepEqual(steps.slice(0, 4).map((s) => s.outcome), ['none', 'none', 'none', 'detected']);
  t.is(steps[4]?.outcome, 'not-reached');

  const missing = await get('/api/v1/services/monitoring/nope/explain');
  t.is(missing.status, 404);
  t.is(missing.type, 'application/problem+json');
  t.truthy(missing.body.requestId);
});

test('discover runs a full discovery and answers with its result', async (t) => {
  const { h, post } = await api(t);
  h.emu.create(grafanaService('late'));
  const r = await post('/api/v1/discover');
  t.is(r.status, 200);
  t.is(r.body.status, 'success');
  t.true((r.body.services as Array<{ name: string }>).some((s) => s.name === 'late-grafana'));
});

test('config reload: success answer, 422 naming each problem with the running config unchanged, 415 for non-JSON bodies', async (t) => {
  const { h, post, configFile } = await api(t);
  const ok = await post('/api/v1/config/reload');
  t.is(ok.status, 200);
  t.like(ok.body, { status: 'success', detectors_enabled: 9, detectors_disabled: 0 });
  t.regex(ok.body.reload_time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  await writeFile(configFile, 'detectors:\n  grafana: {enabled: false}\n');
  const disabled = await post('/api/v1/config/reload', '{}');
  t.like(disabled.body, { detectors_enabled: 8, detectors_disabled: 1 });

  await writeFile(configFile, 'detectors:\n  grafana: {enabled: nope, priority: -1}\n  loki: {enabeld: true}\n');
  const bad = await post('/api/v1/config/reload');
  t.is(bad.status, 422);
  t.is(bad.type, 'application/problem+json');
  const errors = bad.body.errors as Array<{ line: number; key: string; message: string }>;
  t.deepEqual(errors.map((e) => e.key).sort(), ['detectors.grafana.enabled', 'detectors.grafana.priority', 'detectors.loki.enabeld']);
  t.true(errors.every((e) => e.line >= 2));
  t.false(h.daemon.currentConfig.detectors.grafana?.enabled ?? true, 'the running config is still the last good one');

  const wrongType = await post('/api/v1/config/reload', 'a=b', 'application/x-www-form-urlencoded');
  t.is(wrongType.status, 415);
  t.is(wrongType.type, 'application/problem+json');
});

test('config reload: an oversized, alias-bomb, unknown-tag, empty, comments-only, deleted or colliding-priority config is a 422 with the reason; the running config stays; /health answers while a large one is parsed', async (t) => {
  const { h, get, post, configFile } = await api(t);
  await writeFile(configFile, 'detectors:\n  grafana: {enabled: false}\n');
  t.is((await post('/api/v1/config/reload')).status, 200);
  const kept = () => h.daemon.currentConfig.detectors.grafana?.enabled === false;
  t.true(kept());

  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['60 MiB file', async () => {
      await writeFile(configFile, 'detectors: {}\n');
      await truncate(configFile, 60 * 1024 * 1024);
    }, /the config is 60\.0 MiB; the limit is 256 KiB/],
    ['40 MiB string in plugin.config', () => writeFile(configFile, `detectors:\n  acme:\n    plugin: {config: {blob: "${'x'.repeat(40 * 1024 * 1024)}"}}\n`), /the config is 40\.0 MiB; the limit is 256 KiB/],
    ['alias bomb', () => writeFile(configFile, `a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [${Array(10).fill('*a').join(',')}]\nc: [${Array(10).fill('*b').join(',')}]\n`), /possible alias bomb/],
    ['unknown tag', () => writeFile(configFile, 'detectors:\n  grafana: !!python/object:os.system {enabled: true}\n'), /tag tag:yaml\.org,2002:python\/object:os\.system is not allowed/],
    ['empty file', () => writeFile(configFile, ''), /the config is empty .*the running config stays; to reset every detector to its defaults, write "detectors: \{\}"/],
    ['comments only', () => writeFile(configFile, '# detectors: {}\n'), /the config is empty/],
    ['deleted file', () => rm(configFile), /the config file no longer exists: the running config stays/],
    ['colliding priority', () => writeFile(configFile, 'detectors:\n  grafana: {enabled: true}\n  prometheus: {priority: 10}\n'), /priority 10 is already used by detector "custom" \(its default priority\)/],
  ];
  for (const [what, change, expected] of cases) {
    await change();
    const r = await post('/api/v1/config/reload');
    t.is(r.status, 422, what);
    t.is(r.type, 'application/problem+json', what);
    const errors = r.body.errors as Array<{ file: string; line: number | null; key: string | null; message: string }>;
    t.true(errors.some((e) => expected.test(e.message)), `${what}: ${JSON.stringify(errors)}`);
    t.true(errors.every((e) => e.file.endsWith('detector-config.yaml')), what);
    t.true(kept(), `${what}: the running config is still the last good one`);
  }
  const collision = await post('/api/v1/config/reload');
  t.like((collision.body.errors as unknown[])[0], { line: 3, key: 'detectors.prometheus.priority' });

  // Large but allowed: parsed on a worker thread while the daemon keeps answering.
  const items = Array.from({ length: 6000 }, (_, i) => `          - {id: ${i}, name: item-${i}}\n`).join('');
  await writeFile(configFile, `detectors:\n  grafana: {enabled: true}\n  acme:\n    plugin:\n      config:\n        items:\n${items}`);
  let reloaded = false;
  const reload = post('/api/v1/config/reload').then((r) => {
    reloaded = true;
    return r;
  });
  const health = await get('/health');
  t.is(health.status, 200);
  t.false(reloaded, '/health answered while the config was parsed');
  const done = await reload;
  t.is(done.status, 200);
  t.true(h.daemon.currentConfig.detectors.grafana?.enabled);
  t.is((h.daemon.currentConfig.detectors.acme?.plugin?.config?.items as unknown[]).length, 6000);
});
