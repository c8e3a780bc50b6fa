// The adapters record what the hooks tell them, and the plain recorders and tracked sources set what they are given.
import test from 'ava';
import { createMetrics, configMapBytes } from '../../core/src/metrics/index.js';
import { healthFailureReason, httpMethod } from '../../core/src/metrics/labels.js';
import type { InformerStats } from '../../core/src/discovery/informer.js';
import type { HealthResult } from '../../core/src/health/types.js';
import { read, value } from './helpers.js';

const fresh = (now = () => 0) => createMetrics({ collectDefaults: false, now });

function health(state: HealthResult['state'], extra: Partial<HealthResult> = {}): HealthResult {
  return { state, checkedAt: '2024-01-01T00:00:00Z', latencyMs: 1, via: 'direct', ...extra };
}

test('plugin observer: a timeout counts under its detector and kind; calls, failed calls and quarantines', async (t) => {
  const metrics = fresh();
  const o = metrics.pluginObserver();
  o.failure!({ plugin: 'x', kind: 'timeout', message: 'exceeded its time limit', service: 'ns/a' });
  o.failure!({ plugin: 'x', kind: 'timeout', message: 'exceeded its time limit' });
  o.failure!({ plugin: 'x', kind: 'memory', message: 'oom' });
  o.call!('x', 'detect', 0.02, true);
  o.call!('x', 'detect', 0.1, false);
  o.call!('x', 'toolsets', 0.003, true);
  o.quarantined!('x', '5 consecutive failures');
  const text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'x', error_type: 'timeout' }), 2);
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'x', error_type: 'memory' }), 1);
  // The first failure registered the detector: the other kinds exist at 0.
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'x', error_type: 'crashed' }), 0);
  t.is(value(text, 'dynamic_toolset_plugin_calls_total', { plugin: 'x', op: 'detect' }), 2);
  t.is(value(text, 'dynamic_toolset_plugin_call_failures_total', { plugin: 'x', op: 'detect' }), 1);
  t.is(value(text, 'dynamic_toolset_plugin_calls_total', { plugin: 'x', op: 'toolsets' }), 1);
  t.is(value(text, 'dynamic_toolset_plugin_call_failures_total', { plugin: 'x', op: 'toolsets' }), 0);
  t.is(value(text, 'dynamic_toolset_plugin_call_duration_seconds_count', { plugin: 'x', op: 'detect' }), 2);
  t.is(value(text, 'dynamic_toolset_plugin_call_duration_seconds_bucket', { plugin: 'x', op: 'detect', le: '0.05' }), 1);
  t.is(value(text, 'dynamic_toolset_plugin_quarantines_total', { plugin: 'x' }), 1);
  t.is(value(text, 'dynamic_toolset_plugin_quarantined', { plugin: 'x' }), 1);

  // A reload brings a fresh, unquarantined plugin: the gauge follows the list, the counter keeps its history.
  metrics.setPlugins([{ name: 'x', status: 'active', stats: { quarantined: false } }]);
  t.is(await read(metrics, 'dynamic_toolset_plugin_quarantined', { plugin: 'x' }), 0);
  t.is(await read(metrics, 'dynamic_toolset_plugin_quarantines_total', { plugin: 'x' }), 1);
  // Removed: its gauge series goes away.
  metrics.setPlugins([]);
  t.is(await read(metrics, 'dynamic_toolset_plugin_quarantined', { plugin: 'x' }), undefined);
});

test('engine observer: batch durations, skips by reason, host-refused answers and whole runs', async (t) => {
  const metrics = fresh(() => 1_700_000_000_000);
  const o = metrics.engineObserver();
  o.detectorBatch!('prometheus', 0.004, 12);
  o.detectorBatch!('prometheus', 0.3, 3);
  o.skipped!('grafana', 'namespace_excluded');
  o.skipped!('loki', 'namespace_excluded');
  o.skipped!('loki', 'annotations_missing');
  o.rejected!('prometheus', 'ns/svc', 'bad-result', 'port "web" not found');
  o.rejected!('prometheus', 'ns/svc', 'something-new', '?');
  o.run(15, 0.42);
  const text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_detector_duration_seconds_count', { detector: 'prometheus' }), 2);
  t.is(value(text, 'dynamic_toolset_detector_duration_seconds_sum', { detector: 'prometheus' }), 0.304);
  t.is(value(text, 'dynamic_toolset_detector_duration_seconds_bucket', { detector: 'prometheus', le: '0.005' }), 1);
  t.is(value(text, 'dynamic_toolset_detector_services_examined_total', { detector: 'prometheus' }), 15);
  t.is(value(text, 'dynamic_toolset_discovery_skipped_total', { reason: 'namespace_excluded' }), 2);
  t.is(value(text, 'dynamic_toolset_discovery_skipped_total', { reason: 'annotations_missing' }), 1);
  t.is(value(text, 'dynamic_toolset_discovery_skipped_total', { reason: 'namespace_not_included' }), 0);
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'prometheus', error_type: 'bad-result' }), 1);
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'prometheus', error_type: 'other' }), 1);
  t.is(value(text, 'dynamic_toolset_discovery_runs_total'), 1);
  t.is(value(text, 'dynamic_toolset_discovery_run_duration_seconds_count'), 1);
  t.is(value(text, 'dynamic_toolset_discovery_run_duration_seconds_bucket', { le: '0.5' }), 1);
  t.is(value(text, 'dynamic_toolset_discovery_run_duration_seconds_bucket', { le: '0.25' }), 0);
  t.is(value(text, 'dynamic_toolset_discovery_services_examined_total'), 15);
  t.is(value(text, 'dynamic_toolset_discovery_last_run_timestamp_seconds'), 1_700_000_000);
});

test('health observer: probes by state and duration, failures by bounded reason, listener errors', async (t) => {
  const metrics = fresh();
  const o = metrics.healthObserver();
  o.probed!('a/b', health('healthy', { status: 200 }), 0.02);
  o.probed!('a/c', health('unhealthy', { reason: 'timed out after 2000 ms' }), 2);
  o.probed!('a/d', health('unhealthy', { status: 503, reason: 'HTTP 503' }), 0.01);
  o.probed!('a/e', health('needs-credentials', { status: 401 }), 0.01);
  o.listenerFailed!('a/b', new Error('boom'));
  const text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_health_checks_total', { state: 'healthy' }), 1);
  t.is(value(text, 'dynamic_toolset_health_checks_total', { state: 'unhealthy' }), 2);
  t.is(value(text, 'dynamic_toolset_health_checks_total', { state: 'needs-credentials' }), 1);
  t.is(value(text, 'dynamic_toolset_health_check_duration_seconds_count', { state: 'unhealthy' }), 2);
  t.is(value(text, 'dynamic_toolset_health_check_duration_seconds_bucket', { state: 'unhealthy', le: '1' }), 1);
  t.is(value(text, 'dynamic_toolset_health_check_failures_total', { reason: 'timeout' }), 1);
  t.is(value(text, 'dynamic_toolset_health_check_failures_total', { reason: 'http_5xx' }), 1);
  t.is(value(text, 'dynamic_toolset_health_listener_errors_total'), 1);
});

test('health reasons map onto a bounded set; methods too', (t) => {
  const cases: Array<[Partial<HealthResult>, string | undefined]> = [
    [{ state: 'healthy', status: 200 }, undefined],
    [{ state: 'needs-credentials', status: 403 }, undefined],
    [{ state: 'unhealthy', status: 404, reason: 'HTTP 404 on /healthz' }, 'http_404'],
    [{ state: 'unhealthy', status: 502 }, 'http_5xx'],
    [{ state: 'unhealthy', status: 42 }, 'http_other'],
    [{ state: 'unhealthy', reason: 'timed out after 2000 ms' }, 'timeout'],
    [{ state: 'unhealthy', reason: 'connection refused' }, 'connection_refused'],
    [{ state: 'unhealthy', reason: 'connection refused (via API server)' }, 'connection_refused'],
    [{ state: 'unhealthy', reason: 'connection reset' }, 'connection_reset'],
    [{ state: 'unhealthy', reason: 'DNS: prom.monitoring.svc not found' }, 'dns'],
    [{ state: 'unhealthy', reason: 'TLS: self signed certificate' }, 'tls'],
    [{ state: 'unhealthy', reason: 'host unreachable' }, 'unreachable'],
    [{ state: 'unhealthy', reason: 'not an HTTP answer (is the port https?)' }, 'not_http'],
    [{ state: 'unhealthy', reason: 'no ready endpoints' }, 'no_endpoints'],
    [{ state: 'unhealthy', reason: 'API server could not reach the service: i/o timeout' }, 'timeout'],
    [{ state: 'unhealthy', reason: 'probe via API server proxy refused: forbidden' }, 'proxy'],
    [{ state: 'unhealthy', reason: 'aborted' }, 'aborted'],
    [{ state: 'unhealthy', reason: 'probe failed: bug' }, 'other'],
  ];
  for (const [r, want] of cases) t.is<string | undefined, string | undefined>(healthFailureReason(health(r.state!, r)), want, JSON.stringify(r));
  t.is(httpMethod('get'), 'GET');
  t.is(httpMethod('PROPFIND'), 'OTHER');
});

test('reconciler observer: results, duration (not for not_leader), drift, update errors, too-large, size written', async (t) => {
  const metrics = fresh();
  const o = metrics.reconcilerObserver();
  o.reconciled!('created', 0.2);
  o.reconciled!('unchanged', 0.01);
  o.reconciled!('not_leader', 0);
  o.reconciled!('invalid', 0.05);
  o.drift!(['prometheus.yaml', 'grafana.yaml']);
  o.updateError!('http_409');
  o.updateError!('http_503');
  o.updateError!('too-large'); // counted once, from the 'invalid' result
  const cm = { metadata: { name: 'c', namespace: 'n' }, data: { 'a.yaml': 'x: é\n' }, binaryData: { b: 'AAAA' } };
  o.written!(cm, true);
  const text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_configmap_reconciliations_total', { result: 'created' }), 1);
  t.is(value(text, 'dynamic_toolset_configmap_reconciliations_total', { result: 'not_leader' }), 1);
  t.is(value(text, 'dynamic_toolset_configmap_reconciliations_total', { result: 'invalid' }), 1);
  t.is(value(text, 'dynamic_toolset_configmap_reconciliations_total', { result: 'error' }), 0);
  t.is(value(text, 'dynamic_toolset_configmap_reconcile_duration_seconds_count'), 3);
  t.is(value(text, 'dynamic_toolset_configmap_drift_detections_total'), 1);
  t.is(value(text, 'dynamic_toolset_configmap_update_errors_total', { error_type: 'http_409' }), 1);
  t.is(value(text, 'dynamic_toolset_configmap_update_errors_total', { error_type: 'http_503' }), 1);
  t.is(value(text, 'dynamic_toolset_configmap_update_errors_total', { error_type: 'too-large' }), 1);
  t.is(value(text, 'dynamic_toolset_configmap_too_large_total'), 1);
  t.is(configMapBytes(cm), 'a.yaml'.length + Buffer.byteLength('x: é\n') + 1 + 4);
  t.is(value(text, 'dynamic_toolset_configmap_size_bytes'), configMapBytes(cm));
  metrics.setConfigMapBytes(123);
  t.is(await read(metrics, 'dynamic_toolset_configmap_size_bytes'), 123);
});

test('config reloads by result; success (and the startup load) set the last-success time', async (t) => {
  let now = 5_000;
  const metrics = fresh(() => now);
  t.is(await read(metrics, 'dynamic_toolset_config_last_reload_success_timestamp_seconds'), 0);
  metrics.configLoaded();
  t.is(await read(metrics, 'dynamic_toolset_config_last_reload_success_timestamp_seconds'), 5);
  t.is(await read(metrics, 'dynamic_toolset_config_reloads_total', { result: 'success' }), 0);
  now = 9_000;
  metrics.configReload('invalid');
  t.is(await read(metrics, 'dynamic_toolset_config_last_reload_success_timestamp_seconds'), 5);
  metrics.configReload('success');
  const text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_config_reloads_total', { result: 'invalid' }), 1);
  t.is(value(text, 'dynamic_toolset_config_reloads_total', { result: 'success' }), 1);
  t.is(value(text, 'dynamic_toolset_config_last_reload_success_timestamp_seconds'), 9);
});

test('published Services per detector and namespace; running detectors stay at 0; gone namespaces disappear', async (t) => {
  const metrics = fresh();
  metrics.setPlugins([
    { name: 'prometheus', status: 'active', stats: { quarantined: false } },
    { name: 'loki', status: 'active', stats: { quarantined: false } },
  ]);
  metrics.setDetected([
    { detector: 'prometheus', namespace: 'monitoring' },
    { detector: 'prometheus', namespace: 'team-a' },
    { detector: 'grafana', namespace: 'monitoring' },
  ]);
  let text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'prometheus' }), 2);
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'grafana' }), 1);
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'loki' }), 0);
  t.is(value(text, 'dynamic_toolset_discovery_services_total', { namespace: 'monitoring' }), 2);
  t.is(value(text, 'dynamic_toolset_discovery_services_total', { namespace: 'team-a' }), 1);

  metrics.setPublished({ prometheus: 1 }, new Map([['monitoring', 1]]));
  text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'prometheus' }), 1);
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'grafana' }), undefined);
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'loki' }), 0);
  t.is(value(text, 'dynamic_toolset_discovery_services_total', { namespace: 'team-a' }), undefined);
});

test('health states and unhealthy reasons from current results', async (t) => {
  const metrics = fresh();
  metrics.setHealthResults([
    health('healthy'),
    health('healthy'),
    health('unhealthy', { reason: 'connection refused' }),
    health('unhealthy', { status: 500 }),
    health('unchecked', { reason: 'health check disabled' }),
  ]);
  let text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_health_endpoints', { state: 'healthy' }), 2);
  t.is(value(text, 'dynamic_toolset_health_endpoints', { state: 'unhealthy' }), 2);
  t.is(value(text, 'dynamic_toolset_health_endpoints', { state: 'unchecked' }), 1);
  t.is(value(text, 'dynamic_toolset_health_endpoints', { state: 'needs-credentials' }), 0);
  t.is(value(text, 'dynamic_toolset_health_unhealthy_endpoints', { reason: 'connection_refused' }), 1);
  t.is(value(text, 'dynamic_toolset_health_unhealthy_endpoints', { reason: 'http_5xx' }), 1);
  metrics.setHealthStates({ healthy: 3 });
  text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_health_endpoints', { state: 'healthy' }), 3);
  t.is(value(text, 'dynamic_toolset_health_endpoints', { state: 'unhealthy' }), 0);
});

test('informer stats advance the counters by their difference; a new informer under the same name counts from 0', async (t) => {
  const metrics = fresh();
  const stats: InformerStats = { lists: 1, watchRestarts: 0, staleRestarts: 0, errors: 0, lastEventAt: 0 };
  metrics.informerStats('services', stats);
  metrics.informerStats('services', stats);
  let text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_informer_lists_total', { informer: 'services' }), 1);
  t.is(value(text, 'dynamic_toolset_informer_restarts_total', { informer: 'services' }), 0);
  t.is(value(text, 'dynamic_toolset_informer_last_event_timestamp_seconds', { informer: 'services' }), undefined);
  metrics.informerStats('services', { lists: 3, watchRestarts: 4, staleRestarts: 1, errors: 2, lastEventAt: 7_000 });
  metrics.informerStats('services', { lists: 1, watchRestarts: 0, staleRestarts: 0, errors: 0, lastEventAt: 8_000 });
  text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_informer_lists_total', { informer: 'services' }), 4);
  t.is(value(text, 'dynamic_toolset_informer_restarts_total', { informer: 'services' }), 4);
  t.is(value(text, 'dynamic_toolset_informer_stale_restarts_total', { informer: 'services' }), 1);
  t.is(value(text, 'dynamic_toolset_informer_errors_total', { informer: 'services' }), 2);
  t.is(value(text, 'dynamic_toolset_informer_last_event_timestamp_seconds', { informer: 'services' }), 8);
});

test('tracked sources are read at every scrape, also by a direct registry reader', async (t) => {
  const metrics = fresh();
  let leading = false;
  const stats: InformerStats = { lists: 0, watchRestarts: 0, staleRestarts: 0, errors: 0, lastEventAt: 0 };
  let quarantined = false;
  let results: HealthResult[] = [];
  let detected = [{ detector: 'prometheus', namespace: 'monitoring' }];
  metrics.track({
    leader: () => leading,
    informers: { services: { stats }, configmap: { stats: { ...stats } } },
    plugins: () => [{ name: 'prometheus', status: 'active', stats: { quarantined } }],
    health: () => results,
    detected: () => detected,
  });
  let text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_leader'), 0);
  t.is(value(text, 'dynamic_toolset_informer_lists_total', { informer: 'configmap' }), 0);
  t.is(value(text, 'dynamic_toolset_plugin_quarantined', { plugin: 'prometheus' }), 0);
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'prometheus' }), 1);

  leading = true;
  stats.lists = 2;
  stats.staleRestarts = 1;
  quarantined = true;
  results = [health('unhealthy', { reason: 'DNS: x not found' })];
  detected = [];
  text = await metrics.registry.metrics(); // not through render(): the gauges' collect hooks pull too
  t.is(value(text, 'dynamic_toolset_leader'), 1);
  t.is(value(text, 'dynamic_toolset_informer_lists_total', { informer: 'services' }), 2);
  t.is(value(text, 'dynamic_toolset_informer_stale_restarts_total', { informer: 'services' }), 1);
  t.is(value(text, 'dynamic_toolset_plugin_quarantined', { plugin: 'prometheus' }), 1);
  t.is(value(text, 'dynamic_toolset_health_unhealthy_endpoints', { reason: 'dns' }), 1);
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'prometheus' }), 0);
  t.is(value(text, 'dynamic_toolset_discovery_services_total', { namespace: 'monitoring' }), undefined);
});
