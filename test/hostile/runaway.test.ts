// Plugin code that isolated-vm 5.0.4 would run where no time limit applies: a thrown or rejected value it copies
// after the call (getters, Proxy traps), Error.prepareStackTrace, callbacks V8 runs later as tasks
// (FinalizationRegistry, Atomics.waitAsync, WebAssembly's async compile). Before the harness kept them away, each
// of these hung the daemon for good (a thread spinning forever, even past isolate.dispose(), and the process
// could no longer exit) or aborted it. Every run here must come back in bounded time.
//
// Serial: the time limits are wall-clock.
import test from 'ava';
import { ALL_KEYS, KEYS, LIMITS, assertContained, assertStep, baseline, runHostile } from './helpers.js';
import type { HostileRun } from './helpers.js';

test.before(async () => {
  await baseline();
});

/** A regression here would hang forever; fail fast and clearly instead. */
async function bounded(names: string[], ms = 15_000): Promise<HostileRun> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`detection with ${names.join(', ')} did not return within ${ms} ms: plugin code is running outside its time limit`)), ms);
  });
  try {
    return await Promise.race([runHostile(names), hang]);
  } finally {
    clearTimeout(timer);
  }
}

test.serial('unhandled rejections with trapped reasons neither hang the call nor fail it', async (t) => {
  const run = await bounded(['stray-rejection']);
  await assertContained(t, run);
  for (const key of ALL_KEYS) t.deepEqual(run.step('stray-rejection', key), { detector: 'stray-rejection', outcome: 'none' }, key);
  t.like(run.plugin('stray-rejection').stats, { failures: 0 });
});

test.serial('an async detect rejecting with a trapped Proxy is a bad result, promptly', async (t) => {
  const run = await bounded(['async-throw-proxy']);
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'async-throw-proxy', key, 'rejected', 'bad-result', /detect returned a Promise/);
});

test.serial('top-level code throwing a trapped Proxy fails the load at the load time limit', async (t) => {
  const run = await bounded(['top-throw-proxy']);
  await assertContained(t, run);
  const info = run.plugin('top-throw-proxy');
  t.is(info.status, 'failed');
  t.regex(info.lastError ?? '', /^bundle failed while loading: exceeded its time limit/);
});

test.serial('top-level code leaving a trapped rejection behind still loads and runs', async (t) => {
  const run = await bounded(['top-reject-proxy']);
  await assertContained(t, run);
  t.like(run.plugin('top-reject-proxy'), { status: 'active', stats: { failures: 0 } });
});

test.serial('a detector definition whose name getter throws a looping error fails the load', async (t) => {
  const run = await bounded(['manifest-trap']);
  await assertContained(t, run);
  const info = run.plugin('manifest-trap');
  t.is(info.status, 'failed');
  t.regex(info.lastError ?? '', /^reading the detector definition failed: exceeded its time limit/);
});

test.serial('a looping Error.prepareStackTrace never runs: errors are described without formatting stacks', async (t) => {
  const run = await bounded(['prepare-stack']);
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'prepare-stack', key, 'failed', 'thrown', /^Error: with a trapped stack$/);
});

test.serial('a thrown value with a looping message getter times out on its own Service only', async (t) => {
  const run = await bounded(['thrown-loopy-message']);
  await assertContained(t, run);
  assertStep(t, run, 'thrown-loopy-message', KEYS.checkout, 'failed', 'timeout', /time limit/);
  for (const key of ALL_KEYS.filter((k) => k !== KEYS.checkout)) t.deepEqual(run.step('thrown-loopy-message', key), { detector: 'thrown-loopy-message', outcome: 'none' });
  t.like(run.plugin('thrown-loopy-message').stats, { failures: 1, quarantined: false, lastError: { kind: 'timeout', service: KEYS.checkout } });
});

test.serial('FinalizationRegistry, Atomics.waitAsync and WebAssembly.compile are not there to schedule untimed callbacks', async (t) => {
  const run = await bounded(['deferred-apis']);
  await assertContained(t, run);
  assertStep(t, run, 'deferred-apis', KEYS.prometheus, 'failed', 'thrown', /^ReferenceError: FinalizationRegistry is not defined$/);
  assertStep(t, run, 'deferred-apis', KEYS.grafana, 'failed', 'thrown', /^ReferenceError: SharedArrayBuffer is not defined$/);
  assertStep(t, run, 'deferred-apis', KEYS.loki, 'failed', 'thrown', /^ReferenceError: WebAssembly is not defined$/);
  t.true(run.plugin('deferred-apis').stats?.quarantined, `${LIMITS.quarantineAfter} failures in a row`);
});
