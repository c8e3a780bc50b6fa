// The metric catalogue: every name with its type and exact label names, its own Registry, the process defaults,
// and every label set known in advance present at 0 in the exposition before any event.
import test from 'ava';
import { register as globalRegistry } from 'prom-client';
import { createMetrics } from '../../core/src/metrics/index.js';
import {
  CONFIG_RELOAD_RESULTS,
  FAILURE_KINDS,
  HEALTH_FAILURE_REASONS,
  HEALTH_STATES,
  PLUGIN_OPS,
  PLUGIN_STATUSES,
  PROBED_STATES,
  RECONCILE_RESULTS,
  SKIP_REASONS,
} from '../../core/src/metrics/labels.js';
import { samples, value } from './helpers.js';

type Kind = 'counter' | 'gauge' | 'histogram';

/** BR-041 and BR-042, names and labels exactly as the requirements state them. */
const REQUIRED: ReadonlyArray<[string, Kind, string[]]> = [
  ['dynamic_toolset_detector_duration_seconds', 'histogram', ['detector']],
  ['dynamic_toolset_detector_services_found', 'gauge', ['detector']],
  ['dynamic_toolset_detector_errors_total', 'counter', ['detector', 'error_type']],
  ['dynamic_toolset_discovery_services_total', 'gauge', ['namespace']],
  ['dynamic_toolset_discovery_skipped_total', 'counter', ['reason']],
  ['dynamic_toolset_configmap_reconciliations_total', 'counter', ['result']],
  ['dynamic_toolset_configmap_drift_detections_total', 'counter', []],
  ['dynamic_toolset_configmap_update_errors_total', 'counter', ['error_type']],
];

/** Everything else the daemon exports under its prefix. */
const OTHERS: ReadonlyArray<[string, Kind, string[]]> = [
  ['dynamic_toolset_detector_services_examined_total', 'counter', ['detector']],
  ['dynamic_toolset_service_input_rejected_total', 'counter', ['namespace', 'detector', 'reason']],
  ['dynamic_toolset_discovery_runs_total', 'counter', []],
  ['dynamic_toolset_discovery_run_duration_seconds', 'histogram', []],
  ['dynamic_toolset_discovery_services_examined_total', 'counter', []],
  ['dynamic_toolset_discovery_last_run_timestamp_seconds', 'gauge', []],
  ['dynamic_toolset_health_checks_total', 'counter', ['state']],
  ['dynamic_toolset_health_check_duration_seconds', 'histogram', ['state']],
  ['dynamic_toolset_health_check_failures_total', 'counter', ['reason']],
  ['dynamic_toolset_health_endpoints', 'gauge', ['state']],
  ['dynamic_toolset_health_unhealthy_endpoints', 'gauge', ['reason']],
  ['dynamic_toolset_health_listener_errors_total', 'counter', []],
  ['dynamic_toolset_plugin_calls_total', 'counter', ['plugin', 'op']],
  ['dynamic_toolset_plugin_call_failures_total', 'counter', ['plugin', 'op']],
  ['dynamic_toolset_plugin_call_duration_seconds', 'histogram', ['plugin', 'op']],
  ['dynamic_toolset_plugin_quarantines_total', 'counter', ['plugin']],
  ['dynamic_toolset_plugin_quarantined', 'gauge', ['plugin']],
  ['dynamic_toolset_plugins_loaded', 'gauge', ['status']],
  ['dynamic_toolset_configmap_reconcile_duration_seconds', 'histogram', []],
  ['dynamic_toolset_configmap_size_bytes', 'gauge', []],
  ['dynamic_toolset_configmap_too_large_total', 'counter', []],
  ['dynamic_toolset_toolsets_invalid_total', 'counter', []],
  ['dynamic_toolset_output_left_out', 'gauge', ['reason']],
  ['dynamic_toolset_holmesgpt_reloads_total', 'counter', ['result']],
  ['dynamic_toolset_holmesgpt_toolset_status', 'gauge', ['toolset', 'status']],
  ['dynamic_toolset_config_reloads_total', 'counter', ['result']],
  ['dynamic_toolset_config_last_reload_success_timestamp_seconds', 'gauge', []],
  ['dynamic_toolset_leader', 'gauge', []],
  ['dynamic_toolset_informer_lists_total', 'counter', ['informer']],
  ['dynamic_toolset_informer_restarts_total', 'counter', ['informer']],
  ['dynamic_toolset_informer_stale_restarts_total', 'counter', ['informer']],
  ['dynamic_toolset_informer_errors_total', 'counter', ['informer']],
  ['dynamic_toolset_informer_last_event_timestamp_seconds', 'gauge', ['informer']],
  ['dynamic_toolset_http_requests_total', 'counter', ['route', 'method', 'code']],
  ['dynamic_toolset_http_request_duration_seconds', 'histogram', ['route', 'method']],
  ['dynamic_toolset_build_info', 'gauge', ['version', 'node_version']],
];

async function catalogue(metrics = createMetrics({ collectDefaults: false })) {
  const json = await metrics.registry.getMetricsAsJSON();
  return new Map(
    json.map((m) => {
      const labelNames = (metrics.registry.getSingleMetric(m.name) as unknown as { labelNames: readonly string[] }).labelNames;
      return [m.name, { type: String(m.type), help: m.help, labelNames: [...labelNames] }];
    }),
  );
}

test('every required BR-041/BR-042 metric is registered with its type and exact label names', async (t) => {
  const cat = await catalogue();
  for (const [name, type, labels] of REQUIRED) {
    const m = cat.get(name);
    if (!m) {
      t.fail(`${name} is not registered`);
      continue;
    }
    t.is(m.type, type, name);
    t.deepEqual(m.labelNames, labels, name);
  }
});

test('the prefixed catalogue is exactly the documented one, every metric with a help text', async (t) => {
  const cat = await catalogue();
  const expected = new Map([...REQUIRED, ...OTHERS].map(([name, type, labels]) => [name, { type, labels }]));
  t.deepEqual([...cat.keys()].sort(), [...expected.keys()].sort());
  for (const [name, m] of cat) {
    t.is(m.type, expected.get(name)!.type, name);
    t.deepEqual(m.labelNames, expected.get(name)!.labels, name);
    t.true(m.help.length > 20, `${name} has a help text`);
  }
});

test('each Metrics owns its Registry: two coexist and the global registry stays empty of them', async (t) => {
  const before = (await globalRegistry.getMetricsAsJSON()).length;
  const a = createMetrics({ collectDefaults: true });
  const b = createMetrics({ collectDefaults: true });
  t.not(a.registry, b.registry);
  t.not(a.registry, globalRegistry);
  a.setLeader(true);
  t.is(value(await a.render(), 'dynamic_toolset_leader'), 1);
  t.is(value(await b.render(), 'dynamic_toolset_leader'), 0);
  t.is((await globalRegistry.getMetricsAsJSON()).length, before);
  t.regex(a.contentType, /^text\/plain/);
});

test('process defaults come with collectDefaults (the default) and stay unprefixed; the prefix is configurable', async (t) => {
  const withDefaults = await createMetrics().render();
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
    t.true(samples(withDefaults).some((s) => s.name === name), name);
  }
  const without = await createMetrics({ collectDefaults: false }).render();
  t.false(samples(without).some((s) => s.name.startsWith('process_') || s.name.startsWith('nodejs_')));

  const other = createMetrics({ collectDefaults: false, prefix: 'dt_' });
  t.truthy(other.registry.getSingleMetric('dt_configmap_reconciliations_total'));
  t.is(other.registry.getSingleMetric('dynamic_toolset_configmap_reconciliations_total'), undefined);
});

test('every label set known at startup is exposed at 0 before any event', async (t) => {
  const text = await createMetrics({ collectDefaults: false, version: '1.2.3' }).render();
  const zero = (name: string, labels: Record<string, string> = {}) => t.is(value(text, name, labels), 0, `${name}${JSON.stringify(labels)}`);
  for (const result of RECONCILE_RESULTS) zero('dynamic_toolset_configmap_reconciliations_total', { result });
  for (const reason of SKIP_REASONS) zero('dynamic_toolset_discovery_skipped_total', { reason });
  for (const state of PROBED_STATES) {
    zero('dynamic_toolset_health_checks_total', { state });
    zero('dynamic_toolset_health_check_duration_seconds_count', { state });
  }
  for (const state of HEALTH_STATES) zero('dynamic_toolset_health_endpoints', { state });
  for (const reason of HEALTH_FAILURE_REASONS) {
    zero('dynamic_toolset_health_check_failures_total', { reason });
    zero('dynamic_toolset_health_unhealthy_endpoints', { reason });
  }
  for (const status of PLUGIN_STATUSES) zero('dynamic_toolset_plugins_loaded', { status });
  for (const result of CONFIG_RELOAD_RESULTS) zero('dynamic_toolset_config_reloads_total', { result });
  for (const error_type of ['http_409', 'http_404', 'too-large']) zero('dynamic_toolset_configmap_update_errors_total', { error_type });
  zero('dynamic_toolset_configmap_drift_detections_total');
  zero('dynamic_toolset_configmap_too_large_total');
  zero('dynamic_toolset_discovery_runs_total');
  zero('dynamic_toolset_discovery_run_duration_seconds_count');
  zero('dynamic_toolset_configmap_reconcile_duration_seconds_count');
  zero('dynamic_toolset_leader');
  t.is(value(text, 'dynamic_toolset_build_info', { version: '1.2.3', node_version: process.version }), 1);
});

test('a registered detector gets every error type, its duration, found count and plugin call series at 0', async (t) => {
  const metrics = createMetrics({ collectDefaults: false });
  metrics.setPlugins([
    { name: 'prometheus', status: 'active', stats: { quarantined: false } },
    { name: 'broken', status: 'failed' },
  ]);
  const text = await metrics.render();
  for (const error_type of FAILURE_KINDS) t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'prometheus', error_type }), 0, error_type);
  t.is(value(text, 'dynamic_toolset_detector_duration_seconds_count', { detector: 'prometheus' }), 0);
  t.is(value(text, 'dynamic_toolset_detector_duration_seconds_bucket', { detector: 'prometheus', le: '+Inf' }), 0);
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'prometheus' }), 0);
  t.is(value(text, 'dynamic_toolset_detector_services_examined_total', { detector: 'prometheus' }), 0);
  for (const op of PLUGIN_OPS) {
    t.is(value(text, 'dynamic_toolset_plugin_calls_total', { plugin: 'prometheus', op }), 0);
    t.is(value(text, 'dynamic_toolset_plugin_call_failures_total', { plugin: 'prometheus', op }), 0);
  }
  t.is(value(text, 'dynamic_toolset_plugin_quarantined', { plugin: 'prometheus' }), 0);
  t.is(value(text, 'dynamic_toolset_plugin_quarantines_total', { plugin: 'prometheus' }), 0);
  t.is(value(text, 'dynamic_toolset_plugins_loaded', { status: 'active' }), 1);
  t.is(value(text, 'dynamic_toolset_plugins_loaded', { status: 'failed' }), 1);
  // A bundle that is not running is no detector.
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'broken', error_type: 'timeout' }), undefined);
});
