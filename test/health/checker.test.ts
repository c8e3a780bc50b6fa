// The checker's shell behaviour on a fake clock and a scripted prober: immediate checks, periodic re-checks,
// change notifications only on change, level-triggered removal and replacement, disabled targets, the bound on
// concurrency, and stop().
import test from 'ava';
import { FakeClock } from '../../core/src/clock.js';
import { HealthChecker } from '../../core/src/health/index.js';
import type { HealthResult, ProbeSettings, ProbeTarget, Prober } from '../../core/src/health/index.js';
import { settings, target } from './helpers.js';

type Answer = Pick<HealthResult, 'state' | 'reason' | 'status'>;

/** A prober whose answer per key can be changed between checks; records every call. */
class ScriptedProber implements Prober {
  readonly via = 'direct' as const;
  readonly calls: string[] = [];
  readonly answers = new Map<string, Answer>();
  hold: Promise<void> | undefined;
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly clock: FakeClock) {}

  async probe(t: ProbeTarget, _s: ProbeSettings, signal?: AbortSignal): Promise<HealthResult> {
    this.calls.push(t.key);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold) await Promise.race([this.hold, new Promise((r) => signal?.addEventListener('abort', r))]);
      const a = this.answers.get(t.key) ?? { state: 'healthy' };
      return { ...a, checkedAt: new Date(this.clock.now()).toISOString(), latencyMs: 1, via: 'direct' };
    } finally {
      this.inFlight--;
    }
  }
}

function setup(options: { concurrency?: number; intervalMs?: number } = {}) {
  const clock = new FakeClock();
  const prober = new ScriptedProber(clock);
  const probed: string[] = [];
  const checker = new HealthChecker({
    prober,
    clock,
    concurrency: options.concurrency ?? 4,
    intervalMs: options.intervalMs ?? 60_000,
    observer: { probed: (key) => probed.push(key) },
  });
  const changes: Array<[string, HealthResult['state'], string | undefined]> = [];
  checker.onChange((key, r) => changes.push([key, r.state, r.reason]));
  return { clock, prober, checker, changes, probed };
}

const entry = (port: number, s: Partial<ProbeSettings> = {}, t: Partial<ProbeTarget> = {}) => ({ target: target(port, t), settings: settings(s) });

test('nothing is probed before start; start checks every target at once', async (t) => {
  const { checker, prober } = setup();
  checker.set([entry(1), entry(2)]);
  t.deepEqual(prober.calls, []);
  t.is(checker.get('test/svc-1'), undefined);
  checker.start();
  await checker.whenIdle();
  t.deepEqual(prober.calls.sort(), ['test/svc-1', 'test/svc-2']);
  t.is(checker.get('test/svc-1')?.state, 'healthy');
  t.deepEqual([...checker.snapshot().keys()].sort(), ['test/svc-1', 'test/svc-2']);
  await checker.stop();
});

test('targets are re-checked every interval (a little less, by a stable per-key jitter)', async (t) => {
  const { checker, prober, clock, probed } = setup({ intervalMs: 10_000 });
  checker.set([entry(1)]);
  checker.start();
  await checker.whenIdle();
  t.is(prober.calls.length, 1);
  await clock.advance(8_999); // jitter shortens the period by at most 10 %
  t.is(prober.calls.length, 1);
  await clock.advance(1_001);
  await checker.whenIdle();
  t.is(prober.calls.length, 2);
  await clock.advance(10_000);
  await checker.whenIdle();
  t.is(prober.calls.length, 3);
  t.is(probed.length, 3, 'the observer sees every probe');
  await checker.stop();
  t.is(clock.pending(), 0, 'stop leaves no timer behind');
});

test('listeners hear about a change of state or reason, not about identical re-checks', async (t) => {
  const { checker, prober, clock, changes } = setup({ intervalMs: 1_000 });
  checker.set([entry(1)]);
  checker.start();
  await checker.whenIdle();
  for (let i = 0; i < 3; i++) await clock.advance(1_000);
  await checker.whenIdle();
  t.true(prober.calls.length >= 4);
  t.deepEqual(changes, [['test/svc-1', 'healthy', undefined]]);

  prober.answers.set('test/svc-1', { state: 'unhealthy', reason: 'HTTP 503', status: 503 });
  await checker.checkNow();
  await checker.checkNow(['test/svc-1']);
  prober.answers.set('test/svc-1', { state: 'unhealthy', reason: 'connection refused' });
  await checker.checkNow();
  prober.answers.set('test/svc-1', { state: 'healthy' });
  await clock.advance(1_000);
  await checker.whenIdle();
  t.deepEqual(changes, [
    ['test/svc-1', 'healthy', undefined],
    ['test/svc-1', 'unhealthy', 'HTTP 503'],
    ['test/svc-1', 'unhealthy', 'connection refused'],
    ['test/svc-1', 'healthy', undefined],
  ]);
  await checker.stop();
});

test('set() is level-triggered: missing keys are forgotten and never probed again', async (t) => {
  const { checker, prober, clock } = setup({ intervalMs: 1_000 });
  checker.set([entry(1), entry(2)]);
  checker.start();
  await checker.whenIdle();
  checker.set([entry(1)]);
  t.is(checker.get('test/svc-2'), undefined);
  t.false(checker.snapshot().has('test/svc-2'));
  const before = prober.calls.length;
  await clock.advance(5_000);
  await checker.whenIdle();
  t.false(prober.calls.slice(before).includes('test/svc-2'));
  t.true(prober.calls.slice(before).includes('test/svc-1'));
  await checker.stop();
});

test('an unchanged target keeps its result and schedule; a changed one is reset and checked at once', async (t) => {
  const { checker, prober, changes } = setup();
  checker.set([entry(1)]);
  checker.start();
  await checker.whenIdle();
  checker.set([entry(1)]);
  t.is(prober.calls.length, 1, 'the same target again is not re-probed');
  t.is(checker.get('test/svc-1')?.state, 'healthy');

  prober.hold = new Promise(() => undefined); // the next probe will not finish on its own
  checker.set([entry(1, {}, { healthPath: '/ready' })]);
  t.is(checker.get('test/svc-1'), undefined, 'a changed health path invalidates the old result');
  await new Promise((r) => setImmediate(r));
  t.is(prober.calls.length, 2);
  prober.hold = undefined;
  checker.set([entry(1, { timeoutMs: 500 }, { healthPath: '/ready' })]); // settings count too; the held probe is aborted
  await checker.whenIdle();
  t.is(prober.calls.length, 3);
  t.is(checker.get('test/svc-1')?.state, 'healthy');
  t.is(changes.length, 2, 'the replaced target\'s first result is announced again; the aborted probe is not');
  await checker.stop();
});

test('enabled: false publishes "unchecked" without probing', async (t) => {
  const { checker, prober, clock, changes } = setup({ intervalMs: 1_000 });
  checker.set([entry(1, { enabled: false })]);
  checker.start();
  await checker.checkNow();
  await clock.advance(10_000);
  t.deepEqual(prober.calls, []);
  t.like(checker.get('test/svc-1'), { state: 'unchecked', via: 'none', latencyMs: 0 });
  t.deepEqual(changes.map(([, s]) => s), ['unchecked']);
  t.is(clock.pending(), 0);
  // Turning checks on probes at once.
  checker.set([entry(1)]);
  await checker.whenIdle();
  t.deepEqual(prober.calls, ['test/svc-1']);
  t.is(checker.get('test/svc-1')?.state, 'healthy');
  await checker.stop();
});

test('never more probes in flight than the concurrency', async (t) => {
  const { checker, prober } = setup({ concurrency: 2 });
  let release!: () => void;
  prober.hold = new Promise<void>((r) => (release = r));
  checker.set(Array.from({ length: 6 }, (_, i) => entry(i + 1)));
  checker.start();
  await new Promise((r) => setImmediate(r));
  t.is(prober.inFlight, 2);
  release();
  await checker.whenIdle();
  t.is(prober.maxInFlight, 2);
  t.is(prober.calls.length, 6);
  t.is(checker.snapshot().size, 6);
  await checker.stop();
});

test('checkNow during a running probe runs one more check after it and waits for it', async (t) => {
  const { checker, prober } = setup();
  let release!: () => void;
  prober.hold = new Promise<void>((r) => (release = r));
  checker.set([entry(1)]);
  checker.start();
  await new Promise((r) => setImmediate(r));
  prober.answers.set('test/svc-1', { state: 'unhealthy', reason: 'HTTP 500', status: 500 });
  const now = checker.checkNow(['test/svc-1', 'test/unknown']);
  prober.hold = undefined;
  release();
  await now;
  t.is(prober.calls.length, 2);
  t.is(checker.get('test/svc-1')?.reason, 'HTTP 500');
  await checker.stop();
});

test('stop() aborts probes in flight and keeps the results it had', async (t) => {
  const { checker, prober, clock } = setup({ intervalMs: 1_000 });
  checker.set([entry(1)]);
  checker.start();
  await checker.whenIdle();
  prober.hold = new Promise(() => undefined);
  await clock.advance(1_000);
  t.is(prober.inFlight, 1);
  await checker.stop();
  t.is(prober.inFlight, 0);
  t.is(checker.get('test/svc-1')?.state, 'healthy');
  t.is(clock.pending(), 0);
  await checker.checkNow();
  t.is(prober.calls.length, 2, 'a stopped checker probes nothing');
});

test('a prober that throws yields an unhealthy result, and a throwing listener stops nothing', async (t) => {
  const clock = new FakeClock();
  const failures: unknown[] = [];
  const checker = new HealthChecker({
    prober: { via: 'direct', probe: () => Promise.reject(new Error('boom')) },
    clock,
    observer: { listenerFailed: (_k, err) => failures.push(err) },
  });
  const seen: string[] = [];
  checker.onChange(() => {
    throw new Error('listener bug');
  });
  checker.onChange((key) => seen.push(key));
  checker.set([entry(1)]);
  checker.start();
  await checker.whenIdle();
  t.like(checker.get('test/svc-1'), { state: 'unhealthy', reason: 'probe failed: boom', via: 'direct' });
  t.deepEqual(seen, ['test/svc-1']);
  t.is(failures.length, 1);
  await checker.stop();
});
