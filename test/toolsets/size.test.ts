// The ConfigMap must stay under the API server's 1 MiB data limit (minus room for metadata): over it, render
// reports a clear error naming the biggest keys and toolsets, and the reconciler keeps the current ConfigMap.
import test from 'ava';
import { Buffer } from 'node:buffer';
import { CONFIGMAP_LIMIT_BYTES, MAX_DATA_BYTES, METADATA_MARGIN_BYTES, renderConfigMapData } from '../../core/src/toolsets/index.js';
import type { PublishedService } from '../../core/src/toolsets/index.js';
import { published } from './fixtures.js';

const dataBytes = (data: Record<string, string>) => Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

/**
 * `n` Prometheus instances whose plugin answers carry `instructions` bytes of llm_instructions and as many of
 * per-instance config (additional_labels) each: with multi_instance every instance's config is written.
 */
function many(n: number, instructions: number): PublishedService[] {
  return Array.from({ length: n }, (_, i) => {
    const s = published({ ns: `team-${String(i).padStart(4, '0')}`, name: 'prometheus', detector: 'prometheus', port: 9090 });
    const bulk = 'é'.repeat(instructions / 2);
    return { ...s, toolsets: { 'prometheus/metrics': { enabled: true, llm_instructions: bulk, config: { prometheus_url: s.url, additional_labels: { team: bulk } } } } };
  });
}

test('the budget is 1 MiB minus a metadata margin', (t) => {
  t.is(CONFIGMAP_LIMIT_BYTES, 1_048_576);
  t.is(MAX_DATA_BYTES, CONFIGMAP_LIMIT_BYTES - METADATA_MARGIN_BYTES);
  t.true(METADATA_MARGIN_BYTES >= 16_384);
});

test('bytes counts keys and UTF-8 values of everything the ConfigMap will hold', (t) => {
  const overrides = 'toolsets:\n  grafana/loki: {enabled: false}   # é\n';
  const r = renderConfigMapData({ services: many(2, 100), overrides, foreignBytes: 1234 });
  t.is(r.bytes, dataBytes(r.data) + Buffer.byteLength('overrides.yaml') + Buffer.byteLength(overrides) + 1234);
  const absent = renderConfigMapData({ services: many(2, 100) });
  t.is(absent.bytes, dataBytes(absent.data), 'the template to create is part of data');
  t.is(absent.error, undefined);
});

test('over the budget: a too-large error naming the biggest keys and toolsets; the data is not to be written', (t) => {
  const r = renderConfigMapData({ services: many(300, 4000), multiInstance: true });
  t.true(r.bytes > MAX_DATA_BYTES);
  t.truthy(r.error);
  const e = r.error!;
  if (e.kind !== 'too-large') return t.fail(e.message);
  t.is(e.limit, MAX_DATA_BYTES);
  t.is(e.bytes, r.bytes);
  t.is(e.biggestKeys[0]!.key, 'custom_toolset.yaml');
  // One prometheus/metrics entry holds all 300 instances (config.instances), then the two small baseline entries.
  t.deepEqual(e.biggestToolsets.map((x) => x.name), ['prometheus/metrics', 'kubernetes/core', 'kubernetes/logs']);
  t.true(e.biggestToolsets[0]!.bytes > 300 * 4000);
  t.regex(
    e.message,
    /^ConfigMap kubernaut-toolset-config would hold \d+ bytes of data, over the 983040-byte budget \(the 1048576-byte ConfigMap limit minus 65536 bytes kept for metadata\); it was not written\. Biggest keys: custom_toolset\.yaml \(\d+ bytes\), .*Biggest toolsets: prometheus\/metrics.* \(\d+ bytes\).*Turn holmesgpt\.multi_instance off/,
  );
});

test('the same services fit with multi-instance off; foreign keys and maxBytes count', (t) => {
  const services = many(300, 4000);
  const single = renderConfigMapData({ services });
  t.is(single.error, undefined);
  const crowded = renderConfigMapData({ services, foreignBytes: MAX_DATA_BYTES });
  t.is(crowded.error?.kind, 'too-large');
  t.regex(crowded.error!.message, /other keys: 983040 bytes/);
  t.is(renderConfigMapData({ services: [], maxBytes: 100 }).error?.kind, 'too-large');
});

test('a huge admin overrides.yaml counts too', (t) => {
  const overrides = `toolsets:\n  grafana/loki:\n    description: "${'x'.repeat(MAX_DATA_BYTES)}"\n`;
  const r = renderConfigMapData({ services: [], overrides });
  t.is(r.error?.kind, 'too-large');
  t.true(r.error?.kind === 'too-large' && r.error.biggestKeys.some((k) => k.key === 'overrides.yaml'));
});
