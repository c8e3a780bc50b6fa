// Plugin isolates do not sit on the garbage of the batches they were sent: after a large run each one is back
// near its idle heap (the engine has it collect), which is what keeps a dozen plugins inside the pod's memory.
import test from 'ava';
import { PluginRegistry } from '../../core/src/plugins/registry.js';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { detectServices } from '../../core/src/detection/engine.js';
import { uniqueViews } from '../../core/src/detection/offline.js';
import { generateServices } from '../bench/services.js';

const MiB = 1024 * 1024;

test('after detecting 10,000 Services every plugin isolate is back near its idle heap', async (t) => {
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir() });
  await registry.start();
  t.teardown(() => registry.stop());
  const detectors = registry.detectors();
  const views = uniqueViews(generateServices(10_000));
  const byNs = new Map<string, typeof views>();
  for (const v of views) byNs.set(v.metadata.namespace, [...(byNs.get(v.metadata.namespace) ?? []), v]);
  const idle = await Promise.all(detectors.map((d) => d.plugin.heapUsed()));

  const results = await detectServices(views, detectors, { namespaceServices: (ns) => byNs.get(ns) ?? [] });
  t.is(results.length, views.length);
  t.true(results.filter((r) => r.detected).length > 100, 'the run did real work');

  // Each isolate parsed ~6 MB of Service JSON: left to V8, an isolate keeps most of it until its old generation
  // reaches half the memory limit (16 MiB here).
  const after = await Promise.all(detectors.map((d) => d.plugin.heapUsed()));
  detectors.forEach((d, i) => {
    t.true(after[i]! < idle[i]! + 3 * MiB, `${d.name}: ${(after[i]! / MiB).toFixed(1)} MiB after the run, ${(idle[i]! / MiB).toFixed(1)} MiB idle`);
  });
});
