// Several healthy instances of one type: the primary feeds the base names; with holmesgpt.multi_instance the
// others are added under `<toolset>:<namespace>-<name>` (HolmesGPT 2026), otherwise they are skipped with a reason.
import test from 'ava';
import { parse } from 'yaml';
import { buildToolsets, renderConfigMapData } from '../../core/src/toolsets/index.js';
import { published } from './fixtures.js';
import { holmesProblems } from './holmes-rules.js';

const services = () => [
  published({ ns: 'monitoring', name: 'main-prometheus', detector: 'prometheus', port: 9090 }),
  published({ ns: 'kubecost', name: 'cost-prometheus', detector: 'prometheus', port: 80 }),
  published({ ns: 'team-a', name: 'vmselect', detector: 'prometheus', port: 8481, path: '/select/0/prometheus', healthPath: '/health', health: 'needs-credentials' }),
  published({ ns: 'elastic', name: 'es-a', detector: 'elasticsearch', port: 9200 }),
  published({ ns: 'logs', name: 'es-b', detector: 'elasticsearch', scheme: 'https', port: 9200 }),
  published({ ns: 'apps', name: 'sentry', detector: 'custom', type: 'sentry', port: 9000 }),
  published({ ns: 'apps2', name: 'sentry', detector: 'custom', type: 'sentry', port: 9000 }),
];

test('multi-instance off: one toolset per name, the others are reported as not-primary', (t) => {
  const built = buildToolsets(services(), { primary: { prometheus: 'monitoring/main-prometheus' } });
  t.deepEqual([...built.entries.keys()], ['elasticsearch/cluster', 'elasticsearch/data', 'kubernetes/core', 'kubernetes/logs', 'prometheus/metrics', 'sentry/api']);
  t.is(built.entries.get('prometheus/metrics')!.service, 'monitoring/main-prometheus');
  t.deepEqual(
    built.skipped.map((s) => [s.key, s.reason]),
    [
      ['apps2/sentry', 'not-primary'],
      ['kubecost/cost-prometheus', 'not-primary'],
      ['logs/es-b', 'not-primary'],
      ['team-a/vmselect', 'not-primary'],
    ],
  );
  t.regex(built.skipped.find((s) => s.key === 'kubecost/cost-prometheus')!.detail, /instance 2 of 3 of prometheus; the primary is monitoring\/main-prometheus \(holmesgpt\.multi_instance is off\)/);
  // All instances stay visible for the API.
  t.deepEqual(built.primaries.find((p) => p.type === 'prometheus')!.instances, ['monitoring/main-prometheus', 'kubecost/cost-prometheus', 'team-a/vmselect']);
});

test('multi-instance on: the others get suffixed names; the base name and the per-type key stay the primary\'s', (t) => {
  const r = renderConfigMapData({ services: services(), primary: { prometheus: 'monitoring/main-prometheus' }, multiInstance: true });
  const text = r.data['custom_toolset.yaml']!;
  t.deepEqual(holmesProblems(text), []);
  const toolsets = (parse(text) as { toolsets: Record<string, { config?: Record<string, unknown> }> }).toolsets;
  t.deepEqual(Object.keys(toolsets), [
    'elasticsearch/cluster',
    'elasticsearch/cluster:logs-es-b',
    'elasticsearch/data',
    'elasticsearch/data:logs-es-b',
    'kubernetes/core',
    'kubernetes/logs',
    'prometheus/metrics',
    'prometheus/metrics:kubecost-cost-prometheus',
    'prometheus/metrics:team-a-vmselect',
    'sentry/api',
    'sentry/api:apps2-sentry',
  ]);
  t.deepEqual(toolsets['prometheus/metrics']!.config, { prometheus_url: 'http://main-prometheus.monitoring.svc.cluster.local:9090' });
  t.deepEqual(toolsets['prometheus/metrics:team-a-vmselect']!.config, {
    healthcheck: 'api/v1/query?query=up',
    prometheus_url: 'http://vmselect.team-a.svc.cluster.local:8481/select/0/prometheus',
  });
  t.deepEqual(toolsets['elasticsearch/data:logs-es-b']!.config, { api_url: 'https://es-b.logs.svc.cluster.local:9200', verify_ssl: false });
  t.regex(text, /# from Service kubecost\/cost-prometheus: type prometheus, instance 2 of 3, primary monitoring\/main-prometheus\n {2}prometheus\/metrics:kubecost-cost-prometheus:/);
  t.regex(text, /# needs credentials: team-a\/vmselect .*\n {2}prometheus\/metrics:team-a-vmselect:/);
  t.deepEqual(parse(r.data['prometheus-toolset.yaml']!), { toolset: 'prometheus', enabled: true, config: { url: 'http://main-prometheus.monitoring.svc.cluster.local:9090' } });
  t.deepEqual(r.skipped, []);
  t.like(
    r.toolsets.find((v) => v.name === 'sentry/api:apps2-sentry'),
    { type: 'sentry', service: 'apps2/sentry', source: 'discovered', enabled: true },
  );
});

test('a suffixed name that collides keeps its first claim and reports the other', (t) => {
  // "a-b/c" and "a/b-c" both suffix to "a-b-c".
  const built = buildToolsets(
    [
      published({ ns: 'm', name: 'primary', detector: 'prometheus', port: 9090, primary: true }),
      published({ ns: 'a-b', name: 'c', detector: 'prometheus', port: 9090 }),
      published({ ns: 'a', name: 'b-c', detector: 'prometheus', port: 9090 }),
    ],
    { multiInstance: true },
  );
  t.is(built.entries.get('prometheus/metrics:a-b-c')!.service, 'a/b-c', 'the rule order decides: namespace "a" before "a-b"');
  t.deepEqual(built.conflicts, [{ name: 'prometheus/metrics:a-b-c', kept: 'a/b-c', dropped: 'a-b/c' }]);
  t.regex(built.warnings.join('\n'), /toolset prometheus\/metrics:a-b-c from a-b\/c dropped: already generated for a\/b-c/);
});

test('two types claiming one name: the first type (alphabetical) keeps it; a plugin cannot take a baseline name', (t) => {
  const loki = published({ ns: 'loki', name: 'loki', detector: 'loki', port: 3100 });
  const other = { ...published({ ns: 'logs', name: 'vlogs', detector: 'loki', port: 9428 }), type: 'victorialogs' };
  const rogue = {
    ...published({ ns: 'x', name: 'rogue', detector: 'custom', type: 'rogue', port: 80 }),
    toolsets: { 'kubernetes/core': { enabled: true, config: { evil: true } }, 'rogue/api': { enabled: true, type: 'http', description: 'r', config: { endpoints: [{ hosts: ['rogue.x.svc:80'] }] } } },
  };
  const built = buildToolsets([other, loki, rogue]);
  t.is(built.entries.get('grafana/loki')!.service, 'loki/loki');
  t.deepEqual(built.entries.get('kubernetes/core')!.entry, { enabled: true });
  t.deepEqual(built.conflicts, [
    { name: 'kubernetes/core', kept: 'baseline', dropped: 'x/rogue' },
    { name: 'grafana/loki', kept: 'loki/loki', dropped: 'logs/vlogs' },
  ]);
  t.true(built.entries.has('rogue/api'));
});
