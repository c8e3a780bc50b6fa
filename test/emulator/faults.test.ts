import test from 'ava';
import { makeInformer, Watch, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import { apiError, clients, cm, emulator, raw, waitFor } from './helpers.js';

async function openWatch(kc: ReturnType<typeof clients>['kc'], path: string, params: Record<string, string | number | boolean> = {}) {
  const events: Array<{ type: string; name: string }> = [];
  const done = { called: false, err: undefined as unknown };
  const ctl = await new Watch(kc).watch(
    path,
    params,
    (type: string, obj: KubernetesObject) => events.push({ type, name: obj.metadata?.name ?? '' }),
    (err: unknown) => {
      done.called = true;
      done.err = err;
    },
  );
  return { events, done, ctl };
}

test('failNext(N, 503) fails exactly N matching calls with a Status, then succeeds', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  emu.create(cm('f'));
  const handle = emu.faults.failNext(2, 503, { method: 'GET', path: /\/configmaps\/f$/ });
  // A non-matching call is unaffected.
  await core.listNamespacedConfigMap({ namespace: 'default' });
  for (let i = 0; i < 2; i++) {
    const err = await apiError(core.readNamespacedConfigMap({ name: 'f', namespace: 'default' }));
    t.is(err.code, 503);
    t.like(err.status, { kind: 'Status', status: 'Failure', reason: 'ServiceUnavailable', code: 503 });
  }
  t.is(handle.remaining, 0);
  const ok = await core.readNamespacedConfigMap({ name: 'f', namespace: 'default' });
  t.is(ok.metadata?.name, 'f');
});

test('failNext with 429 sends Retry-After and a custom message', async (t) => {
  const emu = await emulator(t);
  emu.faults.failNext(1, 429, { message: 'slow down' });
  const res = await raw(emu, '/api/v1/configmaps');
  t.is(res.status, 429);
  t.is(res.headers.get('retry-after'), '1');
  t.like(res.json() as object, { reason: 'TooManyRequests', message: 'slow down', details: { retryAfterSeconds: 1 } });
  t.is((await raw(emu, '/api/v1/configmaps')).status, 200);
});

test('dropWatches closes open streams; clients see the end', async (t) => {
  const emu = await emulator(t);
  const { kc } = clients(emu);
  const a = await openWatch(kc, '/api/v1/configmaps');
  const b = await openWatch(kc, '/api/v1/namespaces/x/services');
  t.teardown(() => {
    a.ctl.abort();
    b.ctl.abort();
  });
  await waitFor(() => emu.openWatches() === 2, 'two watches');
  t.is(emu.faults.dropWatches(), 2);
  await waitFor(() => a.done.called && b.done.called, 'clients notified');
  t.is(emu.openWatches(), 0);
  const c = await openWatch(kc, '/api/v1/configmaps');
  t.teardown(() => c.ctl.abort());
  await waitFor(() => emu.openWatches() === 1, 'watch reopened');
  t.is(emu.faults.dropWatches({ abrupt: true }), 1);
  await waitFor(() => c.done.called, 'abrupt close seen');
});

test('dead watches stay open but deliver nothing until resumed', async (t) => {
  const emu = await emulator(t, { bookmarkIntervalMs: 20 });
  const { kc } = clients(emu);
  const w = await openWatch(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: emu.resourceVersion(), allowWatchBookmarks: true });
  t.teardown(() => w.ctl.abort());
  await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK'), 'bookmarks flowing');
  t.is(emu.faults.deadWatches(), 1);
  // What the server wrote before the stall may still be on its way to the client (on a busy machine a bookmark
  // often is): the count at death is the server's, and the client catches up to exactly that.
  const atDeath = emu.faults.watchStats()[0]!;
  t.true(atDeath.stalled);
  await waitFor(() => w.events.length >= atDeath.sent, 'events written before the stall delivered');
  const countAtDeath = w.events.length;
  t.is(countAtDeath, atDeath.sent);
  emu.create(cm('while-dead'));
  // Prove silence by positive signals: a fresh watch sees the event, and several bookmark ticks pass while dead.
  const probe = await openWatch(kc, '/api/v1/namespaces/default/configmaps', {});
  t.teardown(() => probe.ctl.abort());
  await waitFor(() => probe.events.some((e) => e.name === 'while-dead'), 'probe saw event');
  await waitFor(() => emu.faults.watchStats()[0]!.silentBookmarks >= 3, 'several bookmark intervals while dead');
  t.like(emu.faults.watchStats()[0], { sent: atDeath.sent, stalled: true, held: 1 }, 'the server wrote nothing and held the event');
  t.is(w.events.length, countAtDeath, 'nothing, not even bookmarks, while dead');
  t.false(w.done.called, 'connection still open');
  t.is(emu.openWatches(), 2);
  t.is(emu.faults.resumeWatches(), 1);
  await waitFor(() => w.events.some((e) => e.name === 'while-dead'), 'held event delivered on resume');
});

test('pause holds requests until resume', async (t) => {
  const emu = await emulator(t);
  const { kc, core } = clients(emu);
  emu.create(cm('p'));
  const w = await openWatch(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: emu.resourceVersion() });
  t.teardown(() => w.ctl.abort());
  await waitFor(() => emu.openWatches() === 1, 'watch open');
  emu.faults.pause();
  t.true(emu.faults.paused);
  let settled = false;
  const pending = core.readNamespacedConfigMap({ name: 'p', namespace: 'default' }).then((r) => {
    settled = true;
    return r;
  });
  await waitFor(() => emu.faults.heldRequests === 1, 'request held');
  // Not a sleep but a positive signal that the server kept working meanwhile: an open watch (unaffected by
  // pause) delivers an event written after the request was held, and the request is still held.
  emu.create(cm('during-pause'));
  await waitFor(() => w.events.some((e) => e.name === 'during-pause'), 'the open watch delivered a later event');
  t.false(settled);
  t.is(emu.faults.heldRequests, 1);
  emu.faults.resume();
  const got = await pending;
  t.is(got.metadata?.name, 'p');
});

test('latency delays matching requests only', async (t) => {
  const emu = await emulator(t);
  emu.faults.latency(150, { path: /configmaps/ });
  const t0 = Date.now();
  await raw(emu, '/api/v1/configmaps');
  t.true(Date.now() - t0 >= 140);
  // Far longer than a GET can take even on a busy machine: an elapsed time below it means the rule did not apply.
  emu.faults.latency(120_000, { method: 'POST' });
  const t1 = Date.now();
  await raw(emu, '/api/v1/namespaces/default/services');
  t.true(Date.now() - t1 < 120_000, 'a GET is not delayed by a POST-only rule');
  emu.faults.latency(0);
});

test('stop() closes watches and held requests promptly', async (t) => {
  const emu = await emulator(t);
  const { kc, core } = clients(emu);
  const w = await openWatch(kc, '/api/v1/configmaps');
  t.teardown(() => w.ctl.abort());
  await waitFor(() => emu.openWatches() === 1, 'watch open');
  emu.faults.pause();
  const held = core.listNamespacedConfigMap({ namespace: 'default' }).then(
    () => 'resolved',
    () => 'rejected',
  );
  await waitFor(() => emu.faults.heldRequests === 1, 'request held');
  // Without closing them, stop() would wait for the watch's timeout (1800 s) and the held request forever;
  // the bound is a safety net well below that, not a speed claim (a busy machine may take seconds).
  const t0 = Date.now();
  await emu.stop();
  t.true(Date.now() - t0 < 60_000);
  t.is(await held, 'rejected');
  await waitFor(() => w.done.called, 'watch ended');
});

test('an informer recovers from a dead, dropped watch via 410 Expired and a relist', async (t) => {
  const emu = await emulator(t, { historyWindow: 5 });
  const { kc, core } = clients(emu);
  emu.seed([cm('a'), cm('b')]);
  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
  const log: string[] = [];
  informer.on('add', (o) => log.push(`add:${o.metadata?.name}`));
  informer.on('delete', (o) => log.push(`delete:${o.metadata?.name}`));
  informer.on('error', (e) => log.push(`error:${String(e)}`));
  await informer.start();
  t.teardown(() => informer.stop());
  await waitFor(() => log.length === 2 && emu.openWatches() === 1, 'synced and watching');

  emu.faults.deadWatches();
  for (let i = 0; i < 8; i++) emu.create(cm(`c${i}`));
  emu.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'b' });
  t.is(log.length, 2, 'nothing arrives while the watch is dead');
  emu.faults.dropWatches();

  const expected = ['a', ...Array.from({ length: 8 }, (_, i) => `c${i}`)].sort();
  await waitFor(
    () => JSON.stringify(informer.list('default').map((o) => o.metadata?.name).sort()) === JSON.stringify(expected),
    'cache converged after relist',
  );
  t.true(log.includes('delete:b'));
  t.true(log.includes('add:c7'));
  t.false(log.some((l) => l.startsWith('error:')));
});
