// Golden outputs of the whole ConfigMap data for a realistic cluster, checked against HolmesGPT's loading rules,
// and determinism (same input twice, and in any order → byte-identical).
// Regenerate after an intended change: UPDATE_GOLDEN=1 npx ava test/toolsets/golden.test.ts (then review the diff).
import test from 'ava';
import fc from 'fast-check';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { renderConfigMapData } from '../../core/src/toolsets/index.js';
import type { RenderInput } from '../../core/src/toolsets/index.js';
import { realisticSet, shuffled } from './fixtures.js';
import { holmesProblems } from './holmes-rules.js';

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

export const ADMIN_OVERRIDES = `# The admin's file: credentials, a tenant header, one toolset off, one of their own.
toolsets:
  grafana/dashboards:
    config:
      api_key: "{{ env.GRAFANA_API_KEY }}"
  grafana/loki:
    config:
      additional_headers:
        X-Scope-OrgID: tenant-a
  elasticsearch/data:
    enabled: false
  billing-api/api:
    config:
      endpoints:
        - hosts: ["billing.internal.example.com:443"]
          paths: ["/v2/*"]
          methods: [GET]
          auth: {type: bearer, token: "{{ env.BILLING_TOKEN }}"}
  runbooks/api:
    type: http
    description: Internal runbook wiki (read-only)
    config:
      endpoints:
        - hosts: ["wiki.example.com"]
          paths: ["/api/*"]
          methods: [GET]
`;

const CASES: Record<string, () => RenderInput> = {
  realistic: () => ({ services: realisticSet(), overrides: null }),
  'realistic-with-overrides': () => ({ services: realisticSet(), overrides: ADMIN_OVERRIDES }),
  'no-services': () => ({ services: [], overrides: '' }),
};

for (const [name, input] of Object.entries(CASES)) {
  test(`golden: ${name}`, (t) => {
    const r = renderConfigMapData(input());
    t.is(r.error, undefined);
    const dir = path.join(goldenDir, name);
    if (process.env.UPDATE_GOLDEN) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const [key, value] of Object.entries(r.data)) writeFileSync(path.join(dir, key), value);
    }
    t.true(existsSync(dir), `no golden files in ${dir}: run with UPDATE_GOLDEN=1 and review them`);
    t.deepEqual(Object.keys(r.data), readdirSync(dir).sort(), 'the same ConfigMap keys');
    for (const [key, value] of Object.entries(r.data)) t.is(value, readFileSync(path.join(dir, key), 'utf8'), key);
  });
}

test('realistic: custom_toolset.yaml loads in HolmesGPT; the unhealthy Service is left out; kubernetes/logs yields to Loki and Elasticsearch', (t) => {
  const r = renderConfigMapData({ services: realisticSet(), overrides: null });
  const text = r.data['custom_toolset.yaml']!;
  t.deepEqual(holmesProblems(text, { disabled: new Set(['kubernetes/logs']) }), []);
  const toolsets = (parse(text) as { toolsets: Record<string, { enabled: boolean; config?: Record<string, unknown> }> }).toolsets;
  t.deepEqual(Object.keys(toolsets), [
    'alertmanager/api',
    'billing-api/api',
    'elasticsearch/cluster',
    'elasticsearch/data',
    'grafana/dashboards',
    'grafana/loki',
    'grafana/tempo',
    'jaeger/query',
    'kubernetes/core',
    'kubernetes/logs',
    'prometheus/metrics',
    'sentry/api',
  ]);
  t.false(text.includes('kubecost'), 'unhealthy Services publish nothing');
  t.deepEqual(r.skipped.map((s) => [s.key, s.reason]), [['kubecost/kubecost-prometheus-server', 'unhealthy']]);
  t.is(toolsets['kubernetes/logs']!.enabled, false);
  // HolmesGPT 2026's logging toolsets include elasticsearch/data (reference "Built-in toolset names").
  t.regex(text, /# turned off: elasticsearch\/data, grafana\/loki are the logging toolset/);
  t.deepEqual(toolsets['grafana/dashboards']!.config, { api_url: 'http://kps-prod-grafana.monitoring.svc.cluster.local:80' });
  t.deepEqual(toolsets['prometheus/metrics']!.config, { prometheus_url: 'http://kps-prod-kube-prometheus-s-prometheus.monitoring.svc.cluster.local:9090' });
  t.deepEqual(toolsets['elasticsearch/data']!.config, { api_url: 'https://elasticsearch-master.elastic.svc.cluster.local:9200', verify_ssl: false });
  t.deepEqual(
    Object.keys(r.data).filter((k) => k.endsWith('-toolset.yaml')),
    ['alertmanager', 'billing-api', 'elasticsearch', 'grafana', 'jaeger', 'kubernetes', 'loki', 'prometheus', 'sentry', 'tempo'].map((x) => `${x}-toolset.yaml`),
  );
  t.deepEqual(parse(r.data['sentry-toolset.yaml']!), { toolset: 'sentry', enabled: true, config: { url: 'http://errors-sentry-web.apps.svc.cluster.local:9000/api/0' } });
  t.deepEqual(parse(r.data['kubernetes-toolset.yaml']!), { toolset: 'kubernetes', enabled: true });
  for (const [key, value] of Object.entries(r.data)) t.true(value.startsWith('# '), `${key} starts with a comment`);
});

test('the needs-credentials Service is published, with a note in the YAML and in the API', (t) => {
  const r = renderConfigMapData({ services: realisticSet(), overrides: null });
  const text = r.data['custom_toolset.yaml']!;
  t.regex(text, /# needs credentials: apps\/billing-gateway answered the health check with HTTP 401 from GET \/; add them in overrides\.yaml/);
  t.regex(r.data['billing-api-toolset.yaml']!, /^# needs credentials: /m);
  const view = r.toolsets.find((v) => v.name === 'billing-api/api')!;
  t.like(view, { enabled: true, source: 'discovered', type: 'billing-api', service: 'apps/billing-gateway' });
  t.regex(view.note!, /^needs credentials/);
});

test('zero services: never an empty file — the baseline stays', (t) => {
  const r = renderConfigMapData({ services: [] });
  t.deepEqual(holmesProblems(r.data['custom_toolset.yaml']!), []);
  t.deepEqual(parse(r.data['custom_toolset.yaml']!), { toolsets: { 'kubernetes/core': { enabled: true }, 'kubernetes/logs': { enabled: true } } });
  t.deepEqual(Object.keys(r.data), ['custom_toolset.yaml', 'kubernetes-toolset.yaml', 'overrides.yaml']);
  t.deepEqual(
    r.toolsets.map((v) => [v.name, v.source, v.enabled]),
    [
      ['kubernetes/core', 'baseline', true],
      ['kubernetes/logs', 'baseline', true],
    ],
  );
});

test('with the admin overrides: still loads, the admin disabled elasticsearch/data, their templates are kept', (t) => {
  const r = renderConfigMapData({ services: realisticSet(), overrides: ADMIN_OVERRIDES });
  t.deepEqual(r.overrides, { state: 'applied', toolsets: ['billing-api/api', 'elasticsearch/data', 'grafana/dashboards', 'grafana/loki', 'runbooks/api'] });
  t.false('overrides.yaml' in r.data, 'an existing overrides.yaml is never written');
  t.deepEqual(
    holmesProblems(r.data['custom_toolset.yaml']!, {
      disabled: new Set(['kubernetes/logs', 'elasticsearch/data']),
      templated: new Set(['grafana/dashboards', 'billing-api/api']),
    }),
    [],
  );
});

test('determinism: the same input twice, and in any order, gives byte-identical data', (t) => {
  const first = renderConfigMapData({ services: realisticSet(), overrides: ADMIN_OVERRIDES });
  t.deepEqual(renderConfigMapData({ services: realisticSet(), overrides: ADMIN_OVERRIDES }), first);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
      const again = renderConfigMapData({ services: shuffled(realisticSet(), seed), overrides: ADMIN_OVERRIDES });
      return JSON.stringify(again.data) === JSON.stringify(first.data) && JSON.stringify(again.toolsets) === JSON.stringify(first.toolsets);
    }),
    { numRuns: 50 },
  );
});
