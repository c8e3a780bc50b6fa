// The loading cache behind both auth reviews (core/src/cache/ttl.ts), on a FakeClock: single flight, a TTL chosen
// by the value, failures not kept, and eviction never cutting a load in flight short.
import test from 'ava';
import { FakeClock } from '../../core/src/clock.js';
import { LoadingCache } from '../../core/src/cache/ttl.js';

/** A load the test settles by hand, counting how often it was started. */
function manualLoads<V>() {
  const started: Array<{ key: string; resolve: (v: V) => void; reject: (e: Error) => void }> = [];
  const load = (key: string) => () =>
    new Promise<V>((resolve, reject) => {
      started.push({ key, resolve, reject });
    });
  return { started, load };
}

test('concurrent misses for one key share one load; later gets are hits until the TTL the value chose', async (t) => {
  const clock = new FakeClock();
  const cache = new LoadingCache<{ allowed: boolean }>({ maxEntries: 8, clock, ttlMs: (v) => (v.allowed ? 300 : 30) });
  const { started, load } = manualLoads<{ allowed: boolean }>();

  const waiting = [cache.get('a', load('a')), cache.get('a', load('a')), cache.get('a', load('a'))];
  t.is(started.length, 1, 'one load for three callers');
  started[0]?.resolve({ allowed: true });
  for (const r of await Promise.all(waiting)) t.deepEqual(r, { value: { allowed: true }, cached: false });

  t.deepEqual(await cache.get('a', load('a')), { value: { allowed: true }, cached: true });
  await clock.advance(299);
  t.true((await cache.get('a', load('a'))).cached);
  await clock.advance(1);
  const reload = cache.get('a', load('a'));
  t.is(started.length, 2, 'expired after 300: loaded again');
  started[1]?.resolve({ allowed: false });
  t.deepEqual(await reload, { value: { allowed: false }, cached: false });
  await clock.advance(29);
  t.true((await cache.get('a', load('a'))).cached);
  await clock.advance(1);
  void cache.get('a', load('a'));
  t.is(started.length, 3, 'a deny is kept for its own, shorter TTL');
});

test('a load that fails reaches every waiting caller and is not kept; a ttl ≤ 0 keeps nothing', async (t) => {
  const clock = new FakeClock();
  const cache = new LoadingCache<number>({ maxEntries: 8, clock, ttlMs: (v) => (v < 0 ? 0 : 100) });
  const { started, load } = manualLoads<number>();
  const both = [cache.get('k', load('k')), cache.get('k', load('k'))];
  started[0]?.reject(new Error('API server down'));
  for (const r of await Promise.allSettled(both)) t.is(r.status === 'rejected' ? (r.reason as Error).message : 'fulfilled', 'API server down');
  t.is(cache.size, 0);

  const again = cache.get('k', load('k'));
  t.is(started.length, 2, 'the next caller tries again');
  started[1]?.resolve(-1);
  t.deepEqual(await again, { value: -1, cached: false });
  t.is(cache.size, 0, 'ttl 0: not kept');
  const third = cache.get('k', load('k'));
  t.is(started.length, 3);
  started[2]?.resolve(7);
  t.is((await third).value, 7);
  t.true((await cache.get('k', load('k'))).cached);
});

test('bounded: the least recently used entry goes, and a load in flight is not cut short by eviction', async (t) => {
  const clock = new FakeClock();
  const cache = new LoadingCache<string>({ maxEntries: 2, clock, ttlMs: () => 1000 });
  const { started, load } = manualLoads<string>();
  const slow = cache.get('slow', load('slow'));
  for (const k of ['x', 'y', 'z']) {
    const p = cache.get(k, load(k));
    started.at(-1)?.resolve(k.toUpperCase());
    await p;
  }
  t.is(cache.size, 2);
  t.true((await cache.get('z', load('z'))).cached);
  const loads = started.length;
  void cache.get('x', load('x'));
  t.is(started.length, loads + 1, 'x, the least recently used, was evicted');
  const joined = cache.get('slow', load('slow'));
  t.is(started.filter((s) => s.key === 'slow').length, 1, 'the in-flight load is still shared');
  started.find((s) => s.key === 'slow')?.resolve('SLOW');
  t.deepEqual(await slow, { value: 'SLOW', cached: false });
  t.deepEqual(await joined, { value: 'SLOW', cached: false });
  t.throws(() => new LoadingCache<string>({ maxEntries: 0, clock, ttlMs: () => 1 }), { instanceOf: RangeError });
});
