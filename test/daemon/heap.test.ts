// The daemon collects its own heap once after a burst of detection (core/src/heap.ts), not after every small run.
import test from 'ava';
import { heapSettler, v8Collect } from '../../core/src/heap.js';
import { eventually } from '../helpers/bundles.js';

test('one collection once a burst of runs adds up to the threshold and stops; small runs add up to the next', async (t) => {
  let collections = 0;
  const settle = heapSettler(() => (collections += 1), 1000, 20);
  for (let i = 0; i < 4; i++) settle(300); // the chunks of one burst: one collection once they stop
  await eventually(() => collections === 1, 10_000);
  // Counted from zero again: 999 Services arm nothing, the 1,000th does.
  settle(500);
  settle(499);
  const armedBelowThreshold = collections;
  settle(1);
  await eventually(() => collections === 2, 10_000);
  t.is(armedBelowThreshold, 1);
  t.is(collections, 2);
});

test('without a collection function (a V8 that offers none) runs are only counted', (t) => {
  const settle = heapSettler(null, 1, 1);
  t.notThrows(() => settle(5000));
});

test("V8's collection is available to the daemon (a context made with --expose-gc on)", (t) => {
  const collect = v8Collect();
  t.is(typeof collect, 'function');
  t.notThrows(() => collect?.());
});
