// Many changes at once: Service churn interleaved with admin edits, injected 409s, dropped and dead watches,
// an API outage, and config reloads. The end state must be exactly what a fresh daemon computes from the
// final cluster state, and nothing an admin wrote may be lost.
import test from 'ava';
import { ApiException, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startEmulator } from '../../core/src/emulator/index.js';
import type { Emulator } from '../../core/src/emulator/index.js';
import { withDefaults } from '../../core/src/config/schema.js';
import type { Config } from '../../core/src/config/schema.js';
import { cmRef, grafanaService, NS, prometheusService, startDaemon } from './helpers.js';
import type { Harness } from './helpers.js';
import { eventually, tempDir } from '../helpers/bundles.js';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import { fileConfigSource } from '../../core/src/config/source.js';
import { createLogger } from '../../core/src/log.js';

const noProbes: Config = withDefaults({ health_check: { enabled: false } });

type Cm = { data?: Record<string, string>; metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } };

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** Generated keys of a ConfigMap (what the daemon owns), for comparison. */
function generated(cm: Cm | undefined): Record<string, string> {
  const keys = (cm?.metadata.annotations?.['toolset.kubernaut.io/generated-keys'] ?? '').split(',').filter(Boolean);
  return Object.fromEntries(keys.sort().map((k) => [k, cm?.data?.[k] ?? '<missing>']));
}

/** What a fresh daemon writes for the same Services and admin data: the reference. */
async function reference(t: import('ava').ExecutionContext, source: Emulator, config: Config): Promise<Record<string, string>> {
  const fresh = await startEmulator();
  t.teardown(() => fresh.stop());
  for (const svc of source.list('v1', 'Service')) {
    const { metadata, spec } = svc as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    fresh.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels, annotations: metadata.annotations }, spec: { ...spec, clusterIP: undefined, clusterIPs: undefined } });
  }
  const live = source.get(cmRef) as Cm | undefined;
  fresh.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cmRef.name, namespace: NS }, data: { 'overrides.yaml': live?.data?.['overrides.yaml'] ?? '' } });
  const h = await startDaemon(t, { emulator: fresh, config });
  await eventually(() => h.configMap());
  await settle(h);
  return generated(h.configMap() as Cm);
}

// A safety net for hundreds of API round trips on a busy machine (seconds idle); not a speed limit.
const STRESS_MS = 600_000;

async function settle(h: Harness): Promise<void> {
  // Quiet for a moment: detection idle, then the reconciler idle after its debounce.
  await h.daemon.detection.whenIdle();
  await new Promise((r) => setTimeout(r, 150));
  await h.daemon.reconciler.whenIdle();
  await new Promise((r) => setTimeout(r, 150));
  await h.daemon.reconciler.whenIdle();
}

test('120 Service changes interleaved with admin edits and injected 409s end in exactly the ConfigMap of the final state', async (t) => {
  t.timeout(STRESS_MS);
  const h = await startDaemon(t, { config: noProbes });
  const core = h.kc.makeApiClient(CoreV1Api);
  await eventually(() => h.configMap());
  const random = rng(42);
  const adminKeys: Record<string, string> = {};
  for (let i = 0; i < 120; i++) {
    const release = `r${Math.floor(random() * 12)}`;
    const kind = random() < 0.5 ? prometheusService(release, `ns${Math.floor(random() * 3)}`) : grafanaService(release, `ns${Math.floor(random() * 3)}`);
    const md = kind.metadata as { name: string; namespace: string };
    try {
      if (random() < 0.35) await core.deleteNamespacedService({ name: md.name, namespace: md.namespace });
      else h.emu.apply(kind);
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
    if (i % 7 === 0) h.emu.faults.failNext(1, 409, { method: 'PUT', path: /configmaps/ });
    if (i % 10 === 0 && h.configMap()) {
      adminKeys[`admin-${i}.txt`] = `value ${i}`;
      await core.patchNamespacedConfigMap({ name: cmRef.name, namespace: NS, body: { data: { [`admin-${i}.txt`]: `value ${i}` }, metadata: { annotations: { [`admin/${i}`]: 'x' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    }
    if (i === 60) {
      await core.patchNamespacedConfigMap({ name: cmRef.name, namespace: NS, body: { data: { 'overrides.yaml': 'toolsets:\n  grafana/dashboards:\n    config: {api_key: k}\n' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    }
    if (i % 3 === 0) await new Promise((r) => setTimeout(r, 2));
  }
  await settle(h);
  const final = h.configMap() as Cm;
  for (const [k, v] of Object.entries(adminKeys)) t.is(final.data?.[k], v, k);
  t.is(final.data?.['overrides.yaml'], 'toolsets:\n  grafana/dashboards:\n    config: {api_key: k}\n');
  t.deepEqual(generated(final), await reference(t, h.emu, noProbes));
});

test('hundreds of reconcile cycles with concurrent admin edits keep every admin key, label, annotation and overrides.yaml', async (t) => {
  t.timeout(STRESS_MS);
  const h = await startDaemon(t, { config: noProbes });
  const core = h.kc.makeApiClient(CoreV1Api);
  await eventually(() => h.configMap());
  const overrides = 'toolsets:\n  prometheus/metrics:\n    config:\n      additional_headers: {X-Scope-OrgID: tenant-a}\n';
  await core.patchNamespacedConfigMap({ name: cmRef.name, namespace: NS, body: { metadata: { labels: { owner: 'sre' } }, data: { 'overrides.yaml': overrides } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  let cycles = 0;
  h.daemon.reconciler.trigger();
  const before = () => h.daemon.reconciler.last?.at ?? 0;
  for (let i = 0; i < 300; i++) {
    if (i % 5 === 0) h.emu.faults.failNext(1, 409, { method: 'PUT', path: /configmaps/ });
    // Admin edits and a generated-key edit race with the daemon's own writes.
    const body = i % 2 === 0 ? { data: { [`k${(i / 2) % 20}`]: `v${i}` } } : { data: { 'kubernetes-toolset.yaml': `edited ${i}` }, metadata: { annotations: { [`a${i % 9}`]: `${i}` } } };
    await core.patchNamespacedConfigMap({ name: cmRef.name, namespace: NS, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    if (i % 25 === 0) h.emu.apply(prometheusService(`p${i}`));
    const at = before();
    await eventually(() => before() !== at || h.daemon.reconciler.last?.result === 'unchanged', 5000, 2).catch(() => undefined);
    cycles += 1;
  }
  await settle(h);
  const final = h.configMap() as Cm;
  t.true(cycles >= 300);
  for (let j = 0; j < 20; j++) t.truthy(final.data?.[`k${j}`], `k${j}`);
  for (let j = 0; j < 9; j++) t.truthy(final.metadata.annotations?.[`a${j}`], `a${j}`);
  t.is(final.metadata.labels?.owner, 'sre');
  t.is(final.data?.['overrides.yaml'], overrides);
  t.regex(final.data?.['kubernetes-toolset.yaml'] ?? '', /toolset: kubernetes/, 'the generated key is repaired after the last edit');
  t.regex(final.data?.['custom_toolset.yaml'] ?? '', /X-Scope-OrgID: tenant-a/);
});

test('an API outage, dropped watches and silently dead watches: the daemon converges after recovery', async (t) => {
  t.timeout(STRESS_MS);
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const h = await startDaemon(t, { emulator: emu, config: noProbes, options: { timing: { debounceMs: 20, staleAfterMs: 500, informerBackoff: { baseMs: 20, maxMs: 200 } } } });
  await eventually(() => h.configMap());

  emu.faults.dropWatches();
  emu.apply(grafanaService('after-drop'));
  await eventually(() => h.customToolsets()?.['grafana/dashboards']);

  await eventually(() => emu.openWatches() >= 2);
  emu.faults.deadWatches();
  emu.apply(prometheusService('while-dead'));
  await eventually(() => h.customToolsets()?.['prometheus/metrics']);

  emu.faults.failNext(20, 503);
  emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'monitoring', name: 'after-drop-grafana' });
  emu.faults.pause();
  await new Promise((r) => setTimeout(r, 300));
  emu.faults.resume();
  await eventually(() => h.customToolsets() && !h.customToolsets()!['grafana/dashboards']);
  t.truthy(h.customToolsets()!['prometheus/metrics']);
});

test('valid and invalid config reloads interleaved with 100 Service changes keep serving and lose no detection', async (t) => {
  t.timeout(STRESS_MS);
  const h = await startDaemon(t, { config: noProbes });
  await eventually(() => h.configMap());
  const { dir, cleanup } = await tempDir('reloads');
  t.teardown(cleanup);
  const file = path.join(dir, 'detector-config.yaml');
  const reloader = new ConfigReloader({ source: fileConfigSource(file), apply: (c) => h.daemon.applyConfig(c), log: createLogger({ level: 'error' }) });
  const random = rng(7);
  const present = new Set<string>();
  const outcomes: string[] = [];
  for (let i = 0; i < 100; i++) {
    const release = `g${i % 30}`;
    if (present.has(release) && random() < 0.3) {
      h.emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'monitoring', name: `${release}-grafana` });
      present.delete(release);
    } else {
      h.emu.apply(grafanaService(release));
      present.add(release);
    }
    if (i % 8 === 0) {
      const valid = (i / 8) % 3 !== 2;
      await writeFile(file, valid ? `health_check: {enabled: false}\ndetectors:\n  grafana: {priority: ${(i % 16) + 1}}\n` : `detectors:\n  grafana: {priority: -${i}, enabeld: true}\n`);
      const outcome = await reloader.reload('api');
      outcomes.push(outcome.status);
      t.is(outcome.status, valid ? 'success' : 'invalid');
      t.is(h.daemon.readiness().ready, true, 'serving throughout');
    }
    if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await settle(h);
  const detected = new Set(h.daemon.model.snapshot().detected.filter((d) => d.type === 'grafana').map((d) => d.name.replace(/-grafana$/, '')));
  t.deepEqual([...detected].sort(), [...present].sort());
  t.true(outcomes.filter((o) => o === 'success').length >= 6 && outcomes.filter((o) => o === 'invalid').length >= 4, outcomes.join(','));
  t.is(h.daemon.currentConfig.detectors.grafana?.priority, 1, 'the last valid config is the running one');
});
