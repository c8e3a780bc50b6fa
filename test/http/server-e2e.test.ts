// The whole HTTP surface as `serve` builds it (metrics, auth, API) on a daemon running against the emulator:
// an operator with the right RBAC reads the API, Prometheus scrapes /metrics, and the metrics show the run.
import test from 'ava';
import type { AddressInfo } from 'node:net';
import { buildServer, trackDaemon } from '../../core/src/http/server.js';
import { authMiddleware } from '../../core/src/http/auth.js';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import { fileConfigSource } from '../../core/src/config/source.js';
import { createMetrics } from '../../core/src/metrics/index.js';
import { createLogger } from '../../core/src/log.js';
import { startEmulator } from '../../core/src/emulator/index.js';
import { backend, grafanaService, NS, prometheusService, startDaemon } from '../daemon/helpers.js';
import { eventually } from '../helpers/bundles.js';

function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

test('after an end-to-end run, /metrics shows discovery, detection, health checks, reconciliation and HTTP', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const metrics = createMetrics({ collectDefaults: true });
  const h = await startDaemon(t, {
    emulator: emu,
    options: { observers: { plugins: metrics.pluginObserver(), engine: metrics.engineObserver(), health: metrics.healthObserver(), reconciler: metrics.reconcilerObserver() } },
  });
  trackDaemon(metrics, h.daemon, () => true);
  const log = createLogger({ level: 'error' });
  const reloader = new ConfigReloader({ source: fileConfigSource('/nonexistent/detector-config.yaml'), apply: (c) => h.daemon.applyConfig(c), log, onOutcome: (o) => metrics.configReload(o.status === 'success' ? 'success' : 'invalid') });
  const app = buildServer({ daemon: h.daemon, reloader, metrics, auth: authMiddleware({ enabled: true, namespace: NS, kc: h.kc, log }) });
  const server = app.listen(0);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  emu.addToken('operator-token', { username: 'alice', groups: ['sre'] });
  emu.grant({ subjects: { groups: ['sre'] }, verbs: ['get', 'create'], apiGroups: ['toolset.kubernaut.io'], resources: ['*'], namespaces: [NS] });
  emu.addToken('prometheus-token', { username: 'system:serviceaccount:monitoring:prometheus' });
  emu.grant({ subjects: { users: ['system:serviceaccount:monitoring:prometheus'] }, verbs: ['get'], nonResourceURLs: ['/metrics'] });

  const graf = await backend(t);
  emu.registerProxyTarget({ namespace: 'monitoring', name: 'obs-grafana', port: 'service', url: graf.url });
  emu.create(grafanaService('obs'));
  emu.create(prometheusService('down'));
  await eventually(() => h.customToolsets()?.['grafana/dashboards']);
  await eventually(() => h.daemon.health.get('monitoring/down-kube-prometheus-st-prometheus')?.state === 'unhealthy');

  const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  t.is((await fetch(`${base}/api/v1/services`, as('operator-token'))).status, 200);
  t.is((await fetch(`${base}/api/v1/services`)).status, 401);
  t.is((await fetch(`${base}/api/v1/services`, as('prometheus-token'))).status, 403, 'a /metrics grant gives no API access');
  t.is((await fetch(`${base}/metrics`, as('operator-token'))).status, 403, 'an API grant gives no /metrics access');
  t.is((await fetch(`${base}/api/v1/config/reload`, { method: 'POST', ...as('operator-token') })).status, 200);

  const scrape = await fetch(`${base}/metrics`, as('prometheus-token'));
  t.is(scrape.status, 200);
  const text = await scrape.text();
  t.true(sample(text, 'dynamic_toolset_discovery_runs_total') > 0, 'discovery');
  t.true(sample(text, 'dynamic_toolset_detector_duration_seconds_count', { detector: 'grafana' }) > 0, 'detection');
  t.is(sample(text, 'dynamic_toolset_detector_services_found', { detector: 'grafana' }), 1);
  t.true(sample(text, 'dynamic_toolset_health_checks_total', { state: 'healthy' }) > 0, 'health checks');
  t.true(sample(text, 'dynamic_toolset_health_checks_total', { state: 'unhealthy' }) > 0, 'failed health checks');
  t.true(sample(text, 'dynamic_toolset_configmap_reconciliations_total', { result: 'created' }) > 0, 'reconciliation');
  t.true(sample(text, 'dynamic_toolset_http_requests_total', { route: '/api/v1/services', code: '200' }) > 0, 'HTTP');
  t.true(sample(text, 'dynamic_toolset_config_reloads_total', { result: 'success' }) > 0, 'config reloads');
  t.true(sample(text, 'process_cpu_user_seconds_total') > 0, 'process defaults');
  t.false(text.includes('operator-token') || text.includes('prometheus-token'), 'no token in the metrics');
});
