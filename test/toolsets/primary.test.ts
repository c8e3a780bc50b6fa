// One primary per type: annotation, then config, then the rule (healthy < unchecked < needs-credentials, then
// namespace, then name) — the same answer for any input order.
import test from 'ava';
import fc from 'fast-check';
import { buildToolsets, choosePrimaries, renderConfigMapData } from '../../core/src/toolsets/index.js';
import type { HealthState, PublishedService } from '../../core/src/toolsets/index.js';
import { published } from './fixtures.js';

const prom = (ns: string, name: string, o: { health?: HealthState; primary?: boolean } = {}): PublishedService =>
  published({ ns, name, detector: 'prometheus', port: 9090, ...o });

test('a single instance is the primary ("only")', (t) => {
  t.like(choosePrimaries([prom('monitoring', 'prom')])[0], { type: 'prometheus', key: 'monitoring/prom', reason: 'only', instances: ['monitoring/prom'] });
});

test('the rule: healthy before unchecked before needs-credentials, then lowest namespace, then lowest name', (t) => {
  const services = [
    prom('a', 'creds', { health: 'needs-credentials' }),
    prom('b', 'z'),
    prom('b', 'a'),
    prom('c', 'unchecked', { health: 'unchecked' }),
    prom('a', 'down', { health: 'unhealthy' }),
  ];
  const [choice] = choosePrimaries(services);
  t.like(choice, { key: 'b/a', reason: 'rule' });
  t.deepEqual(choice!.instances, ['b/a', 'b/z', 'c/unchecked', 'a/creds'], 'unhealthy instances are not candidates');
  t.regex(choice!.detail, /chosen among 4 instances by the rule/);
});

test('the annotation wins over config and rule; config wins over the rule', (t) => {
  const services = [prom('a', 'first'), prom('z', 'annotated', { primary: true }), prom('m', 'configured')];
  const byAnnotation = choosePrimaries(services, { prometheus: 'm/configured' })[0]!;
  t.like(byAnnotation, { key: 'z/annotated', reason: 'annotation' });
  t.deepEqual(byAnnotation.warnings, ['config primary m/configured ignored: the annotation wins']);
  t.like(choosePrimaries([prom('a', 'first'), prom('m', 'configured')], { prometheus: 'm/configured' })[0], { key: 'm/configured', reason: 'config', warnings: [] });
  t.like(choosePrimaries([prom('a', 'first'), prom('m', 'configured')], { grafana: 'm/configured' })[0], { key: 'a/first', reason: 'rule' }, 'config for another type does not apply');
});

test('an unhealthy annotated or configured primary falls through, with a warning', (t) => {
  const services = [prom('a', 'first'), prom('z', 'annotated', { primary: true, health: 'unhealthy' }), prom('m', 'configured', { health: 'unhealthy' })];
  const choice = choosePrimaries(services, { prometheus: 'm/configured' })[0]!;
  t.like(choice, { key: 'a/first', reason: 'only' });
  t.deepEqual(choice.warnings, ['z/annotated is annotated primary but unhealthy', 'config primary m/configured for prometheus is unhealthy']);
  const unknown = choosePrimaries([prom('a', 'first'), prom('b', 'second')], { prometheus: 'nope/missing' })[0]!;
  t.like(unknown, { key: 'a/first', reason: 'rule' });
  t.deepEqual(unknown.warnings, ['config primary nope/missing for prometheus is not a detected Service of this type']);
});

test('several annotated Services: the rule picks among them, with a warning', (t) => {
  const choice = choosePrimaries([prom('x', 'one', { primary: true }), prom('b', 'two', { primary: true }), prom('a', 'plain')])[0]!;
  t.like(choice, { key: 'b/two', reason: 'annotation' });
  t.deepEqual(choice.warnings, ['2 Services are annotated primary (b/two, x/one); chose b/two by the rule']);
});

test('the primary feeds the base toolset name and the per-type key', (t) => {
  const services = [prom('a', 'first'), prom('z', 'annotated', { primary: true })];
  const built = buildToolsets(services);
  t.is(built.entries.get('prometheus/metrics')!.service, 'z/annotated');
  t.deepEqual(built.perType.get('prometheus'), { type: 'prometheus', url: 'http://annotated.z.svc.cluster.local:9090', service: 'z/annotated', needsCredentials: false });
  t.deepEqual(built.skipped.map((s) => [s.key, s.reason]), [['a/first', 'not-primary']]);
  const r = renderConfigMapData({ services, primary: { prometheus: 'a/first' } });
  t.regex(r.data['prometheus-toolset.yaml']!, /url: http:\/\/annotated\.z\.svc\.cluster\.local:9090/);
});

const HEALTH: HealthState[] = ['healthy', 'needs-credentials', 'unhealthy', 'unchecked'];
const instance = fc.record({
  ns: fc.constantFrom('a', 'b', 'monitoring', 'prod', 'z-ns'),
  name: fc.constantFrom('p', 'prom', 'prom-2', 'server', 'x'),
  health: fc.constantFrom(...HEALTH),
  primary: fc.boolean(),
  type: fc.constantFrom('prometheus', 'loki', 'sentry'),
});
const distinct = fc.uniqueArray(instance, { selector: (s) => `${s.ns}/${s.name}`, maxLength: 12 });
const toService = (s: { ns: string; name: string; health: HealthState; primary: boolean; type: string }): PublishedService =>
  published({ ns: s.ns, name: s.name, detector: 'custom', type: s.type, port: 80, health: s.health, primary: s.primary });

test('property: the choice does not depend on the input order', (t) => {
  fc.assert(
    fc.property(distinct, fc.boolean(), fc.func(fc.integer()), (specs, withConfig, key) => {
      const services = specs.map(toService);
      const config = withConfig && services.length > 0 ? { [services[0]!.type]: `${services[services.length - 1]!.namespace}/${services[services.length - 1]!.name}` } : {};
      const sorted = JSON.stringify(choosePrimaries(services, config));
      const shuffledServices = [...services].sort((a, b) => key(a.key) - key(b.key));
      return JSON.stringify(choosePrimaries(shuffledServices, config)) === sorted;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('property: the primary is publishable, annotated when any publishable one is, and first by the rule otherwise', (t) => {
  fc.assert(
    fc.property(distinct, (specs) => {
      const services = specs.map(toService);
      for (const choice of choosePrimaries(services)) {
        const ofType = services.filter((s) => s.type === choice.type && s.health.state !== 'unhealthy');
        const chosen = ofType.find((s) => s.key === choice.key);
        if (!chosen) return false;
        const annotated = ofType.filter((s) => s.primaryAnnotation);
        if (annotated.length > 0 && !chosen.primaryAnnotation) return false;
        if (choice.instances.length !== ofType.length) return false;
        const rank = { healthy: 0, unchecked: 1, 'needs-credentials': 2, unhealthy: 3 };
        const pool = annotated.length > 0 ? annotated : ofType;
        const better = pool.some(
          (s) =>
            rank[s.health.state] < rank[chosen.health.state] ||
            (rank[s.health.state] === rank[chosen.health.state] && (s.namespace < chosen.namespace || (s.namespace === chosen.namespace && s.name < chosen.name))),
        );
        if (better) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
