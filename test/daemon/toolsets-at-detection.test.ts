// Plugin toolsets() answers are asked by detection, right after a Service is detected, and stored with the
// detection in the model: an unchanged detection does not ask again, a changed one or a plugin/config reload
// does, and building the ConfigMap (reconcile, the API) never runs a plugin.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { backend, prometheusService, startDaemon } from './helpers.js';
import { eventually } from '../helpers/bundles.js';

const KEY = 'monitoring/obs-kube-prometheus-st-prometheus';

test('toolsets() runs once per detection, is stored in the model, and is asked again only on change or reload', async (t) => {
  const calls = new Map<string, number>();
  const h = await startDaemon(t, {
    options: { observers: { plugins: { call: (plugin, op) => op === 'toolsets' && calls.set(plugin, (calls.get(plugin) ?? 0) + 1) } } },
  });
  const toolsetsCalls = () => calls.get('prometheus') ?? 0;
  const prom = await backend(t);
  h.emu.registerProxyTarget({ namespace: 'monitoring', name: 'obs-kube-prometheus-st-prometheus', port: 'http-web', url: prom.url });
  h.emu.create(prometheusService('obs'));
  await eventually(() => h.customToolsets()?.['prometheus/metrics']);

  const detected = h.daemon.model.get(KEY)?.detected;
  t.truthy(detected?.toolsets?.['prometheus/metrics'], 'the answer is stored with the detection');
  t.is(typeof detected?.description, 'string');
  t.is(toolsetsCalls(), 1);

  // Re-detection of an unchanged Service reuses the answer; building the desired state asks nobody.
  await h.daemon.discover();
  h.daemon.desired.publish();
  await h.daemon.reconciler.whenIdle();
  t.is(toolsetsCalls(), 1, 'an unchanged detection does not ask again');

  // A change the plugin sees (labels are part of the FoundService) asks again.
  h.emu.patch({ apiVersion: 'v1', kind: 'Service', namespace: 'monitoring', name: 'obs-kube-prometheus-st-prometheus' }, { metadata: { labels: { team: 'sre' } } });
  await eventually(() => h.daemon.model.get(KEY)?.detected?.labels.team === 'sre');
  t.is(toolsetsCalls(), 2);

  // A config reload (plugins reconfigured) re-detects everything and asks afresh.
  await h.daemon.applyConfig(h.daemon.currentConfig);
  await h.daemon.detection.whenIdle();
  t.is(toolsetsCalls(), 3);
  t.truthy(h.daemon.model.get(KEY)?.detected?.toolsets?.['prometheus/metrics']);
});

test('reconcile/ imports nothing from sandbox/ or plugins/: it only reads the model', async (t) => {
  const dir = path.resolve('core/src/reconcile');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
  t.true(files.length > 0);
  for (const f of files) {
    const text = await readFile(path.join(dir, f), 'utf8');
    const imports = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
    t.deepEqual(imports.filter((i) => /^\.\.\/(sandbox|plugins)\//.test(i)), [], f);
  }
});
