// Several healthy instances of one type: the primary feeds the toolsets; with holmesgpt.multi_instance the others
// join them as `config.instances` (or hosts of a `type: http` toolset), HolmesGPT 2026's own form; otherwise they
// are skipped with a reason.
import test from 'ava';
import { parse } from 'yaml';
import { buildToolsets, instanceNames, renderConfigMapData } from '../../core/src/toolsets/index.js';
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

// HolmesGPT 2026 has no suffixed built-ins (`prometheus/metrics:<ns>-<name>` fails: "description Field required"):
// several instances go into `config.instances: [{name, …}]` of the base name; `type: http` toolsets list every
// instance's host in `config.endpoints`. (These expectations replace the suffixed names this test used to expect.)
test('multi-instance on: config.instances under the base name, primary first, per-instance keys; http toolsets list every host', (t) => {
  const r = renderConfigMapData({ services: services(), primary: { prometheus: 'monitoring/main-prometheus' }, multiInstance: true });
  t.is(r.error, undefined);
  const text = r.data['custom_toolset.yaml']!;
  // elasticsearch/data is a logging toolset (HolmesGPT 2026): kubernetes/logs is turned off.
  t.deepEqual(holmesProblems(text, { disabled: new Set(['kubernetes/logs']) }), []);
  t.notRegex(text, /^ {2}[a-z/_-]+:[a-z0-9-]+:$/m, 'no suffixed toolset name');
  const toolsets = (parse(text) as { toolsets: Record<string, { config?: Record<string, unknown>; llm_instructions?: string }> }).toolsets;
  t.deepEqual(Object.keys(toolsets), ['elasticsearch/cluster', 'elasticsearch/data', 'kubernetes/core', 'kubernetes/logs', 'prometheus/metrics', 'sentry/api']);
  t.deepEqual(toolsets['prometheus/metrics']!.config, {
    instances: [
      { name: 'monitoring-main-prometheus', prometheus_url: 'http://main-prometheus.monitoring.svc.cluster.local:9090' },
      { name: 'kubecost-cost-prometheus', prometheus_url: 'http://cost-prometheus.kubecost.svc.cluster.local:80' },
      { name: 'team-a-vmselect', prometheus_url: 'http://vmselect.team-a.svc.cluster.local:8481/select/0/prometheus', subtype: 'victoriametrics' },
    ],
  });
  t.deepEqual(toolsets['elasticsearch/data']!.config, {
    instances: [
      { api_url: 'http://es-a.elastic.svc.cluster.local:9200', name: 'elastic-es-a' },
      { api_url: 'https://es-b.logs.svc.cluster.local:9200', name: 'logs-es-b', verify_ssl: false },
    ],
  });
  t.deepEqual(toolsets['sentry/api']!.config, {
    endpoints: [{ hosts: ['sentry.apps.svc.cluster.local:9000', 'sentry.apps2.svc.cluster.local:9000'], methods: ['GET'], paths: ['/*'] }],
  });
  t.regex(toolsets['sentry/api']!.llm_instructions!, /There are 2 instances of this API, one per host in the endpoints: apps\/sentry \(instance apps-sentry\), apps2\/sentry \(instance apps2-sentry\)/);
  t.regex(text, /# from Service monitoring\/main-prometheus: type prometheus, primary \(config, 1 of 3\); 3 instances: monitoring-main-prometheus, kubecost-cost-prometheus, team-a-vmselect\n/);
  t.regex(text, /# needs credentials: team-a\/vmselect \(instance team-a-vmselect\) answered .*prometheus\/metrics reads config\.additional_headers\)\n/);
  t.deepEqual(parse(r.data['prometheus-toolset.yaml']!), { toolset: 'prometheus', enabled: true, config: { url: 'http://main-prometheus.monitoring.svc.cluster.local:9090' } });
  t.deepEqual(r.skipped, []);
  t.like(r.toolsets.find((v) => v.name === 'sentry/api'), { type: 'sentry', service: 'apps/sentry', source: 'discovered', enabled: true });
  // Without the flag: the primary alone, flat, exactly as before.
  const off = parse(renderConfigMapData({ services: services(), primary: { prometheus: 'monitoring/main-prometheus' } }).data['custom_toolset.yaml']!) as typeof parse;
  t.deepEqual((off as unknown as { toolsets: Record<string, { config: unknown }> }).toolsets['prometheus/metrics']!.config, { prometheus_url: 'http://main-prometheus.monitoring.svc.cluster.local:9090' });
});

test('instance names are stable DNS labels: colliding names both get a hash of their key, long ones are cut with one', (t) => {
  // "a-b/c" and "a/b-c" both give "a-b-c".
  const built = buildToolsets(
    [
      published({ ns: 'm', name: 'primary', detector: 'prometheus', port: 9090, primary: true }),
      published({ ns: 'a-b', name: 'c', detector: 'prometheus', port: 9090 }),
      published({ ns: 'a', name: 'b-c', detector: 'prometheus', port: 9090 }),
    ],
    { multiInstance: true },
  );
  const names = ((built.entries.get('prometheus/metrics')!.entry.config as { instances: Array<{ name: string }> }).instances).map((i) => i.name);
  t.is(names[0], 'm-primary');
  t.is(names.length, 3);
  t.is(new Set(names).size, 3);
  for (const n of names) t.regex(n, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  t.regex(names[1]!, /^a-b-c-[0-9a-f]{8}$/);
  t.regex(names[2]!, /^a-b-c-[0-9a-f]{8}$/);
  t.deepEqual(built.conflicts, []);
  // The same key always gets the same name, whatever else is there.
  const alone = instanceNames(['a/b-c']);
  t.is(alone.get('a/b-c'), 'a-b-c');
  const again = instanceNames(['x/y', 'a/b-c', 'a-b/c']);
  t.is(again.get('a/b-c'), names[1], 'rule order puts namespace "a" before "a-b"');
  t.is(again.get('a-b/c'), names[2]);
  const long = instanceNames([`${'n'.repeat(40)}/${'s'.repeat(40)}`]).get(`${'n'.repeat(40)}/${'s'.repeat(40)}`)!;
  t.true(long.length <= 63);
  t.regex(long, /^n+-s+-[0-9a-f]{8}$/);
});

test('overrides address one instance by its name; the others stay as found; a flat entry is addressed by its one instance name', (t) => {
  const overrides = 'toolsets:\n  prometheus/metrics:\n    config:\n      instances:\n        - name: team-a-vmselect\n          additional_headers: {Authorization: "Bearer {{ env.VM_TOKEN }}"}\n';
  const r = renderConfigMapData({ services: services(), primary: { prometheus: 'monitoring/main-prometheus' }, multiInstance: true, overrides });
  t.is(r.overrides.state, 'applied', JSON.stringify(r.overrides));
  const config = (parse(r.data['custom_toolset.yaml']!) as { toolsets: Record<string, { config: { instances: Array<Record<string, unknown>> } }> }).toolsets['prometheus/metrics']!.config;
  t.deepEqual(config.instances.map((i) => i.name), ['monitoring-main-prometheus', 'kubecost-cost-prometheus', 'team-a-vmselect']);
  t.deepEqual(config.instances[2], {
    additional_headers: { Authorization: 'Bearer {{ env.VM_TOKEN }}' },
    name: 'team-a-vmselect',
    prometheus_url: 'http://vmselect.team-a.svc.cluster.local:8481/select/0/prometheus',
    subtype: 'victoriametrics',
  });
  t.deepEqual(config.instances[0], { name: 'monitoring-main-prometheus', prometheus_url: 'http://main-prometheus.monitoring.svc.cluster.local:9090' });
  t.deepEqual(holmesProblems(r.data['custom_toolset.yaml']!, { templated: new Set(['prometheus/metrics']), disabled: new Set(['kubernetes/logs']) }), []);
  // multi_instance off: the entry is flat; the same override addresses its only instance by name.
  const flat = renderConfigMapData({
    services: services(),
    primary: { prometheus: 'team-a/vmselect' },
    overrides,
  });
  t.is(flat.overrides.state, 'applied');
  t.deepEqual((parse(flat.data['custom_toolset.yaml']!) as { toolsets: Record<string, { config: unknown }> }).toolsets['prometheus/metrics']!.config, {
    instances: [
      {
        additional_headers: { Authorization: 'Bearer {{ env.VM_TOKEN }}' },
        name: 'team-a-vmselect',
        prometheus_url: 'http://vmselect.team-a.svc.cluster.local:8481/select/0/prometheus',
        subtype: 'victoriametrics',
      },
    ],
  });
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
