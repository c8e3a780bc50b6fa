// Shared machinery of the hostile-plugin suite.
//
// Every hostile plugin is a source file in ./plugins (or a raw bundle in ./plugins/raw), built into a real bundle
// by the SDK's bundler and loaded the way the daemon loads external plugins: a plugins directory next to ALL the
// built-in bundles, through the registry and the sandbox (`detectOfflineReport`). Each case then checks that the
// host is fine, that the built-in detectors said exactly what they say without the hostile plugin, and that the
// failure is reported under the plugin's name.
import type { ExecutionContext } from 'ava';
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlugin } from '@kubernaut/toolset-sdk/build';
import { BUILTIN_PRIORITIES, withDefaults } from '../../core/src/config/schema.js';
import type { Config, DetectorSettings } from '../../core/src/config/schema.js';
import { detectServices } from '../../core/src/detection/engine.js';
import type { ServiceResult, TraceStep } from '../../core/src/detection/engine.js';
import { readManifests } from '../../core/src/detection/manifests.js';
import { detectOfflineReport, uniqueViews } from '../../core/src/detection/offline.js';
import type { DetectionRecord, OfflineReport } from '../../core/src/detection/offline.js';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { PluginRegistry } from '../../core/src/plugins/registry.js';
import type { DetectorSlot, PluginInfo, RegistryLogger } from '../../core/src/plugins/registry.js';
import { DEFAULT_LIMITS } from '../../core/src/sandbox/plugin.js';
import type { PluginObserver, SandboxLimits } from '../../core/src/sandbox/plugin.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCES = path.join(HERE, 'plugins');
const RAW = path.join(SOURCES, 'raw');

/**
 * Small limits keep the suite fast: a runaway call costs ~250 ms, three failures in a row quarantine. Not
 * smaller: the limits are wall-clock and shared with the built-ins, whose first call (lazy compilation) must
 * stay well inside them on a busy 2-core machine.
 */
export const LIMITS: SandboxLimits = { ...DEFAULT_LIMITS, callBaseMs: 250, callPerServiceMs: 1, loadTimeoutMs: 1000, quarantineAfter: 3 };

/** The Service keys of services.yaml, in file order. */
export const KEYS = {
  prometheus: 'monitoring/kube-prometheus-stack-prometheus',
  grafana: 'monitoring/kube-prometheus-stack-grafana',
  loki: 'logging/loki-gateway',
  ledger: 'payments/ledger-api',
  checkout: 'shop/checkout',
} as const;
export const ALL_KEYS: readonly string[] = Object.values(KEYS);
/** Where a probe plugin's detection of checkout points (its path carries what the probe saw). */
export const CHECKOUT_URL = 'http://checkout.shop.svc.cluster.local:8080';

const BUILTIN_NAMES = Object.keys(BUILTIN_PRIORITIES).sort();

let workDir: Promise<string> | undefined;
function work(): Promise<string> {
  workDir ??= mkdtemp(path.join(os.tmpdir(), 'hostile-')).then((dir) => {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return workDir;
}

let servicesMemo: Promise<unknown[]> | undefined;
export function services(): Promise<unknown[]> {
  servicesMemo ??= readManifests(path.join(HERE, 'services.yaml')).then((r) => r.services);
  return servicesMemo;
}

let builtinMemo: Promise<string> | undefined;
/**
 * A private copy of the real built-in bundles (plugins/dist), taken once per test process, so that a rebuild
 * running elsewhere cannot change the built-ins between the baseline and a hostile run. The load test checks the
 * daemon's real plugins/dist directly.
 */
export function builtinDir(): Promise<string> {
  builtinMemo ??= (async () => {
    const dir = path.join(await work(), 'builtin');
    await mkdir(dir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const files = (await readdir(builtinPluginsDir())).filter((f) => f.endsWith('.js')).sort();
      if (BUILTIN_NAMES.every((n) => files.includes(`${n}.js`))) {
        for (const f of files) await copyFile(path.join(builtinPluginsDir(), f), path.join(dir, f));
        return dir;
      }
      if (attempt >= 20) throw new Error(`plugins/dist lacks built-in bundles (has ${files.join(', ')}); run "npm run build"`);
      await new Promise((r) => setTimeout(r, 500)); // a rebuild in progress elsewhere
    }
  })();
  return builtinMemo;
}

const bundles = new Map<string, Promise<string>>();
/** Builds ./plugins/<name>.js with the SDK's bundler (or takes ./plugins/raw/<name>.js as is); returns the bundle file. */
export function bundle(name: string): Promise<string> {
  let file = bundles.get(name);
  if (!file) {
    file = (async () => {
      const out = path.join(await work(), 'bundles', `${name}.js`);
      await mkdir(path.dirname(out), { recursive: true });
      const raw = path.join(RAW, `${name}.js`);
      const rawNames = await readdir(RAW);
      if (rawNames.includes(`${name}.js`)) await copyFile(raw, out);
      // Not verified in the sandbox at build time: running hostile code is the tests' job.
      else await buildPlugin({ entry: path.join(SOURCES, `${name}.js`), out, skipVerify: true, quiet: true });
      return out;
    })();
    bundles.set(name, file);
  }
  return file;
}

let dirCount = 0;
/** A fresh plugins directory holding the named bundles, as the daemon's `--plugins-dir`. */
export async function pluginsDir(names: readonly string[]): Promise<string> {
  const dir = path.join(await work(), `plugins-${++dirCount}`);
  await mkdir(dir, { recursive: true });
  for (const name of names) await copyFile(await bundle(name), path.join(dir, `${name}.js`));
  return dir;
}

/** The hostile plugins run first (priority 1, 2, …), ahead of every built-in. */
export function hostileConfig(names: readonly string[], extra: Record<string, DetectorSettings> = {}): Config {
  return withDefaults({ detectors: { ...Object.fromEntries(names.map((n, i) => [n, { priority: i + 1 }])), ...extra } });
}

let baselineMemo: Promise<OfflineReport> | undefined;
/** The built-ins alone over services.yaml: what every hostile run must reproduce for them. */
export function baseline(): Promise<OfflineReport> {
  baselineMemo ??= (async () => detectOfflineReport(await services(), { builtinDir: await builtinDir(), limits: LIMITS }))();
  return baselineMemo;
}

/** What the registry logged (the daemon's log lines), in order. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  meta?: Record<string, unknown>;
}

function recorder(lines: LogLine[]): RegistryLogger {
  return {
    info: (message, meta) => lines.push({ level: 'info', message, ...(meta ? { meta } : {}) }),
    warn: (message, meta) => lines.push({ level: 'warn', message, ...(meta ? { meta } : {}) }),
    error: (message, meta) => lines.push({ level: 'error', message, ...(meta ? { meta } : {}) }),
  };
}

export interface HostileRun {
  names: readonly string[];
  report: OfflineReport;
  logs: LogLine[];
  /** Wall time of the whole offline detection (load, detect, unload). */
  ms: number;
  /** The registry's view of a hostile bundle, by name (source 'file'). */
  plugin(name: string): PluginInfo;
  /** A detector's trace step for a Service key. */
  step(name: string, key: string): TraceStep | undefined;
  /** A hostile plugin's own records (its detections that won). */
  records(name: string): DetectionRecord[];
}

/** Loads the named hostile bundles next to the built-ins and runs offline detection over services.yaml. */
export async function runHostile(names: readonly string[], options: { config?: Config; limits?: SandboxLimits } = {}): Promise<HostileRun> {
  const dir = await pluginsDir(names);
  const logs: LogLine[] = [];
  const started = Date.now();
  const report = await detectOfflineReport(await services(), {
    pluginsDir: dir,
    builtinDir: await builtinDir(),
    config: options.config ?? hostileConfig(names),
    limits: options.limits ?? LIMITS,
    log: recorder(logs),
  });
  return {
    names,
    report,
    logs,
    ms: Date.now() - started,
    plugin(name) {
      const info = report.plugins.find((p) => p.source === 'file' && p.name === name);
      if (!info) throw new Error(`no plugin "${name}" in the report: ${report.plugins.map((p) => `${p.name}(${p.source})`).join(', ')}`);
      return info;
    },
    step(name, key) {
      return report.results.find((r) => r.key === key)?.trace.find((s) => s.detector === name);
    },
    records(name) {
      return report.records.filter((r) => r.detector === name);
    },
  };
}

function builtinSteps(result: ServiceResult): TraceStep[] {
  return result.trace.filter((s) => BUILTIN_NAMES.includes(s.detector));
}

/**
 * The containment check shared by every case: the call returned in bounded time, the host realm is untouched,
 * every built-in is loaded and healthy, and the built-ins found exactly what they find without the hostile
 * plugins, with the same trace, on every Service the hostile plugins did not legitimately claim.
 */
export async function assertContained(t: ExecutionContext, run: HostileRun, options: { maxMs?: number } = {}): Promise<void> {
  const base = await baseline();
  const hostile = new Set(run.names);
  // Bounded: a runaway plugin would never return at all. A safety net, not a speed limit: the run loads every
  // built-in and hostile bundle into isolates, and a busy machine has stretched that past 15 s.
  t.true(run.ms < (options.maxMs ?? 120_000), `the run took ${run.ms} ms`);
  // The host is up and its realm is clean.
  t.is(typeof process.pid, 'number');
  t.is(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype of the host is not polluted');
  t.is(JSON.stringify({ a: [1] }), '{"a":[1]}', 'the host JSON is intact');
  t.is(([] as number[]).push(1), 1, 'the host Array.prototype.push is intact');
  t.is((globalThis as Record<string, unknown>).__toolsetPlugin, undefined, 'nothing leaked into the host global');
  // Every built-in loaded and never failed.
  const builtins = run.report.plugins.filter((p) => p.source === 'builtin');
  t.deepEqual(builtins.map((p) => p.name).sort(), BUILTIN_NAMES);
  for (const p of builtins) {
    t.is(p.status, 'active', `built-in ${p.name} is active`);
    t.is(p.stats?.failures, 0, `built-in ${p.name} never failed (last error: ${JSON.stringify(p.stats?.lastError)})`);
    t.false(p.stats?.quarantined ?? true, `built-in ${p.name} is not quarantined`);
  }
  // The built-ins' records are exactly the baseline's.
  t.deepEqual(
    run.report.records.filter((r) => !hostile.has(r.detector)),
    base.records,
  );
  // And so is what each built-in answered, wherever no hostile plugin claimed the Service first.
  t.deepEqual(
    run.report.results.map((r) => r.key),
    base.results.map((r) => r.key),
  );
  for (let i = 0; i < base.results.length; i++) {
    const result = run.report.results[i]!;
    if (result.detected && hostile.has(result.detected.detector)) continue;
    t.deepEqual(builtinSteps(result), builtinSteps(base.results[i]!), `built-in trace of ${result.key}`);
  }
}

/** Every Service's step for a hostile detector, keyed by Service. */
export function stepsOf(run: HostileRun, name: string): Record<string, TraceStep | undefined> {
  return Object.fromEntries(ALL_KEYS.map((k) => [k, run.step(name, k)]));
}

/** Asserts the plugin's step for `key` is a failure/rejection of `errorType` whose reason matches. */
export function assertStep(t: ExecutionContext, run: HostileRun, name: string, key: string, outcome: 'failed' | 'rejected', errorType: string, reason?: RegExp): void {
  const step = run.step(name, key);
  t.truthy(step, `${name} has a step for ${key}`);
  if (!step) return;
  t.is(step.outcome, outcome, `${name} on ${key}: ${JSON.stringify(step)}`);
  if (step.outcome === 'failed' || step.outcome === 'rejected') {
    t.is(step.errorType, errorType, `${name} on ${key}: ${step.reason}`);
    if (reason) t.regex(step.reason, reason);
  }
}

/** A daemon-like registry kept across several detection rounds (the plugin's counters persist, as in the daemon). */
export async function daemon(
  names: readonly string[],
  options: { config?: Config; limits?: SandboxLimits; builtin?: string; observer?: PluginObserver; logs?: LogLine[] } = {},
) {
  const views = uniqueViews(await services());
  const byNamespace = new Map<string, typeof views>();
  for (const v of views) byNamespace.set(v.metadata.namespace, [...(byNamespace.get(v.metadata.namespace) ?? []), v]);
  const registry = new PluginRegistry({
    builtinDir: options.builtin ?? (await builtinDir()),
    pluginsDir: await pluginsDir(names),
    limits: options.limits ?? LIMITS,
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.logs ? { log: recorder(options.logs) } : {}),
  });
  await registry.start(options.config ?? hostileConfig(names));
  return {
    registry,
    detect: (): Promise<ServiceResult[]> => detectServices(views, registry.detectors(), { namespaceServices: (ns) => byNamespace.get(ns) ?? [] }),
    info(name: string): PluginInfo {
      const info = registry.list().find((p) => p.name === name && p.status === 'active');
      if (!info) throw new Error(`no active plugin "${name}"`);
      return info;
    },
    slot(name: string): DetectorSlot {
      const slot = registry.detectors().find((d) => d.name === name);
      if (!slot) throw new Error(`no detector "${name}"`);
      return slot;
    },
    stop: () => registry.stop(),
  };
}
