// Plugins that try to reach the host: process, require, the Function constructor, the realm's global, dynamic
// import, eval, timers, network and other host globals; prototype pollution of their own realm; rewriting their
// input to read other namespaces. Probes report what they see as the path of their detection of checkout, so
// the test asserts exactly what the sandbox exposes.
import test from 'ava';
import { ALL_KEYS, CHECKOUT_URL, KEYS, assertContained, baseline, runHostile } from './helpers.js';
import type { HostileRun } from './helpers.js';

test.before(async () => {
  await baseline();
});

/** The probe claimed checkout (it ran first), and only checkout; returns the path it reported. */
function probePath(t: import('ava').ExecutionContext, run: HostileRun, name: string): string {
  const records = run.records(name);
  t.is(records.length, 1, `${name} claimed checkout and nothing else`);
  t.like(records[0], { namespace: 'shop', name: 'checkout', detector: name });
  const endpoint = records[0]?.endpoint ?? '';
  t.true(endpoint.startsWith(CHECKOUT_URL), endpoint);
  t.like(run.plugin(name).stats, { failures: 0, quarantined: false });
  return endpoint.slice(CHECKOUT_URL.length);
}

const PROBES: Array<[string, string]> = [
  ['probe-process', '/process-undefined/globalThis-process-undefined'],
  ['probe-require', '/require-undefined/module-undefined/globalThis-require-undefined/shim-threw-Error'],
  ['probe-function-constructor', '/global-threw-ReferenceError/service-threw-ReferenceError/context-threw-ReferenceError'],
  ['probe-function-this', '/sandbox-global/process-undefined/require-undefined'],
  ['probe-eval', '/eval-42/process-undefined/require-undefined'],
  [
    'probe-globals',
    '/setTimeout-undefined/setInterval-undefined/setImmediate-undefined/queueMicrotask-undefined/fetch-undefined' +
      '/XMLHttpRequest-undefined/WebSocket-undefined/WebAssembly-undefined/FinalizationRegistry-undefined' +
      '/Atomics-undefined/SharedArrayBuffer-undefined/global-undefined/Buffer-undefined/gc-undefined',
  ],
];

for (const [name, expected] of PROBES) {
  test(`${name}: the sandbox exposes nothing of the host`, async (t) => {
    const run = await runHostile([name]);
    await assertContained(t, run);
    t.is(probePath(t, run, name), expected);
  });
}

test('dynamic import() loads nothing: the promise rejects inside the isolate', async (t) => {
  const run = await runHostile(['probe-import']);
  await assertContained(t, run);
  t.regex(probePath(t, run, 'probe-import'), /^\/import-rejected-\w*Error$/);
});

test('prototype pollution of its own realm reaches neither the host nor the harness protocol', async (t) => {
  const run = await runHostile(['pollute-tojson', 'pollute']);
  await assertContained(t, run);
  // Despite replaced JSON, Array.prototype.push, Object.freeze, Reflect.apply, Promise.reject…, the answer came through.
  t.deepEqual(run.records('pollute'), [
    { namespace: 'shop', name: 'checkout', type: 'hostile', detector: 'pollute', endpoint: `${CHECKOUT_URL}/polluted-realm`, healthPath: null },
  ]);
  t.like(run.plugin('pollute').stats, { failures: 0 });
  // toJSON on Object.prototype and a trapped Array index setter spoil no envelope either: five clean "not mine".
  for (const key of ALL_KEYS) t.deepEqual(run.step('pollute-tojson', key), { detector: 'pollute-tojson', outcome: 'none' }, key);
  t.like(run.plugin('pollute-tojson').stats, { failures: 0 });
});

test('another plugin running next to a polluter sees a clean realm', async (t) => {
  const run = await runHostile(['realm-check', 'pollute', 'pollute-tojson']);
  await assertContained(t, run);
  t.is(probePath(t, run, 'realm-check'), '/realm-clean');
});

test('rewriting its copy of the Service does not reveal another namespace; siblings and config are frozen', async (t) => {
  const run = await runHostile(['siblings-escape']);
  await assertContained(t, run);
  // checkout is alone in its namespace: the plugin must see no siblings, not payments' ledger-api.
  t.is(probePath(t, run, 'siblings-escape'), '/siblings-0/frozen');
  t.true(run.report.results.find((r) => r.key === KEYS.checkout)?.usedSiblings);
});
