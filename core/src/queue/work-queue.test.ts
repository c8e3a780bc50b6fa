import test from 'ava';
import { FakeClock } from '../clock.js';
import { WorkQueue } from './work-queue.js';

test('a waiting key is queued once; order is first-in first-out', async (t) => {
  const q = new WorkQueue(new FakeClock());
  q.add('a');
  q.add('b');
  q.add('a');
  t.is(q.length, 2);
  t.is(await q.get(), 'a');
  t.is(await q.get(), 'b');
});

test('a key being processed is not handed out twice; a re-add is delivered after done', async (t) => {
  const q = new WorkQueue(new FakeClock());
  q.add('a');
  const k = await q.get();
  q.add('a');
  t.is(q.length, 0, 'not queued while processing');
  q.done(k!);
  t.is(q.length, 1);
  t.is(await q.get(), 'a');
});

test('rate-limited re-adds back off exponentially up to the cap; forget resets', async (t) => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock, { baseMs: 100, maxMs: 350 });
  const fail = async (expected: number) => {
    t.is(q.addRateLimited('a'), expected);
    await clock.advance(expected - 1);
    t.is(q.length, 0, 'not before its backoff');
    await clock.advance(1);
    t.is(q.length, 1);
    q.done((await q.get())!);
  };
  await fail(100);
  await fail(200);
  await fail(350);
  await fail(350);
  q.forget('a');
  t.is(q.addRateLimited('a'), 100);
});

test('a blocked get receives the next key; shutdown releases waiters with undefined', async (t) => {
  const q = new WorkQueue(new FakeClock());
  const pending = q.get();
  q.add('x');
  t.is(await pending, 'x');
  const waiting = q.get();
  q.shutdown();
  t.is(await waiting, undefined);
  q.add('y');
  t.is(await q.get(), undefined);
});

test('getBatch takes every queued key up to the limit, each handed out once', async (t) => {
  const q = new WorkQueue(new FakeClock());
  for (const k of ['a', 'b', 'c', 'd']) q.add(k);
  t.deepEqual(await q.getBatch(3), ['a', 'b', 'c']);
  q.add('a');
  t.deepEqual(await q.getBatch(10), ['d']);
  q.done('a');
  t.deepEqual(await q.getBatch(10), ['a']);
  t.false(q.idle);
});

test('a later addAfter never postpones an earlier pending one', async (t) => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock);
  q.addAfter('k', 10);
  q.addAfter('k', 300_000);
  await clock.advance(10);
  t.is(q.length, 1);
  await q.get();
  q.addAfter('k', 300_000);
  q.addAfter('k', 5);
  q.done('k');
  await clock.advance(5);
  t.is(q.length, 1, 'an earlier add replaces a later one');
});
