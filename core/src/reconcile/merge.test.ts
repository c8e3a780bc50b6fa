import test from 'ava';
import fc from 'fast-check';
import { mergeConfigMap, GENERATED_KEYS_ANNOTATION, GENERATED_SHA256_ANNOTATION, OVERRIDES_ERROR_ANNOTATION } from './merge.js';
import type { Desired } from './merge.js';
import type { ConfigMapShape } from '../discovery/configmap.js';

const ref = { namespace: 'kubernaut-system', name: 'kubernaut-toolset-config' };
const desired = (data: Record<string, string>, extra: Partial<Desired> = {}): Desired => ({
  data: { 'kubernetes-toolset.yaml': 'toolset: kubernetes\n', 'custom_toolset.yaml': 'toolsets: {}\n', ...data },
  overridesTemplate: '# template\ntoolsets: {}\n',
  checksum: 'abc',
  ...extra,
});

test('creates the ConfigMap with the generated keys and an overrides template', (t) => {
  const r = mergeConfigMap(undefined, desired({ 'prometheus-toolset.yaml': 'p' }), ref);
  t.is(r.action, 'create');
  t.deepEqual(Object.keys(r.write!.data!), ['custom_toolset.yaml', 'kubernetes-toolset.yaml', 'overrides.yaml', 'prometheus-toolset.yaml']);
  t.is(r.write!.metadata.annotations![GENERATED_KEYS_ANNOTATION], 'custom_toolset.yaml,kubernetes-toolset.yaml,prometheus-toolset.yaml');
});

test('keeps admin keys, labels, annotations and overrides.yaml; repairs drift; drops stale generated keys', (t) => {
  const first = mergeConfigMap(undefined, desired({ 'prometheus-toolset.yaml': 'p', 'grafana-toolset.yaml': 'g' }), ref).write!;
  const live: ConfigMapShape = {
    ...first,
    metadata: { ...first.metadata, resourceVersion: '7', labels: { ...first.metadata.labels, team: 'sre' }, annotations: { ...first.metadata.annotations, note: 'mine' } },
    data: { ...first.data, 'overrides.yaml': 'toolsets:\n  prometheus/metrics: {config: {headers: {X: y}}}\n', 'admin-notes.txt': 'hello', 'prometheus-toolset.yaml': 'EDITED' },
  };
  const r = mergeConfigMap(live, desired({ 'prometheus-toolset.yaml': 'p' }), ref);
  t.is(r.action, 'update');
  t.deepEqual(r.drifted, ['prometheus-toolset.yaml']);
  t.is(r.write!.data!['prometheus-toolset.yaml'], 'p');
  t.false('grafana-toolset.yaml' in r.write!.data!, 'a type that disappeared loses its key');
  t.is(r.write!.data!['overrides.yaml'], live.data!['overrides.yaml']);
  t.is(r.write!.data!['admin-notes.txt'], 'hello');
  t.is(r.write!.metadata.labels!.team, 'sre');
  t.is(r.write!.metadata.annotations!.note, 'mine');
  t.is(r.write!.metadata.resourceVersion, '7', 'updates carry the resourceVersion they were based on');
});

test('an admin-created key that the daemon would generate stays the admin\'s', (t) => {
  const live: ConfigMapShape = { metadata: { ...ref, annotations: { [GENERATED_KEYS_ANNOTATION]: 'kubernetes-toolset.yaml' } }, data: { 'sentry-toolset.yaml': 'admin' } };
  const r = mergeConfigMap(live, desired({ 'sentry-toolset.yaml': 'generated' }), ref);
  t.deepEqual(r.conflicts, ['sentry-toolset.yaml']);
  t.is(r.write!.data!['sentry-toolset.yaml'], 'admin');
});

test('an invalid overrides.yaml is annotated, never rewritten; the annotation goes once it is fixed', (t) => {
  const live = mergeConfigMap(undefined, desired({}), ref).write!;
  live.data!['overrides.yaml'] = 'toolsets: [broken';
  const bad = mergeConfigMap(live, desired({}, { overridesError: 'overrides.yaml:1: bad' }), ref);
  t.is(bad.write!.data!['overrides.yaml'], 'toolsets: [broken');
  t.is(bad.write!.metadata.annotations![OVERRIDES_ERROR_ANNOTATION], 'overrides.yaml:1: bad');
  const fixed = mergeConfigMap(bad.write!, desired({}), ref);
  t.false(OVERRIDES_ERROR_ANNOTATION in fixed.write!.metadata.annotations!);
});

test('an unchanged input needs no write', (t) => {
  const live = mergeConfigMap(undefined, desired({ 'loki-toolset.yaml': 'l' }), ref).write!;
  t.is(mergeConfigMap(live, desired({ 'loki-toolset.yaml': 'l' }), ref).action, 'none');
});

test('property: foreign keys and overrides.yaml survive any sequence of desired states', (t) => {
  const key = fc.stringMatching(/^[a-z]{1,8}(-toolset\.yaml|\.txt)$/);
  fc.assert(
    fc.property(fc.dictionary(fc.stringMatching(/^admin-[a-z]{1,6}$/), fc.string()), fc.array(fc.dictionary(key, fc.string()), { maxLength: 6 }), (adminKeys, states) => {
      let live: ConfigMapShape = { metadata: { ...ref }, data: { ...adminKeys, 'overrides.yaml': 'mine' } };
      for (const s of states) {
        const r = mergeConfigMap(live, desired(s), ref);
        if (r.write) live = r.write;
      }
      return Object.entries(adminKeys).every(([k, v]) => live.data![k] === v) && live.data!['overrides.yaml'] === 'mine';
    }),
  );
  t.pass();
});

test('property: the daemon\'s own writes are never drift, whatever it writes next; an edit of a generated key is', (t) => {
  const key = fc.stringMatching(/^[a-z]{1,8}-toolset\.yaml$/);
  fc.assert(
    fc.property(fc.array(fc.dictionary(key, fc.string()), { minLength: 1, maxLength: 6 }), (states) => {
      let live: ConfigMapShape | undefined;
      for (const s of states) {
        const r = mergeConfigMap(live, desired(s), ref);
        if (r.drifted.length > 0) return false;
        if (r.write) live = r.write;
      }
      const edited: ConfigMapShape = { ...live!, data: { ...live!.data, 'kubernetes-toolset.yaml': 'edited' } };
      return mergeConfigMap(edited, desired(states.at(-1)!), ref).drifted.join() === 'kubernetes-toolset.yaml';
    }),
  );
  t.pass();
});

test('a ConfigMap written before hashes were recorded reports no drift; the next write records them', (t) => {
  const first = mergeConfigMap(undefined, desired({}), ref).write!;
  delete first.metadata.annotations![GENERATED_SHA256_ANNOTATION];
  const r = mergeConfigMap({ ...first, data: { ...first.data, 'kubernetes-toolset.yaml': 'old output' } }, desired({}), ref);
  t.deepEqual(r.drifted, []);
  t.regex(r.write!.metadata.annotations![GENERATED_SHA256_ANNOTATION]!, /^custom_toolset\.yaml=[0-9a-f]{16},kubernetes-toolset\.yaml=[0-9a-f]{16}$/);
});
