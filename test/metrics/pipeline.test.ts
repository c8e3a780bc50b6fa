// The adapters plugged into the real modules: the plugin registry and sandbox, the detection engine, the health
// checker and the ConfigMap reconciler (against the API emulator) record through their own observer hooks.
import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeClock } from '../../core/src/clock.js';
import { dedupe } from '../../core/src/detection/dedupe.js';
import { detectServices } from '../../core/src/detection/engine.js';
import { toServiceView } from '../../core/src/detection/view.js';
import { Informer } from '../../core/src/discovery/informer.js';
import { configMapSource } from '../../core/src/discovery/kube-source.js';
import { startEmulator } from '../../core/src/emulator/index.js';
import { HealthChecker } from '../../core/src/health/checker.js';
import type { HealthResult, Prober } from '../../core/src/health/types.js';
import { createMetrics, configMapBytes } from '../../core/src/metrics/index.js';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { PluginRegistry } from '../../core/src/plugins/registry.js';
import { ConfigMapReconciler, DesiredError } from '../../core/src/reconcile/reconciler.js';
import { projectConfigMap } from '../../core/src/discovery/configmap.js';
import type { Desired } from '../../core/src/reconcile/merge.js';
import type { ConfigMapShape } from '../../core/src/discovery/configmap.js';
import { DEFAULT_LIMITS } from '../../core/src/sandbox/plugin.js';
import { bundle, detectorSource, eventually, service, tempDir } from '../helpers/bundles.js';
import { value } from './helpers.js';

test('a plugin that times out: detector_errors_total{error_type="timeout"}, failed calls, quarantine; built-ins timed and counted', async (t) => {
  const { dir, cleanup } = await tempDir('metrics');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  await mkdir(plugins);
  await writeFile(path.join(plugins, 'spin.js'), await bundle(dir, 'spin', detectorSource({ name: 'spin', answer: '(() => { for (;;) {} })()' })));

  const metrics = createMetrics({ collectDefaults: false });
  const registry = new PluginRegistry({
    builtinDir: builtinPluginsDir(),
    pluginsDir: plugins,
    limits: { ...DEFAULT_LIMITS, callBaseMs: 100, quarantineAfter: 2 },
    observer: metrics.pluginObserver(),
  });
  await registry.start();
  t.teardown(() => registry.stop());
  metrics.track({ plugins: () => registry.list() });

  // Two spinning Services in a row: two consecutive timeouts quarantine the plugin in the first run.
  const views = [
    toServiceView(service('prometheus-server', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' }, [{ name: 'http', port: 9090 }])),
    toServiceView(service('spinner-1', 'apps', { 'test/spin': 'yes' })),
    toServiceView(service('spinner-2', 'apps', { 'test/spin': 'yes' })),
  ];
  const engine = metrics.engineObserver();
  let found: ReturnType<typeof dedupe>['kept'] = [];
  for (let run = 0; run < 2; run++) {
    const started = process.hrtime.bigint();
    const results = await detectServices(views, registry.detectors(), { namespaceServices: (ns) => views.filter((v) => v.metadata.namespace === ns), observer: engine });
    engine.run(views.length, Number(process.hrtime.bigint() - started) / 1e9);
    found = dedupe(results.flatMap((r) => (r.detected ? [r.detected] : []))).kept;
  }
  metrics.setDetected(found);

  const text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'spin', error_type: 'timeout' }), 2);
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'spin', error_type: 'memory' }), 0);
  t.is(value(text, 'dynamic_toolset_plugin_call_failures_total', { plugin: 'spin', op: 'detect' }), 2);
  t.is(value(text, 'dynamic_toolset_plugin_quarantines_total', { plugin: 'spin' }), 1);
  t.is(value(text, 'dynamic_toolset_plugin_quarantined', { plugin: 'spin' }), 1);
  t.is(value(text, 'dynamic_toolset_plugin_quarantined', { plugin: 'prometheus' }), 0);
  t.is(value(text, 'dynamic_toolset_plugins_loaded', { status: 'active' }), registry.list().length);
  t.is(value(text, 'dynamic_toolset_detector_duration_seconds_count', { detector: 'prometheus' }), 2);
  t.is(value(text, 'dynamic_toolset_detector_services_examined_total', { detector: 'prometheus' }), 6);
  t.is(value(text, 'dynamic_toolset_detector_errors_total', { detector: 'prometheus', error_type: 'timeout' }), 0);
  t.is(value(text, 'dynamic_toolset_discovery_runs_total'), 2);
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'prometheus' }), 1);
  t.is(value(text, 'dynamic_toolset_detector_services_found', { detector: 'spin' }), 0);
  t.is(value(text, 'dynamic_toolset_discovery_services_total', { namespace: 'monitoring' }), 1);
});

test('the health checker reports every probe through the observer; tracked results give the state gauges', async (t) => {
  const metrics = createMetrics({ collectDefaults: false });
  const answers: Record<string, Omit<HealthResult, 'checkedAt' | 'via'>> = {
    'a/up': { state: 'healthy', status: 200, latencyMs: 3 },
    'a/down': { state: 'unhealthy', reason: 'connection refused', latencyMs: 1 },
  };
  const prober: Prober = { via: 'direct', probe: async (target) => ({ ...answers[target.key]!, checkedAt: new Date(0).toISOString(), via: 'direct' }) };
  const clock = new FakeClock();
  const checker = new HealthChecker({ prober, clock, intervalMs: 1000, jitter: 0, observer: metrics.healthObserver() });
  metrics.track({ health: () => checker.snapshot().values() });
  const settings = { enabled: true, timeoutMs: 1000, retries: 0, tlsVerify: false };
  const target = (name: string) => ({ key: `a/${name}`, namespace: 'a', name, scheme: 'http' as const, host: `${name}.a.svc`, port: 80, healthPath: '/', url: `http://${name}.a.svc` });
  checker.set([
    { target: target('up'), settings },
    { target: target('down'), settings },
    { target: target('off'), settings: { ...settings, enabled: false } },
  ]);
  checker.start();
  await checker.whenIdle();
  await clock.advance(1000);
  await checker.whenIdle();
  await checker.stop();
  const text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_health_checks_total', { state: 'healthy' }), 2);
  t.is(value(text, 'dynamic_toolset_health_checks_total', { state: 'unhealthy' }), 2);
  t.is(value(text, 'dynamic_toolset_health_check_failures_total', { reason: 'connection_refused' }), 2);
  t.is(value(text, 'dynamic_toolset_health_check_duration_seconds_count', { state: 'healthy' }), 2);
  t.is(value(text, 'dynamic_toolset_health_endpoints', { state: 'healthy' }), 1);
  t.is(value(text, 'dynamic_toolset_health_endpoints', { state: 'unhealthy' }), 1);
  t.is(value(text, 'dynamic_toolset_health_endpoints', { state: 'unchecked' }), 1);
  t.is(value(text, 'dynamic_toolset_health_unhealthy_endpoints', { reason: 'connection_refused' }), 1);
});

test('the reconciler reports created, drift, too-large and the size written; the informer is tracked', async (t) => {
  const NS = 'kubernaut-system';
  const NAME = 'kubernaut-toolset-config';
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: NAME };
  const emu = await startEmulator();
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  const metrics = createMetrics({ collectDefaults: false });
  let desired: Desired | Error = { data: { 'kubernetes-toolset.yaml': 'toolset: kubernetes\n' }, overridesTemplate: '# overrides\n', checksum: 'c1' };
  const informer = new Informer<ConfigMapShape>({
    source: configMapSource(kc, NS, NAME),
    project: projectConfigMap,
    keyOf: (cm) => `${cm.metadata.namespace}/${cm.metadata.name}`,
    backoff: { baseMs: 20, maxMs: 100 },
  });
  const reconciler = new ConfigMapReconciler({
    kc,
    namespace: NS,
    name: NAME,
    desired: async () => {
      if (desired instanceof Error) throw desired;
      return desired;
    },
    informer,
    debounceMs: 10,
    backoff: { baseMs: 20, maxMs: 200 },
    observer: metrics.reconcilerObserver(),
  });
  metrics.track({ informers: { configmap: informer } });
  informer.start();
  await informer.waitForSync();
  reconciler.start();
  t.teardown(async () => {
    await reconciler.stop();
    informer.stop();
    await emu.stop();
  });
  const live = () => emu.get(ref) as unknown as ConfigMapShape | undefined;
  const created = await eventually(() => live());
  await eventually(async () => value(await metrics.render(), 'dynamic_toolset_configmap_reconciliations_total', { result: 'created' }) === 1);
  t.is(value(await metrics.render(), 'dynamic_toolset_configmap_size_bytes'), configMapBytes(created));

  emu.patch(ref, { data: { 'kubernetes-toolset.yaml': 'toolset: hacked\n' } });
  await eventually(async () => value(await metrics.render(), 'dynamic_toolset_configmap_drift_detections_total') === 1);
  await eventually(() => live()?.data?.['kubernetes-toolset.yaml'] === 'toolset: kubernetes\n');
  // The repair's own watch event re-triggers the reconciler: let it arrive and settle first, or it may make a second
  // refused pass below (seen under load).
  await eventually(() => informer.get(`${NS}/${NAME}`)?.data?.['kubernetes-toolset.yaml'] === 'toolset: kubernetes\n');
  await reconciler.whenIdle();

  desired = new DesiredError('the ConfigMap would be 2 MiB', 'too-large');
  reconciler.trigger();
  await eventually(async () => (value(await metrics.render(), 'dynamic_toolset_configmap_too_large_total') ?? 0) >= 1);
  const text = await metrics.render();
  // Each refused pass counts once as invalid and once as a too-large update error (one render: no pass in between).
  const refused = value(text, 'dynamic_toolset_configmap_too_large_total');
  t.is(value(text, 'dynamic_toolset_configmap_reconciliations_total', { result: 'invalid' }), refused);
  t.is(value(text, 'dynamic_toolset_configmap_update_errors_total', { error_type: 'too-large' }), refused);
  t.true(value(text, 'dynamic_toolset_configmap_reconciliations_total', { result: 'updated' })! >= 1);
  t.true(value(text, 'dynamic_toolset_informer_lists_total', { informer: 'configmap' })! >= 1);
  t.true(value(text, 'dynamic_toolset_informer_last_event_timestamp_seconds', { informer: 'configmap' })! > 0);
});
