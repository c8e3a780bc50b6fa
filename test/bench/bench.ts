// npm run bench -- --out <file>: measures the plugin host and writes a JSON report.
//
// detection.sandboxed_services_per_s  all built-in detectors, sandboxed (copy in, run, copy out, validate)
// detection.inprocess_services_per_s  the same bundled detector functions called directly in this process on the
//                                     same projected views (no copy, no validation): the physical limit
// detection.ratio                     inprocess / sandboxed, from the same run
// detection.resync_10k_ms             median time to detect 10,000 generated Services, sandboxed
// detection.per_change_p99_ms         p99 time to re-detect one changed Service with 10,000 present
// plugins.dropin_to_active_ms         bundle written into the watched plugins directory → active (median of runs)
import { parseArgs } from 'node:util';
import { readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import vm from 'node:vm';
import type { PluginExport, ServiceView } from '@kubernaut/toolset-sdk';
import { PluginRegistry } from '../../core/src/plugins/registry.js';
import { PluginWatcher } from '../../core/src/plugins/watcher.js';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { detectServices } from '../../core/src/detection/engine.js';
import { resolveDetection } from '../../core/src/detection/resolve.js';
import { uniqueViews } from '../../core/src/detection/offline.js';
import { bundle, detectorSource, tempDir } from '../helpers/bundles.js';
import { generateServices } from './services.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'bench-report.json' }, services: { type: 'string', default: '10000' } }, strict: true });
const N = Number(values.services);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function byNamespace(views: readonly ServiceView[]): Map<string, ServiceView[]> {
  const m = new Map<string, ServiceView[]>();
  for (const v of views) {
    const list = m.get(v.metadata.namespace) ?? [];
    list.push(v);
    m.set(v.metadata.namespace, list);
  }
  return m;
}

async function main(): Promise<void> {
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir() });
  await registry.start();
  const detectors = registry.detectors();
  const views = uniqueViews(generateServices(N));
  const ns = byNamespace(views);
  const options = { namespaceServices: (n: string) => ns.get(n) ?? [] };

  // Warm up both paths (JIT, isolate heaps).
  await detectServices(views.slice(0, 2000), detectors, options);

  const sandboxedRuns: number[] = [];
  let found = 0;
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    const results = await detectServices(views, detectors, options);
    sandboxedRuns.push(ms(t));
    found = results.filter((r) => r.detected).length;
  }

  // In-process: the very same bundles, evaluated in a plain node:vm context of this process.
  const inproc: PluginExport[] = [];
  for (const d of detectors) {
    const file = registry.list().find((p) => p.name === d.name)!.file;
    const ctx: Record<string, unknown> = {};
    vm.runInNewContext(await readFile(file, 'utf8'), ctx);
    inproc.push(ctx.__toolsetPlugin as PluginExport);
  }
  const runInProcess = (): number => {
    let hits = 0;
    for (const v of views) {
      const siblings = () => (ns.get(v.metadata.namespace) ?? []).filter((s) => s.metadata.name !== v.metadata.name);
      for (let k = 0; k < inproc.length; k++) {
        const p = inproc[k]!;
        const answer = p.detect(v, { config: {}, siblings });
        if (answer && resolveDetection(v, answer, p.type).ok) {
          hits += 1;
          break;
        }
      }
    }
    return hits;
  };
  runInProcess();
  const inprocRuns: number[] = [];
  let inprocFound = 0;
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    inprocFound = runInProcess();
    inprocRuns.push(ms(t));
  }

  // One changed Service at a time, with the full inventory present.
  const perChange: number[] = [];
  for (let i = 0; i < 500; i++) {
    const v = views[(i * 7919) % views.length]!;
    const t = process.hrtime.bigint();
    await detectServices([v], detectors, options);
    perChange.push(ms(t));
  }
  perChange.sort((a, b) => a - b);

  let heap = 0;
  for (const d of detectors) heap += await d.plugin.heapUsed();
  await registry.stop();

  // Drop-in: write a bundle into a watched directory and time until the registry reports it active.
  const { dir, cleanup } = await tempDir('bench-dropin');
  const pluginsDir = path.join(dir, 'plugins');
  await mkdir(pluginsDir);
  const dropRegistry = new PluginRegistry({ builtinDir: builtinPluginsDir(), pluginsDir });
  await dropRegistry.start();
  const watcher = new PluginWatcher({ dir: pluginsDir, rescan: () => dropRegistry.rescan(), periodMs: 0 });
  watcher.start();
  await new Promise((r) => setTimeout(r, 200)); // let the watcher settle
  const dropins: number[] = [];
  for (let i = 0; i < 5; i++) {
    const name = `dropin-${i}`;
    const code = await bundle(dir, name, detectorSource({ name }));
    const active = new Promise<void>((resolve) => {
      const off = dropRegistry.onChange(() => {
        if (dropRegistry.list().some((p) => p.name === name && p.status === 'active')) {
          off();
          resolve();
        }
      });
    });
    const t = process.hrtime.bigint();
    await writeFile(path.join(pluginsDir, `${name}.js`), code);
    await active;
    dropins.push(ms(t));
  }
  await watcher.stop();
  await dropRegistry.stop();
  await cleanup();

  const sandboxedMs = median(sandboxedRuns);
  const inprocMs = median(inprocRuns);
  const report = {
    generated_at: new Date().toISOString(),
    machine: { node: process.version, cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
    detection: {
      services: views.length,
      detectors: detectors.map((d) => d.name),
      detected: found,
      detected_inprocess: inprocFound,
      sandboxed_services_per_s: Math.round(views.length / (sandboxedMs / 1000)),
      inprocess_services_per_s: Math.round(views.length / (inprocMs / 1000)),
      ratio: round(inprocMs === 0 ? 0 : sandboxedMs / inprocMs, 1),
      ratio_meaning: 'sandboxed time / in-process time for the same work in the same run (>1: the sandbox costs that factor)',
      resync_10k_ms: round(sandboxedMs, 1),
      resync_10k_runs_ms: sandboxedRuns.map((x) => round(x, 1)),
      inprocess_10k_ms: round(inprocMs, 1),
      per_change_p50_ms: round(percentile(perChange, 50), 3),
      per_change_p99_ms: round(percentile(perChange, 99), 3),
      isolate_heap_mib: round(heap / 1048576, 1),
    },
    plugins: {
      dropin_to_active_ms: round(median(dropins), 1),
      dropin_to_active_runs_ms: dropins.map((x) => round(x, 1)),
    },
    targets: { resync_10k_ms: 500, per_change_p99_ms: 2, dropin_to_active_ms: 1000 },
  };
  await writeFile(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\nwritten to ${values.out}\n`);
  if (found !== inprocFound) {
    process.stderr.write(`warning: sandboxed and in-process runs detected different counts (${found} vs ${inprocFound})\n`);
  }
}

await rm('test/.tmp/bench-dropin', { recursive: true, force: true }).catch(() => undefined);
await main();
