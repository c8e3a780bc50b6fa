// output_left_out{reason}: what the current output leaves out (toolsets/budget.ts), pulled at scrape time.
import test from 'ava';
import { createMetrics } from '../../core/src/metrics/index.js';
import { LEFT_OUT_REASONS } from '../../core/src/toolsets/index.js';
import type { LeftOut } from '../../core/src/toolsets/index.js';
import { value } from './helpers.js';

const NAME = 'dynamic_toolset_output_left_out';

test('every reason exists at 0 from the start', async (t) => {
  const text = await createMetrics({ collectDefaults: false }).render();
  t.deepEqual([...LEFT_OUT_REASONS], ['too-long', 'over-budget']);
  for (const reason of LEFT_OUT_REASONS) t.is(value(text, NAME, { reason }), 0, reason);
});

test('counts the tracked source by reason at each scrape, back to 0 when nothing is left out', async (t) => {
  const metrics = createMetrics({ collectDefaults: false });
  const item = (key: string, reason: LeftOut['reason']): LeftOut => ({ key, namespace: key.split('/')[0]!, name: key.split('/')[1]!, type: 't', reason, detail: 'd' });
  let current: LeftOut[] = [item('flood/a', 'over-budget'), item('flood/b', 'over-budget'), item('noisy/long', 'too-long')];
  metrics.track({ leftOut: () => current });
  let text = await metrics.render();
  t.is(value(text, NAME, { reason: 'over-budget' }), 2);
  t.is(value(text, NAME, { reason: 'too-long' }), 1);
  current = [];
  text = await metrics.render();
  t.is(value(text, NAME, { reason: 'over-budget' }), 0);
  t.is(value(text, NAME, { reason: 'too-long' }), 0);
});
