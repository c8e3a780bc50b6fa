import test from 'ava';
import { makeInformer, Watch, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import { clients, cm, emulator, raw, waitFor } from './helpers.js';

interface Seen {
  type: string;
  name: string;
  rv: string;
  obj: Record<string, unknown>;
}

/** Opens a real client-node Watch and records events; aborted in teardown. */
async function record(
  t: Parameters<typeof emulator>[0],
  kc: ReturnType<typeof clients>['kc'],
  path: string,
  params: Record<string, string | number | boolean>,
): Promise<{ events: Seen[]; done: { called: boolean; err: unknown }; abort: () => void }> {
  const events: Seen[] = [];
  const done = { called: false, err: undefined as unknown };
  const ctl = await new Watch(kc).watch(
    path,
    params,
    (type: string, obj: KubernetesObject & Record<string, unknown>) => {
      events.push({ type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '', obj });
    },
    (err: unknown) => {
      done.called = true;
      done.err = err;
    },
  );
  t.teardown(() => ctl.abort());
  return { events, done, abort: () => ctl.abort() };
}

test('a watch from a resourceVersion replays retained history, then goes live', async (t) => {
  const emu = await emulator(t);
  const { kc } = clients(emu);
  const start = emu.resourceVersion();
  emu.create(cm('one', { v: '1' }));
  emu.patch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'one' }, { data: { v: '2' } });
  emu.create(cm('two'));
  emu.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'two' });
  const w = await record(t, kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: start });
  await waitFor(() => w.events.length >= 4, 'replay');
  t.deepEqual(
    w.events.map((e) => `${e.type}:${e.name}`),
    ['ADDED:one', 'MODIFIED:one', 'ADDED:two', 'DELETED:two'],
  );
  t.is(w.events[0]?.obj.kind, 'ConfigMap', 'watch objects carry kind');
  t.is(w.events[0]?.obj.apiVersion, 'v1');
  const rvs = w.events.map((e) => Number(e.rv));
  t.deepEqual([...rvs].sort((a, b) => a - b), rvs, 'resourceVersions rise');
  t.is(w.events[3]?.rv, emu.resourceVersion(), 'DELETED carries the deletion resourceVersion');
  emu.create(cm('three'));
  await waitFor(() => w.events.length >= 5, 'live event');
  t.is(w.events[4]?.name, 'three');
});

test('a watch without resourceVersion starts with synthetic ADDED events', async (t) => {
  const emu = await emulator(t);
  const { kc } = clients(emu);
  emu.seed([cm('a'), cm('b'), cm('elsewhere', {}, undefined, 'other')]);
  const w = await record(t, kc, '/api/v1/namespaces/default/configmaps', {});
  await waitFor(() => w.events.length >= 2, 'initial ADDED');
  t.deepEqual(
    w.events.map((e) => `${e.type}:${e.name}`),
    ['ADDED:a', 'ADDED:b'],
  );
  emu.create(cm('c', {}, undefined, 'other'));
  emu.create(cm('d'));
  await waitFor(() => w.events.length >= 3, 'live event');
  t.deepEqual(w.events[2] && `${w.events[2].type}:${w.events[2].name}`, 'ADDED:d');
});

test('a resourceVersion older than the history window yields a 410 Expired ERROR event', async (t) => {
  const emu = await emulator(t, { historyWindow: 3 });
  const { kc } = clients(emu);
  const start = emu.resourceVersion();
  for (let i = 0; i < 6; i++) emu.create(cm(`c${i}`));
  const w = await record(t, kc, '/api/v1/configmaps', { resourceVersion: start, allowWatchBookmarks: true });
  await waitFor(() => w.done.called, 'stream closed');
  t.is(w.events.length, 1);
  t.is(w.events[0]?.type, 'ERROR');
  const oldest = Number(emu.resourceVersion()) - 3;
  t.deepEqual(w.events[0]?.obj, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `too old resource version: ${start} (${oldest})`,
    reason: 'Expired',
    code: 410,
  });
  // Within the window still replays.
  const ok = await record(t, kc, '/api/v1/configmaps', { resourceVersion: String(oldest) });
  await waitFor(() => ok.events.length >= 3, 'replay within window');
  t.deepEqual(
    ok.events.map((e) => e.name),
    ['c3', 'c4', 'c5'],
  );
});

test('bookmarks carry only kind, apiVersion and the current resourceVersion', async (t) => {
  const emu = await emulator(t, { bookmarkIntervalMs: 50 });
  const { kc } = clients(emu);
  emu.create(cm('x'));
  const w = await record(t, kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: emu.resourceVersion(), allowWatchBookmarks: true });
  const bm = await waitFor(() => w.events.find((e) => e.type === 'BOOKMARK'), 'bookmark');
  t.deepEqual(bm.obj, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: emu.resourceVersion() } });
  const plain = await record(t, kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: emu.resourceVersion() });
  emu.create(cm('y'));
  await waitFor(() => plain.events.length >= 1 && w.events.filter((e) => e.type === 'BOOKMARK').length >= 2, 'more events');
  t.false(plain.events.some((e) => e.type === 'BOOKMARK'), 'no bookmarks unless allowWatchBookmarks');
});

test('timeoutSeconds ends the stream cleanly', async (t) => {
  const emu = await emulator(t);
  const { kc } = clients(emu);
  const began = Date.now();
  const w = await record(t, kc, '/api/v1/configmaps', { timeoutSeconds: 1 });
  await waitFor(() => w.done.called, 'timeout close');
  t.is(w.done.err, null);
  t.true(Date.now() - began >= 900);
  await waitFor(() => emu.openWatches() === 0, 'server side closed');
});

test('watch responses are chunked JSON lines with the real headers', async (t) => {
  const emu = await emulator(t);
  emu.create(cm('h'));
  const res = await fetch(`${emu.url}/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1`, {
    headers: { Authorization: `Bearer ${emu.adminToken}` },
  });
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'application/json');
  t.is(res.headers.get('transfer-encoding'), 'chunked');
  const text = await res.text();
  const lines = text.trim().split('\n');
  t.is(lines.length, 1);
  t.like(JSON.parse(lines[0] ?? '{}') as object, { type: 'ADDED', object: { kind: 'ConfigMap', metadata: { name: 'h' } } });
  const bad = await raw(emu, '/api/v1/configmaps?watch=true&labelSelector=a%20in%20b');
  t.is(bad.status, 400);
});

test('selectors apply to watches, including objects moving in and out of the selection', async (t) => {
  const emu = await emulator(t);
  const { kc } = clients(emu);
  const w = await record(t, kc, '/api/v1/configmaps', { resourceVersion: emu.resourceVersion(), labelSelector: 'team=obs' });
  emu.create(cm('in', {}, { team: 'obs' }));
  emu.create(cm('out', {}, { team: 'web' }));
  emu.patch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'out' }, { metadata: { labels: { team: 'obs' } } });
  emu.patch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'in' }, { data: { k: 'v' } });
  emu.patch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'in' }, { metadata: { labels: { team: 'web' } } });
  await waitFor(() => w.events.length >= 4, 'selected events');
  t.deepEqual(
    w.events.map((e) => `${e.type}:${e.name}`),
    ['ADDED:in', 'ADDED:out', 'MODIFIED:in', 'DELETED:in'],
  );
  t.is(w.events[3]?.rv, emu.resourceVersion(), 'leaving the selection: DELETED at the event resourceVersion');
  const fw = await record(t, kc, '/api/v1/namespaces/default/configmaps', { fieldSelector: 'metadata.name=out' });
  await waitFor(() => fw.events.length >= 1, 'field selected');
  t.deepEqual(
    fw.events.map((e) => e.name),
    ['out'],
  );
});

test('an informer sees ADDED, MODIFIED and DELETED', async (t) => {
  const emu = await emulator(t);
  const { kc, core } = clients(emu);
  emu.create(cm('pre', { a: '1' }));
  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
  const log: string[] = [];
  informer.on('add', (o) => log.push(`add:${o.metadata?.name}`));
  informer.on('update', (o) => log.push(`update:${o.metadata?.name}:${o.data?.a}`));
  informer.on('delete', (o) => log.push(`delete:${o.metadata?.name}`));
  informer.on('error', (e) => log.push(`error:${String(e)}`));
  await informer.start();
  t.teardown(() => informer.stop());
  await waitFor(() => log.includes('add:pre'), 'initial list');
  await waitFor(() => emu.openWatches() === 1, 'watch open');
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'new' }, data: { a: '1' } } });
  emu.patch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'pre' }, { data: { a: '2' } });
  await core.deleteNamespacedConfigMap({ name: 'new', namespace: 'default' });
  await waitFor(() => log.includes('delete:new'), 'delete seen');
  t.deepEqual(log, ['add:pre', 'add:new', 'update:pre:2', 'delete:new']);
  t.is(informer.list('default').length, 1);
});
