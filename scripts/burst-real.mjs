#!/usr/bin/env node
// Issue 12's mass-change experiment against a running daemon on a real cluster (e.g. kube-real): creates N annotated
// MCP Services (each its own `mcp_servers` entry, so the ConfigMap says exactly how many are published), waits until
// all are published, deletes them with P parallel `kubectl delete`, and times how long the ConfigMap takes to follow.
// Beside it, an independent watch of all Services records what the API server sent (DELETED count, BOOKMARK, ERROR,
// closes). --stall-pid freezes the daemon (SIGSTOP/SIGCONT) during the deletion: an event-loop stall on demand.
// One JSON line per run on stdout; everything with timestamps in --log (JSONL).
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiException, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';

const HELP = `usage: node scripts/burst-real.mjs --kubeconfig <file> [options]
Run the daemon first (its ConfigMap must exist), e.g. with health checks off (health_check: {enabled: false}):
  dynamic-toolset serve --kubeconfig <file> --namespace dt-burst --config <that file> --leader-elect false --auth false
  --kubeconfig <file>     the cluster (required; kubectl uses it too)
  --namespace <ns>        namespace of the burst Services, created if missing (default burst)
  --cm-namespace <ns>     namespace of the daemon's ConfigMap (default dt-burst)
  --configmap <name>      the daemon's ConfigMap (default kubernaut-toolset-config)
  --count <n>             Services per run (default 2000; a real cluster's Service CIDR must have room)
  --runs <n>              runs (default 5)
  --parallel <n>          parallel kubectl delete processes (default 10)
  --health-url <url>      poll the daemon's /health every 250 ms and report the slowest answer
  --stall-pid <pid>       freeze this process (SIGSTOP) --stall-after s into each deletion for --stall-seconds s
  --stall-after <s>       (default 2)
  --stall-seconds <s>     (default 10)
  --deadline <s>          give up waiting for the ConfigMap after this long (default 200)
  --log <file>            JSONL timeline (ConfigMap counts, watch events per second, closes, stalls)`;

const { values: o } = parseArgs({
  options: {
    kubeconfig: { type: 'string' }, namespace: { type: 'string', default: 'burst' }, 'cm-namespace': { type: 'string', default: 'dt-burst' },
    configmap: { type: 'string', default: 'kubernaut-toolset-config' }, count: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '5' }, parallel: { type: 'string', default: '10' }, 'health-url': { type: 'string' },
    'stall-pid': { type: 'string' }, 'stall-after': { type: 'string', default: '2' }, 'stall-seconds': { type: 'string', default: '10' },
    deadline: { type: 'string', default: '200' }, log: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  },
});
if (o.help || !o.kubeconfig) {
  process.stdout.write(`${HELP}\n`);
  process.exit(o.help ? 0 : 2);
}
const N = Number(o.count), P = Number(o.parallel), ns = o.namespace;
if (![N, P, Number(o.runs)].every((x) => Number.isInteger(x) && x > 0)) {
  process.stderr.write('burst-real: --count, --parallel and --runs must be positive integers\n');
  process.exit(2);
}
const kc = new KubeConfig();
kc.loadFromFile(o.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const names = Array.from({ length: N }, (_, i) => `b-${String(i).padStart(String(N - 1).length, '0')}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (x) => o.log && appendFileSync(o.log, `${JSON.stringify({ t: new Date().toISOString(), ...x })}\n`);
const ignore = (codes) => (e) => { if (!(e instanceof ApiException && codes.includes(e.code))) throw e; };

/** How many of the burst's Services custom_toolset.yaml lists (entries `<ns>-b-…` under mcp_servers). */
async function published() {
  const cm = await core.readNamespacedConfigMap({ name: o.configmap, namespace: o['cm-namespace'] }).catch(ignore([404]));
  return (cm?.data?.['custom_toolset.yaml'] ?? '').split(`\n  ${ns}-b-`).length - 1;
}

async function waitFor(want, phase) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < Number(o.deadline) * 1000) {
    const n = await published();
    if (n !== last) log({ phase, published: n });
    last = n;
    if (n === want) return Date.now();
    await sleep(250);
  }
  return undefined;
}

async function pool(items, width, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (i < items.length) await fn(items[i++]); }));
}

function kubectlDelete(group) {
  return new Promise((resolve) => {
    const c = spawn('kubectl', ['--kubeconfig', o.kubeconfig, 'delete', 'service', '-n', ns, '--wait=false', ...group], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', (e) => resolve({ code: -1, err: e.message }));
    c.on('exit', (code) => resolve({ code, err: err.slice(0, 300) }));
  });
}

// The independent watcher: what the API server sent, per second, and every BOOKMARK, ERROR and close.
const seen = { DELETED: 0, closes: 0, errors: 0, bookmarks: 0 };
let second = {};
let rv = (await core.listServiceForAllNamespaces({ limit: 1 })).metadata?.resourceVersion;
async function watchServices() {
  await new Watch(kc).watch('/api/v1/services', { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 3600 }, (type, obj) => {
    second[type] = (second[type] ?? 0) + 1;
    rv = obj?.metadata?.resourceVersion ?? rv;
    if (type === 'DELETED') seen.DELETED += 1;
    if (type === 'BOOKMARK') { seen.bookmarks += 1; log({ watch: 'BOOKMARK', rv }); }
    if (type === 'ERROR') { seen.errors += 1; log({ watch: 'ERROR', object: obj }); if (obj?.code === 410) rv = undefined; }
  }, (err) => {
    seen.closes += 1;
    log({ watch: 'closed', error: err ? String(err.message ?? err) : null, rv });
    setTimeout(async () => {
      if (rv === undefined) rv = (await core.listServiceForAllNamespaces({ limit: 1 })).metadata?.resourceVersion;
      void watchServices();
    }, 200);
  });
}
void watchServices();
setInterval(() => { if (Object.keys(second).length) log({ watch: 'events', ...second }); second = {}; }, 1000).unref();

let health = { max: 0, failures: 0 };
if (o['health-url']) {
  void (async () => {
    for (;;) {
      const t = performance.now();
      try { await fetch(o['health-url'], { signal: AbortSignal.timeout(10_000) }); } catch { health.failures += 1; }
      health.max = Math.max(health.max, performance.now() - t);
      await sleep(250);
    }
  })();
}

async function stall() {
  const pid = Number(o['stall-pid']);
  await sleep(Number(o['stall-after']) * 1000);
  log({ stall: 'SIGSTOP', pid, seconds: Number(o['stall-seconds']) });
  process.kill(pid, 'SIGSTOP');
  await sleep(Number(o['stall-seconds']) * 1000);
  process.kill(pid, 'SIGCONT');
  log({ stall: 'SIGCONT', pid });
}

await core.createNamespace({ body: { metadata: { name: ns } } }).catch(ignore([409]));
for (let run = 1; run <= Number(o.runs); run++) {
  const r = { run, count: N };
  health = { max: 0, failures: 0 };
  const t0 = Date.now();
  log({ phase: 'create', run });
  // No selector: with one, the controller-manager writes an Endpoints and an EndpointSlice per Service (3x the load).
  await pool(names, 20, (name) => core.createNamespacedService({
    namespace: ns,
    body: {
      metadata: { name, annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': 'mcp', 'kubernaut.io/toolset-path': '/mcp' } },
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
  }).catch(ignore([409])));
  r.create_s = (Date.now() - t0) / 1000;
  const tp = await waitFor(N, 'publish');
  r.published_s = tp ? (tp - t0) / 1000 : null;
  r.health_max_ms_create = Math.round(health.max);
  health = { max: 0, failures: 0 };
  const before = { ...seen };
  const td = Date.now();
  log({ phase: 'delete', run });
  const groups = Array.from({ length: P }, (_, g) => names.filter((_, i) => i % P === g));
  const stalled = o['stall-pid'] ? stall() : Promise.resolve();
  const deleted = Promise.all(groups.map(kubectlDelete)).then((rs) => {
    r.kubectl_s = (Date.now() - td) / 1000;
    const failed = rs.filter((x) => x.code !== 0).map((x) => x.err);
    if (failed.length) r.kubectl_failures = failed;
  });
  const tc = await waitFor(0, 'converge');
  await Promise.all([deleted, stalled]);
  r.converged_s = tc ? (tc - td) / 1000 : null;
  if (tc === undefined) r.still_published = await published();
  r.health_max_ms_delete = Math.round(health.max);
  r.health_failures = health.failures;
  r.server_sent = { DELETED: seen.DELETED - before.DELETED, closes: seen.closes - before.closes, errors: seen.errors - before.errors, bookmarks: seen.bookmarks - before.bookmarks };
  process.stdout.write(`${JSON.stringify(r)}\n`);
  log({ phase: 'done', ...r });
  while ((await core.listNamespacedService({ namespace: ns, limit: 1 })).items.length) await sleep(500);
}
process.exit(0);
