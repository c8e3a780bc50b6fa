// Leader election against the emulator through the real client-node: real HTTP, real optimistic
// concurrency (409 on a stale resourceVersion), short timings and bounded polling.
// Serial: these tests assert timings, and ten of them sharing one event loop would skew each other.
import test from 'ava';
import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { apiError, emulator, raw, waitFor } from '../emulator/helpers.js';
import { kubeLeaseClient, recordOf, type LeaseClient } from '../../core/src/leader/index.js';
import { elector, firstAt, kubeconfigOf, storedLease, LEASE, LEASE_MS, NS, RENEW_MS, RETRY_MS, type Transition } from './helpers.js';

/** Scheduling slack for timing upper bounds on a busy test machine (lower bounds get none). */
const SLACK = 800;

test.serial('a single replica creates the lease, leads, and renews it every retry period', async (t) => {
  const emu = await emulator(t);
  const a = elector(t, emu, 'A');
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'A leads');
  t.is(a.elector.leader(), 'A');
  const first = storedLease(emu)!;
  t.like(first.spec, { holderIdentity: 'A', leaseDurationSeconds: 1, leaseTransitions: 0 });
  await waitFor(() => Number(storedLease(emu)!.metadata!.resourceVersion) >= Number(first.metadata!.resourceVersion) + 3, 'three renewals');
  const later = storedLease(emu)!;
  t.not(later.spec!.renewTime, first.spec!.renewTime);
  t.is(later.spec!.acquireTime, first.spec!.acquireTime, 'renewals keep acquireTime');
  t.is(later.spec!.holderIdentity, 'A');
  // On the wire both times are metav1.MicroTime: six fractional digits.
  const wire = (await raw(emu, `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${LEASE}`)).json() as { spec: Record<string, unknown> };
  t.regex(String(wire.spec.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  t.regex(String(wire.spec.acquireTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  await waitFor(() => a.elector.isLeader(), 'A still leads');
});

test.serial('three replicas: exactly one leads at every observed moment', async (t) => {
  const emu = await emulator(t);
  const timeline: Transition[] = [];
  const rigs = ['A', 'B', 'C'].map((id) => elector(t, emu, id, timeline));
  const all = rigs.map((r) => r.elector);
  for (const e of all) e.start();
  const deadline = Date.now() + 1500;
  let samples = 0;
  let withLeader = 0;
  while (Date.now() < deadline) {
    const leaders = all.filter((e) => e.isLeader()).length;
    t.true(leaders <= 1, `at most one leader (saw ${leaders})`);
    if (leaders === 1) withLeader++;
    samples++;
    await new Promise((r) => setTimeout(r, 10));
  }
  t.true(withLeader > 0, `a leader was seen (${withLeader}/${samples} samples)`);
  const started = timeline.filter((x) => x.event === 'leading');
  t.true(started.length >= 1);
  if (started.length > 1) {
    // Leadership may only change hands when a leader missed its renew deadline (a stalled event loop on a busy machine).
    t.log(JSON.stringify(timeline));
    t.true(rigs.some((r) => r.log.lines.some((l) => String(l.meta?.reason).includes('renew deadline'))), 'a change of leader is explained by a missed deadline');
  }
  const leader = await waitFor(() => all.find((e) => e.isLeader())?.identity, 'a leader');
  t.is(storedLease(emu)!.spec!.holderIdentity, leader);
  await waitFor(() => all.every((e) => e.leader() === leader), 'everyone agrees on the leader');
});

test.serial('stop() releases the lease and a follower takes over well within the lease duration', async (t) => {
  const emu = await emulator(t);
  const timeline: Transition[] = [];
  const a = elector(t, emu, 'A', timeline);
  const b = elector(t, emu, 'B', timeline);
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'A leads');
  b.elector.start();
  await waitFor(() => b.elector.leader() === 'A', 'B follows A');
  await a.elector.stop();
  const stoppedAt = Date.now();
  t.false(a.elector.isLeader());
  t.is(storedLease(emu)!.spec!.holderIdentity === 'A', false, 'A cleared the holder');
  await waitFor(() => b.elector.isLeader(), 'B leads');
  const tookOver = firstAt(timeline, 'B', 'leading')! - stoppedAt;
  t.true(tookOver < LEASE_MS, `B took over ${tookOver} ms after the release (lease ${LEASE_MS} ms)`);
  t.like(storedLease(emu)!.spec, { holderIdentity: 'B', leaseTransitions: 1 }); // the release keeps the count; '' → B adds one
  t.true(firstAt(timeline, 'A', 'stopped')! <= firstAt(timeline, 'B', 'leading')!);
});

test.serial('a crashed leader is replaced only after the lease duration, its stale update is refused with 409, and it then reports itself not leader', async (t) => {
  const emu = await emulator(t);
  const timeline: Transition[] = [];
  const a = elector(t, emu, 'A', timeline);
  const b = elector(t, emu, 'B', timeline);
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'A leads');
  b.elector.start();
  await waitFor(() => b.elector.leader() === 'A', 'B follows A');
  await new Promise((r) => setTimeout(r, 2 * RETRY_MS)); // a couple of renewals B has seen
  a.elector.crash();
  const { lastRenewAt, resourceVersion: staleRV } = a.elector.status();
  await waitFor(() => b.elector.isLeader(), 'B leads');
  const bLeads = firstAt(timeline, 'B', 'leading')!;
  const after = bLeads - lastRenewAt;
  t.true(after >= LEASE_MS, `B waited the lease duration after A's last renewal (${after} ms)`);
  t.true(after <= LEASE_MS + 2 * RETRY_MS + SLACK, `and took over promptly (${after} ms)`);
  t.false(a.elector.isLeader(), "A's own view expired at its renew deadline, before B could take over");
  t.like(storedLease(emu)!.spec, { holderIdentity: 'B', leaseTransitions: 1 });

  // The update A would send — its last-written Lease, renewed — is refused by the API.
  const coordination = kubeconfigOf(emu).makeApiClient(CoordinationV1Api);
  const stale: V1Lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: LEASE, namespace: NS, resourceVersion: staleRV },
    spec: { holderIdentity: 'A', leaseDurationSeconds: 1, renewTime: new Date() as never, leaseTransitions: 0 },
  };
  const err = await apiError(coordination.replaceNamespacedLease({ name: LEASE, namespace: NS, body: stale }));
  t.is(err.code, 409);
  t.is(err.status?.reason, 'Conflict');
  t.is(storedLease(emu)!.spec!.holderIdentity, 'B');

  // A wakes up (SIGCONT after a freeze): past its deadline it steps down without writing, then follows B.
  const writesBefore = storedLease(emu)!.metadata!.resourceVersion;
  a.elector.revive();
  await waitFor(() => a.elector.leader() === 'B', 'A sees B');
  t.false(a.elector.isLeader());
  t.truthy(firstAt(timeline, 'A', 'stopped'));
  t.true(b.elector.isLeader());
  t.is(storedLease(emu)!.spec!.holderIdentity, 'B');
  t.not(storedLease(emu)!.metadata!.resourceVersion, writesBefore, 'B keeps renewing');
});

test.serial('a leader whose renewal hits a 409 (someone else wrote the lease) steps down at once', async (t) => {
  const emu = await emulator(t);
  const timeline: Transition[] = [];
  const a = elector(t, emu, 'A', timeline);
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'A leads');
  const current = storedLease(emu)!;
  emu.update({ ...current, spec: { ...current.spec, holderIdentity: 'intruder' } });
  await waitFor(() => firstAt(timeline, 'A', 'stopped'), 'A steps down');
  t.false(a.elector.isLeader());
  const reason = a.log.lines.find((l) => l.message === 'stopped leading')?.meta?.reason;
  t.regex(String(reason), /409 Conflict/, 'on the first failed renewal, not at the deadline');
  await waitFor(() => a.elector.leader() === 'intruder', 'A follows the intruder');
  t.true(a.log.has(/stopped leading/));
});

test.serial('an API outage on lease writes makes the leader step down after the renew deadline; recovery elects one again', async (t) => {
  const emu = await emulator(t);
  const timeline: Transition[] = [];
  const a = elector(t, emu, 'A', timeline);
  const b = elector(t, emu, 'B', timeline);
  a.elector.start();
  b.elector.start();
  const first = await waitFor(() => [a, b].find((x) => x.elector.isLeader()), 'a leader');
  const outage = emu.faults.failNext(100_000, 503, { method: 'PUT', path: /\/leases\// });
  const { lastRenewAt } = first.elector.status();
  const stepDownAt = await waitFor(() => firstAt(timeline, first.elector.identity, 'stopped'), 'the leader steps down');
  t.true(stepDownAt - lastRenewAt >= RENEW_MS - 5, `not before the renew deadline (${stepDownAt - lastRenewAt} ms)`);
  t.true(stepDownAt - lastRenewAt <= RENEW_MS + RETRY_MS + SLACK, `but right after it (${stepDownAt - lastRenewAt} ms)`);
  t.true(first.log.has(/renewal failed/));
  // Nobody can write the lease meanwhile, so nobody leads.
  const quiet = Date.now() + LEASE_MS / 2;
  while (Date.now() < quiet) {
    t.false(a.elector.isLeader() || b.elector.isLeader());
    await new Promise((r) => setTimeout(r, 20));
  }
  outage.cancel();
  await waitFor(() => a.elector.isLeader() || b.elector.isLeader(), 'a leader again');
  t.false(a.elector.isLeader() && b.elector.isLeader());
});

test.serial('a hung API (requests held) makes the leader step down at the renew deadline; resume elects one again', async (t) => {
  const emu = await emulator(t);
  const timeline: Transition[] = [];
  const a = elector(t, emu, 'A', timeline);
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'A leads');
  emu.faults.pause();
  const { lastRenewAt } = a.elector.status();
  const after = (await waitFor(() => firstAt(timeline, 'A', 'stopped'), 'A steps down', 3000)) - lastRenewAt;
  t.true(after >= RENEW_MS - 5 && after <= RENEW_MS + SLACK, `stepped down ${after} ms after the last renewal`);
  emu.faults.resume();
  await waitFor(() => a.elector.isLeader(), 'A leads again');
  t.true(timeline.filter((x) => x.identity === 'A' && x.event === 'leading').length >= 2);
});

test.serial('409 on acquire means someone else won: a lost create race and a lost takeover race', async (t) => {
  const emu = await emulator(t);
  const kc = kubeconfigOf(emu);
  const real = kubeLeaseClient(kc);
  const rival = (holder: string): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: LEASE, namespace: NS },
    spec: { holderIdentity: holder, leaseDurationSeconds: 1, leaseTransitions: 0 },
  });
  // A rival slips in just before each of our writes, so the API answers 409 for real.
  let raceCreate = true;
  let raceReplace = false;
  const racy: LeaseClient = {
    get: (ns, name, o) => real.get(ns, name, o),
    async create(ns, lease, o) {
      if (raceCreate) {
        raceCreate = false;
        emu.create({ ...rival('rival') });
      }
      return real.create(ns, lease, o);
    },
    async replace(ns, name, lease, o) {
      if (raceReplace) {
        raceReplace = false;
        const cur = storedLease(emu)!;
        emu.update({ ...cur, spec: { ...cur.spec, holderIdentity: 'rival2', renewTime: undefined } });
      }
      return real.replace(ns, name, lease, o);
    },
  };
  const timeline: Transition[] = [];
  const a = elector(t, emu, 'A', timeline, { kc: undefined, client: racy });
  a.elector.start();
  await waitFor(() => a.log.has(/created the lease first/), 'lost the create race');
  t.false(a.elector.isLeader());
  await waitFor(() => a.elector.leader() === 'rival', 'A follows the rival');
  t.is(storedLease(emu)!.spec!.holderIdentity, 'rival');

  // The rival's lease expires; A tries to take over but another rival writes first.
  raceReplace = true;
  await waitFor(() => a.log.has(/updated the lease first/), 'lost the takeover race');
  t.false(a.elector.isLeader());
  t.false(timeline.some((x) => x.identity === 'A' && x.event === 'leading'));
  await waitFor(() => a.elector.leader() === 'rival2', 'A follows the second rival');
  // Nobody renews for rival2 either, so A gets it eventually.
  await waitFor(() => a.elector.isLeader(), 'A leads');
  t.like(recordOf(storedLease(emu)!), { holderIdentity: 'A' });
});

test.serial('an injected 409 on the create is also "someone else won", and the next round recovers', async (t) => {
  const emu = await emulator(t);
  emu.faults.failNext(1, 409, { method: 'POST', path: /\/leases/, reason: 'AlreadyExists' });
  const a = elector(t, emu, 'A');
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'A leads');
  t.true(a.log.has(/created the lease first/));
});

test.serial('guard() runs writes only on the leader and refuses followers with NotLeaderError', async (t) => {
  const emu = await emulator(t);
  const a = elector(t, emu, 'A');
  const b = elector(t, emu, 'B');
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 'A leads');
  b.elector.start();
  await waitFor(() => b.elector.leader() === 'A', 'B follows');
  t.is(await a.elector.guard(async () => 'wrote'), 'wrote');
  const err = await t.throwsAsync(b.elector.guard(async () => 'wrote'));
  t.is(err?.name, 'NotLeaderError');
  t.regex(err?.message ?? '', /B is not the leader \(the leader is A\)/);
});
