// Hostile plugins that burn CPU: endless loops (everywhere, or for one Service), deep recursion, endless Promise
// callbacks, catastrophic regular expressions. Each is stopped at its time limit, reported under its name, and
// quarantined when it keeps failing; the built-ins answer exactly as without it.
//
// Serial: the time limits are wall-clock, so these cases do not compete with each other for the CPU.
import test from 'ava';
import type { PluginFailure, PluginObserver } from '../../core/src/sandbox/plugin.js';
import { ALL_KEYS, KEYS, LIMITS, assertContained, assertStep, baseline, daemon, runHostile } from './helpers.js';

test.before(async () => {
  await baseline();
});

test.serial('an infinite loop in detect times out per Service, is quarantined after three, and hands every Service on', async (t) => {
  const run = await runHostile(['loop']);
  await assertContained(t, run);
  const first = ALL_KEYS.slice(0, LIMITS.quarantineAfter);
  for (const key of first) assertStep(t, run, 'loop', key, 'failed', 'timeout', /time limit/);
  for (const key of ALL_KEYS.slice(LIMITS.quarantineAfter)) assertStep(t, run, 'loop', key, 'failed', 'quarantined', /quarantined/);
  const info = run.plugin('loop');
  t.is(info.status, 'active');
  t.is(info.stats?.failures, LIMITS.quarantineAfter);
  t.true(info.stats?.quarantined);
  t.is(info.stats?.lastError?.kind, 'timeout');
  t.is(info.stats?.lastError?.service, first.at(-1), 'the failure is blamed on the Service being examined');
});

test.serial('a loop for one Service fails only that Service; the plugin answers every other one', async (t) => {
  const run = await runHostile(['loop-one']);
  await assertContained(t, run);
  assertStep(t, run, 'loop-one', KEYS.loki, 'failed', 'timeout', /time limit/);
  for (const key of ALL_KEYS.filter((k) => k !== KEYS.loki)) t.deepEqual(run.step('loop-one', key), { detector: 'loop-one', outcome: 'none' }, key);
  const info = run.plugin('loop-one');
  t.is(info.stats?.failures, 1);
  t.false(info.stats?.quarantined);
  t.is(info.stats?.lastError?.service, KEYS.loki);
});

test.serial('deep recursion is a RangeError thrown inside the isolate, counted per Service', async (t) => {
  // A stack overflow costs a few ms of real work each; a roomy limit keeps this about the error, not the clock.
  const run = await runHostile(['recursion'], { limits: { ...LIMITS, callBaseMs: 2000 } });
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'recursion', key, 'failed', 'thrown', /RangeError: Maximum call stack size exceeded/);
  const info = run.plugin('recursion');
  t.is(info.stats?.failures, ALL_KEYS.length);
  t.true(info.stats?.quarantined);
  t.is(info.stats?.lastError?.kind, 'thrown');
});

test.serial('a microtask loop scheduled from detect is bounded by the call time limit and fails the call once', async (t) => {
  const run = await runHostile(['microtask-loop']);
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'microtask-loop', key, 'failed', 'timeout', /after detect\(\) had returned for every Service: asynchronous work/);
  const info = run.plugin('microtask-loop');
  t.is(info.stats?.failures, 1, 'one failed call, not one per Service');
  t.is(info.stats?.lastError?.kind, 'timeout');
  t.is(info.stats?.lastError?.service, undefined, 'no Service is wrongly blamed');
});

test.serial('an endless chain of Promise callbacks from one Service, and an async detect looping after await, are stopped the same way', async (t) => {
  const run = await runHostile(['microtask-chain', 'async-loop']);
  await assertContained(t, run);
  for (const name of ['microtask-chain', 'async-loop']) {
    for (const key of ALL_KEYS) assertStep(t, run, name, key, 'failed', 'timeout', /asynchronous work/);
    t.is(run.plugin(name).stats?.failures, 1, name);
  }
});

test.serial('a plugin whose detect calls keep timing out in Promise callbacks is quarantined across rounds', async (t) => {
  const d = await daemon(['microtask-loop']);
  try {
    for (let round = 1; round <= LIMITS.quarantineAfter; round++) await d.detect();
    const stats = d.info('microtask-loop').stats!;
    t.is(stats.failures, LIMITS.quarantineAfter);
    t.true(stats.quarantined);
    const started = Date.now();
    const results = await d.detect();
    t.true(Date.now() - started < 2000, 'a quarantined plugin costs (next to) nothing');
    for (const r of results) t.like(r.trace[0], { detector: 'microtask-loop', outcome: 'failed', errorType: 'quarantined' });
    t.deepEqual(
      results.map((r) => r.detected?.endpoint.url ?? null),
      (await baseline()).results.map((r) => r.detected?.endpoint.url ?? null),
    );
  } finally {
    await d.stop();
  }
});

test.serial('catastrophic regex backtracking is interrupted at the time limit', async (t) => {
  const run = await runHostile(['regex-backtrack']);
  await assertContained(t, run);
  for (const key of ALL_KEYS.slice(0, LIMITS.quarantineAfter)) assertStep(t, run, 'regex-backtrack', key, 'failed', 'timeout');
  t.true(run.plugin('regex-backtrack').stats?.quarantined);
});

test.serial('every failed call and the quarantine are reported to the observer (logs, metrics) with the plugin name', async (t) => {
  const failures: PluginFailure[] = [];
  const quarantined: Array<[string, string]> = [];
  const calls: Array<[string, string, boolean]> = [];
  const observer: PluginObserver = {
    failure: (f) => failures.push(f),
    quarantined: (plugin, reason) => quarantined.push([plugin, reason]),
    call: (plugin, op, _seconds, ok) => calls.push([plugin, op, ok]),
  };
  const d = await daemon(['loop-one', 'loop'], { observer });
  try {
    await d.detect();
  } finally {
    await d.stop();
  }
  // The two plugins run concurrently, each on its own isolate: each failure under its own name, in its order.
  const of = (name: string) => failures.filter((f) => f.plugin === name).map((f) => [f.kind, f.service]);
  t.deepEqual(of('loop-one'), [['timeout', KEYS.loki]]);
  t.deepEqual(of('loop'), ALL_KEYS.slice(0, LIMITS.quarantineAfter).map((k) => ['timeout', k]));
  t.is(failures.length, 1 + LIMITS.quarantineAfter);
  t.deepEqual(quarantined.map(([p]) => p), ['loop']);
  t.regex(quarantined[0]?.[1] ?? '', /^3 consecutive failures, last: timeout: exceeded its time limit/);
  t.true(calls.some(([p, op, ok]) => p === 'loop' && op === 'detect' && !ok));
  t.false(calls.some(([p, , ok]) => !ok && p !== 'loop' && p !== 'loop-one'), 'no built-in call failed');
});

test.serial('a plugin that once ran out its time never runs on the daemon thread again: the event loop turns during its calls', async (t) => {
  const d = await daemon(['loop-one']);
  try {
    t.true(d.info('loop-one').stats?.syncCalls, 'a fresh plugin may run small batches on the daemon thread');
    await d.detect(); // loops on loki until the time limit: this one call may hold the daemon thread up
    t.false(d.info('loop-one').stats?.syncCalls, 'the timeout took that away');
    t.regex(d.info('loop-one').stats?.syncCallsLost ?? '', /^timeout: /);
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 10);
    try {
      const results = await d.detect(); // loops again, now on an isolate thread
      t.like(results.find((r) => r.key === KEYS.loki)?.trace[0], { detector: 'loop-one', outcome: 'failed', errorType: 'timeout' });
    } finally {
      clearInterval(timer);
    }
    t.true(ticks >= 5, `timers kept firing while the plugin looped for ${LIMITS.callBaseMs} ms (${ticks} ticks)`);
  } finally {
    await d.stop();
  }
});

test.serial('a slow plugin (no failure, 100 ms on one Service) runs on the daemon thread once at most, then on isolate threads', async (t) => {
  const d = await daemon(['slow']);
  try {
    await d.detect(); // 100 ms: inside its time limit, slower than the daemon thread allows
    t.false(d.info('slow').stats?.syncCalls, 'moved off the daemon thread');
    t.regex(d.info('slow').stats?.syncCallsLost ?? '', /^a call took \d+ ms of CPU \(more than 50 ms\)$/);
    t.is(d.info('slow').stats?.failures, 0, 'being slow is not a failure');
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 10);
    try {
      await d.detect();
    } finally {
      clearInterval(timer);
    }
    t.true(ticks >= 4, `timers kept firing during its 100 ms of work (${ticks} ticks)`);
  } finally {
    await d.stop();
  }
});
