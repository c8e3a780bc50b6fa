// The `pods` part of `npm run bench` (issue 11 item 6: workload evidence must stay cheap; Pods outnumber Services).
//
// memory.rss_mib_10k_50k_pods              RSS of the daemon (its own process, health checks off) after its first
//                                          detection and ConfigMap write, with 10,000 Services and 50,000 Pods (5 per
//                                          Service, one ReplicaSet each) and one EndpointSlice per Service, all
//                                          listed and watched through the API emulator (another process)
//   (also heap_total_mib / isolates_committed_mib / external_mib of the same moment: the daemon's V8 heap and the
//   plugin isolates as committed, and off-heap buffers — where the RSS is)
// detection.resync_10k_with_pods_ms        median time to detect the same 10,000 Services with their evidence
//                                          (index.evidenceFor on each view, then the sandboxed built-ins), in this
//                                          process, as detection.resync_10k_ms measures it without
// reconcile.pod_change_to_configmap_p99_ms one Pod's image changed through the API server (in place, as a rollout
//                                          of a bare Pod would) → the daemon's ConfigMap write showing it, watched;
//                                          a detector claims the Service only while its Pod runs acme/tsdb; with
//                                          the 10,000 Services and 50,000 Pods present, shipped debounce
import path from 'node:path';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import type { ServiceView } from '@kubernaut/toolset-sdk';
import { daemonBundleOptions } from '../../scripts/daemon-bundle.mjs';
import { PluginRegistry } from '../../core/src/plugins/registry.js';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { detectServices } from '../../core/src/detection/engine.js';
import { uniqueViews } from '../../core/src/detection/offline.js';
import { WorkloadIndex, projectEndpointSlice, projectPod } from '../../core/src/discovery/workloads.js';
import { EvidenceCache } from '../../core/src/discovery/evidence.js';
import { bundle } from '../helpers/bundles.js';
import { NS, percentile, shippedDebounceMs, startBackend, startDaemon } from './cluster.js';
import type { Env, RunningDaemon, RunningEmulator } from './cluster.js';
import type { EmulatorSetup } from './emulator-runner.js';
import { repoRoot, spawnTs, stopAll } from './proc.js';
import { creatable, generateServices } from './services.js';

const SERVICES = 10_000;
/** How long the memory daemon is left idle before its settled reading. */
const SETTLE_MS = 45_000;
const PODS_PER_SERVICE = 5;
const TOGGLE = { namespace: 'bench', name: 'toggle-tsdb', pod: 'toggle-tsdb-6c9f7d8b5-x2k4q' };
const TOGGLE_MARKER = `${TOGGLE.name}.${TOGGLE.namespace}.svc`;
const IMAGES = { on: 'registry.example.com/acme/tsdb:2.1.0', off: 'registry.example.com/acme/other:2.1.0' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const mib = (bytes: unknown) => Math.round((Number(bytes) / 1048576) * 10) / 10;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Claims a Service only while a workload behind it runs acme/tsdb. */
const TSDB_PLUGIN = `import { defineDetector, hasImage } from '@kubernaut/toolset-sdk';
export default defineDetector({
  name: 'tsdb', version: '1.0.0', description: 'bench detector tsdb', type: 'tsdb',
  detect(service) {
    return hasImage(service, 'acme/tsdb') ? { port: 'http', health: { path: '/healthz' } } : null;
  },
});
`;

// ---------------------------------------------------------------------------------------------------------------
// A cluster's Pods and EndpointSlices, shaped as the API server returns them.

type Obj = Record<string, unknown>;

function hash(s: string, n: number): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < n; i++) {
    out += alphabet[(h >>> 0) % alphabet.length];
    h = Math.imul(h, 2654435761) ^ i;
  }
  return out;
}

/** The main container a Service's Pods run, by what the generator made the Service (services.ts). */
function mainContainer(service: Obj, ports: Array<{ name?: string; containerPort: number }>): Obj {
  const name = (service.metadata as { name: string }).name;
  const image = /-kube-prometheus-st-prometheus$/.test(name)
    ? 'quay.io/prometheus/prometheus:v2.53.0'
    : /-grafana$/.test(name)
      ? 'docker.io/grafana/grafana:11.1.0'
      : /-loki-gateway$/.test(name)
        ? 'docker.io/nginxinc/nginx-unprivileged:1.27-alpine'
        : `registry.example.com/${(service.metadata as { namespace: string }).namespace}/${name}:1.4.2`;
  return {
    name: 'main',
    image,
    imagePullPolicy: 'IfNotPresent',
    args: ['--config.file=/etc/app/config.yaml', '--web.listen-address=:8080', '--log.level=info'],
    env: [
      { name: 'GOMAXPROCS', value: '2' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ],
    ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/ready', port: ports[0]?.containerPort ?? 8080, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app' },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

/** Pods and one EndpointSlice for a generated Service: PODS_PER_SERVICE Pods of one ReplicaSet, all ready. */
export function workloadFor(service: Obj, index: number): { pods: Obj[]; slice: Obj } {
  const md = service.metadata as { name: string; namespace: string };
  const spec = service.spec as { selector: Record<string, string>; ports: Array<{ name?: string; port: number; targetPort?: number | string }> };
  const rsHash = hash(`${md.namespace}/${md.name}`, 9);
  const rs = `${md.name}-${rsHash}`;
  // Container ports where the Service forwards: named targetPorts by name, numbers as they are.
  const ports = spec.ports.map((p, i) =>
    typeof p.targetPort === 'string' ? { name: p.targetPort, containerPort: 8080 + i } : { name: p.name ?? `p${i}`, containerPort: Number(p.targetPort ?? p.port) },
  );
  const pods: Obj[] = [];
  const endpoints: Obj[] = [];
  for (let k = 0; k < PODS_PER_SERVICE; k++) {
    const name = `${rs}-${hash(`${rs}/${k}`, 5)}`;
    const ip = `10.${64 + ((index >> 8) & 63)}.${index & 255}.${10 + k}`;
    const node = `node-${(index + k) % 40}`;
    pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: md.namespace,
        labels: { ...spec.selector, 'pod-template-hash': rsHash },
        annotations: { 'kubectl.kubernetes.io/default-container': 'main', 'checksum/config': hash(md.name, 24) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `rs-${md.namespace}-${rs}`, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        nodeName: node,
        serviceAccountName: 'default',
        containers: [
          mainContainer(service, ports),
          { name: 'config-reloader', image: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.75.0', args: ['--listen-address=:8081', '--reload-url=http://127.0.0.1:8080/-/reload'], ports: [{ name: 'reloader-web', containerPort: 8081, protocol: 'TCP' }], resources: { requests: { cpu: '10m', memory: '16Mi' } } },
        ],
        volumes: [
          { name: 'config', configMap: { name: `${md.name}-config`, defaultMode: 420 } },
          { name: 'kube-api-access', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } },
        ],
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ],
      },
      status: {
        phase: 'Running',
        hostIP: '192.168.10.4',
        podIP: ip,
        podIPs: [{ ip }],
        startTime: '2026-01-01T00:00:00Z',
        qosClass: 'Burstable',
        conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:05Z' })),
        containerStatuses: ['main', 'config-reloader'].map((c) => ({
          name: c,
          ready: true,
          restartCount: 0,
          started: true,
          image: c === 'main' ? 'image' : 'reloader',
          imageID: `sha256:${hash(c + name, 32)}`,
          containerID: `containerd://${hash(name + c, 32)}`,
          state: { running: { startedAt: '2026-01-01T00:00:04Z' } },
        })),
      },
    });
    endpoints.push({
      addresses: [ip],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: node,
      zone: `zone-${k % 3}`,
      targetRef: { kind: 'Pod', namespace: md.namespace, name, uid: `pod-${name}` },
    });
  }
  const slice: Obj = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${md.name}-${hash(md.name, 5)}`,
      namespace: md.namespace,
      labels: { 'kubernetes.io/service-name': md.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: md.name, uid: `svc-${md.namespace}-${md.name}`, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints,
    ports: ports.map((p) => ({ name: p.name, port: p.containerPort, protocol: 'TCP' })),
  };
  return { pods, slice };
}

function toggleObjects(image: string): Obj[] {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: TOGGLE.name, namespace: TOGGLE.namespace, labels: { app: 'toggle' } },
    spec: { selector: { app: 'toggle' }, ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }] },
  };
  const { pods, slice } = workloadFor(service, 60_000);
  const pod = pods[0]!;
  (pod.metadata as Obj).name = TOGGLE.pod;
  ((pod.spec as { containers: Obj[] }).containers[0] as Obj).image = image;
  const ep = (slice.endpoints as Obj[])[0]!;
  (ep.targetRef as Obj).name = TOGGLE.pod;
  slice.endpoints = [ep];
  return [service, pod, slice];
}

/** cluster.ts's startEmulator with a longer wait: seeding 110,000 objects through the registry takes minutes. */
export async function startPodsEmulator(env: Env, objects: readonly Obj[], setup: EmulatorSetup): Promise<RunningEmulator> {
  const seedFile = path.join(env.dir, 'pods-seed.json');
  const setupFile = path.join(env.dir, 'pods-setup.json');
  const kubeconfig = path.join(env.dir, 'pods.kubeconfig');
  await writeFile(seedFile, JSON.stringify(objects));
  await writeFile(setupFile, JSON.stringify(setup));
  const child = spawnTs('emulator(pods)', 'test/bench/emulator-runner.ts', ['--kubeconfig', kubeconfig, '--seed-json', seedFile, '--setup', setupFile]);
  try {
    const info = await child.next((l) => typeof l.url === 'string', 1_200_000, 'ready line');
    return { child, kubeconfig, seedMs: Number(info.seed_ms) };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// detection.resync_10k_with_pods_ms (in this process)

export async function resyncWithPods(log: (m: string) => void): Promise<Record<string, unknown>> {
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir() });
  await registry.start();
  const detectors = registry.detectors();
  const services = generateServices(SERVICES);
  const views = uniqueViews(services);
  const index = new WorkloadIndex();
  let t = process.hrtime.bigint();
  services.forEach((s, i) => {
    const { pods, slice } = workloadFor(s, i);
    for (const p of pods) index.upsertPod(projectPod(p)!);
    index.upsertSlice(projectEndpointSlice(slice)!);
  });
  const indexMs = msSince(t);
  const byNs = new Map<string, ServiceView[]>();
  for (const v of views) byNs.set(v.metadata.namespace, [...(byNs.get(v.metadata.namespace) ?? []), v]);
  // The daemon's cache (discovery/evidence.ts): a resync recomputes no evidence, so the first run below fills it.
  const cache = new EvidenceCache(index);
  const withEvidence = (v: ServiceView): ServiceView => {
    const evidence = cache.get(v);
    return evidence === undefined ? v : { ...v, evidence };
  };
  // As the controller runs it: each view gets its evidence, siblings too when a plugin asks for them.
  const run = () =>
    detectServices(views.map(withEvidence), detectors, { namespaceServices: (ns) => (byNs.get(ns) ?? []).map(withEvidence) });
  await run(); // warm-up (JIT, isolate heaps)
  const runs: number[] = [];
  let detected = 0;
  for (let i = 0; i < 5; i++) {
    t = process.hrtime.bigint();
    const results = await run();
    runs.push(msSince(t));
    detected = results.filter((r) => r.detected).length;
  }
  // The same Services without evidence, in the same run (the machine's load applies to both alike).
  const plainOpts = { namespaceServices: (ns: string) => byNs.get(ns) ?? [] };
  await detectServices(views, detectors, plainOpts);
  const plainRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    t = process.hrtime.bigint();
    await detectServices(views, detectors, plainOpts);
    plainRuns.push(msSince(t));
  }
  // Where the time goes with evidence: each detector alone, with and without it.
  const perDetector: Record<string, { plain_ms: number; with_pods_ms: number }> = {};
  const withViews = views.map(withEvidence);
  for (const d of detectors) {
    t = process.hrtime.bigint();
    await detectServices(views, [d], plainOpts);
    const plainMs = msSince(t);
    t = process.hrtime.bigint();
    await detectServices(withViews, [d], { namespaceServices: (ns) => (byNs.get(ns) ?? []).map(withEvidence) });
    perDetector[d.name] = { plain_ms: round(plainMs), with_pods_ms: round(msSince(t)) };
  }
  t = process.hrtime.bigint();
  for (const v of views) index.evidenceFor(v);
  const evidenceMs = msSince(t);
  const size = index.size();
  await registry.stop();
  const sorted = [...runs].sort((a, b) => a - b);
  log(`pods: detection of ${views.length} Services with ${size.pods} Pods behind them: median ${round(percentile(sorted, 50))} ms`);
  return {
    resync_10k_with_pods_ms: round(percentile(sorted, 50)),
    resync_10k_with_pods_runs_ms: runs.map((x) => round(x)),
    with_pods_detected: detected,
    resync_10k_without_pods_same_run_ms: round(percentile([...plainRuns].sort((x, y) => x - y), 50)),
    with_pods_payload_bytes: Buffer.byteLength(JSON.stringify(views.map(withEvidence))),
    without_pods_payload_bytes: Buffer.byteLength(JSON.stringify(views)),
    with_pods_per_detector: perDetector,
    with_pods_evidence_for_10k_ms: round(evidenceMs),
    with_pods_index_build_ms: round(indexMs),
    with_pods_index: size,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The cluster runs: memory, and one Pod change → ConfigMap

async function podChangeToConfigMap(kubeconfig: string, configMap: string, changes: number, debounceMs: number, budgetMs: number): Promise<{ latencies: number[]; timeouts: number }> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  let present: boolean | undefined;
  let waiting: { want: boolean; resolve: (at: bigint) => void } | undefined;
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
    () => undefined,
  );
  const until = (want: boolean, timeoutMs: number): Promise<bigint | undefined> =>
    present === want ? Promise.resolve(process.hrtime.bigint()) : Promise.race([new Promise<bigint>((resolve) => (waiting = { want, resolve })), sleep(timeoutMs).then(() => undefined)]);
  const latencies: number[] = [];
  let timeouts = 0;
  let s = 42;
  const think = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return (s / 0x7fffffff) * 1.5 * debounceMs;
  };
  try {
    // A precondition, not a measurement: the first write with the toggled Service may trail the ready line on a busy machine.
    if ((await until(true, 300_000)) === undefined) throw new Error('the ConfigMap never showed the toggled Service (its Pod runs acme/tsdb)');
    const started = Date.now();
    for (let i = 0; i < changes && Date.now() - started < budgetMs; i++) {
      await sleep(think());
      const want = i % 2 === 1; // first change: to the other image (leaves), then back (returns)
      const seen = new Promise<bigint>((resolve) => (waiting = { want, resolve }));
      const t = process.hrtime.bigint();
      await core.patchNamespacedPod(
        { name: TOGGLE.pod, namespace: TOGGLE.namespace, body: { spec: { containers: [{ name: 'main', image: want ? IMAGES.on : IMAGES.off }] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      const at = await Promise.race([seen, sleep(10_000).then(() => undefined)]);
      if (at === undefined) {
        waiting = undefined;
        timeouts += 1;
        if ((await until(want, 10_000)) === undefined) throw new Error(`the ConfigMap never showed the Pod change (${want ? 'to acme/tsdb' : 'away from it'})`);
        continue;
      }
      latencies.push(Number(at - t) / 1e6);
    }
  } finally {
    waiting = undefined;
    controller.abort();
  }
  return { latencies, timeouts };
}

export async function podsBench(log: (m: string) => void): Promise<{ detection: Record<string, unknown>; memory: Record<string, unknown>; reconcile: Record<string, unknown> }> {
  const detection = await resyncWithPods(log);

  const dir = path.join(repoRoot, 'test/.tmp/bench-pods');
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'plugins'), { recursive: true });
  const runner = path.join(repoRoot, 'test/.tmp/bench-pods-daemon-runner.mjs');
  await build({ ...daemonBundleOptions, entryPoints: [path.join(repoRoot, 'test/bench/daemon-runner.ts')], outfile: runner });
  const env: Env = { dir, runner };
  await writeFile(path.join(dir, 'plugins', 'tsdb.js'), await bundle(dir, 'tsdb', TSDB_PLUGIN));
  const healthOff = path.join(dir, 'health-off.yaml');
  await writeFile(healthOff, 'health_check:\n  enabled: false\n');

  const services = generateServices(SERVICES);
  const objects: Obj[] = services.map(creatable);
  services.forEach((s, i) => {
    const { pods, slice } = workloadFor(s, i);
    objects.push(...pods, slice);
  });
  objects.push(...toggleObjects(IMAGES.on));
  const backend = await startBackend();
  let emu: RunningEmulator | undefined;
  let daemon: RunningDaemon | undefined;
  try {
    let t = process.hrtime.bigint();
    emu = await startPodsEmulator(env, objects, { proxyTargets: [{ namespace: TOGGLE.namespace, name: TOGGLE.name, url: backend.url }] });
    log(`pods: emulator with ${services.length} Services, ${services.length * PODS_PER_SERVICE + 1} Pods and their slices ready in ${Math.round(msSince(t))} ms (seeding ${emu.seedMs} ms)`);

    t = process.hrtime.bigint();
    daemon = await startDaemon(env, 'pods-memory', emu.kubeconfig, ['--config', healthOff, '--configmap', 'bench-pods-memory']);
    const m = await daemon.child.request('measure', 60_000);
    const ready = daemon.ready;
    log(`pods: daemon with 10k Services and 50k Pods: RSS ${mib(m.rss)} MiB, heap ${mib(m.heapUsedAfterGc ?? m.heapUsed)} MiB (ready in ${String(daemon.ready.startup_ms)} ms)`);
    // The same daemon once idle for a while: V8 gives committed pages back only when its memory reducer runs, tens of
    // seconds after the work stopped (core/src/heap.ts). Nothing is forced after measure's own collections.
    await sleep(SETTLE_MS);
    const settled = await daemon.child.request('usage', 60_000);
    const resync = await daemon.child.request('resync', 180_000);
    await daemon.child.stop();
    daemon = undefined;

    const debounce = (await shippedDebounceMs()) ?? 200;
    daemon = await startDaemon(env, 'pods-reconcile', emu.kubeconfig, ['--plugins-dir', path.join(dir, 'plugins'), '--configmap', 'bench-pods-reconcile']);
    log('pods: one Pod change at a time → ConfigMap…');
    const run = await podChangeToConfigMap(emu.kubeconfig, 'bench-pods-reconcile', 100, debounce, 120_000);
    const s = [...run.latencies].sort((a, b) => a - b);
    if (backend.hits() === 0) throw new Error('no health check reached the local backend');
    return {
      detection,
      memory: {
        rss_mib_10k_50k_pods: mib(m.rss),
        heap_mib_10k_50k_pods: mib(m.heapUsedAfterGc ?? m.heapUsed),
        rss_mib_10k_50k_pods_after_gc: mib(m.rssAfterGc),
        rss_mib_10k_50k_pods_settled: mib(settled.rss),
        heap_total_mib_10k_50k_pods_settled: mib(settled.heapTotal),
        settled_after_ms: SETTLE_MS,
        peak_rss_mib_10k_50k_pods: mib(m.peakRss),
        // Where the RSS is: the daemon's V8 heap (committed), the plugin isolates (committed), off-heap buffers.
        heap_total_mib_10k_50k_pods: mib(m.heapTotal),
        isolates_committed_mib_10k_50k_pods: mib(m.isolateCommitted),
        external_mib_10k_50k_pods: mib(m.external),
        daemon_ready_ms_10k_50k_pods: ready.startup_ms,
        detected_10k_50k_pods: ready.detected,
        pods_run_resync_cpu_ms: round(Number(resync.cpu_ms)),
        emulator_seed_ms_10k_50k_pods: emu.seedMs,
      },
      reconcile: {
        pod_changes: s.length,
        pod_change_to_configmap_p50_ms: round(percentile(s, 50)),
        pod_change_to_configmap_p99_ms: round(percentile(s, 99)),
        pod_change_to_configmap_max_ms: round(s[s.length - 1] ?? Number.NaN),
        pod_change_timeouts: run.timeouts,
        pod_change_debounce_ms: debounce,
      },
    };
  } finally {
    await stopAll(daemon?.child, emu?.child);
    await backend.close();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
