// The cluster-level parts of `npm run bench`: the daemon runs in its own process (daemon-runner.ts, bundled by
// esbuild and run with plain node, as core/dist/cli.js is), the API emulator in another (emulator-runner.ts), and
// this process only drives and observes them:
//
// reconcile  a Service change made through the API server → the daemon's ConfigMap write showing it, observed by a
//            watch on the ConfigMap; with the shipped debounce, health checks answered by a local HTTP server
//            through the emulator's service proxy; with no other Services and with 10,000.
// memory     RSS and heap of the daemon process after its first detection and ConfigMap write, health checks
//            off, with 10,000 and (fresh processes) 50,000 generated Services; and the CPU time of a full resync.
// reload     POST /api/v1/config/reload, and a config file change until the reload is applied, 1,000 Services.
// api        GET /api/v1/services under 16 concurrent keep-alive clients, auth on (TokenReview + SAR against the
//            emulator, then cached), 1,000 Services.
import http from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import { daemonBundleOptions } from '../../scripts/daemon-bundle.mjs';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import type { Grant, ProxyTarget, TokenUser } from '../../core/src/emulator/index.js';
import type { EmulatorSetup } from './emulator-runner.js';
import { shippedLaunch } from '../helpers/dockerfile.js';
import { JsonChild, repoRoot, spawnTs, stopAll } from './proc.js';
import { creatable, generateServices, observabilityServices } from './services.js';

export const NS = 'kubernaut-system';
const TOGGLE = { namespace: 'bench', name: 'toggle-grafana' };
/** Text that appears in the ConfigMap only while the toggled Grafana is published (it is the primary when present). */
const TOGGLE_MARKER = `${TOGGLE.name}.${TOGGLE.namespace}.svc`;
const OPERATOR_TOKEN = 'bench-operator-token';
const OPERATOR: TokenUser = { username: 'bench-operator', groups: ['bench-operators'] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const mib = (bytes: unknown) => Math.round((Number(bytes) / 1048576) * 10) / 10;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: readonly number[]) => percentile(sorted(xs), 50);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export interface ClusterOptions {
  /** Which parts to run. */
  parts: ReadonlySet<string>;
  /** Changes per reconcile run (at least 200 for the report's numbers). */
  changes: number;
  log: (message: string) => void;
}

/** The shipped reconcile debounce, read from the reconciler's source so the report cannot drift from it. */
export async function shippedDebounceMs(): Promise<number | null> {
  const text = await readFile(path.join(repoRoot, 'core/src/reconcile/reconciler.ts'), 'utf8');
  const m = /debounceMs \?\? (\d+)/.exec(text);
  return m ? Number(m[1]) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

export interface Env {
  dir: string;
  runner: string;
}

async function prepare(): Promise<Env> {
  // Two levels below the repository root, like core/dist/cli.js, so the daemon finds plugins/dist the same way.
  const dir = path.join(repoRoot, 'test/.tmp/bench-cluster');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const runner = path.join(repoRoot, 'test/.tmp/bench-daemon-runner.mjs');
  // Bundled exactly as core/dist/cli.js is (scripts/daemon-bundle.mjs), so the memory figures are the daemon's.
  await build({ ...daemonBundleOptions, entryPoints: [path.join(repoRoot, 'test/bench/daemon-runner.ts')], outfile: runner });
  return { dir, runner };
}

export interface RunningEmulator {
  child: JsonChild;
  kubeconfig: string;
  seedMs: number;
}

export async function startEmulator(env: Env, name: string, services: ReadonlyArray<Record<string, unknown>>, setup: EmulatorSetup): Promise<RunningEmulator> {
  const seedFile = path.join(env.dir, `${name}-seed.json`);
  const setupFile = path.join(env.dir, `${name}-setup.json`);
  const kubeconfig = path.join(env.dir, `${name}.kubeconfig`);
  await writeFile(seedFile, JSON.stringify(services.map(creatable)));
  await writeFile(setupFile, JSON.stringify(setup));
  const child = spawnTs(`emulator(${name})`, 'test/bench/emulator-runner.ts', ['--kubeconfig', kubeconfig, '--seed-json', seedFile, '--setup', setupFile]);
  try {
    const info = await child.next((l) => typeof l.url === 'string', 180_000, 'ready line');
    return { child, kubeconfig, seedMs: Number(info.seed_ms) };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

export interface RunningDaemon {
  child: JsonChild;
  ready: Record<string, unknown>;
}

/** The image's launch (its ENTRYPOINT's node flags, its runtime ENV): the bench measures the daemon as it ships. */
export const launch = shippedLaunch();

/** The daemon's environment: the image's, with the built-in plugins read from this checkout. */
export function daemonEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...launch.env, DYNAMIC_TOOLSET_BUILTIN_PLUGINS_DIR: path.join(repoRoot, 'plugins/dist') };
}

export async function startDaemon(env: Env, name: string, kubeconfig: string, args: string[]): Promise<RunningDaemon> {
  const proc = spawn(process.execPath, [...launch.nodeFlags, '--expose-gc', env.runner, '--kubeconfig', kubeconfig, ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: daemonEnv(),
  });
  const child = new JsonChild(`daemon(${name})`, proc);
  try {
    const ready = await child.next((l) => l.ready === true, 300_000, 'ready line');
    return { child, ready };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** A local HTTP server answering 200 on every path: the health endpoints behind the emulator's service proxy. */
export async function startBackend(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function proxyTargets(services: ReadonlyArray<Record<string, unknown>>, url: string): ProxyTarget[] {
  return [{ ...TOGGLE, url }, ...observabilityServices(services).map((s) => ({ ...s, url }))];
}

// ---------------------------------------------------------------------------------------------------------------
// reconcile: change → ConfigMap

function toggleService(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: TOGGLE.name, namespace: TOGGLE.namespace, labels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'toggle' } },
    spec: { selector: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'toggle' }, ports: [{ name: 'service', port: 80, targetPort: 3000, protocol: 'TCP' }] },
  };
}

/**
 * Deterministic pauses in [0, 1.5 × debounce) after each observed write. The daemon's own write comes back as a
 * ConfigMap watch event that opens a debounce window (a drift check): a change made inside it is written when
 * that window closes (sooner than a full debounce), a later one opens a fresh window. Spreading the changes over
 * both cases measures neither only the lucky nor only the unlucky one.
 */
function thinkTimes(debounceMs: number): () => number {
  let s = 42;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return (s / 0x7fffffff) * 1.5 * debounceMs;
  };
}

interface ChangeRun {
  latencies: number[];
  /** Latencies of the changes made after the previous write's drift-check window had closed. */
  freshWindow: number[];
  timeouts: number;
  stoppedEarly: boolean;
}

async function changeToConfigMap(kubeconfig: string, configMap: string, changes: number, debounceMs: number, budgetMs: number): Promise<ChangeRun> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  let present: boolean | undefined;
  let waiting: { want: boolean; resolve: (at: bigint) => void } | undefined;
  let watchError: unknown;
  const controller = await new Watch(kc).watch(
    `/api/v1/namespaces/${NS}/configmaps`,
    { fieldSelector: `metadata.name=${configMap}` },
    (type: string, obj: { data?: Record<string, string> }) => {
      const at = process.hrtime.bigint();
      if (type !== 'ADDED' && type !== 'MODIFIED') return;
      present = Object.values(obj.data ?? {}).some((v) => v.includes(TOGGLE_MARKER));
      if (waiting && waiting.want === present) {
        const w = waiting;
        waiting = undefined;
        w.resolve(at);
      }
    },
    (err: unknown) => {
      if (err) watchError = err;
    },
  );
  const until = (want: boolean, timeoutMs: number): Promise<bigint | undefined> =>
    present === want
      ? Promise.resolve(process.hrtime.bigint())
      : Promise.race([new Promise<bigint>((resolve) => (waiting = { want, resolve })), sleep(timeoutMs).then(() => undefined)]);
  const think = thinkTimes(debounceMs);
  const latencies: number[] = [];
  const freshWindow: number[] = [];
  let timeouts = 0;
  let stoppedEarly = false;
  try {
    if ((await until(false, 10_000)) === undefined) throw new Error('the ConfigMap was not seen without the toggled Service');
    const started = Date.now();
    for (let i = 0; i < changes; i++) {
      if (Date.now() - started > budgetMs) {
        stoppedEarly = true;
        break;
      }
      if (watchError) throw new Error(`ConfigMap watch ended: ${String(watchError)}`);
      const pause = think();
      await sleep(pause);
      const want = i % 2 === 0;
      const seen = new Promise<bigint>((resolve) => (waiting = { want, resolve }));
      const t = process.hrtime.bigint();
      if (want) await core.createNamespacedService({ namespace: TOGGLE.namespace, body: toggleService() });
      else await core.deleteNamespacedService({ namespace: TOGGLE.namespace, name: TOGGLE.name });
      const at = await Promise.race([seen, sleep(10_000).then(() => undefined)]);
      if (at === undefined) {
        waiting = undefined;
        timeouts += 1;
        // Resynchronise on the state asked for; give up on the run if even that does not come.
        if ((await until(want, 10_000)) === undefined) throw new Error(`the ConfigMap never showed the change (${want ? 'create' : 'delete'})`);
        continue;
      }
      latencies.push(Number(at - t) / 1e6);
      if (pause > debounceMs + 20) freshWindow.push(Number(at - t) / 1e6);
    }
    // Leave the cluster as found.
    if (present) {
      await core.deleteNamespacedService({ namespace: TOGGLE.namespace, name: TOGGLE.name });
      await until(false, 10_000);
    }
  } finally {
    waiting = undefined;
    controller.abort();
  }
  return { latencies, freshWindow, timeouts, stoppedEarly };
}

function summarise(run: ChangeRun): Record<string, number | boolean> {
  const s = sorted(run.latencies);
  const fresh = sorted(run.freshWindow);
  return {
    changes: s.length,
    p50_ms: round(percentile(s, 50)),
    p99_ms: round(percentile(s, 99)),
    max_ms: round(s[s.length - 1] ?? Number.NaN),
    fresh_window_changes: fresh.length,
    fresh_window_p50_ms: round(percentile(fresh, 50)),
    timeouts: run.timeouts,
    stopped_early: run.stoppedEarly,
  };
}

async function reconcileRun(env: Env, opts: ClusterOptions, extra: number, shippedDebounce: number, debounceRuns: Array<number | undefined>): Promise<Array<Record<string, number | boolean>>> {
  const backend = await startBackend();
  const services = extra > 0 ? generateServices(extra) : [];
  let emu: RunningEmulator | undefined;
  let daemon: RunningDaemon | undefined;
  const out: Array<Record<string, number | boolean>> = [];
  try {
    emu = await startEmulator(env, `reconcile-${extra}`, services, { proxyTargets: proxyTargets(services, backend.url) });
    for (const [k, debounce] of debounceRuns.entries()) {
      const configMap = `bench-reconcile-${extra}-${k}`;
      const changes = debounce === undefined ? opts.changes : Math.max(50, Math.floor(opts.changes / 2));
      // Services alone (no Pods behind them): the metadata-only path, as before evidence; a Pod change's latency is
      // the pods part's reconcile.pod_change_to_configmap_p99_ms. With evidence on, these Pod-less Services are no entry.
      daemon = await startDaemon(env, `reconcile-${extra}`, emu.kubeconfig, [
        '--configmap',
        configMap,
        '--workload-evidence',
        'false',
        ...(debounce !== undefined ? ['--debounce-ms', String(debounce)] : []),
      ]);
      opts.log(`reconcile: ${extra} Services, debounce ${debounce ?? 'default'}: daemon ready in ${String(daemon.ready.startup_ms)} ms, ${changes} changes…`);
      const run = await changeToConfigMap(emu.kubeconfig, configMap, changes, debounce ?? shippedDebounce, 150_000);
      out.push({ ...summarise(run), services: Number(daemon.ready.services), detected: Number(daemon.ready.detected), configmap_bytes: Number(daemon.ready.configmap_bytes) });
      await daemon.child.stop();
      daemon = undefined;
    }
    if (backend.hits() === 0) throw new Error('no health check reached the local backend');
  } finally {
    await stopAll(daemon?.child, emu?.child);
    await backend.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// memory and resync CPU

const HEALTH_OFF = 'health_check:\n  enabled: false\n';

/** Where the RSS goes, in MiB: file-backed pages, the main heap and the plugin isolates' heaps as committed, the rest. */
function breakdown(m: Record<string, unknown>): Record<string, number> {
  const rss = Number(m.rss);
  const anon = Number(m.rssAnon ?? rss);
  const isolates = typeof m.isolateCommitted === 'number' ? m.isolateCommitted : Number(m.isolateHeap);
  return {
    file_backed_code_and_libraries: mib(rss - anon),
    main_heap_committed: mib(m.heapTotal),
    plugin_isolates_committed: mib(isolates),
    other_anonymous: mib(anon - Number(m.heapTotal) - isolates),
  };
}

interface MemoryRun {
  ready: Record<string, unknown>;
  memory: Record<string, unknown>;
  seedMs: number;
  resyncs: Array<Record<string, unknown>>;
  afterResync?: Record<string, unknown>;
  idle?: Record<string, unknown>;
}

/** How long the daemon sits idle after its resyncs before the last measurement. */
const IDLE_MS = 20_000;

async function memoryRun(env: Env, opts: ClusterOptions, count: number, resyncs: number): Promise<MemoryRun> {
  const configFile = path.join(env.dir, `memory-${count}.yaml`);
  await writeFile(configFile, HEALTH_OFF);
  let emu: RunningEmulator | undefined;
  let daemon: RunningDaemon | undefined;
  try {
    const t = process.hrtime.bigint();
    emu = await startEmulator(env, `memory-${count}`, count > 0 ? generateServices(count) : [], {});
    opts.log(`memory: emulator with ${count} Services ready in ${Math.round(msSince(t))} ms (seeding ${emu.seedMs} ms); starting the daemon…`);
    // Services alone, on the metadata-only path as before evidence (with evidence on, Pod-less Services are no entry
    // and the figure would not compare with earlier runs); memory with Pods is the pods part's memory.rss_mib_10k_50k_pods.
    daemon = await startDaemon(env, `memory-${count}`, emu.kubeconfig, ['--config', configFile, '--configmap', `bench-memory-${count}`, '--workload-evidence', 'false']);
    const memory = await daemon.child.request('measure', 60_000);
    opts.log(`memory: ${count} Services: RSS ${mib(memory.rss)} MiB, heap ${mib(memory.heapUsed)} MiB, isolates ${mib(memory.isolateHeap)} MiB (daemon ready in ${String(daemon.ready.startup_ms)} ms)`);
    const runs: Array<Record<string, unknown>> = [];
    for (let i = 0; i < resyncs; i++) runs.push(await daemon.child.request('resync', 180_000));
    const afterResync = resyncs > 0 ? await daemon.child.request('measure', 60_000) : undefined;
    // V8 gives memory back on its own once allocation stops (its memory reducer, a few seconds later).
    let idle: Record<string, unknown> | undefined;
    if (resyncs > 0) {
      await new Promise((r) => setTimeout(r, IDLE_MS));
      idle = await daemon.child.request('measure', 60_000);
    }
    return { ready: daemon.ready, memory, seedMs: emu.seedMs, resyncs: runs, ...(afterResync ? { afterResync } : {}), ...(idle ? { idle } : {}) };
  } finally {
    await stopAll(daemon?.child, emu?.child);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// reload and api

interface Answer {
  status: number;
  ms: number;
  body: string;
}

function request(agent: http.Agent, url: string, method: string, token: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const req = http.request(url, { method, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: msSince(t), body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

interface Load {
  latencies: number[];
  errors: number;
  seconds: number;
}

async function load(agent: http.Agent, url: string, token: string, concurrency: number, maxRequests: number, maxMs: number): Promise<Load> {
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (issued < maxRequests && msSince(started) < maxMs) {
      issued += 1;
      try {
        const a = await request(agent, url, 'GET', token);
        if (a.status === 200) latencies.push(a.ms);
        else errors += 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, seconds: msSince(started) / 1000 };
}

const RELOAD_CONFIG = (priority: number) => `# bench: the built-ins, elasticsearch's priority toggled to make each file change a real change\ndetectors:\n  elasticsearch:\n    priority: ${priority}\n`;

async function apiAndReloadRun(env: Env, opts: ClusterOptions): Promise<{ reload: Record<string, unknown>; api: Record<string, unknown> }> {
  const backend = await startBackend();
  const services = generateServices(1000);
  const configFile = path.join(env.dir, 'api-detector-config.yaml');
  await writeFile(configFile, RELOAD_CONFIG(80));
  const grant: Grant = { subjects: { groups: OPERATOR.groups! }, verbs: ['get', 'create'], apiGroups: ['toolset.kubernaut.io'], resources: ['services', 'config'], namespaces: [NS] };
  let emu: RunningEmulator | undefined;
  let daemon: RunningDaemon | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  try {
    emu = await startEmulator(env, 'api', services, { proxyTargets: proxyTargets(services, backend.url), tokens: [{ token: OPERATOR_TOKEN, user: OPERATOR }], grants: [grant] });
    daemon = await startDaemon(env, 'api', emu.kubeconfig, ['--config', configFile, '--configmap', 'bench-api', '--api-port', '0', '--auth', 'true']);
    const base = String(daemon.ready.api_url);
    opts.log(`reload/api: daemon with ${String(daemon.ready.services)} Services (${String(daemon.ready.detected)} detected) ready; reloading…`);

    // reload through the API, from an idle daemon each time
    const reloads: number[] = [];
    await request(agent, `${base}/api/v1/config/reload`, 'POST', OPERATOR_TOKEN); // warm-up (and the reviews, cached after)
    for (let i = 0; i < 15; i++) {
      await daemon.child.request('idle', 30_000);
      const a = await request(agent, `${base}/api/v1/config/reload`, 'POST', OPERATOR_TOKEN);
      if (a.status !== 200 || (JSON.parse(a.body) as { status?: string }).status !== 'success') throw new Error(`reload answered ${a.status}: ${a.body}`);
      reloads.push(a.ms);
    }
    // file change → applied (the watcher's debounce and the reload)
    const fileChanges: number[] = [];
    for (let i = 0; i < 5; i++) {
      await daemon.child.request('idle', 30_000);
      daemon.child.discard((l) => l.event === 'reload');
      const applied = daemon.child.next((l) => l.event === 'reload', 10_000, 'reload after a file change');
      const t = process.hrtime.bigint();
      await writeFile(configFile, RELOAD_CONFIG(i % 2 === 0 ? 81 : 80));
      const line = await applied;
      if (line.status !== 'success') throw new Error(`file reload: ${String(line.status)}`);
      fileChanges.push(msSince(t));
    }
    await daemon.child.request('idle', 30_000);

    opts.log('reload/api: load on GET /api/v1/services…');
    const url = `${base}/api/v1/services`;
    const first = await request(agent, url, 'GET', OPERATOR_TOKEN);
    if (first.status !== 200) throw new Error(`GET /api/v1/services answered ${first.status}: ${first.body}`);
    const detected = (JSON.parse(first.body) as { count: number }).count;
    await load(agent, url, OPERATOR_TOKEN, 16, 300, 10_000); // warm-up
    const run = await load(agent, url, OPERATOR_TOKEN, 16, 8000, 20_000);
    const stats = await daemon.child.request('stats', 10_000);
    const s = sorted(run.latencies);
    return {
      reload: {
        services: Number(daemon.ready.services),
        latency_ms: round(median(reloads)),
        latency_runs_ms: reloads.map((x) => round(x)),
        file_change_to_applied_ms: round(median(fileChanges)),
        file_change_runs_ms: fileChanges.map((x) => round(x)),
      },
      api: {
        services: Number(daemon.ready.services),
        detected_in_response: detected,
        response_bytes: Buffer.byteLength(first.body),
        concurrency: 16,
        requests: s.length,
        errors: run.errors,
        seconds: round(run.seconds, 2),
        requests_per_s: Math.round(s.length / run.seconds),
        services_p50_ms: round(percentile(s, 50), 2),
        services_p99_ms: round(percentile(s, 99), 2),
        services_max_ms: round(s[s.length - 1] ?? Number.NaN, 2),
        token_reviews: stats.token_reviews,
        access_reviews: stats.access_reviews,
      },
    };
  } finally {
    agent.destroy();
    await stopAll(daemon?.child, emu?.child);
    await backend.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

export interface ClusterReport {
  reconcile?: Record<string, unknown>;
  memory?: Record<string, unknown>;
  resync_cpu_ms_10k?: number;
  resync_cpu_10k?: Record<string, unknown>;
  reload?: Record<string, unknown>;
  api?: Record<string, unknown>;
  /** Part → why it failed (the other parts still ran). */
  errors?: Record<string, string>;
}

export async function clusterBench(opts: ClusterOptions): Promise<ClusterReport> {
  const env = await prepare();
  const report: ClusterReport = {};
  const errors: Record<string, string> = {};
  const part = async (name: string, run: () => Promise<void>): Promise<void> => {
    if (!opts.parts.has(name)) return;
    try {
      await run();
    } catch (err) {
      errors[name] = err instanceof Error ? err.message : String(err);
      opts.log(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  };
  try {
    await part('reconcile', async () => {
      const debounce = await shippedDebounceMs();
      const [headline, short] = await reconcileRun(env, opts, 0, debounce ?? 200, [undefined, 20]);
      const [tenK] = await reconcileRun(env, opts, 10_000, debounce ?? 200, [undefined]);
      report.reconcile = {
        debounce_ms: debounce,
        debounce_note:
          'the shipped default (ConfigMapReconciler): a change is written when the debounce window it falls into closes; ' +
          'changes come 0–1.5 windows after the previous write, so some fall into the window its own watch event opened (written sooner), ' +
          'the others open a fresh one (fresh_window_p50_ms: debounce + detection + health check + write)',
        health_checks: 'probeMode proxy: through the emulator service proxy to a local HTTP server answering 200',
        changes: headline!.changes,
        change_to_configmap_p50_ms: headline!.p50_ms,
        change_to_configmap_p99_ms: headline!.p99_ms,
        change_to_configmap_max_ms: headline!.max_ms,
        fresh_window_changes: headline!.fresh_window_changes,
        fresh_window_p50_ms: headline!.fresh_window_p50_ms,
        timeouts: headline!.timeouts,
        services_10k: tenK!.services,
        detected_10k: tenK!.detected,
        configmap_bytes_10k: tenK!.configmap_bytes,
        changes_10k: tenK!.changes,
        change_to_configmap_10k_p50_ms: tenK!.p50_ms,
        change_to_configmap_10k_p99_ms: tenK!.p99_ms,
        change_to_configmap_10k_max_ms: tenK!.max_ms,
        fresh_window_p50_ms_10k: tenK!.fresh_window_p50_ms,
        timeouts_10k: tenK!.timeouts,
        short_debounce: { debounce_ms: 20, changes: short!.changes, p50_ms: short!.p50_ms, p99_ms: short!.p99_ms, max_ms: short!.max_ms },
      };
      if (headline!.stopped_early || tenK!.stopped_early) report.reconcile.warning = 'a run hit its time budget before all changes were made';
    });
    await part('memory', async () => {
      const empty = await memoryRun(env, opts, 0, 0);
      const tenK = await memoryRun(env, opts, 10_000, 3);
      const fiftyK = await memoryRun(env, opts, 50_000, 0);
      const m10 = tenK.memory;
      const m50 = fiftyK.memory;
      report.memory = {
        runner:
          'daemon-runner.ts bundled by esbuild and run with plain node (as core/dist/cli.js runs; --expose-gc only for the after-GC figures), emulator in another process, health checks off',
        rss_mib_10k: mib(m10.rss),
        heap_mib_10k: mib(m10.heapUsedAfterGc ?? m10.heapUsed),
        rss_mib_50k: mib(m50.rss),
        heap_mib_50k: mib(m50.heapUsedAfterGc ?? m50.heapUsed),
        rss_mib_10k_after_gc: mib(m10.rssAfterGc),
        rss_mib_50k_after_gc: mib(m50.rssAfterGc),
        heap_used_mib_10k_as_is: mib(m10.heapUsed),
        heap_total_mib_10k: mib(m10.heapTotal),
        heap_total_mib_50k: mib(m50.heapTotal),
        isolate_heap_mib_10k: mib(m10.isolateHeap),
        isolate_heap_mib_50k: mib(m50.isolateHeap),
        peak_rss_mib_10k: mib(m10.peakRss),
        peak_rss_mib_50k: mib(m50.peakRss),
        breakdown_10k: breakdown(m10),
        breakdown_50k: breakdown(m50),
        breakdown_empty: breakdown(empty.memory),
        rss_mib_empty: mib(empty.memory.rss),
        heap_mib_empty: mib(empty.memory.heapUsed),
        isolate_heap_mib_empty: mib(empty.memory.isolateHeap),
        rss_mib_10k_after_resyncs: tenK.afterResync ? mib(tenK.afterResync.rss) : null,
        rss_mib_10k_idle_after_resyncs: tenK.idle ? mib(tenK.idle.rss) : null,
        detected_10k: tenK.ready.detected,
        detected_50k: fiftyK.ready.detected,
        daemon_ready_ms_10k: tenK.ready.startup_ms,
        daemon_ready_ms_50k: fiftyK.ready.startup_ms,
        emulator_seed_ms_10k: tenK.seedMs,
        emulator_seed_ms_50k: fiftyK.seedMs,
      };
      const cpu = tenK.resyncs.map((r) => Number(r.cpu_ms));
      report.resync_cpu_ms_10k = round(median(cpu));
      report.resync_cpu_10k = {
        runs_cpu_ms: cpu.map((x) => round(x)),
        relist_cpu_ms: round(median(tenK.resyncs.map((r) => Number(r.relist_cpu_ms)))),
        wall_ms: round(median(tenK.resyncs.map((r) => Number(r.relist_wall_ms) + Number(r.detect_wall_ms)))),
      };
    });
    await part('api', async () => {
      const { reload, api } = await apiAndReloadRun(env, opts);
      report.reload = reload;
      report.api = api;
    });
  } finally {
    await rm(env.dir, { recursive: true, force: true }).catch(() => undefined);
  }
  if (Object.keys(errors).length > 0) report.errors = errors;
  return report;
}
