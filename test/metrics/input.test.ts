// service_input_rejected_total: answers a Service's own text made invalid, by namespace (bounded), detector and field.
import test from 'ava';
import { createMetrics } from '../../core/src/metrics/index.js';
import { INPUT_NAMESPACES_MAX, INPUT_NAMESPACES_OVERFLOW } from '../../core/src/metrics/registry.js';
import { BoundedLabel, FAILURE_KINDS, INPUT_REJECT_REASONS } from '../../core/src/metrics/labels.js';
import { samples, value } from './helpers.js';

const NAME = 'dynamic_toolset_service_input_rejected_total';

test('an input rejection counts by namespace, detector and field, and under detector_errors_total as input', async (t) => {
  const metrics = createMetrics({ collectDefaults: false });
  const o = metrics.pluginObserver();
  for (let i = 0; i < 5; i++) {
    o.failure!({ plugin: 'custom', kind: 'input', message: 'path "/a b" …', service: `tenant-a/bad-${i}`, input: { namespace: 'tenant-a', field: 'path' } });
  }
  o.failure!({ plugin: 'custom', kind: 'input', message: 'endpoint …', service: 'tenant-b/x', input: { namespace: 'tenant-b', field: 'endpoint' } });
  o.failure!({ plugin: 'custom', kind: 'thrown', message: 'boom', service: 'team-c/y' });
  const text = await metrics.render();
  t.is(value(text, NAME, { namespace: 'tenant-a', detector: 'custom', reason: 'path' }), 5);
  t.is(value(text, NAME, { namespace: 'tenant-b', detector: 'custom', reason: 'endpoint' }), 1);
  // A plugin's own failure is not an input rejection.
  t.false(samples(text).some((s) => s.name === NAME && s.labels.namespace === 'team-c'));
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'custom', error_type: 'input' }), 6);
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'custom', error_type: 'thrown' }), 1);
  t.true(FAILURE_KINDS.includes('input'));
  t.deepEqual([...INPUT_REJECT_REASONS], ['path', 'health_path', 'endpoint']);
});

test('the namespace label is bounded: namespaces past the limit share one series', async (t) => {
  const metrics = createMetrics({ collectDefaults: false });
  const o = metrics.pluginObserver();
  const reject = (namespace: string) => o.failure!({ plugin: 'custom', kind: 'input', message: 'm', service: `${namespace}/s`, input: { namespace, field: 'path' } });
  for (let i = 0; i < INPUT_NAMESPACES_MAX + 20; i++) reject(`ns-${i}`);
  reject('ns-0'); // seen before the limit: keeps its own series
  const text = await metrics.render();
  const series = samples(text).filter((s) => s.name === NAME);
  t.is(series.length, INPUT_NAMESPACES_MAX + 1);
  t.is(value(text, NAME, { namespace: 'ns-0', detector: 'custom', reason: 'path' }), 2);
  t.is(value(text, NAME, { namespace: INPUT_NAMESPACES_OVERFLOW, detector: 'custom', reason: 'path' }), 20);
  t.is(value(text, NAME, { namespace: `ns-${INPUT_NAMESPACES_MAX}`, detector: 'custom', reason: 'path' }), undefined);
});

test('BoundedLabel keeps the first values seen and maps the rest onto the overflow value', (t) => {
  const b = new BoundedLabel(2, '_other');
  t.deepEqual(['a', 'b', 'c', 'a', 'd', 'b'].map((v) => b.of(v)), ['a', 'b', '_other', 'a', '_other', 'b']);
});
