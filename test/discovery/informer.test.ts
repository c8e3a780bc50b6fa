// The Service informer against the API emulator through the real client: it follows changes, relists on 410,
// survives API errors and dropped watches, notices a silently dead watch, and caches projections only.
import test from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import type { ServiceView } from '@kubernaut/toolset-sdk';
import { startEmulator } from '../../core/src/emulator/index.js';
import type { Emulator } from '../../core/src/emulator/index.js';
import { Informer } from '../../core/src/discovery/informer.js';
import type { InformerStore } from '../../core/src/discovery/informer.js';
import { serviceSource } from '../../core/src/discovery/kube-source.js';
import { serviceKey, toServiceView } from '../../core/src/detection/view.js';
import { eventually, service } from '../helpers/bundles.js';

async function setup(t: import('ava').ExecutionContext, opts: { staleAfterMs?: number; relistIntervalMs?: number; store?: InformerStore<ServiceView> } = {}) {
  const emu: Emulator = await startEmulator();
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  const informer = new Informer<ServiceView>({
    source: serviceSource(kc, { watchTimeoutSeconds: 60 }),
    project: (raw) => toServiceView(raw),
    keyOf: serviceKey,
    backoff: { baseMs: 20, maxMs: 200 },
    staleAfterMs: opts.staleAfterMs ?? 60_000,
    relistIntervalMs: opts.relistIntervalMs ?? 0,
    ...(opts.store ? { store: opts.store } : {}),
  });
  const changed: string[] = [];
  informer.onChange((keys) => changed.push(...keys));
  t.teardown(async () => {
    informer.stop();
    await emu.stop();
  });
  return { emu, informer, changed };
}

test('lists, then follows adds, updates and deletes; caches projections without managedFields', async (t) => {
  const { emu, informer, changed } = await setup(t);
  emu.create(service('a', 'ns1', { app: 'a' }));
  informer.start();
  await informer.waitForSync();
  t.deepEqual(informer.keys(), ['ns1/a']);
  t.false('managedFields' in (informer.get('ns1/a')!.metadata as object));

  emu.create(service('b', 'ns2', { app: 'b' }));
  await eventually(() => informer.get('ns2/b'));
  emu.patch({ apiVersion: 'v1', kind: 'Service', namespace: 'ns1', name: 'a' }, { metadata: { labels: { app: 'a', tier: 'x' } } });
  await eventually(() => informer.get('ns1/a')?.metadata.labels.tier === 'x');
  emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'ns2', name: 'b' });
  await eventually(() => !informer.get('ns2/b'));
  t.deepEqual([...new Set(changed)].sort(), ['ns1/a', 'ns2/b']);
});

test('recovers from dropped watches and injected API errors, and loses no change made meanwhile', async (t) => {
  const { emu, informer } = await setup(t);
  informer.start();
  await informer.waitForSync();
  emu.faults.failNext(3, 503);
  emu.faults.dropWatches();
  emu.create(service('during-outage', 'ns', { app: 'x' }));
  await eventually(() => informer.get('ns/during-outage'));
  t.true(informer.stats.watchRestarts >= 1);
});

test('a watch that went silent is detected as stale and restarted', async (t) => {
  const { emu, informer } = await setup(t, { staleAfterMs: 300 });
  informer.start();
  await informer.waitForSync();
  await eventually(() => emu.openWatches() >= 1);
  // Kill the open watch. On a busy machine a second stream can be open at this moment (a watch being replaced while
  // the old connection closes), and both are killed: "at least one", since what matters is below.
  t.true(emu.faults.deadWatches() >= 1);
  emu.create(service('while-dead', 'ns', { app: 'x' }));
  // The dead watch never delivers this; only a restart (which opens a live watch) can.
  await eventually(() => informer.get('ns/while-dead'));
  t.true(informer.stats.staleRestarts >= 1);
});

test('a 410 Gone relists, and objects deleted while disconnected are reported deleted', async (t) => {
  const { emu, informer, changed } = await setup(t);
  emu.create(service('keep', 'ns', { app: 'k' }));
  emu.create(service('gone', 'ns', { app: 'g' }));
  informer.start();
  await informer.waitForSync();
  informer.stop();
  emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: 'gone' });
  // Push the emulator's history far enough that the informer's resourceVersion is too old.
  for (let i = 0; i < 1100; i++) emu.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${i % 3}`, namespace: 'churn' }, data: { i: String(i) } });
  changed.length = 0;
  informer.start();
  await eventually(() => !informer.get('ns/gone'));
  t.truthy(informer.get('ns/keep'));
  t.true(changed.includes('ns/gone'));
});

test('a store the consumer offers holds the cache: a relist deletes what is gone from it and writes what is listed', async (t) => {
  // What discovery/evidence.ts does with the workload index: the informer keeps nothing of its own.
  const writes: string[] = [];
  const store = new (class extends Map<string, ServiceView> {
    override set(key: string, v: ServiceView): this {
      writes.push(`set ${key}`);
      return super.set(key, v);
    }
    override delete(key: string): boolean {
      writes.push(`delete ${key}`);
      return super.delete(key);
    }
  })();
  const { emu, informer, changed } = await setup(t, { store });
  emu.create(service('keep', 'ns', { app: 'k' }));
  emu.create(service('gone', 'ns', { app: 'g' }));
  informer.start();
  await informer.waitForSync();
  t.deepEqual([...store.keys()].sort(), ['ns/gone', 'ns/keep']);
  informer.stop();
  emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: 'gone' });
  for (let i = 0; i < 1100; i++) emu.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${i % 3}`, namespace: 'churn' }, data: { i: String(i) } });
  changed.length = 0;
  writes.length = 0;
  informer.start();
  await eventually(() => !store.has('ns/gone'));
  t.deepEqual(writes, ['delete ns/gone', 'set ns/keep'], 'the vanished object is deleted, the listed one rewritten (unchanged, so not reported)');
  t.deepEqual(changed, ['ns/gone']);
  t.is(informer.size, 1);
  t.is(informer.get('ns/keep'), store.get('ns/keep'));
});

test('a large cluster is listed in pages (limit/continue) and nothing is lost between pages', async (t) => {
  const { emu, informer } = await setup(t);
  for (let i = 0; i < 1234; i++) emu.create(service(`s${i}`, `ns${i % 7}`, { app: `s${i}` }));
  informer.start();
  await informer.waitForSync();
  t.is(informer.size, 1234);
  t.truthy(informer.get('ns1/s1233'));
});

test('the relist period can change while running (a config reload): off, then every 100 ms', async (t) => {
  const { emu, informer } = await setup(t, { relistIntervalMs: 0 });
  emu.create(service('a', 'ns1'));
  informer.start();
  await informer.waitForSync();
  const lists = informer.stats.lists;
  await new Promise((r) => setTimeout(r, 250));
  t.is(informer.stats.lists, lists, 'no periodic relist while it is off');
  informer.setRelistInterval(100);
  await eventually(() => informer.stats.lists >= lists + 2);
  t.pass();
});
