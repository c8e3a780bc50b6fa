// A watch that goes silent without closing (issue 12: during a deletion burst, ~200 deletions stayed in the
// ConfigMap until a 120 s stale timer fired). The informer's progress check finds the changes the server has and the
// watch did not deliver, and restarts the watch from its resourceVersion within seconds: nothing is lost and nothing
// is delivered twice. Against the API emulator through the real client.
import test from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import type { ServiceView } from '@kubernaut/toolset-sdk';
import { startEmulator } from '../../core/src/emulator/index.js';
import type { Emulator, EmulatorOptions } from '../../core/src/emulator/index.js';
import { Informer } from '../../core/src/discovery/informer.js';
import type { InformerOptions } from '../../core/src/discovery/informer.js';
import { serviceSource } from '../../core/src/discovery/kube-source.js';
import { serviceKey, toServiceView } from '../../core/src/detection/view.js';
import { eventually, service } from '../helpers/bundles.js';

type Timing = Pick<InformerOptions<ServiceView>, 'staleAfterMs' | 'probeAfterMs' | 'probeMaxMs' | 'probeGraceMs'>;

async function setup(t: import('ava').ExecutionContext, timing: Timing, emuOptions: EmulatorOptions = {}) {
  const emu: Emulator = await startEmulator(emuOptions);
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  const warnings: string[] = [];
  const informer = new Informer<ServiceView>({
    source: serviceSource(kc, { watchTimeoutSeconds: 600 }),
    project: (raw) => toServiceView(raw),
    keyOf: serviceKey,
    backoff: { baseMs: 20, maxMs: 200 },
    relistIntervalMs: 0,
    log: { warn: (m) => warnings.push(m), info: () => undefined },
    ...timing,
  });
  // Every key each change notification names, in order: a key named twice for one change was delivered twice.
  const changed: string[] = [];
  informer.onChange((keys) => changed.push(...keys));
  t.teardown(async () => {
    informer.stop();
    await emu.stop();
  });
  return { emu, informer, changed, warnings };
}

const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', namespace: 'burst', name });
const times = (xs: readonly string[], x: string) => xs.filter((k) => k === x).length;

test('a watch that goes silent mid-burst is restarted within seconds, losing and repeating nothing', async (t) => {
  // The stale timer is out of the picture (10 minutes): only the progress check can find the dead watch.
  const { emu, informer, changed, warnings } = await setup(t, { staleAfterMs: 600_000, probeAfterMs: 300, probeGraceMs: 300 });
  for (let i = 0; i < 60; i++) emu.create(service(`s${i}`, 'burst', { app: `s${i}` }));
  informer.start();
  await informer.waitForSync();
  await eventually(() => emu.openWatches() >= 1);
  changed.length = 0;

  // The watch dies without closing: the connection stays open, the server writes nothing more to it.
  t.true(emu.faults.deadWatches() >= 1);
  for (let i = 0; i < 40; i++) emu.delete(svc(`s${i}`));
  for (let i = 0; i < 25; i++) emu.create(service(`t${i}`, 'burst', { app: `t${i}` }));

  // Deadline: a safety net. Without the progress check this waits for the 10-minute stale timer and fails.
  await eventually(() => informer.size === 45 && informer.get('burst/t24') !== undefined, 60_000);
  t.true(informer.stats.silentRestarts >= 1);
  t.is(informer.stats.staleRestarts, 0);
  t.true(warnings.some((w) => w.includes('watch went silent')));
  // Exactly the changes made while the watch was dead, each reported once.
  for (let i = 0; i < 40; i++) t.is(times(changed, `burst/s${i}`), 1, `s${i} deleted once`);
  for (let i = 40; i < 60; i++) t.is(times(changed, `burst/s${i}`), 0, `s${i} untouched`);
  for (let i = 0; i < 25; i++) t.is(times(changed, `burst/t${i}`), 1, `t${i} added once`);
  t.deepEqual(informer.keys().sort(), [...Array.from({ length: 20 }, (_, i) => `burst/s${i + 40}`), ...Array.from({ length: 25 }, (_, i) => `burst/t${i}`)].sort());

  // The restarted watch is live: a later change arrives through it.
  emu.create(service('after', 'burst', { app: 'after' }));
  await eventually(() => informer.get('burst/after'));
  t.is(times(changed, 'burst/after'), 1);
});

test('progress checks leave a quiet, healthy watch alone', async (t) => {
  const { emu, informer } = await setup(t, { staleAfterMs: 600_000, probeAfterMs: 50, probeMaxMs: 100 });
  emu.create(service('a', 'quiet'));
  informer.start();
  await informer.waitForSync();
  await eventually(() => informer.stats.probes >= 4);
  t.is(informer.stats.silentRestarts, 0);
  t.is(informer.stats.watchRestarts, 0);
  // And the watch still delivers.
  emu.create(service('b', 'quiet'));
  await eventually(() => informer.get('quiet/b'));
  t.is(informer.stats.silentRestarts, 0);
});

test('bookmarks keep an idle watch counted alive; without them it is restarted as stale', async (t) => {
  // Bookmarks every 100 ms, stale after 1 s, no progress checks: the bookmarks alone keep it alive.
  const { emu, informer } = await setup(t, { staleAfterMs: 1000, probeAfterMs: 0 }, { bookmarkIntervalMs: 100 });
  informer.start();
  await informer.waitForSync();
  await eventually(() => emu.faults.watchStats().some((s) => s.sent >= 15)); // 1.5 s of bookmarks
  t.is(informer.stats.staleRestarts, 0);
  // A dead watch sends no bookmark either: the stale check restarts it.
  emu.faults.deadWatches();
  await eventually(() => informer.stats.staleRestarts >= 1);
  emu.create(service('after-stale', 'idle'));
  await eventually(() => informer.get('idle/after-stale'));
  t.pass();
});

test('a listener that throws does not take the change from the listeners after it', async (t) => {
  const { emu, informer, changed, warnings } = await setup(t, { staleAfterMs: 600_000 });
  informer.onChange(() => {
    throw new Error('listener bug');
  });
  const after: string[] = [];
  informer.onChange((keys) => after.push(...keys));
  informer.start();
  await informer.waitForSync();
  emu.create(service('x', 'ns'));
  await eventually(() => after.includes('ns/x'));
  t.true(changed.includes('ns/x'));
  t.true(warnings.some((w) => w.includes('listener failed')));
});

test('a watch request the server never answers is replaced within seconds once changes are pending', async (t) => {
  const { emu, informer, changed } = await setup(t, { staleAfterMs: 600_000, probeAfterMs: 300, probeGraceMs: 300 });
  informer.start();
  await informer.waitForSync();
  await eventually(() => emu.openWatches() >= 1);
  // The informer's own watches (timeoutSeconds in the hundreds) get no answer for 20 s; the 1-second progress
  // checks are answered.
  emu.faults.latency(20_000, { path: /\/api\/v1\/services\?.*watch=true.*timeoutSeconds=\d{3}/ });
  emu.faults.dropWatches(); // a clean end: the informer restarts its watch at once, and that request hangs
  emu.create(service('pending', 'hung'));
  await eventually(() => informer.stats.silentRestarts >= 1, 15_000);
  emu.faults.latency(0);
  await eventually(() => informer.get('hung/pending'));
  t.is(changed.filter((k) => k === 'hung/pending').length, 1);
});
