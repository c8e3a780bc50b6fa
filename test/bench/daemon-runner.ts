// The daemon in its own process, for the benchmarks (RSS and CPU time only mean something per process):
//   node --no-node-snapshot --conditions=development --import=tsx [--expose-gc] test/bench/daemon-runner.ts \
//     --kubeconfig <file> [--config detector-config.yaml] [--configmap name] [--debounce-ms n]
//     [--api-port 0 [--auth true|false]] [--log-level error] [--plugins-dir dir]
// Built like `serve` builds it (same Daemon, metrics observers, sandbox limits, config reloader, HTTP server with
// auth), minus leader election. Once the first detection is done and the ConfigMap holds what the daemon wants
// it prints one JSON line {ready: true, …}. Then it answers commands, one per stdin line, with one JSON line
// {reply: <command>, …}:
//   measure  {rss, heapUsed, heapTotal, external, arrayBuffers, isolateHeap} in bytes, as they are; with
//            --expose-gc also {rssAfterGc, heapUsedAfterGc} after forcing a collection of the main heap
//   usage    the same first reading as measure (plus RssAnon/RssFile and the isolates' committed size), nothing forced
//   snapshot a V8 heap snapshot of the daemon in test/.tmp (investigation only)
//   resync   a full resync (relist + re-detect every Service + the reconcile it causes) → {cpu_ms, wall_ms, …}
//   idle     waits until no detection or ConfigMap write is queued or running
//   stats    auth review counts and cache sizes, Services cached and detected
// SIGUSR2 prints a `measure` reply too. Reload outcomes are printed as {event: 'reload', status}. Exits on
// SIGTERM/SIGINT and when stdin closes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { Daemon } from '../../core/src/daemon.js';
import { loadConfigFile, formatProblem } from '../../core/src/config/load.js';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import { fileConfigSource } from '../../core/src/config/source.js';
import { authMiddleware, kubeReviewer } from '../../core/src/http/auth.js';
import type { Reviewer } from '../../core/src/http/auth.js';
import { buildServer, trackDaemon } from '../../core/src/http/server.js';
import { createLogger } from '../../core/src/log.js';
import { createMetrics } from '../../core/src/metrics/index.js';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { podSandboxLimits } from '../../core/src/sandbox/limits.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    config: { type: 'string' },
    namespace: { type: 'string', default: 'kubernaut-system' },
    configmap: { type: 'string', default: 'kubernaut-toolset-config' },
    'debounce-ms': { type: 'string' },
    'api-port': { type: 'string' },
    auth: { type: 'string', default: 'true' },
    'log-level': { type: 'string', default: 'error' },
    'ready-timeout-ms': { type: 'string', default: '300000' },
    'plugins-dir': { type: 'string', default: '/nonexistent-plugins-dir' },
    // As `serve --workload-evidence`: false runs the metadata-only path (no Pod or EndpointSlice informers).
    'workload-evidence': { type: 'string', default: 'true' },
  },
  strict: true,
});

const emit = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

if (!values.kubeconfig) throw new Error('--kubeconfig is required');
const started = process.hrtime.bigint();
const log = createLogger({ level: values['log-level'] });
const kc = new KubeConfig();
kc.loadFromFile(values.kubeconfig);
const namespace = values.namespace!;
const cmKey = `${namespace}/${values.configmap}`;

const configFile = values.config ?? '/nonexistent/detector-config.yaml';
const initial = await loadConfigFile(configFile);
if (!initial.ok) throw new Error(`invalid config: ${initial.errors.map(formatProblem).join('; ')}`);

const metrics = createMetrics({ version: 'bench' });
metrics.configLoaded();
const debounceMs = values['debounce-ms'] === undefined ? undefined : Number(values['debounce-ms']);
const daemon = new Daemon({
  kc,
  config: initial.config,
  namespace,
  configMap: values.configmap!,
  builtinDir: builtinPluginsDir(),
  pluginsDir: values['plugins-dir']!,
  probeMode: 'proxy',
  limits: podSandboxLimits(),
  log,
  observers: { plugins: metrics.pluginObserver(), engine: metrics.engineObserver(), health: metrics.healthObserver(), reconciler: metrics.reconcilerObserver() },
  ...(debounceMs !== undefined ? { timing: { debounceMs } } : {}),
  workloadEvidence: values['workload-evidence'] !== 'false',
});
const reloader = new ConfigReloader({
  source: fileConfigSource(configFile),
  apply: (c) => daemon.applyConfig(c),
  log: log.child({ component: 'config' }),
  onOutcome: (o) => {
    metrics.configReload(o.status === 'success' ? 'success' : 'invalid');
    emit({ event: 'reload', status: o.status });
  },
});
trackDaemon(metrics, daemon, () => true);

// The real reviews against the API server, counted (to show the auth cache at work).
const reviews = { token: 0, access: 0 };
const real = kubeReviewer(kc);
const reviewer: Reviewer = {
  tokenReview: (...a) => {
    reviews.token += 1;
    return real.tokenReview(...a);
  },
  accessReview: (...a) => {
    reviews.access += 1;
    return real.accessReview(...a);
  },
};
const auth = authMiddleware({ enabled: values.auth !== 'false', namespace, reviewer, log: log.child({ component: 'auth' }) });
let server: http.Server | undefined;
if (values['api-port'] !== undefined) {
  const app = buildServer({ daemon, reloader, metrics, auth, log });
  const s = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(Number(values['api-port']), '127.0.0.1', () => resolve());
  });
  server = s;
}

let stopping = false;
async function shutdown(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code), 10_000);
  force.unref();
  try {
    await reloader.stop();
    await daemon.stop();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server!.close(() => r()));
    }
  } finally {
    process.exit(code);
  }
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

/** Detection idle, every detected Service has a health result, and the live ConfigMap holds the desired data. */
async function converged(): Promise<boolean> {
  // Workload evidence listed (or known to be unavailable): until then detection ran on metadata alone.
  if (daemon.evidence?.state === 'syncing') return false;
  await daemon.detection.whenIdle();
  const snapshot = daemon.model.snapshot();
  if (!snapshot.detected.every((d) => daemon.health.get(d.key) !== undefined)) return false;
  const live = daemon.configMaps.get(cmKey);
  if (!live) return false;
  try {
    const desired = await daemon.desired.desired();
    return Object.entries(desired.data).every(([k, v]) => live.data?.[k] === v);
  } catch {
    return false;
  }
}

async function waitConverged(timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await converged()) return true;
    await sleep(50);
  }
  return false;
}

async function idle(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await daemon.detection.whenIdle();
    await sleep((debounceMs ?? 200) + 20); // a trigger from the last detection may still be in its debounce
    await daemon.reconciler.whenIdle();
    const detectionIdle = await Promise.race([daemon.detection.whenIdle().then(() => true), sleep(0).then(() => false)]);
    if (detectionIdle) return;
  }
}

/** Linux's view of this process's memory: anonymous (heap-like) RSS and the peak RSS, in bytes. */
function procStatus(): { rssAnon?: number; rssFile?: number; peakRss?: number } {
  try {
    const text = readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string) => {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) * 1024 : undefined;
    };
    return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), peakRss: kb('VmHWM') };
  } catch {
    return {};
  }
}

type HeapStats = { total_physical_size: number; externally_allocated_size?: number };
/**
 * Diagnostic only: the plugin isolates' heap pages physically committed (what they add to RSS), read through the
 * sandbox's private fields; undefined if those change shape. Called only when the daemon is idle.
 */
/** Anonymous RSS after the collection (what the heap and malloc keep). */
function procStatusAfter(): { rssAnonAfterGc?: number } {
  const s = procStatus();
  return s.rssAnon === undefined ? {} : { rssAnonAfterGc: s.rssAnon };
}

async function isolateCommitted(): Promise<number | undefined> {
  let total = 0;
  for (const d of daemon.registry.detectors()) {
    const iso = (d.plugin as unknown as { isolate?: { isolate?: { isDisposed?: boolean; getHeapStatistics?: () => Promise<HeapStats> } } }).isolate?.isolate;
    if (!iso?.getHeapStatistics || iso.isDisposed) return undefined;
    try {
      const s = await iso.getHeapStatistics();
      total += s.total_physical_size + (s.externally_allocated_size ?? 0);
    } catch {
      return undefined;
    }
  }
  return total;
}

// The memory as the daemon holds it (nothing forced), then, with --expose-gc, the main heap's live size and the
// RSS after a forced collection (the daemon itself never forces one of its own heap).
async function measure(): Promise<Record<string, unknown>> {
  const m = process.memoryUsage();
  const status = procStatus();
  let isolateHeap = 0;
  for (const d of daemon.registry.detectors()) isolateHeap += await d.plugin.heapUsed();
  const asIs = { ...status, isolateCommitted: await isolateCommitted(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, isolateHeap };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return { gc: false, ...asIs };
  gc();
  await sleep(10);
  gc();
  const after = process.memoryUsage();
  return { gc: true, ...asIs, rssAfterGc: after.rss, heapUsedAfterGc: after.heapUsed, heapTotalAfterGc: after.heapTotal, ...procStatusAfter() };
}

async function resync(): Promise<Record<string, unknown>> {
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await daemon.services.relist();
  const relistCpu = cpuMs(process.cpuUsage(cpu0));
  const relistWall = msSince(t);
  daemon.detection.enqueueAll();
  await daemon.detection.whenIdle();
  const detectWall = msSince(t) - relistWall;
  // The reconcile a resync causes (if anything changed): after the debounce, until the writer is idle.
  await sleep((debounceMs ?? 200) + 20);
  await daemon.reconciler.whenIdle();
  const cpu = process.cpuUsage(cpu0);
  return { cpu_ms: cpuMs(cpu), user_ms: cpu.user / 1000, system_ms: cpu.system / 1000, relist_cpu_ms: relistCpu, relist_wall_ms: relistWall, detect_wall_ms: detectWall, services: daemon.services.size };
}

async function command(name: string): Promise<void> {
  try {
    switch (name) {
      case 'measure':
        emit({ reply: name, ...(await measure()) });
        break;
      case 'resync':
        emit({ reply: name, ...(await resync()) });
        break;
      case 'usage': {
        // The memory as the daemon holds it now, nothing forced (measure forces collections after its first reading).
        const m = process.memoryUsage();
        emit({ reply: name, ...procStatus(), isolateCommitted: await isolateCommitted(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external });
        break;
      }
      case 'snapshot': {
        // Where the heap goes (not used by the report; for investigation): a V8 heap snapshot in the bench's tmp dir.
        const { writeHeapSnapshot } = await import('node:v8');
        emit({ reply: name, file: writeHeapSnapshot(path.join(process.cwd(), 'test/.tmp', `daemon-${process.pid}.heapsnapshot`)) });
        break;
      }
      case 'idle':
        await idle();
        emit({ reply: name });
        break;
      case 'stats':
        emit({
          reply: name,
          token_reviews: reviews.token,
          access_reviews: reviews.access,
          auth_cache: auth.cacheSizes(),
          services: daemon.services.size,
          detected: daemon.model.snapshot().detected.length,
        });
        break;
      default:
        emit({ reply: name, error: `unknown command "${name}"` });
    }
  } catch (err) {
    emit({ reply: name, error: err instanceof Error ? err.message : String(err) });
  }
}

try {
  await daemon.start();
  if (values.config) await reloader.start();
  const ok = await waitConverged(Number(values['ready-timeout-ms']));
  if (!ok) throw new Error('the first detection and ConfigMap write did not complete in time');
  const snapshot = daemon.model.snapshot();
  emit({
    ready: true,
    startup_ms: Math.round(msSince(started)),
    cpu_ms: Math.round(cpuMs(process.cpuUsage())),
    services: daemon.services.size,
    detected: snapshot.detected.length,
    configmap_bytes: Object.values(daemon.configMaps.get(cmKey)?.data ?? {}).reduce((n, v) => n + Buffer.byteLength(v), 0),
    ...(server ? { api_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } : {}),
  });
} catch (err) {
  process.stderr.write(`daemon-runner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await shutdown(1);
}

process.on('SIGUSR2', () => void command('measure'));
const commands = createInterface({ input: process.stdin });
let queue: Promise<void> = Promise.resolve();
commands.on('line', (line) => {
  const name = line.trim();
  if (name !== '') queue = queue.then(() => command(name));
});
commands.on('close', () => void shutdown());
