// From published Services to generated toolsets: health, plugin answers, the generic HTTP toolset, sanitising.
import test from 'ava';
import { parse } from 'yaml';
import { buildToolsets, genericEntry, renderConfigMapData, toPublishedService } from '../../core/src/toolsets/index.js';
import type { DetectedService } from '../../core/src/detection/engine.js';
import { published } from './fixtures.js';
import { holmesProblems } from './holmes-rules.js';

test('unhealthy Services publish nothing; needs-credentials and unchecked ones are published', (t) => {
  const built = buildToolsets([
    published({ ns: 'a', name: 'down', detector: 'grafana', port: 80, health: 'unhealthy', reason: 'timeout after 2s' }),
    published({ ns: 'b', name: 'creds', detector: 'tempo', port: 3200, health: 'needs-credentials', reason: 'HTTP 403' }),
    published({ ns: 'c', name: 'unknown', detector: 'custom', type: 'sentry', port: 9000, health: 'unchecked' }),
  ]);
  t.deepEqual([...built.entries.keys()], ['grafana/tempo', 'kubernetes/core', 'kubernetes/logs', 'sentry/api']);
  t.deepEqual([...built.perType.keys()], ['sentry', 'tempo']);
  t.deepEqual(built.skipped, [{ key: 'a/down', type: 'grafana', reason: 'unhealthy', detail: 'a/down is unhealthy: timeout after 2s' }]);
  t.like(built.entries.get('grafana/tempo'), { needsCredentials: true, note: 'needs credentials: b/creds answered the health check with HTTP 403; add them in overrides.yaml (grafana/tempo reads config.api_key, or config.username and config.password, or config.additional_headers)',
  });
  t.like(built.perType.get('tempo'), { needsCredentials: true, url: 'http://creds.b.svc.cluster.local:3200' });
});

test('without a plugin answer: a HolmesGPT 2026 http toolset for the endpoint, with the plugin description', (t) => {
  const s = published({ ns: 'apps', name: 'inventory', detector: 'custom', type: 'inventory', scheme: 'https', port: 8443, path: '/v1', description: 'Inventory service.' });
  t.deepEqual(genericEntry(s), {
    enabled: true,
    type: 'http',
    description: 'inventory HTTP API of Service apps/inventory at https://inventory.apps.svc.cluster.local:8443/v1 (detector custom: Inventory service.)',
    llm_instructions:
      "Read-only access with GET requests to https://inventory.apps.svc.cluster.local:8443/v1. Nothing more is known about this API than its detector's description; explore it from its root or documented paths and say so when a request is refused.",
    config: { endpoints: [{ hosts: ['inventory.apps.svc.cluster.local:8443'], paths: ['/v1/*'], methods: ['GET'] }] },
  });
  const r = renderConfigMapData({ services: [s] });
  t.deepEqual(holmesProblems(r.data['custom_toolset.yaml']!), []);
  t.deepEqual(parse(r.data['inventory-toolset.yaml']!), { toolset: 'inventory', enabled: true, config: { url: 'https://inventory.apps.svc.cluster.local:8443/v1' } });
});

test('a plugin answer is sanitised: entry keys only, enabled: true, nested keys sorted, no templates', (t) => {
  const s = {
    ...published({ ns: 'm', name: 'p', detector: 'prometheus', port: 9090 }),
    toolsets: {
      'prometheus/metrics': {
        enabled: false,
        enable: true,
        bogus: 1,
        config: { verify_ssl: false, additional_labels: { y: '2', b: '3' }, prometheus_url: 'x{{ env.X }}', url: 'not read', prometheus_ssl_enabled: true },
      },
    },
  };
  const built = buildToolsets([s]);
  const entry = built.entries.get('prometheus/metrics')!.entry;
  // HolmesGPT 2026 reads only current config key names: an unread key is dropped, a deprecated alias is written
  // under its current name unless that is set (verify_ssl wins over prometheus_ssl_enabled here).
  t.deepEqual(entry, { enabled: true, config: { additional_labels: { b: '3', y: '2' }, prometheus_url: 'x{ { env.X }}', verify_ssl: false } });
  t.deepEqual(Object.keys(entry.config as object), ['additional_labels', 'prometheus_url', 'verify_ssl']);
  t.true(built.warnings.some((w) => w.includes('prometheus/metrics from m/p: config key dropped: `url` is not read by prometheus/metrics')));
});

test('an empty plugin answer publishes no toolset but keeps the per-type key', (t) => {
  const s = { ...published({ ns: 'm', name: 'p', detector: 'prometheus', port: 9090 }), toolsets: {} };
  const built = buildToolsets([s]);
  t.deepEqual([...built.entries.keys()], ['kubernetes/core', 'kubernetes/logs']);
  t.true(built.perType.has('prometheus'));
});

test('a Service of type "kubernetes" cannot replace the baseline per-type key; an invalid type is skipped', (t) => {
  const built = buildToolsets([
    published({ ns: 'a', name: 'k', detector: 'custom', type: 'kubernetes', port: 80 }),
    { ...published({ ns: 'a', name: 'bad', detector: 'custom', type: 'x', port: 80 }), type: 'Bad_Type\nx: 1' },
  ]);
  t.false(built.perType.has('kubernetes'));
  t.true(built.entries.has('kubernetes/api'));
  t.deepEqual(built.skipped.map((s) => [s.key, s.reason]), [['a/bad', 'invalid-type']]);
  const r = renderConfigMapData({ services: [published({ ns: 'a', name: 'k', detector: 'custom', type: 'kubernetes', port: 80 })] });
  t.deepEqual(parse(r.data['kubernetes-toolset.yaml']!), { toolset: 'kubernetes', enabled: true });
});

test('the same key given twice is kept once, deterministically', (t) => {
  const healthy = published({ ns: 'a', name: 'p', detector: 'prometheus', port: 9090 });
  const creds = published({ ns: 'a', name: 'p', detector: 'prometheus', port: 9091, health: 'needs-credentials' });
  const one = buildToolsets([creds, healthy]);
  const two = buildToolsets([healthy, creds]);
  t.deepEqual(one, two);
  t.is(one.perType.get('prometheus')!.url, 'http://p.a.svc.cluster.local:9090');
  t.deepEqual(one.skipped.map((s) => s.reason), ['duplicate']);
});

test('toPublishedService: a DetectedService plus health and the plugin answer; the primary annotation is read', (t) => {
  const d: DetectedService = {
    key: 'monitoring/prom',
    namespace: 'monitoring',
    name: 'prom',
    detector: 'prometheus',
    type: 'prometheus',
    headless: false,
    selector: {},
    labels: {},
    annotations: { 'kubernaut.io/toolset-primary': ' True ' },
    endpoint: { type: 'prometheus', url: 'http://prom.monitoring.svc.cluster.local:9090', scheme: 'http', host: 'prom.monitoring.svc.cluster.local', port: 9090, path: '', healthPath: '/-/healthy', explicitEndpoint: false },
  };
  const p = toPublishedService(d, { description: 'Prometheus', health: { state: 'healthy' }, toolsets: null });
  t.like(p, { key: 'monitoring/prom', url: 'http://prom.monitoring.svc.cluster.local:9090', primaryAnnotation: true, toolsets: null, path: '' });
  t.false(toPublishedService({ ...d, annotations: { 'kubernaut.io/toolset-primary': 'yes' } }, { description: '', health: { state: 'healthy' }, toolsets: null }).primaryAnnotation);
});

test('the API view redacts secret-looking config values at any depth', (t) => {
  const r = renderConfigMapData({
    services: [published({ ns: 'm', name: 'g', detector: 'grafana', port: 80 })],
    overrides:
      'toolsets:\n  grafana/dashboards:\n    config:\n      api_key: k\n      additional_headers: {Authorization: "Bearer t", X-Scope-OrgID: tenant, X-API-Key: k}\n      username: u\n      password: p\n',
  });
  t.is(r.overrides.state, 'applied');
  t.deepEqual(r.toolsets.find((v) => v.name === 'grafana/dashboards')!.config, {
    additional_headers: { Authorization: '<redacted>', 'X-API-Key': '<redacted>', 'X-Scope-OrgID': 'tenant' },
    api_key: '<redacted>',
    api_url: 'http://g.m.svc.cluster.local:80',
    password: '<redacted>',
    username: 'u',
  });
  t.regex(r.data['custom_toolset.yaml']!, /api_key: k\n/, 'the file itself carries the real value');
});
