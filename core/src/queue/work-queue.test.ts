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
  t.is(q.addRateLimited('a'), 100);
  t.is(q.addRateLimited('a'), 200);
  t.is(q.addRateLimited('a'), 350);
  t.is(q.length, 0);
  await clock.advance(349);
  t.is(q.length, 0);
  await clock.advance(1);
  t.is(q.length, 1);
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
