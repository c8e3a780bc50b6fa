// The elector's timing rules on a FakeClock with an in-memory LeaseClient: exact, no real time.
import test from 'ava';
import type { V1Lease } from '@kubernetes/client-node';
import { FakeClock } from '../../core/src/clock.js';
import {
  LeaderElector,
  NotLeaderError,
  durationSeconds,
  effectiveDurationMs,
  isExpired,
  microTime,
  recordOf,
  type CallOptions,
  type LeaderElectorOptions,
  type LeaseClient,
} from '../../core/src/leader/index.js';
import { acquireSpec, releaseSpec } from '../../core/src/leader/record.js';
import { LeaseLeadership } from '../../core/src/leader/leadership.js';
import { MemoryLog } from './helpers.js';

type Op = 'get' | 'create' | 'replace';
type Fault = { op: Op; code: number } | { op: Op; hang: true };

class HttpError extends Error {
  constructor(readonly code: number) {
    super(`HTTP ${code}`);
  }
}

/** A Lease store with the API server's optimistic concurrency; objects go through JSON like the wire. */
class MemoryLeases implements LeaseClient {
  lease: V1Lease | undefined;
  private rv = 0;
  readonly calls: Array<{ op: Op; holder?: string }> = [];
  faults: Fault[] = [];
  sticky: Fault | undefined;

  private wire<T>(x: T): T {
    return JSON.parse(JSON.stringify(x)) as T;
  }

  private async fault(op: Op, opts: CallOptions): Promise<void> {
    const idx = this.faults.findIndex((f) => f.op === op);
    const f = idx >= 0 ? this.faults.splice(idx, 1)[0] : this.sticky?.op === op ? this.sticky : undefined;
    if (!f) return;
    if ('hang' in f) {
      await new Promise((_, reject) => opts.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    } else throw new HttpError(f.code);
  }

  /** Another replica writes the lease (as the API would: new resourceVersion). */
  put(holder: string, extra: Partial<NonNullable<V1Lease['spec']>> = {}): void {
    this.rv++;
    this.lease = this.wire({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'dynamic-toolset-leader', namespace: 'default', resourceVersion: String(this.rv) },
      spec: { ...this.lease?.spec, holderIdentity: holder, leaseDurationSeconds: 1, renewTime: microTime(this.rv), ...extra },
    });
  }

  async get(_ns: string, _name: string, opts: CallOptions = {}): Promise<V1Lease | undefined> {
    this.calls.push({ op: 'get' });
    await this.fault('get', opts);
    return this.lease ? this.wire(this.lease) : undefined;
  }

  async create(_ns: string, lease: V1Lease, opts: CallOptions = {}): Promise<V1Lease> {
    this.calls.push({ op: 'create', holder: lease.spec?.holderIdentity });
    await this.fault('create', opts);
    if (this.lease) throw new HttpError(409);
    this.rv++;
    this.lease = this.wire({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.rv) } });
    return this.wire(this.lease);
  }

  async replace(_ns: string, _name: string, lease: V1Lease, opts: CallOptions = {}): Promise<V1Lease> {
    this.calls.push({ op: 'replace', holder: lease.spec?.holderIdentity });
    await this.fault('replace', opts);
    if (!this.lease) throw new HttpError(404);
    if (lease.metadata?.resourceVersion !== this.lease.metadata?.resourceVersion) throw new HttpError(409);
    this.rv++;
    this.lease = this.wire({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.rv) } });
    return this.wire(this.lease);
  }
}

interface Rig {
  clock: FakeClock;
  leases: MemoryLeases;
  e: LeaderElector;
  log: MemoryLog;
  events: Array<{ event: string; at: number; who?: string }>;
}

function rig(overrides: Partial<LeaderElectorOptions> = {}, leases = new MemoryLeases()): Rig {
  const clock = new FakeClock();
  const log = new MemoryLog();
  const events: Rig['events'] = [];
  const e = new LeaderElector({
    client: leases,
    namespace: 'default',
    identity: 'me',
    leaseDurationMs: 600,
    renewDeadlineMs: 400,
    retryPeriodMs: 100,
    clock,
    log,
    onStartedLeading: () => events.push({ event: 'leading', at: clock.now() }),
    onStoppedLeading: () => events.push({ event: 'stopped', at: clock.now() }),
    onNewLeader: (who) => events.push({ event: 'leader', who, at: clock.now() }),
    ...overrides,
  });
  return { clock, leases, e, log, events };
}

/** Advances in retry-period steps, recording isLeader() after each. */
async function steps(r: Rig, n: number, ms = 100): Promise<boolean[]> {
  const seen: boolean[] = [];
  for (let i = 0; i < n; i++) {
    await r.clock.advance(ms);
    seen.push(r.e.isLeader());
  }
  return seen;
}

test('a missing lease is created with holder, times, duration and zero transitions', async (t) => {
  const r = rig();
  r.e.start();
  await r.clock.advance(0);
  t.true(r.e.isLeader());
  t.is(r.e.leader(), 'me');
  const rec = recordOf(r.leases.lease!);
  t.like(rec, { holderIdentity: 'me', leaseDurationSeconds: 1, leaseTransitions: 0 });
  t.regex(rec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  t.deepEqual(r.events.map((x) => x.event), ['leader', 'leading']);
  await steps(r, 3);
  t.is(r.leases.calls.filter((c) => c.op === 'replace').length, 3, 'renews once per retry period');
  t.is(r.leases.calls.filter((c) => c.op === 'get').length, 1, 'the leader renews from its own last write, without reading');
  t.is(recordOf(r.leases.lease!).acquireTime, rec.acquireTime, 'renewals keep acquireTime');
  await r.e.stop();
});

test('a follower takes over only when the lease duration has passed since it last saw the record change, on its own clock', async (t) => {
  const leases = new MemoryLeases();
  // The holder's renewTime is decades off: a skewed clock must not make the lease look expired.
  leases.put('other', { renewTime: microTime(Date.UTC(1999, 0, 1)) });
  const r = rig({}, leases);
  r.e.start();
  await r.clock.advance(0); // observed at t=0
  t.false(r.e.isLeader());
  t.is(r.e.leader(), 'other');
  await r.clock.advance(250);
  leases.put('other'); // the holder renews; we see it at t=300
  const seen = await steps(r, 8, 100); // t = 350 .. 1050
  t.is(r.events.find((x) => x.event === 'leading')?.at, 900, 'takeover at 300 + 600, not at 0 + 600');
  t.deepEqual(seen, [false, false, false, false, false, false, true, true]); // t = 350 .. 1050
  t.like(recordOf(leases.lease!), { holderIdentity: 'me', leaseTransitions: 1 });
  await r.e.stop();
});

test('a holder that advertises a longer leaseDurationSeconds is taken at its word', async (t) => {
  const leases = new MemoryLeases();
  leases.put('other', { leaseDurationSeconds: 3 });
  t.is(effectiveDurationMs(recordOf(leases.lease!), 600), 3000);
  const r = rig({}, leases);
  r.e.start();
  await r.clock.advance(2900);
  t.false(r.e.isLeader());
  await r.clock.advance(100);
  t.true(r.e.isLeader());
  t.is(r.events.find((x) => x.event === 'leading')?.at, 3000);
  await r.e.stop();
});

test('a released lease (empty holder) is taken on the next try', async (t) => {
  const leases = new MemoryLeases();
  leases.put('', { leaseDurationSeconds: 1 });
  const r = rig({}, leases);
  r.e.start();
  await r.clock.advance(0);
  t.true(r.e.isLeader());
  await r.e.stop();
});

test('failing renewals make the leader step down exactly at the renew deadline', async (t) => {
  const r = rig();
  r.e.start();
  await r.clock.advance(0);
  t.true(r.e.isLeader());
  r.leases.sticky = { op: 'replace', code: 503 };
  await r.clock.advance(399);
  t.true(r.e.isLeader(), 'still within the deadline');
  await r.clock.advance(1);
  t.false(r.e.isLeader());
  t.deepEqual(r.events.filter((x) => x.event === 'stopped').map((x) => x.at), [400]);
  await t.throwsAsync(r.e.guard(async () => 'write'), { instanceOf: NotLeaderError });
  t.true(r.log.has(/renewal failed/));
  // The API comes back: the lease still names us and nobody took it, so we lead again.
  r.leases.sticky = undefined;
  await r.clock.advance(100);
  t.true(r.e.isLeader());
  await r.e.stop();
});

test('stop() after a step-down still releases a lease that names us, guarded by its resourceVersion', async (t) => {
  const r = rig();
  r.e.start();
  await r.clock.advance(0);
  r.leases.sticky = { op: 'replace', code: 503 };
  await r.clock.advance(400);
  t.false(r.e.isLeader());
  r.leases.sticky = undefined;
  r.leases.faults.push({ op: 'replace', code: 500 }); // the re-acquire attempt fails once
  await r.clock.advance(100);
  t.false(r.e.isLeader());
  await r.e.stop();
  t.like(recordOf(r.leases.lease!), { holderIdentity: '' });
  t.is(r.events.filter((x) => x.event === 'stopped').length, 1, 'onStoppedLeading once, at the step-down');
});

test('a hanging renewal is aborted at the renew deadline and the leader steps down', async (t) => {
  const r = rig();
  r.e.start();
  await r.clock.advance(0);
  r.leases.faults.push({ op: 'replace', hang: true });
  await r.clock.advance(100); // the renewal at t=100 hangs
  t.true(r.e.isLeader());
  await r.clock.advance(299);
  t.true(r.e.isLeader());
  await r.clock.advance(1);
  t.false(r.e.isLeader());
  t.is(r.events.find((x) => x.event === 'stopped')?.at, 400);
  await r.e.stop();
});

test('isLeader() turns false at the renew deadline even when the loop is frozen', async (t) => {
  const r = rig();
  r.e.start();
  await r.clock.advance(0);
  r.e.crash();
  await r.clock.advance(399);
  t.true(r.e.isLeader());
  await r.clock.advance(1);
  t.false(r.e.isLeader());
  t.is(r.clock.pending(), 0, 'a crashed elector has no timers');
  t.false(r.events.some((x) => x.event === 'stopped'), 'and runs no callbacks');
  await r.e.stop();
});

test('a 409 while leading means the lease was lost: step down at once, then follow the new holder', async (t) => {
  const r = rig();
  r.e.start();
  await r.clock.advance(0);
  r.leases.put('intruder');
  await r.clock.advance(100);
  t.false(r.e.isLeader());
  t.is(r.events.find((x) => x.event === 'stopped')?.at, 100);
  await r.clock.advance(100);
  t.is(r.e.leader(), 'intruder');
  t.true(r.events.some((x) => x.event === 'leader' && x.who === 'intruder'));
  await r.e.stop();
  t.is(recordOf(r.leases.lease!).holderIdentity, 'intruder', 'stop() does not release a lease that is not ours');
});

test('409 on create or on the takeover PUT means someone else won', async (t) => {
  const r = rig();
  r.leases.faults.push({ op: 'create', code: 409 });
  r.e.start();
  await r.clock.advance(0);
  t.false(r.e.isLeader());
  t.true(r.log.has(/created the lease first/));
  await r.clock.advance(100);
  t.true(r.e.isLeader(), 'the next round reads again and, finding no lease, creates it');
  await r.e.stop();

  const leases = new MemoryLeases();
  leases.put('');
  const r2 = rig({}, leases);
  r2.leases.faults.push({ op: 'replace', code: 409 });
  r2.e.start();
  await r2.clock.advance(0);
  t.false(r2.e.isLeader());
  t.true(r2.log.has(/updated the lease first/));
  t.false(r2.events.some((x) => x.event === 'leading'));
  await r2.e.stop();
});

test('errors from every call are logged and retried; callbacks that throw do not stop the loop', async (t) => {
  const r = rig({
    onStartedLeading: () => {
      throw new Error('boom');
    },
    onNewLeader: () => Promise.reject(new Error('async boom')),
  });
  r.leases.faults.push({ op: 'get', code: 500 }, { op: 'create', code: 503 });
  r.e.start();
  await r.clock.advance(0);
  t.false(r.e.isLeader());
  await r.clock.advance(100);
  t.false(r.e.isLeader());
  await r.clock.advance(100);
  t.true(r.e.isLeader());
  await r.clock.advance(300);
  t.true(r.e.isLeader());
  t.true(r.log.lines.some((l) => l.level === 'error' && l.message === 'onStartedLeading failed'));
  t.true(r.log.lines.some((l) => l.level === 'error' && l.message === 'onNewLeader failed'));
  await r.e.stop();
});

test('guard() runs only while leading, aborts its signal on loss, and stop() releases only after guarded work settles', async (t) => {
  const r = rig();
  await t.throwsAsync(r.e.guard(async () => 1), { instanceOf: NotLeaderError });
  r.e.start();
  await r.clock.advance(0);
  t.is(await r.e.guard(async () => 42), 42);

  let finish!: () => void;
  let signal!: AbortSignal;
  const work = r.e.guard(
    (s) =>
      new Promise<string>((resolve) => {
        signal = s;
        finish = () => resolve('done');
      }),
  );
  const stopped = r.e.stop();
  await new Promise((resolve) => setImmediate(resolve));
  t.true(signal.aborted, 'the guarded call is told leadership is gone');
  t.is(recordOf(r.leases.lease!).holderIdentity, 'me', 'not released while the guarded write is in flight');
  finish();
  t.is(await work, 'done');
  await stopped;
  t.like(recordOf(r.leases.lease!), { holderIdentity: '', leaseDurationSeconds: 1 });
  t.deepEqual(r.events.map((x) => x.event), ['leader', 'leading', 'stopped']);
});

test('options are validated: renewDeadline < leaseDuration, retryPeriod < renewDeadline', (t) => {
  const leases = new MemoryLeases();
  const base = { client: leases, namespace: 'default', identity: 'x' };
  t.throws(() => new LeaderElector({ ...base, leaseDurationMs: 400, renewDeadlineMs: 400, retryPeriodMs: 100 }), { message: /leaseDurationMs/ });
  t.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 100, retryPeriodMs: 100 }), { message: /renewDeadlineMs/ });
  t.throws(() => new LeaderElector({ namespace: 'default' }), { message: /kc or client/ });
  const e = new LeaderElector({ client: leases, namespace: 'default' });
  t.is(e.name, 'dynamic-toolset-leader');
  t.deepEqual([e.leaseDurationMs, e.renewDeadlineMs, e.retryPeriodMs], [15000, 10000, 2000]);
  t.regex(e.identity, /^.+_[0-9a-f]{8}$/);
});

test('record helpers: MicroTime has six fractional digits; transitions count holder changes', (t) => {
  t.is(JSON.stringify({ at: microTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678)) }), '{"at":"2024-01-02T03:04:05.678000Z"}');
  t.is(durationSeconds(600), 1);
  t.is(durationSeconds(15000), 15);
  const mine = { holderIdentity: 'me', leaseDurationSeconds: 1, acquireTime: 'A', renewTime: 'R', leaseTransitions: 4 };
  t.like(acquireSpec(mine, 'me', 0, 600), { leaseTransitions: 4, acquireTime: 'A' });
  t.like(acquireSpec({ ...mine, holderIdentity: 'other' }, 'me', 0, 600), { leaseTransitions: 5 });
  t.like(acquireSpec(undefined, 'me', 0, 600), { leaseTransitions: 0, holderIdentity: 'me' });
  t.like(releaseSpec(mine, 0), { holderIdentity: '', leaseTransitions: 4, leaseDurationSeconds: 1 });
  t.false(isExpired(mine, 1000, 1599, 600));
  t.true(isExpired(mine, 1000, 1600, 600));
});

test('LeaseLeadership.guard fences the daemon\'s writes: refused before leading and after stepping down, run while leading', async (t) => {
  const clock = new FakeClock();
  const leases = new MemoryLeases();
  const l = new LeaseLeadership({ client: leases, namespace: 'default', identity: 'me', leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 100, clock });
  await t.throwsAsync(l.guard(async () => 'written'), { instanceOf: NotLeaderError });
  l.start();
  await clock.advance(0);
  t.true(l.isLeader());
  let seen: AbortSignal | undefined;
  t.is(await l.guard(async (signal) => ((seen = signal), 'written')), 'written');
  t.false(seen!.aborted);
  leases.sticky = { op: 'replace', code: 500 };
  await clock.advance(500); // renewals fail past the renew deadline: step down
  t.false(l.isLeader());
  t.true(seen!.aborted, 'a write still in flight is told leadership is gone');
  await t.throwsAsync(l.guard(async () => 'written'), { instanceOf: NotLeaderError });
  await l.stop();
});
