// One namespace floods the output (issue 12 item 2): before, a ConfigMap over its budget was not written at all, so
// an unrelated new Service and a deletion never reached HolmesGPT while /ready said ready. Now the best output that
// fits is written (toolsets/budget.ts), the degradation is visible (file comment, API, metric, /ready's body), and
// every other change still gets through. The budget is lowered (DaemonOptions.maxDataBytes) so a few dozen Services
// flood it; the rule is the same at 1 MiB.
import test from 'ava';
import { Buffer } from 'node:buffer';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../../core/src/config/schema.js';
import type { Config } from '../../core/src/config/schema.js';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import { fileConfigSource } from '../../core/src/config/source.js';
import { createApp } from '../../core/src/http/app.js';
import { healthRoutes } from '../../core/src/http/routes/health.js';
import { apiRoutes } from '../../core/src/http/routes/api.js';
import { trackDaemon } from '../../core/src/http/server.js';
import { createLogger } from '../../core/src/log.js';
import { createMetrics } from '../../core/src/metrics/index.js';
import { startDaemon } from './helpers.js';
import { eventually, tempDir } from '../helpers/bundles.js';
import { value } from '../metrics/helpers.js';

// Health checks off: every detected Service is published (unchecked), as with annotated Services nobody probes.
const config: Config = { ...DEFAULT_CONFIG, healthCheck: { ...DEFAULT_CONFIG.healthCheck, enabled: false } };
const BUDGET = 40_000;
const FLOOD = 45;

function annotated(namespace: string, name: string, type: string, extra: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': type, ...extra } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }] },
  };
}

const svcRef = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'Service', namespace, name });
const floodName = (i: number) => `svc-${String(i).padStart(2, '0')}`;

test('a flooding namespace degrades the output instead of freezing it: new Services and deletions still get through', async (t) => {
  const { dir, cleanup } = await tempDir('flood');
  t.teardown(cleanup);
  const h = await startDaemon(t, { config, options: { maxDataBytes: BUDGET } });
  const configFile = path.join(dir, 'detector-config.yaml');
  await writeFile(configFile, 'detectors: {}\n');
  const reloader = new ConfigReloader({ source: fileConfigSource(configFile), apply: (c) => h.daemon.applyConfig(c), log: createLogger({ level: 'error' }) });
  const server = createApp({ routers: [healthRoutes(h.daemon), apiRoutes({ daemon: h.daemon, reloader })] }).listen(0);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const get = async (p: string) => (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${p}`)).json() as Promise<Record<string, any>>;
  const metrics = createMetrics({ collectDefaults: false });
  trackDaemon(metrics, h.daemon, () => true);

  const data = () => h.configMap()?.data ?? {};
  const custom = () => data()['custom_toolset.yaml'] ?? '';

  h.emu.create(annotated('apps', 'keep', 'keeper'));
  h.emu.create(annotated('apps', 'gone', 'goner'));
  // A 1.9 KiB endpoint URL: over the per-Service limit, refused with its reason.
  h.emu.create(annotated('noisy', 'long', 'longurl', { 'kubernaut.io/toolset-endpoint': `http://long.example.com/${'u'.repeat(1900)}` }));
  for (let i = 0; i < FLOOD; i++) h.emu.create(annotated('flood', floodName(i), `flood${i}`, { 'kubernaut.io/toolset-path': `/${'p'.repeat(200)}` }));

  // Written, degraded: the quiet namespace's Services are in, part of the flood is out.
  await eventually(() => h.daemon.model.snapshot().detected.length === FLOOD + 3);
  await h.daemon.detection.whenIdle();
  await eventually(() => custom().includes('DEGRADED') && data()['keeper-toolset.yaml'] && data()['goner-toolset.yaml'] && custom().includes('noisy/long'));
  await h.daemon.reconciler.whenIdle();
  const text = custom();
  const bytes = Object.entries(data()).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  t.true(bytes <= BUDGET, `${bytes} bytes written`);
  t.false(text.includes('u'.repeat(100)), 'the over-long URL is not written');
  t.regex(text, /^# DEGRADED: \d+ discovered Services are left out to keep this ConfigMap under its 40000-byte data budget/m);
  t.regex(text, /^# - noisy\/long: the endpoint URL is \d+ bytes, over the 512-byte limit per Service$/m);
  t.not(h.daemon.reconciler.last?.result, 'invalid');

  const toolsets = await get('/api/v1/toolsets');
  const leftOut = toolsets.left_out as Array<{ service: string; type: string; reason: string; detail: string }>;
  const overBudget = leftOut.filter((l) => l.reason === 'over-budget').map((l) => l.service);
  t.true(overBudget.length > 0 && overBudget.length < FLOOD, `${overBudget.length} of ${FLOOD} flood Services left out`);
  t.true(overBudget.every((k) => k.startsWith('flood/')));
  t.deepEqual(leftOut.filter((l) => l.reason === 'too-long').map((l) => l.service), ['noisy/long']);
  t.like(toolsets.degraded, { left_out: overBudget.length, limit_bytes: BUDGET });
  t.true((toolsets.degraded as { wanted_bytes: number }).wanted_bytes > BUDGET);

  const ready = await get('/ready');
  t.is(ready.status, 'ready', 'a degraded output is still serving: ready');
  t.regex(ready.degraded as string, /^custom_toolset\.yaml leaves out \d+ of \d+ published Services to keep ConfigMap data under its 40000-byte budget/);

  const [ns, name] = overBudget[0]!.split('/');
  const explained = await get(`/api/v1/services/${ns}/${name}/explain`);
  t.like(explained, { detected: true, published: false, not_published: { reason: 'over-budget' } });
  t.like(await get('/api/v1/services/noisy/long/explain'), { published: false, not_published: { reason: 'too-long' } });
  t.like(await get('/api/v1/services/apps/keep/explain'), { published: true });
  t.false('not_published' in (await get('/api/v1/services/apps/keep/explain')));

  let scrape = await metrics.render();
  t.is(value(scrape, 'dynamic_toolset_output_left_out', { reason: 'over-budget' }), overBudget.length);
  t.is(value(scrape, 'dynamic_toolset_output_left_out', { reason: 'too-long' }), 1);

  // With the flood still there: a new Service in another namespace, and a deletion, both reach the ConfigMap.
  h.emu.create(annotated('fresh', 'newcomer', 'newcomer'));
  h.emu.delete(svcRef('apps', 'gone'));
  await eventually(() => data()['newcomer-toolset.yaml'] && !data()['goner-toolset.yaml']);
  t.true(custom().includes('DEGRADED'), 'still degraded');
  t.true(custom().includes('fresh/newcomer') && !custom().includes('apps/gone'));

  // The flood goes away: the output is whole again, and says so nowhere.
  for (let i = 0; i < FLOOD; i++) h.emu.delete(svcRef('flood', floodName(i)));
  await eventually(() => !custom().includes('DEGRADED') && !custom().includes('flood/'));
  t.is((await get('/ready')).degraded, undefined);
  t.is((await get('/api/v1/toolsets')).degraded, null);
  scrape = await metrics.render();
  t.is(value(scrape, 'dynamic_toolset_output_left_out', { reason: 'over-budget' }), 0);
  t.is(value(scrape, 'dynamic_toolset_output_left_out', { reason: 'too-long' }), 1);
});
