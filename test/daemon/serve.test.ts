// `dynamic-toolset serve` as a process: starts against the emulator, writes the ConfigMap, answers /health and
// /ready, and on SIGTERM releases its lease and exits 0. Without any cluster it refuses clearly.
import test from 'ava';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startEmulator } from '../../core/src/emulator/index.js';
import { eventually, repoRoot, tempDir } from '../helpers/bundles.js';
import { backend, cmRef, grafanaService, NS } from './helpers.js';

const bin = path.join(repoRoot, 'node_modules/.bin/dynamic-toolset');

// Safety nets, not speed limits: each test starts whole daemon processes, which take seconds of CPU to load and
// a minute or more of wall time on a busy machine. What a test claims about time it asserts explicitly.
const START_MS = 180_000;
const TEST_MS = 300_000;

function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(bin, args, { env, cwd: repoRoot });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

test('serve writes the ConfigMap, reports ready, and exits 0 on SIGTERM after releasing its lease', async (t) => {
  t.timeout(TEST_MS);
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const { dir, cleanup } = await tempDir('serve');
  t.teardown(cleanup);
  const kubeconfig = await emu.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const p = start(['serve', '--port', String(port), '--log-format', 'text', '--plugins-dir', path.join(dir, 'plugins')], {
    ...process.env,
    DYNAMIC_TOOLSET_KUBECONFIG: kubeconfig,
    POD_NAME: 'replica-a',
  });
  t.teardown(() => p.child.kill('SIGKILL'));
  await eventually(() => emu.get(cmRef), START_MS);
  const ready = await eventually(async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/ready`);
      return r.status === 200 ? r.json() : undefined;
    } catch {
      return undefined;
    }
  }, START_MS);
  t.deepEqual(ready, { status: 'ready' });
  t.deepEqual(await (await fetch(`http://127.0.0.1:${port}/health`)).json(), { status: 'healthy' });
  const lease = emu.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: NS, name: 'dynamic-toolset-leader' }) as { spec: { holderIdentity?: string } };
  t.is(lease.spec.holderIdentity, 'replica-a');

  p.child.kill('SIGTERM');
  t.is(await p.exited, 0, p.output());
  const released = emu.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: NS, name: 'dynamic-toolset-leader' }) as { spec: { holderIdentity?: string } };
  t.falsy(released.spec.holderIdentity, 'the lease is released for a quick takeover');
  t.regex(p.output(), /shutting down \{"signal":"SIGTERM"\}[\s\S]*stopped/);
});

test('serve with no kubeconfig outside a pod exits 1 and says what to do', async (t) => {
  const { dir, cleanup } = await tempDir('nocluster');
  t.teardown(cleanup);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir };
  const p = start(['serve'], env);
  t.is(await p.exited, 1);
  t.regex(p.output(), /no cluster to talk to: not running in a pod, and no kubeconfig \(--kubeconfig, DYNAMIC_TOOLSET_KUBECONFIG, KUBECONFIG or ~\/\.kube\/config\)/);
});

test('serve --help lists every flag with its environment variable', async (t) => {
  const p = start(['serve', '--help'], process.env);
  t.is(await p.exited, 0);
  for (const flag of ['kubeconfig', 'namespace', 'configmap', 'config', 'plugins-dir', 'port', 'health-check-via']) {
    const env = `DYNAMIC_TOOLSET_${flag.replace(/-/g, '_').toUpperCase()}`;
    t.regex(p.output(), new RegExp(`--${flag}[\\s\\S]*?env:\\s+${env}`), flag);
  }
});

test('two serve processes: only the leader writes; SIGKILL it and the other writes within the lease duration; the dead leader\'s stale Lease update is refused', async (t) => {
  t.timeout(TEST_MS);
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const { dir, cleanup } = await tempDir('failover');
  t.teardown(cleanup);
  const kubeconfig = await emu.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const leaseRef = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: NS, name: 'dynamic-toolset-leader' };
  const lease = () => emu.get(leaseRef) as { metadata: { resourceVersion: string }; spec: { holderIdentity?: string; renewTime?: string } } | undefined;
  const replica = (id: string) => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const p = start(['serve', '--port', String(port), '--log-format', 'text', '--plugins-dir', path.join(dir, 'plugins'), '--lease-duration', '3s', '--renew-deadline', '2s', '--retry-period', '250ms', '--workload-evidence', 'false'], {
      ...process.env,
      DYNAMIC_TOOLSET_KUBECONFIG: kubeconfig,
      POD_NAME: id,
    });
    t.teardown(() => p.child.kill('SIGKILL'));
    return p;
  };
  const a = replica('replica-a');
  await eventually(() => lease()?.spec.holderIdentity === 'replica-a', START_MS);
  await eventually(() => emu.get(cmRef), START_MS);
  const b = replica('replica-b');
  await eventually(() => /first sync done/.test(b.output()), START_MS);

  // B follows: a change is written by A only.
  const graf = await backend(t);
  emu.registerProxyTarget({ namespace: 'monitoring', name: 'one-grafana', port: 'service', url: graf.url });
  emu.create(grafanaService('one'));
  await eventually(() => (emu.get(cmRef) as { data?: Record<string, string> }).data?.['grafana-toolset.yaml'], START_MS);
  t.is(lease()?.spec.holderIdentity, 'replica-a');
  t.notRegex(b.output(), /ConfigMap (created|updated)/, 'the standby never wrote');

  const stale = lease()!;
  a.child.kill('SIGKILL');
  const killedAt = Date.now();
  emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'monitoring', name: 'one-grafana' });
  await eventually(() => lease()?.spec.holderIdentity === 'replica-b', START_MS);
  await eventually(() => !(emu.get(cmRef) as { data?: Record<string, string> }).data?.['grafana-toolset.yaml'], START_MS);
  const tookOver = Date.now() - killedAt;
  t.true(tookOver < 3000 + 2500, `B wrote ${tookOver} ms after A died (lease 3 s)`);
  t.regex(b.output(), /became leader/);

  // A's last view of the Lease is stale now: an update based on it is refused with 409.
  const err = t.throws(() => emu.update({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'dynamic-toolset-leader', namespace: NS, resourceVersion: stale.metadata.resourceVersion }, spec: { ...stale.spec, holderIdentity: 'replica-a' } }));
  t.regex(String(err?.message), /the object has been modified/);
  b.child.kill('SIGTERM');
  t.is(await b.exited, 0);
});

test('npm start without any cluster runs the demo: the API lists the demo services with the documented token', async (t) => {
  t.timeout(TEST_MS);
  const { dir, cleanup } = await tempDir('demo');
  t.teardown(cleanup);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, DYNAMIC_TOOLSET_PORT: String(port), DYNAMIC_TOOLSET_PLUGINS_DIR: path.join(dir, 'plugins') };
  const child = spawn('npm', ['start', '--silent'], { env, cwd: repoRoot, detached: true });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  const listed = await eventually(async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/services`, { headers: { authorization: 'Bearer demo-token' } });
      if (r.status !== 200) return undefined;
      const body = (await r.json()) as { count: number; services: Array<{ name: string; healthy: boolean }> };
      return body.services.filter((s) => s.healthy).length >= 8 ? body : undefined;
    } catch {
      return undefined;
    }
  }, START_MS);
  t.true(listed.count >= 10, out);
  t.true(listed.services.some((s) => s.name === 'kps-prod-kube-prometheus-s-prometheus'));
  t.regex(out, /DEMO MODE[\s\S]*demo API token: demo-token/);
  t.is((await fetch(`http://127.0.0.1:${port}/api/v1/services`)).status, 401, 'the demo API still requires the token');
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
});

test('SIGTERM during the first sync (the API refuses the daemon) still shuts down cleanly with exit 0', async (t) => {
  t.timeout(TEST_MS);
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const { dir, cleanup } = await tempDir('early-term');
  t.teardown(cleanup);
  emu.addToken('no-rights', { username: 'nobody' });
  const kubeconfig = await emu.writeKubeconfig(path.join(dir, 'kubeconfig'), { token: 'no-rights' });
  const p = start(['serve', '--port', '0', '--log-format', 'text', '--plugins-dir', path.join(dir, 'plugins')], { ...process.env, DYNAMIC_TOOLSET_KUBECONFIG: kubeconfig });
  t.teardown(() => p.child.kill('SIGKILL'));
  await eventually(() => /forbidden|Forbidden|list\/watch failed/.test(p.output()), START_MS);
  p.child.kill('SIGTERM');
  t.is(await p.exited, 0, p.output());
  t.regex(p.output(), /shutting down before the first sync finished/);
});
