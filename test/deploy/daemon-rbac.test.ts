// The daemon, started the way the rendered Deployment starts it (its args, its environment, its ConfigMap volumes
// materialised as directories), against the API emulator with exactly the RBAC that deploy/ grants — nothing else.
// If a manifest forgot a permission the daemon needs, it would fail here with the API server's 403; if it granted
// one the daemon does not need, manifests.test.ts (which pins the rules) would say so.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { startEmulator } from '../../core/src/emulator/index.js';
import type { Emulator } from '../../core/src/emulator/index.js';
import { parseQuantity } from '../../core/src/sandbox/limits.js';
import { RESTART_ANNOTATION } from '../../core/src/reconcile/restart.js';
import type { JsonMap, KObject } from './kustomize.js';
import { readObjects } from './kustomize.js';
import {
  NS,
  SA,
  daemonContainer,
  daemonDeployment,
  daemonPod,
  deployDir,
  envOf,
  envValue,
  find,
  flagDefault,
  grantsFrom,
  loadServeFlags,
  renderVariants,
  repoRoot,
  serviceAccountUser,
  workspace,
} from './fixtures.js';

const ws = workspace();
test.after.always(() => ws.cleanup());
const variants = renderVariants(ws);
const base = variants.find((v) => v.name === 'base')!.objects;
const overlay = variants.find((v) => v.name === 'example overlay')!.objects;
const exampleBindings = ['api-client-rbac.yaml', 'prometheus-metrics-rbac.yaml'].flatMap((f) => readObjects(path.join(deployDir, 'examples', f)));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// Waits on a condition; the deadline is only a safety net. Starting the daemon from source (tsx, all of
// client-node) costs a few CPU-seconds, and a busy machine stretches that to a minute or more of wall time:
// a failure here must mean the condition never came, not that the machine was loaded.
const SAFETY_NET_MS = 240_000;
async function eventually<T>(what: string | (() => string), check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = SAFETY_NET_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A cluster with the rendered RBAC (plus extra bindings) as its only grants, and a token per service account. */
async function clusterFor(t: ExecutionContext, objects: KObject[]): Promise<{ emu: Emulator; tokenFor(namespace: string, name: string): string; userToken(name: string, groups: string[]): string }> {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  for (const g of grantsFrom(objects)) emu.grant(g);
  let n = 0;
  return {
    emu,
    tokenFor(namespace, name) {
      const token = `sa-token-${++n}-${name}`;
      emu.addToken(token, serviceAccountUser(namespace, name));
      return token;
    },
    userToken(name, groups) {
      const token = `user-token-${++n}-${name}`;
      emu.addToken(token, { username: name, groups });
      return token;
    },
  };
}

interface Running {
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Runs `dynamic-toolset` (from source) as the rendered Deployment's container would run: the same args and
 * environment (downward API fields filled in), each ConfigMap/Secret/emptyDir volume as a local directory at the
 * mount path's place, and the service account's token in a kubeconfig for the emulator. A Secret is one the admin
 * creates (deploy/ never renders one): its items are written with `secrets[name][key]`. `urls` maps an in-cluster
 * URL in the environment (e.g. HolmesGPT's Service) to a local stand-in.
 */
async function runAsDeployed(
  t: ExecutionContext,
  objects: KObject[],
  emu: Emulator,
  token: string,
  waitReady = true,
  extra: { secrets?: Record<string, Record<string, string>>; urls?: Record<string, string> } = {},
): Promise<Running> {
  const deployment = daemonDeployment(objects);
  const pod = daemonPod(objects);
  const c = daemonContainer(objects);
  const root = path.join(ws.dir, `pod-${Math.random().toString(36).slice(2, 8)}`);
  const mounts: Array<{ mountPath: string; local: string }> = [];
  for (const m of c.volumeMounts as Array<{ name: string; mountPath: string }>) {
    const volume = (pod.volumes as JsonMap[]).find((v) => v.name === m.name)!;
    const local = path.join(root, m.mountPath);
    mkdirSync(local, { recursive: true });
    const ref = volume.configMap as { name: string; optional?: boolean } | undefined;
    if (ref) {
      const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref.name && o.metadata.namespace === deployment.metadata.namespace);
      if (!cm && !ref.optional) throw new Error(`ConfigMap ${ref.name} is not rendered`);
      for (const [key, value] of Object.entries((cm?.data as Record<string, string> | undefined) ?? {})) writeFileSync(path.join(local, key), value);
    }
    const secret = volume.secret as { secretName: string; optional?: boolean; items?: Array<{ key: string; path: string }> } | undefined;
    if (secret) {
      const data = extra.secrets?.[secret.secretName];
      if (!data && !secret.optional) throw new Error(`Secret ${secret.secretName} is mounted but the test did not create it`);
      const items = secret.items ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }));
      for (const item of items) if (data?.[item.key] !== undefined) writeFileSync(path.join(local, item.path), data[item.key]!);
    }
    mounts.push({ mountPath: m.mountPath, local });
  }
  const localPath = (p: string) => {
    const m = mounts.find((x) => p === x.mountPath || p.startsWith(`${x.mountPath}/`));
    return m ? m.local + p.slice(m.mountPath.length) : p;
  };
  const limits = (c.resources as { limits: Record<string, string> }).limits;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: root };
  for (const e of envOf(c)) {
    if (e.value !== undefined) env[e.name] = extra.urls?.[e.value] ?? localPath(e.value);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = `${deployment.metadata.name}-5d8f7c9b4-x2x7q`;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = deployment.metadata.namespace;
    else if (e.valueFrom?.resourceFieldRef) env[e.name] = String(parseQuantity(limits[e.valueFrom.resourceFieldRef.resource.replace('limits.', '')]!));
    else throw new Error(`cannot fill in ${e.name}`);
  }
  const port = await freePort();
  const kubeconfig = path.join(root, 'kubeconfig');
  await emu.writeKubeconfig(kubeconfig, { token });
  env.DYNAMIC_TOOLSET_KUBECONFIG = kubeconfig; // the pod's service account token, as a kubeconfig
  env.DYNAMIC_TOOLSET_PORT = String(port); // 8080 in the pod; a free one here
  const args = (c.args as string[]).map(localPath);
  const child = spawn(process.execPath, ['--no-node-snapshot', '--conditions=development', '--import=tsx', path.join(repoRoot, 'core/src/cli.ts'), ...args], { cwd: root, env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let stopped = false;
  t.teardown(() => {
    if (!stopped) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  const probe = (name: string) => (c[name] as { httpGet: { path: string } }).httpGet.path;
  const answers = async (name: string) => {
    if (child.exitCode !== null) throw new Error(`the daemon exited ${child.exitCode}:\n${out}`);
    try {
      return (await fetch(`${url}${probe(name)}`)).status === 200;
    } catch {
      return false;
    }
  };
  await eventually(() => `${probe('livenessProbe')} (output so far:\n${out})`, () => answers('livenessProbe'));
  if (waitReady) await eventually(() => `${probe('readinessProbe')} (output so far:\n${out})`, () => answers('readinessProbe'));
  return {
    url,
    output: () => out,
    async stop() {
      stopped = true;
      child.kill('SIGTERM');
      return exited;
    },
  };
}

// The API server's 403 to the daemon's own identity, as it appears in the daemon's log (quoted once more for
// every layer of JSON the error passed through).
const DAEMON_FORBIDDEN = new RegExp(`system:serviceaccount:${SA.namespace}:${SA.name}[\\\\"]* cannot`);

// `serve --help` is read once, asynchronously, before any test starts an emulator. flagDefault() alone runs it
// with spawnSync, which freezes this whole worker — and with it every emulator serving a running daemon: called
// lazily from inside a test (as it was), it stalled the API server for seconds on a busy machine, the overlay
// daemon's proxied health probe (2 s timeout, one retry) failed, Prometheus stayed unhealthy until the next
// check a minute later, and its toolset was not there in time.
test.before(async (t) => {
  t.timeout(SAFETY_NET_MS, 'serve --help from source on a busy machine');
  await loadServeFlags();
});
const cmRef = () => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: flagDefault('configmap') });
const leaseRef = () => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: NS, name: flagDefault('lease-name') });

// Each test runs a whole daemon process: one at a time, so this file is not its own busy load (three daemons
// starting at once, plus three emulators in this worker), and with an ava timeout that allows for a slow start.
const daemonTest = (title: string, fn: (t: ExecutionContext) => Promise<void>) =>
  test.serial(title, async (t) => {
    t.timeout(SAFETY_NET_MS + 60_000, 'a daemon started from source on a busy machine');
    await fn(t);
  });

daemonTest('the base: the daemon runs on exactly the rights deploy/ grants, and the example bindings authorise its callers', async (t) => {
  const cluster = await clusterFor(t, [...base, ...exampleBindings]);
  const { emu } = cluster;
  const daemon = await runAsDeployed(t, base, emu, cluster.tokenFor(SA.namespace, SA.name));

  const cm = (await eventually(() => `the output ConfigMap (daemon output:\n${daemon.output()})`, () => emu.get(cmRef()))) as { data: Record<string, string> };
  t.truthy(cm.data['custom_toolset.yaml'], 'HolmesGPT’s file is written');
  const lease = emu.get(leaseRef()) as { spec: { holderIdentity?: string } };
  t.regex(lease.spec.holderIdentity ?? '', /^dynamic-toolset-/, 'the Lease is held under POD_NAME');

  const call = async (token: string | undefined, method: string, p: string) =>
    (
      await fetch(`${daemon.url}${p}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
        ...(method === 'POST' ? { body: '{}' } : {}),
      })
    ).status;
  const reader = cluster.tokenFor(NS, 'holmesgpt-holmes-service-account'); // examples/api-client-rbac.yaml
  const operator = cluster.userToken('alice', ['sre']); // examples/api-client-rbac.yaml
  const prometheus = cluster.tokenFor('monitoring', 'prometheus-k8s'); // examples/prometheus-metrics-rbac.yaml
  const stranger = cluster.userToken('mallory', []);
  for (const p of ['/api/v1/toolsets', '/api/v1/services', '/api/v1/statistics', '/api/v1/plugins']) {
    t.is(await call(reader, 'GET', p), 200, `reader GET ${p}`);
    t.is(await call(operator, 'GET', p), 200, `operator GET ${p}`);
    t.is(await call(stranger, 'GET', p), 403, `stranger GET ${p}`);
    t.is(await call(undefined, 'GET', p), 401, `anonymous GET ${p}`);
  }
  t.is(await call(reader, 'POST', '/api/v1/discover'), 403, 'the reader cannot trigger a discovery');
  t.true((await call(operator, 'POST', '/api/v1/discover')) < 300, 'the operator can');
  t.is(await call(reader, 'POST', '/api/v1/config/reload'), 403);
  t.true((await call(operator, 'POST', '/api/v1/config/reload')) < 300);
  t.is(await call(prometheus, 'GET', '/metrics'), 200, 'Prometheus scrapes with its token');
  t.is(await call(reader, 'GET', '/metrics'), 403);
  t.is(await call(prometheus, 'GET', '/api/v1/toolsets'), 403, 'metrics-reader grants nothing else');

  t.is(await daemon.stop(), 0, daemon.output());
  t.notRegex(daemon.output(), DAEMON_FORBIDDEN);
  t.falsy((emu.get(leaseRef()) as { spec: { holderIdentity?: string } }).spec.holderIdentity, 'the Lease is released on SIGTERM');
});

daemonTest('the example overlay (all four components): reloads HolmesGPT or falls back to restarting it, reads the config ConfigMap in another namespace, probes through the proxy', async (t) => {
  const cluster = await clusterFor(t, overlay);
  const { emu } = cluster;
  const restartTarget = envValue(daemonContainer(overlay), 'DYNAMIC_TOOLSET_RESTART_DEPLOYMENT')!.split('/') as [string, string];
  const configRef = envValue(daemonContainer(overlay), 'DYNAMIC_TOOLSET_CONFIG_CONFIGMAP')!.split('/') as [string, string];
  // HolmesGPT, and the config ConfigMap where the overlay says (holding the same config as the base's).
  emu.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace: restartTarget[0], name: restartTarget[1] },
    spec: { selector: { matchLabels: { app: 'holmes' } }, template: { metadata: { labels: { app: 'holmes' } }, spec: { containers: [{ name: 'holmes', image: 'robustadev/holmes:0.0.0' }] } } },
  });
  const config = find(overlay, 'ConfigMap', 'dynamic-toolset-config', NS);
  emu.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: configRef[0], name: configRef[1] }, data: config.data as Record<string, string> });
  // A Prometheus whose health endpoint is reachable only through the API server's service proxy.
  let hits = 0;
  const backend = http.createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('Prometheus Server is Healthy.\n');
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => backend.close(() => r())));
  const name = 'obs-kube-prometheus-st-prometheus';
  emu.registerProxyTarget({ namespace: 'monitoring', name, port: 'http-web', url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` });
  emu.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'monitoring', labels: { app: 'kube-prometheus-stack-prometheus', release: 'obs', 'self-monitor': 'true' } },
    spec: { ports: [{ name: 'http-web', port: 9090, targetPort: 9090, protocol: 'TCP' }, { name: 'reloader-web', port: 8080, targetPort: 'reloader-web', protocol: 'TCP' }] },
  });

  // HolmesGPT's Service, with its admin API off (the chart's default): every reload is a 404, so the daemon falls
  // back to the rollout restart the overlay also configures, at once.
  const reloadUrl = envValue(daemonContainer(overlay), 'DYNAMIC_TOOLSET_HOLMESGPT_RELOAD')!;
  const reloads: string[] = [];
  const holmesgpt = http.createServer((req, res) => {
    reloads.push(`${req.method} ${req.url} ${req.headers.authorization === 'Bearer test-key' ? 'with-key' : 'no-key'}`);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
  });
  await new Promise<void>((r) => holmesgpt.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => holmesgpt.close(() => r())));
  const daemon = await runAsDeployed(t, overlay, emu, cluster.tokenFor(SA.namespace, SA.name), true, {
    secrets: { 'holmesgpt-api-key': { 'api-key': 'test-key' } },
    urls: { [reloadUrl]: `http://127.0.0.1:${(holmesgpt.address() as AddressInfo).port}` },
  });
  t.regex(daemon.output(), new RegExp(`ConfigMap ${configRef[0]}/${configRef[1]} key detector-config\\.yaml`), 'the config comes from the ConfigMap');
  const toolsets = await eventually(() => `prometheus/metrics in custom_toolset.yaml (daemon output:\n${daemon.output()})`, () => {
    const text = (emu.get(cmRef()) as { data?: Record<string, string> } | undefined)?.data?.['custom_toolset.yaml'];
    const parsed = text ? (parse(text) as { toolsets: Record<string, unknown> }).toolsets : undefined;
    return parsed?.['prometheus/metrics'] ? parsed : undefined;
  });
  t.truthy(toolsets['kubernetes/core']);
  t.true(hits > 0, 'the health check went through services/proxy');
  const holmes = await eventually(() => `the HolmesGPT restart annotation (daemon output:\n${daemon.output()})`, () => {
    const d = emu.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: restartTarget[0], name: restartTarget[1] }) as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
    return d.spec.template.metadata.annotations?.[RESTART_ANNOTATION] ? d : undefined;
  });
  t.regex(holmes.spec.template.metadata.annotations![RESTART_ANNOTATION]!, /^[0-9a-f]{16,}$/);
  t.true(reloads.length > 0 && reloads.every((r) => r.endsWith('with-key')), `HolmesGPT's API was asked first, always with the Secret's key: ${reloads.join(', ')}`);
  t.notRegex(daemon.output(), /test-key/, 'the API key is never logged');
  t.is(await daemon.stop(), 0, daemon.output());
  t.notRegex(daemon.output(), DAEMON_FORBIDDEN);
});

daemonTest('the check is not vacuous: without the RoleBinding the daemon is refused its Lease, and its log says so', async (t) => {
  const withoutRole = base.filter((o) => !(o.kind === 'RoleBinding' && o.metadata.name === SA.name));
  const cluster = await clusterFor(t, withoutRole);
  // It starts and answers /health (that needs nothing), but can neither lead nor write.
  const daemon = await runAsDeployed(t, base, cluster.emu, cluster.tokenFor(SA.namespace, SA.name), false);
  await eventually(() => `a 403 in the log:\n${daemon.output()}`, () => DAEMON_FORBIDDEN.test(daemon.output()));
  t.is(cluster.emu.get(cmRef()), undefined, 'no ConfigMap written');
  t.is(cluster.emu.get(leaseRef()), undefined, 'no Lease taken');
  await daemon.stop(); // still waiting for its first sync: SIGTERM ends it either way
});
