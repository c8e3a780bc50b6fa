// The `burst` part of `npm run bench`: 2,000 Services created, then deleted, as fast as the API server takes them
// (10 clients in parallel, like 10 `kubectl` runs), against the daemon in its own process (daemon-runner.ts) and
// the API emulator in another (emulator-runner.ts). Issue 12 item 4: "Mass changes converge fast".
//
// load.create_2k_to_configmap_ms   first create sent → a watch on the ConfigMap delivers the daemon's write that
//                                  shows all 2,000 (each Service an MCP server of its own, so each is one entry)
// load.delete_2k_to_configmap_ms   first delete sent → the ConfigMap shows none of them
// load.*_2k_after_last_request_ms  the same, from the last API answer: what the daemon adds to the API server's pace
// load.max_health_ms_2k_burst      worst GET /health latency, sampled every ~50 ms (a new request 50 ms after the
//                                  previous one started, or at once when it took longer) from the first create
//                                  until the deletion has converged: what a liveness probe would have seen
import http from 'node:http';
import { appendFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { daemonBundleOptions } from '../../scripts/daemon-bundle.mjs';
import { NS, daemonEnv, launch, startBackend, startEmulator } from './cluster.js';
import type { Env, RunningDaemon, RunningEmulator } from './cluster.js';
import { spawn } from 'node:child_process';
import { JsonChild, repoRoot, stopAll } from './proc.js';

const COUNT = 2000;
const CLIENTS = 10;
const NAMESPACES = 10;
/** A burst that has not converged by then is reported as not converged (NaN), not waited for. */
const CONVERGE_BUDGET_MS = 180_000;
const HEALTH_EVERY_MS = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** An annotated MCP server: the custom detector claims it and it becomes one `mcp_servers` entry of its own. */
function burstService(i: number): Record<string, unknown> {
  const name = `burst-${i}`;
  const namespace = `burst-${i % NAMESPACES}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      labels: { app: name, 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': 'mcp', 'kubernaut.io/toolset-path': '/mcp' },
    },
    spec: { type: 'ClusterIP', selector: { app: name }, ports: [{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }] },
  };
}

/** How many of the burst's Services the ConfigMap's data names (by their cluster DNS name). */
function countIn(data: Record<string, string> | undefined): number {
  const seen = new Set<string>();
  for (const v of Object.values(data ?? {})) for (const m of v.matchAll(/\bburst-(\d+)\.burst-\d+\.svc\b/g)) seen.add(m[1]!);
  return seen.size;
}

/** GET /health in a loop: the worst latency since the last `take()`, and since `resetOverall()`. */
function healthSampler(url: string): { take(): { max: number; samples: number; failures: number }; overall(): number; resetOverall(): void; stop(): Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let running = true;
  let max = 0;
  let samples = 0;
  let failures = 0;
  let worst = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t = process.hrtime.bigint();
      const req = http.get(`${url}/health`, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          max = Math.max(max, msSince(t));
          worst = Math.max(worst, max);
          samples += 1;
          if (res.statusCode !== 200) failures += 1;
          resolve();
        });
      });
      req.on('error', () => {
        failures += 1;
        max = Math.max(max, msSince(t));
        worst = Math.max(worst, max);
        resolve();
      });
    });
  const loop = (async () => {
    while (running) {
      const t = process.hrtime.bigint();
      await one();
      const wait = HEALTH_EVERY_MS - msSince(t);
      if (wait > 0) await sleep(wait);
    }
  })();
  return {
    take() {
      const out = { max, samples, failures };
      max = 0;
      samples = 0;
      failures = 0;
      return out;
    },
    overall: () => worst,
    resetOverall: () => {
      worst = 0;
    },
    async stop() {
      running = false;
      await loop;
      agent.destroy();
    },
  };
}

/** Runs `work(i)` for i in [0, count) on `clients` parallel loops. */
async function parallel(count: number, clients: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
}

/** cluster.ts's startDaemon, plus an optional CPU profile (--cpu-prof is not allowed in NODE_OPTIONS). */
async function startBurstDaemon(env: Env, kubeconfig: string, args: string[], profDir: string | undefined): Promise<RunningDaemon> {
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const proc = spawn(process.execPath, [...launch.nodeFlags, ...prof, env.runner, '--kubeconfig', kubeconfig, ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: daemonEnv(),
  });
  const child = new JsonChild('daemon(burst)', proc);
  try {
    return { child, ready: await child.next((l) => l.ready === true, 300_000, 'ready line') };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

interface Phase {
  to_configmap_ms: number;
  /** From the last API answer to the ConfigMap showing the burst: the daemon's share (the emulator's own pace aside). */
  after_last_request_ms: number;
  api_ms: number;
  max_health_ms: number;
  health_samples: number;
  health_failures: number;
}

export async function burstBench(log: (m: string) => void): Promise<Record<string, unknown>> {
  const dir = path.join(repoRoot, 'test/.tmp/bench-burst');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const runner = path.join(repoRoot, 'test/.tmp/bench-burst-daemon-runner.mjs');
  await build({ ...daemonBundleOptions, entryPoints: [path.join(repoRoot, 'test/bench/daemon-runner.ts')], outfile: runner });
  // Next to the runner, as core/dist/render-worker.js is next to core/dist/cli.js (reconcile/off-thread.ts).
  await build({ ...daemonBundleOptions, entryPoints: [path.join(repoRoot, 'core/src/reconcile/render-worker.ts')], outfile: path.join(repoRoot, 'test/.tmp/render-worker.js') });
  const env: Env = { dir, runner };
  const backend = await startBackend();
  const services = Array.from({ length: COUNT }, (_, i) => burstService(i));
  const targets = services.map((s) => {
    const md = s.metadata as { name: string; namespace: string };
    return { namespace: md.namespace, name: md.name, url: backend.url };
  });
  let emu: RunningEmulator | undefined;
  let daemon: RunningDaemon | undefined;
  let controller: AbortController | undefined;
  let sampler: ReturnType<typeof healthSampler> | undefined;
  try {
    emu = await startEmulator(env, 'burst', [], { proxyTargets: targets });
    // Diagnostics (not part of the report): BENCH_BURST_LOG=<file> keeps the daemon's info log there, and
    // BENCH_BURST_CPU_PROF=<dir> has the daemon write a CPU profile (node --cpu-prof) there when it exits.
    const logFile = process.env.BENCH_BURST_LOG;
    const profDir = process.env.BENCH_BURST_CPU_PROF;
    daemon = await startBurstDaemon(env, emu.kubeconfig, ['--api-port', '0', '--auth', 'false', ...(logFile ? ['--log-level', 'info'] : [])], profDir);
    if (logFile) daemon.child.proc.stderr!.on('data', (d: Buffer) => appendFileSync(logFile, d));
    const apiUrl = String(daemon.ready.api_url);
    const kc = new KubeConfig();
    kc.loadFromFile(emu.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);

    let count = 0;
    let waiting: { want: number; resolve: () => void } | undefined;
    let watchError: unknown;
    controller = await new Watch(kc).watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { fieldSelector: 'metadata.name=kubernaut-toolset-config' },
      (type: string, obj: { data?: Record<string, string> }) => {
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        count = countIn(obj.data);
        if (waiting && waiting.want === count) {
          const w = waiting;
          waiting = undefined;
          w.resolve();
        }
      },
      (err: unknown) => {
        watchError = err ?? 'closed';
      },
    );
    const until = (want: number): Promise<boolean> =>
      count === want ? Promise.resolve(true) : Promise.race([new Promise<boolean>((resolve) => (waiting = { want, resolve: () => resolve(true) })), sleep(CONVERGE_BUDGET_MS).then(() => false)]);

    sampler = healthSampler(apiUrl);
    await sleep(500);
    const idle = sampler.take();
    sampler.resetOverall();
    log(`burst: daemon ready; idle /health worst ${round(idle.max)} ms over ${idle.samples} samples`);

    const phase = async (what: 'create' | 'delete'): Promise<Phase> => {
      const want = what === 'create' ? COUNT : 0;
      sampler!.take();
      const t = process.hrtime.bigint();
      const seen = until(want);
      await parallel(COUNT, CLIENTS, (i) => {
        const s = services[i]!;
        const md = s.metadata as { name: string; namespace: string };
        return what === 'create' ? core.createNamespacedService({ namespace: md.namespace, body: s }) : core.deleteNamespacedService({ namespace: md.namespace, name: md.name });
      });
      const apiMs = msSince(t);
      const ok = await seen;
      const toConfigMap = ok ? msSince(t) : Number.NaN;
      const h = sampler!.take();
      if (watchError) throw new Error(`ConfigMap watch ended: ${String(watchError)}`);
      log(`burst: ${what} ${COUNT}: API ${Math.round(apiMs)} ms, ConfigMap ${ok ? `${Math.round(toConfigMap)} ms` : `not converged (${count} of ${COUNT} present)`}, worst /health ${round(h.max)} ms`);
      return { to_configmap_ms: round(toConfigMap), after_last_request_ms: round(toConfigMap - apiMs), api_ms: round(apiMs), max_health_ms: round(h.max), health_samples: h.samples, health_failures: h.failures };
    };

    const create = await phase('create');
    await sleep(2000); // health checks of the new Services settle; the delete starts from a quiet daemon
    const del = await phase('delete');
    return {
      create_2k_to_configmap_ms: create.to_configmap_ms,
      delete_2k_to_configmap_ms: del.to_configmap_ms,
      create_2k_after_last_request_ms: create.after_last_request_ms,
      delete_2k_after_last_request_ms: del.after_last_request_ms,
      // From the first create until the deletion converged, the pause between them included.
      max_health_ms_2k_burst: round(sampler.overall()),
      burst: { services: COUNT, clients: CLIENTS, create, delete: del, idle_max_health_ms: round(idle.max), health_every_ms: HEALTH_EVERY_MS },
    };
  } finally {
    await sampler?.stop();
    controller?.abort();
    await stopAll(daemon?.child, emu?.child);
    await backend.close();
  }
}
