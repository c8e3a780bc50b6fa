import test from 'ava';
import { FakeClock } from '../clock.js';
import { WorkQueue } from './work-queue.js';
import { Worker, backoff, done, requeueAfter, terminal } from './worker.js';
import type { Outcome } from './worker.js';

/** A worker whose handler answers from a script, recording what it was handed. */
function rig(answer: (keys: readonly string[]) => Outcome | ((key: string) => Outcome), batchMax = 1) {
  const clock = new FakeClock();
  const queue = new WorkQueue(clock, { baseMs: 100, maxMs: 1000 });
  const runs: string[][] = [];
  const backoffs: Array<[string, number]> = [];
  const errors: string[] = [];
  const worker = new Worker({
    queue,
    batchMax,
    process: async (keys) => {
      runs.push([...keys]);
      return answer(keys);
    },
    onError: (err) => errors.push((err as Error).message),
    onBackoff: (key, ms) => backoffs.push([key, ms]),
  });
  worker.start();
  return { clock, queue, worker, runs, backoffs, errors };
}

test('done forgets the key; it runs again only when added again', async (t) => {
  const r = rig(() => done);
  r.queue.add('a');
  await r.worker.whenIdle();
  t.deepEqual(r.runs, [['a']]);
  t.is(r.queue.failuresOf('a'), 0);
  t.true(r.queue.idle);
  await r.worker.stop();
});

test('backoff requeues with the per-key rate limit; a later success resets it', async (t) => {
  let failures = 2;
  const r = rig(() => (failures-- > 0 ? backoff(new Error('nope')) : done));
  r.queue.add('a');
  await new Promise((res) => setImmediate(res));
  t.deepEqual(r.backoffs, [['a', 100]]);
  t.false(r.queue.idle, 'the retry is pending');
  await r.clock.advance(100);
  t.deepEqual(r.backoffs, [['a', 100], ['a', 200]]);
  await r.clock.advance(200);
  await r.worker.whenIdle();
  t.is(r.runs.length, 3);
  t.is(r.queue.failuresOf('a'), 0, 'forgotten after the success');
  await r.worker.stop();
});

test('requeueAfter runs the key again after the interval; terminal drops it', async (t) => {
  const r = rig((keys) => (keys[0] === 'resync' ? requeueAfter(500) : terminal(new Error('bad input'))));
  r.queue.add('resync');
  r.queue.add('bad');
  await new Promise((res) => setImmediate(res));
  await new Promise((res) => setImmediate(res));
  t.deepEqual(r.runs, [['resync'], ['bad']]);
  await r.clock.advance(499);
  t.is(r.runs.length, 2);
  await r.clock.advance(1);
  await new Promise((res) => setImmediate(res));
  t.deepEqual(r.runs.at(-1), ['resync']);
  t.is(r.runs.filter((k) => k[0] === 'bad').length, 1, 'a terminal key is not retried');
  t.deepEqual(r.backoffs, []);
  await r.worker.stop();
});

test('batches: one outcome per key; a throw backs off every key of the batch and is reported', async (t) => {
  let calls = 0;
  const r = rig((keys) => {
    calls += 1;
    if (calls === 2) throw new Error('run failed');
    return (key) => (key === 'b' && calls === 1 ? backoff() : done);
  }, 10);
  r.queue.add('a');
  r.queue.add('b');
  r.queue.add('c');
  await new Promise((res) => setImmediate(res));
  t.deepEqual(r.runs, [['a', 'b', 'c']]);
  t.deepEqual(r.backoffs, [['b', 100]]);
  await r.clock.advance(100);
  t.deepEqual(r.runs.at(-1), ['b']);
  t.deepEqual(r.errors, ['run failed']);
  t.deepEqual(r.backoffs.at(-1), ['b', 200]);
  await r.clock.advance(200);
  await r.worker.whenIdle();
  t.is(r.queue.failuresOf('b'), 0);
  await r.worker.stop();
});

test('stop waits for the run in progress; whenIdle resolves then', async (t) => {
  let release!: () => void;
  const clock = new FakeClock();
  const queue = new WorkQueue(clock);
  let finished = false;
  const worker = new Worker({
    queue,
    process: () =>
      new Promise<Outcome>((resolve) => {
        release = () => {
          finished = true;
          resolve(done);
        };
      }),
  });
  worker.start();
  queue.add('a');
  await new Promise((res) => setImmediate(res));
  const idle = worker.whenIdle();
  const stopped = worker.stop();
  release();
  await stopped;
  await idle;
  t.true(finished);
});
