// Hostile plugins that answer garbage: throws (Errors, other values, a thrown value whose getters throw),
// Promises, getter traps and Proxies on the answer, functions, Symbols, BigInts, cycles, NaN/Infinity, a huge
// answer, wrongly typed fields and unknown keys, a port the Service lacks, a UDP port. Each answer becomes
// "not mine" with a reason under the plugin's name, and the next detector gets the Service.
import test from 'ava';
import { ALL_KEYS, CHECKOUT_URL, KEYS, LIMITS, assertContained, assertStep, baseline, runHostile } from './helpers.js';

test.before(async () => {
  await baseline();
});

test('a throwing detect fails each Service with the Error, and is quarantined', async (t) => {
  const run = await runHostile(['throw-error']);
  await assertContained(t, run);
  assertStep(t, run, 'throw-error', KEYS.grafana, 'failed', 'thrown', /^Error: boom on kube-prometheus-stack-grafana$/);
  for (const key of ALL_KEYS) assertStep(t, run, 'throw-error', key, 'failed', 'thrown', /^Error: boom on /);
  const info = run.plugin('throw-error');
  t.is(info.stats?.failures, ALL_KEYS.length);
  t.true(info.stats?.quarantined);
  t.like(info.stats?.lastError, { kind: 'thrown', service: KEYS.checkout });
});

test('throwing non-Error values is described, whatever the value', async (t) => {
  const run = await runHostile(['throw-values']);
  await assertContained(t, run);
  assertStep(t, run, 'throw-values', KEYS.prometheus, 'failed', 'thrown', /^threw a non-Error value: a plain string$/);
  assertStep(t, run, 'throw-values', KEYS.grafana, 'failed', 'thrown', /^threw a non-Error value: 42$/);
  assertStep(t, run, 'throw-values', KEYS.loki, 'failed', 'thrown', /^threw a non-Error value: null$/);
  assertStep(t, run, 'throw-values', KEYS.ledger, 'failed', 'thrown', /^threw a non-Error value: \[object Object\]$/);
  assertStep(t, run, 'throw-values', KEYS.checkout, 'failed', 'thrown', /^threw a non-Error value: Symbol\(thrown\)$/);
});

test('a thrown value whose message getter throws is still contained and reported', async (t) => {
  const run = await runHostile(['throw-getter']);
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'throw-getter', key, 'failed', 'thrown', /^threw a value that cannot be described$/);
});

test('returning a Promise (pending or resolved) is a bad result: detect must be synchronous', async (t) => {
  const run = await runHostile(['promise-pending', 'promise-resolved']);
  await assertContained(t, run);
  for (const name of ['promise-pending', 'promise-resolved']) {
    for (const key of ALL_KEYS) assertStep(t, run, name, key, 'rejected', 'bad-result', /detect returned a Promise; detect must be synchronous/);
    t.true(run.plugin(name).stats?.quarantined, name);
  }
});

test.serial('a looping getter on the answer times out while the answer is read, blamed on that Service', async (t) => {
  const run = await runHostile(['getter-loop']);
  await assertContained(t, run);
  for (const key of ALL_KEYS.slice(0, LIMITS.quarantineAfter)) assertStep(t, run, 'getter-loop', key, 'failed', 'timeout', /time limit/);
  t.true(run.plugin('getter-loop').stats?.quarantined);
});

test('a throwing getter on the answer is a thrown failure with the getter message', async (t) => {
  const run = await runHostile(['getter-throw']);
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'getter-throw', key, 'failed', 'thrown', /^Error: port trap$/);
});

test('a Proxy answer is only ever data to the host: trapped Proxies fail, a well-behaved one is accepted as plain data', async (t) => {
  const run = await runHostile(['proxy-answer']);
  await assertContained(t, run);
  for (const key of ALL_KEYS.filter((k) => k !== KEYS.checkout)) assertStep(t, run, 'proxy-answer', key, 'failed', 'thrown', /trap/);
  t.deepEqual(run.records('proxy-answer'), [
    { namespace: 'shop', name: 'checkout', type: 'hostile', detector: 'proxy-answer', endpoint: `${CHECKOUT_URL}/through-a-proxy`, healthPath: null },
  ]);
});

test('returning a function, a Symbol, a BigInt, Infinity, an array or a string is a bad result', async (t) => {
  const run = await runHostile(['returns-function', 'returns-primitive']);
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'returns-function', key, 'rejected', 'bad-result', /^detect must return an object or null, got a function$/);
  assertStep(t, run, 'returns-primitive', KEYS.prometheus, 'rejected', 'bad-result', /got a symbol$/);
  assertStep(t, run, 'returns-primitive', KEYS.grafana, 'rejected', 'bad-result', /got a bigint$/);
  assertStep(t, run, 'returns-primitive', KEYS.loki, 'rejected', 'bad-result', /got a number$/);
  assertStep(t, run, 'returns-primitive', KEYS.ledger, 'rejected', 'bad-result', /got an array$/);
  assertStep(t, run, 'returns-primitive', KEYS.checkout, 'rejected', 'bad-result', /got a string$/);
  t.true(run.plugin('returns-primitive').stats?.quarantined);
});

test('answers containing a function, a Symbol, a BigInt, a cycle or NaN are refused, saying where', async (t) => {
  const run = await runHostile(['returns-unserialisable']);
  await assertContained(t, run);
  const name = 'returns-unserialisable';
  assertStep(t, run, name, KEYS.prometheus, 'rejected', 'bad-result', /^detection contains a function at key "path"$/);
  assertStep(t, run, name, KEYS.grafana, 'rejected', 'bad-result', /^detection contains a symbol at key "type"$/);
  assertStep(t, run, name, KEYS.loki, 'rejected', 'bad-result', /^detection contains a BigInt at key "port"$/);
  assertStep(t, run, name, KEYS.ledger, 'rejected', 'bad-result', /^detection contains a cycle$/);
  assertStep(t, run, name, KEYS.checkout, 'rejected', 'bad-result', /^detection contains a non-finite number at key "port"$/);
  t.like(run.plugin(name).stats, { failures: ALL_KEYS.length, quarantined: true, lastError: { kind: 'bad-result' } });
});

test('a multi-megabyte answer is refused as too large inside the isolate', async (t) => {
  const run = await runHostile(['returns-huge'], { limits: { ...LIMITS, callBaseMs: 2000 } });
  await assertContained(t, run);
  for (const key of ALL_KEYS) assertStep(t, run, 'returns-huge', key, 'rejected', 'bad-result', /^detection is too large \(\d+ bytes of JSON, limit 16384\)$/);
});

test('wrongly typed fields and unknown keys are refused by the host validation', async (t) => {
  const run = await runHostile(['wrong-types']);
  await assertContained(t, run);
  assertStep(t, run, 'wrong-types', KEYS.prometheus, 'rejected', 'bad-result', /^answer rejected: port: /);
  assertStep(t, run, 'wrong-types', KEYS.grafana, 'rejected', 'bad-result', /^answer rejected: scheme: /);
  assertStep(t, run, 'wrong-types', KEYS.loki, 'rejected', 'bad-result', /^answer rejected: path: must start with "\/"/);
  assertStep(t, run, 'wrong-types', KEYS.ledger, 'rejected', 'bad-result', /^answer rejected: type: must be a lower-case DNS label/);
  assertStep(t, run, 'wrong-types', KEYS.checkout, 'rejected', 'bad-result', /^answer rejected: .*(admin|token)/);
  t.like(run.plugin('wrong-types').stats, { failures: ALL_KEYS.length, quarantined: true });
});

test('a port the Service does not have, and a UDP port, are refused when the endpoint is resolved', async (t) => {
  const run = await runHostile(['wrong-port', 'udp-port']);
  await assertContained(t, run);
  assertStep(t, run, 'wrong-port', KEYS.checkout, 'rejected', 'bad-result', /^port 9999 is not a port of the Service \(ports: http:8080\/TCP, statsd:8125\/UDP\)$/);
  assertStep(t, run, 'udp-port', KEYS.checkout, 'rejected', 'bad-result', /^port "statsd" is UDP; an HTTP API needs a TCP port$/);
  t.deepEqual(run.records('wrong-port'), []);
  t.deepEqual(run.records('udp-port'), []);
});
