// `dynamic-toolset serve` as a process: starts against the emulator, writes the ConfigMap, answers /health and
// /ready, and on SIGTERM releases its lease and exits 0. Without any cluster it refuses clearly.
import test from 'ava';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startEmulator } from '../../core/src/emulator/index.js';
import { eventually, repoRoot, tempDir } from '../helpers/bundles.js';
import { cmRef, NS } from './helpers.js';

const bin = path.join(repoRoot, 'node_modules/.bin/dynamic-toolset');

function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(bin, args, { env, cwd: repoRoot });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

test('serve writes the ConfigMap, reports ready, and exits 0 on SIGTERM after releasing its lease', async (t) => {
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
  await eventually(() => emu.get(cmRef), 20_000);
  const ready = await eventually(async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/ready`);
      return r.status === 200 ? r.json() : undefined;
    } catch {
      return undefined;
    }
  }, 10_000);
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
