// The cluster loop end to end against the API emulator: Services appear, change and go; the ConfigMap follows.
import test from 'ava';
import { backend, cmRef, grafanaService, prometheusService, startDaemon } from './helpers.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundle, detectorSource, eventually, service, tempDir } from '../helpers/bundles.js';
import { parseConfig } from '../../core/src/config/load.js';

test('a Prometheus appears → its toolset is published; it goes → the toolset goes', async (t) => {
  const h = await startDaemon(t);
  const cm = await eventually(() => h.configMap());
  t.truthy(cm.data?.['kubernetes-toolset.yaml']);
  t.truthy(h.customToolsets()?.['kubernetes/core']);
  t.falsy(cm.data?.['prometheus-toolset.yaml']);

  const prom = await backend(t);
  h.emu.registerProxyTarget({ namespace: 'monitoring', name: 'obs-kube-prometheus-st-prometheus', port: 'http-web', url: prom.url });
  h.emu.create(prometheusService('obs'));
  const url = 'http://obs-kube-prometheus-st-prometheus.monitoring.svc.cluster.local:9090';
  await eventually(() => h.customToolsets()?.['prometheus/metrics']?.config?.prometheus_url === url);
  t.regex(h.configMap()!.data!['prometheus-toolset.yaml']!, new RegExp(`url: ${url.replace(/\./g, '\\.')}`));
  t.true(prom.hits() > 0, 'the health endpoint was probed through the API server proxy');

  h.emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'monitoring', name: 'obs-kube-prometheus-st-prometheus' });
  await eventually(() => h.customToolsets() && !h.customToolsets()!['prometheus/metrics']);
  t.falsy(h.configMap()!.data!['prometheus-toolset.yaml']);
});

test('an unhealthy endpoint is left out but stays visible in the model; it is published once healthy', async (t) => {
  const h = await startDaemon(t);
  const graf = await backend(t, 503);
  h.emu.registerProxyTarget({ namespace: 'monitoring', name: 'obs-grafana', port: 'service', url: graf.url });
  h.emu.create(grafanaService('obs'));
  await eventually(() => h.daemon.health.get('monitoring/obs-grafana')?.state === 'unhealthy');
  await eventually(() => h.configMap());
  t.falsy(h.customToolsets()?.['grafana/dashboards']);
  t.truthy(h.daemon.model.snapshot().detected.find((d) => d.key === 'monitoring/obs-grafana'));
  graf.setStatus(200);
  await h.daemon.health.checkNow(['monitoring/obs-grafana']);
  await eventually(() => h.customToolsets()?.['grafana/dashboards']);
  t.pass();
});

test('the ConfigMap is recreated when deleted and generated keys are repaired; admin keys stay', async (t) => {
  const h = await startDaemon(t);
  await eventually(() => h.configMap());
  h.emu.patch(cmRef, { metadata: { labels: { team: 'sre' } }, data: { 'admin.yaml': 'mine: true\n' } });
  h.emu.patch(cmRef, { data: { 'kubernetes-toolset.yaml': 'toolset: hacked\n' } });
  await eventually(() => h.configMap()?.data?.['kubernetes-toolset.yaml']?.includes('toolset: kubernetes'));
  t.is(h.configMap()!.data!['admin.yaml'], 'mine: true\n');
  t.is(h.configMap()!.metadata.labels!.team, 'sre');
  h.emu.delete(cmRef);
  await eventually(() => h.configMap()?.data?.['kubernetes-toolset.yaml']);
  t.pass();
});

test('YAML injection through labels and annotations produces no extra keys', async (t) => {
  const h = await startDaemon(t);
  const graf = await backend(t);
  h.emu.registerProxyTarget({ namespace: 'monitoring', name: 'evil-grafana', port: 'service', url: graf.url });
  h.emu.create(
    grafanaService('evil', 'monitoring', { 'app.kubernetes.io/part-of': 'x' }, {
      'kubernaut.io/toolset-primary': 'true\ninjected: yes',
      description: "a\n  kubernetes/core: {enabled: false}\nfoo: 'bar'",
    }),
  );
  await eventually(() => h.customToolsets()?.['grafana/dashboards']);
  const toolsets = h.customToolsets()!;
  t.deepEqual(Object.keys(toolsets).sort(), ['grafana/dashboards', 'kubernetes/core', 'kubernetes/logs']);
  t.deepEqual(Object.keys(h.configMap()!.data!).sort(), ['custom_toolset.yaml', 'grafana-toolset.yaml', 'kubernetes-toolset.yaml', 'overrides.yaml']);
  t.true(toolsets['kubernetes/core']?.enabled);
});

test('custom-annotated Services: their own type key; a known type borrows that type\'s toolsets', async (t) => {
  const h = await startDaemon(t, { options: { probeMode: 'proxy' } });
  const b = await backend(t);
  for (const [name, type] of [['errors', 'sentry'], ['metrics-gw', 'prometheus']] as const) {
    h.emu.registerProxyTarget({ namespace: 'apps', name, port: 'http', url: b.url });
    h.emu.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'apps', annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': type, 'kubernaut.io/toolset-health-path': '/healthz' } },
      spec: { selector: { app: name }, ports: [{ name: 'http', port: 9000, targetPort: 9000, protocol: 'TCP' }] },
    });
  }
  await eventually(() => h.configMap()?.data?.['sentry-toolset.yaml'] && h.customToolsets()?.['prometheus/metrics']);
  t.is(h.customToolsets()!['prometheus/metrics']!.config!.prometheus_url, 'http://metrics-gw.apps.svc.cluster.local:9000');
  t.regex(h.configMap()!.data!['sentry-toolset.yaml']!, /toolset: sentry/);
  t.truthy(h.customToolsets()!['sentry/api'], 'an unknown type gets a generic http toolset');
});

test('readiness: not ready while the API server fails, with the reason; ready again after recovery', async (t) => {
  const h = await startDaemon(t, { options: { timing: { debounceMs: 20, informerBackoff: { baseMs: 50, maxMs: 200 } } } });
  t.deepEqual(h.daemon.readiness(), { ready: true });
  h.emu.faults.failNext(1000, 503, { path: /\/services/ });
  h.emu.faults.dropWatches();
  const notReady = await eventually(() => (h.daemon.readiness().ready ? undefined : h.daemon.readiness()));
  t.regex(notReady.reason ?? '', /API server unreachable/);
  h.emu.faults.clearFailures();
  await eventually(() => h.daemon.readiness().ready);
  t.pass();
});

test('a Service a plugin failed on is detected again with backoff, not left until the next resync', async (t) => {
  const { dir, cleanup } = await tempDir('flaky-plugin');
  t.teardown(cleanup);
  const pluginsDir = path.join(dir, 'plugins');
  await mkdir(pluginsDir);
  // Fails the first time it sees a Service of its own (as a call that times out on a busy node would), then answers.
  const source = detectorSource({
    name: 'flaky',
    extra: 'let failed = false;',
    answer: "failed ? { port: 'http' } : ((failed = true), (() => { throw new Error('flaky the first time'); })())",
  });
  await writeFile(path.join(pluginsDir, 'flaky.js'), await bundle(dir, 'flaky', source));
  const h = await startDaemon(t, { options: { pluginsDir } });
  h.emu.create(service('widget', 'apps', { 'test/flaky': 'yes' }));
  const detected = await eventually(() => h.daemon.model.snapshot().detected.find((d) => d.key === 'apps/widget'));
  t.is(detected.detector, 'flaky');
  t.is(h.daemon.registry.list().find((p) => p.name === 'flaky')?.stats?.failures, 1, 'it did fail once, and was asked again');
});

test('a reload changes health_check.interval and resync_interval live: no restart', async (t) => {
  const h = await startDaemon(t);
  const prom = await backend(t);
  h.emu.registerProxyTarget({ namespace: 'monitoring', name: 'obs-kube-prometheus-st-prometheus', port: 'http-web', url: prom.url });
  h.emu.create(prometheusService('obs'));
  await eventually(() => prom.hits() > 0);
  const before = prom.hits();
  await new Promise((r) => setTimeout(r, 300));
  t.is(prom.hits(), before, 'the default interval (1m): no re-check yet');
  const parsed = parseConfig('health_check:\n  interval: 1s\n  concurrency: 2\nresync_interval: 1h\n', 'detector-config.yaml');
  if (!parsed.ok) return t.fail(parsed.errors.map((e) => e.message).join('; '));
  const outcome = await h.daemon.applyConfig(parsed.config);
  t.deepEqual(outcome.warnings.filter((w) => /restart/.test(w)), [], 'nothing waits for a restart');
  // Every second now, not every minute: two more checks at the old interval would take two minutes, so a 30 s
  // safety net still tells the two apart on a busy machine.
  await eventually(() => prom.hits() >= before + 2, 30_000);
  t.pass();
});
