// Hostile plugins that exhaust memory: the JS heap (the isolate is killed at its limit and re-created for the
// next call), ArrayBuffers (refused by the isolate's allocator), strings (V8's length limit), memory at load,
// and WebAssembly memory (outside the heap limit: the sandbox removes WebAssembly). The host's own memory stays
// bounded; the built-ins answer exactly as without them.
//
// Serial, with a roomy call time limit: these cases are about the memory limit, not the clock. Roomy means far
// beyond what filling a 22 MiB heap takes even on a busy machine (3 s was not: a starved bomb hit the time
// limit first and failed as 'timeout'); a memory limit that did not hold would still show, as 'timeout'.
import test from 'ava';
import { ALL_KEYS, LIMITS, assertContained, assertStep, baseline, daemon, runHostile } from './helpers.js';

const ROOMY = { ...LIMITS, callBaseMs: 30_000 };

test.before(async () => {
  await baseline();
});

test.serial('a memory bomb in detect is killed at the isolate heap limit; the whole call fails as "memory"', async (t) => {
  const rssBefore = process.memoryUsage().rss;
  const run = await runHostile(['memory-bomb'], { limits: ROOMY });
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'memory-bomb', key, 'failed', 'memory', /memory limit/);
  const info = run.plugin('memory-bomb');
  t.is(info.stats?.failures, 1);
  t.is(info.stats?.lastError?.kind, 'memory');
  t.true(process.memoryUsage().rss - rssBefore < 256 * 1024 * 1024, 'the host did not absorb the bomb');
});

test.serial('repeated memory kills re-create the isolate from its bundle, then quarantine the plugin', async (t) => {
  const d = await daemon(['memory-bomb'], { limits: ROOMY });
  try {
    const expected = (await baseline()).results.map((r) => r.detected?.endpoint.url ?? null);
    for (let round = 1; round <= LIMITS.quarantineAfter; round++) {
      const results = await d.detect();
      t.deepEqual(
        results.map((r) => r.detected?.endpoint.url ?? null),
        expected,
        `round ${round}: every other detector keeps working`,
      );
    }
    const stats = d.info('memory-bomb').stats!;
    t.is(stats.failures, LIMITS.quarantineAfter);
    t.is(stats.restarts, LIMITS.quarantineAfter - 1, 'a fresh isolate for each call after a kill');
    t.true(stats.quarantined);
    t.is(stats.lastError?.kind, 'memory');
  } finally {
    await d.stop();
  }
});

test.serial('an ArrayBuffer bomb is refused by the isolate allocator and reported as a memory failure', async (t) => {
  const run = await runHostile(['buffer-bomb'], { limits: ROOMY });
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'buffer-bomb', key, 'failed', 'memory', /Array buffer allocation failed/);
  t.true(run.plugin('buffer-bomb').stats?.quarantined);
});

test.serial('string doubling stops at V8 string length limit, thrown inside the isolate', async (t) => {
  const run = await runHostile(['string-bomb'], { limits: ROOMY });
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'string-bomb', key, 'failed', 'thrown', /RangeError: Invalid string length/);
});

test.serial('a memory bomb at load time fails the load, by file name, and nothing else', async (t) => {
  const run = await runHostile(['memory-bomb-load'], { limits: { ...ROOMY, loadTimeoutMs: 30_000 } });
  await assertContained(t, run);
  const info = run.plugin('memory-bomb-load');
  t.is(info.status, 'failed');
  t.regex(info.lastError ?? '', /bundle failed while loading: exceeded its memory limit/);
  t.is(info.stats, undefined, 'never became a detector');
});

test.serial('WebAssembly (whose memory is outside the heap limit) is not available to plugins', async (t) => {
  const rssBefore = process.memoryUsage().rss;
  const run = await runHostile(['wasm-memory'], { limits: ROOMY });
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'wasm-memory', key, 'failed', 'thrown', /ReferenceError: WebAssembly is not defined/);
  t.true(process.memoryUsage().rss - rssBefore < 256 * 1024 * 1024);
});
