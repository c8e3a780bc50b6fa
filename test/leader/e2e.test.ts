// Two real daemon-like processes (test/leader/runner.ts) elect a leader on the emulator's Lease.
// SIGKILL the leader: the other writes within the lease duration, the dead leader writes nothing
// more, and its stale Lease update is refused.
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CoreV1Api, type V1Lease } from '@kubernetes/client-node';
import { apiError, emulator, waitFor } from '../emulator/helpers.js';
import { kubeconfigOf, storedLease, LEASE, NS } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const LEASE_MS = 1000;
const RENEW_MS = 700;
const RETRY_MS = 100;
// A safety net for a Node process (tsx, from source) to start on a busy machine; not a speed limit.
const START_MS = 180_000;

interface Replica {
  child: ChildProcess;
  events: Array<{ event: string; identity: string; at: number }>;
  stderr: () => string;
  exited: Promise<void>;
}

function replica(t: ExecutionContext, kubeconfig: string, identity: string): Replica {
  const child = spawn(
    process.execPath,
    [
      '--import=tsx',
      '--no-node-snapshot',
      '--conditions=development',
      'test/leader/runner.ts',
      '--kubeconfig',
      kubeconfig,
      '--identity',
      identity,
      '--lease-ms',
      String(LEASE_MS),
      '--renew-ms',
      String(RENEW_MS),
      '--retry-ms',
      String(RETRY_MS),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const events: Replica['events'] = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      events.push(JSON.parse(l) as Replica['events'][number]);
    } catch {
      err += `(stdout) ${l}\n`;
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  });
  return { child, events, stderr: () => err, exited };
}

test('SIGKILL the leader: the other process leads and writes within the lease duration; the dead leader writes nothing more', async (t) => {
  t.timeout(2 * START_MS);
  const emu = await emulator(t);
  const dir = await mkdtemp(join(tmpdir(), 'leader-e2e-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = await emu.writeKubeconfig(join(dir, 'kubeconfig'));
  const kc = kubeconfigOf(emu);
  const core = kc.makeApiClient(CoreV1Api);
  const writes = async (): Promise<Record<string, string>> => {
    try {
      return (await core.readNamespacedConfigMap({ namespace: NS, name: 'leader-writes' })).data ?? {};
    } catch {
      return {};
    }
  };

  const a = replica(t, kubeconfig, 'A');
  await waitFor(() => a.events.some((e) => e.event === 'leading'), `A leads (stderr: ${a.stderr()})`, START_MS, 20);
  await waitFor(async () => Number((await writes()).A ?? 0) >= 2, 'A writes', undefined, 20);

  const b = replica(t, kubeconfig, 'B');
  await waitFor(() => b.events.some((e) => e.event === 'leader' && e.identity === 'A'), `B follows A (stderr: ${b.stderr()})`, START_MS, 20);
  t.false(b.events.some((e) => e.event === 'leading'), 'B does not lead while A is alive');
  t.false('B' in (await writes()), 'B has not written while following');

  const staleRV = storedLease(emu)!.metadata!.resourceVersion;
  a.child.kill('SIGKILL');
  const killedAt = Date.now();
  await a.exited;

  await waitFor(() => b.events.some((e) => e.event === 'leading'), `B leads (stderr: ${b.stderr()})`, undefined, 20);
  const bLeads = b.events.find((e) => e.event === 'leading')!.at;
  t.true(bLeads - killedAt >= LEASE_MS - RETRY_MS - 50, `B waited for A's lease to expire (${bLeads - killedAt} ms after the kill)`);
  const firstB = await waitFor(async () => ((await writes()).B ? Date.now() : 0), 'B writes', undefined, 10);
  t.true(firstB - killedAt <= LEASE_MS + 2 * RETRY_MS + 1000, `B wrote ${firstB - killedAt} ms after the kill (lease ${LEASE_MS} ms)`);

  // A's last value is frozen from the moment it died, while B keeps writing.
  const aFinal = (await writes()).A;
  const bAt = Number((await writes()).B);
  await waitFor(async () => Number((await writes()).B) >= bAt + 3, 'B keeps writing', undefined, 20);
  t.is((await writes()).A, aFinal, 'no write by A after the kill');
  t.is(storedLease(emu)!.spec!.holderIdentity, 'B');

  // The dead leader's Lease update (its last resourceVersion) is refused.
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const stale: V1Lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: LEASE, namespace: NS, resourceVersion: staleRV },
    spec: { holderIdentity: 'A', leaseDurationSeconds: 1 },
  };
  const err = await apiError(coordination.replaceNamespacedLease({ name: LEASE, namespace: NS, body: stale }));
  t.is(err.code, 409);
  t.is(storedLease(emu)!.spec!.holderIdentity, 'B');

  // A graceful stop of B releases the lease.
  b.child.kill('SIGTERM');
  await b.exited;
  t.is(b.child.exitCode, 0);
  t.is(storedLease(emu)!.spec!.holderIdentity, '');
  t.true(b.events.some((e) => e.event === 'stopped'));
});
