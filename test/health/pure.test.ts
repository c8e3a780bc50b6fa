// The pure parts of health validation: the status rule, paths, settings merging, the proxy path and how an
// answer through the proxy is read, the per-key jitter and the semaphore.
import test from 'ava';
import fc from 'fast-check';
import { DEFAULT_HEALTH_CHECK } from '../../core/src/config/schema.js';
import { fingerprint, keyFraction } from '../../core/src/health/checker.js';
import { describeNetworkError } from '../../core/src/health/http-get.js';
import type { AnsweredState } from '../../core/src/health/index.js';
import { classify, defaultProbeMode, probePath, probeSettings, probeTarget, proxyPath, statusReason } from '../../core/src/health/index.js';
import { apiStatusOf, interpretProxyAnswer } from '../../core/src/health/proxy.js';
import { Semaphore } from '../../core/src/health/semaphore.js';
import { settings, target } from './helpers.js';

test('classify: an answer below 500 other than 404 is healthy; 401/403 need credentials', (t) => {
  const cases: Array<[number, AnsweredState]> = [
    [200, 'healthy'], [204, 'healthy'], [301, 'healthy'], [302, 'healthy'], [304, 'healthy'], [400, 'healthy'], [405, 'healthy'], [429, 'healthy'],
    [401, 'needs-credentials'], [403, 'needs-credentials'],
    [404, 'unhealthy'], [500, 'unhealthy'], [502, 'unhealthy'], [503, 'unhealthy'], [599, 'unhealthy'],
  ];
  for (const [status, state] of cases) t.is(classify(status), state, `HTTP ${status}`);
});

test('classify agrees with the rule for every status code', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 100, max: 599 }), (s) => {
      const expected = s === 401 || s === 403 ? 'needs-credentials' : s < 500 && s !== 404 ? 'healthy' : 'unhealthy';
      return classify(s) === expected;
    }),
  );
  t.pass();
});

test('statusReason names the status, and the path for a 404', (t) => {
  t.is(statusReason(200, '/-/healthy'), undefined);
  t.is(statusReason(302, '/'), undefined);
  t.is(statusReason(404, '/-/healthy'), 'HTTP 404 on /-/healthy');
  t.is(statusReason(503, '/ready'), 'HTTP 503');
  t.is(statusReason(401, '/'), 'HTTP 401: up, needs credentials');
});

test('probePath: detector override, else plugin health path, else "/"', (t) => {
  t.is(probePath(target(1), settings()), '/-/healthy');
  t.is(probePath(target(1), settings({ path: '/api/health' })), '/api/health');
  t.is(probePath(target(1, { healthPath: null }), settings()), '/');
  t.is(probePath(target(1, { healthPath: 'ready' }), settings()), '/ready');
});

test('probeSettings: global defaults, overridden field by field per detector', (t) => {
  const global = { ...DEFAULT_HEALTH_CHECK, retries: 2 };
  t.deepEqual(probeSettings(global), { enabled: true, timeoutMs: 2000, retries: 2, tlsVerify: false });
  t.deepEqual(probeSettings(global, { path: '/ready', timeout: 500, tls_verify: true }), { enabled: true, path: '/ready', timeoutMs: 500, retries: 2, tlsVerify: true });
  t.deepEqual(probeSettings({ ...global, enabled: false }, { retries: 0 }), { enabled: false, timeoutMs: 2000, retries: 0, tlsVerify: false });
  t.is(probeSettings(global, { enabled: false }).enabled, false);
});

test('probeTarget: built from a resolved endpoint', (t) => {
  const endpoint = {
    url: 'http://prom.monitoring.svc.cluster.local:9090',
    scheme: 'http' as const,
    host: 'prom.monitoring.svc.cluster.local',
    port: 9090,
    portName: 'http-web',
    healthPath: '/-/healthy',
  };
  t.deepEqual(probeTarget({ namespace: 'monitoring', name: 'prom' }, endpoint), {
    key: 'monitoring/prom',
    namespace: 'monitoring',
    name: 'prom',
    scheme: 'http',
    host: 'prom.monitoring.svc.cluster.local',
    port: 9090,
    portName: 'http-web',
    healthPath: '/-/healthy',
    url: endpoint.url,
  });
  t.false('portName' in probeTarget({ namespace: 'a', name: 'b' }, { ...endpoint, portName: undefined }));
});

test('proxyPath: port by name for the Service itself, scheme prefix only for https, none for foreign hosts', (t) => {
  const base = target(9090, { namespace: 'monitoring', name: 'prom', host: 'prom.monitoring.svc.cluster.local', portName: 'http-web' });
  t.is(proxyPath(base, '/-/healthy'), '/api/v1/namespaces/monitoring/services/prom:http-web/proxy/-/healthy');
  const { portName: _p, ...unnamed } = base;
  t.is(proxyPath(unnamed, '/'), '/api/v1/namespaces/monitoring/services/prom:9090/proxy/');
  t.is(proxyPath({ ...base, scheme: 'https' }, '/_cluster/health'), '/api/v1/namespaces/monitoring/services/https:prom:http-web/proxy/_cluster/health');
  t.is(proxyPath({ ...base, host: 'prom.monitoring.svc' }, '/x'), '/api/v1/namespaces/monitoring/services/prom:http-web/proxy/x');
  // An explicit endpoint naming another Service: that Service, by port number.
  t.is(proxyPath({ ...base, host: 'thanos.obs.svc.cluster.local', port: 10902 }, '/-/healthy'), '/api/v1/namespaces/obs/services/thanos:10902/proxy/-/healthy');
  t.is(proxyPath({ ...base, host: 'prometheus.example.com' }, '/'), undefined);
  t.is(proxyPath({ ...base, host: '10.0.0.7' }, '/'), undefined);
  t.is(proxyPath(base, '/api/v1/query?query=up'), '/api/v1/namespaces/monitoring/services/prom:http-web/proxy/api/v1/query?query=up');
});

const status = (code: number, reason: string, message: string): Buffer =>
  Buffer.from(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }));

test('interpretProxyAnswer: the backend\'s answers are classified, the API server\'s Status is not', (t) => {
  t.deepEqual(interpretProxyAnswer(200, Buffer.from('ok'), '/-/healthy'), { state: 'healthy', status: 200 });
  t.deepEqual(interpretProxyAnswer(401, Buffer.from('Unauthorized'), '/'), { state: 'needs-credentials', status: 401, reason: 'HTTP 401: up, needs credentials' });
  t.deepEqual(interpretProxyAnswer(404, Buffer.from('404 page not found'), '/ready'), { state: 'unhealthy', status: 404, reason: 'HTTP 404 on /ready' });
  t.deepEqual(interpretProxyAnswer(403, status(403, 'Forbidden', 'nope'), '/'), {
    state: 'unhealthy',
    reason: 'probe via API server proxy refused: nope (grant get on services/proxy, or use --health-check-via direct)',
  });
  t.deepEqual(interpretProxyAnswer(503, status(503, 'ServiceUnavailable', 'no endpoints available for service "x"'), '/'), { state: 'unhealthy', reason: 'no ready endpoints' });
  t.deepEqual(interpretProxyAnswer(503, status(503, 'ServiceUnavailable', 'error trying to reach service: dial tcp: i/o timeout'), '/'), {
    state: 'unhealthy',
    reason: 'API server could not reach the service: dial tcp: i/o timeout',
  });
  // A 200 whose body happens to be a Status is still the backend's answer.
  t.is(interpretProxyAnswer(200, status(200, '', 'fine'), '/').state, 'healthy');
  // Other JSON from the backend is not mistaken for the API server's.
  t.is(interpretProxyAnswer(503, Buffer.from('{"status":"red"}'), '/').reason, 'HTTP 503');
});

test('apiStatusOf reads only a v1 Status', (t) => {
  t.deepEqual(apiStatusOf(status(403, 'Forbidden', 'm')), { code: 403, reason: 'Forbidden', message: 'm' });
  t.is(apiStatusOf(Buffer.from('{"kind":"Status","apiVersion":"v2"}')), undefined);
  t.is(apiStatusOf(Buffer.from('{"kind":"Stat')), undefined);
  t.is(apiStatusOf(Buffer.from('Forbidden')), undefined);
  t.is(apiStatusOf(Buffer.from('null')), undefined);
});

test('describeNetworkError turns codes into short reasons', (t) => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  t.is(describeNetworkError(err('ECONNREFUSED'), 'h').reason, 'connection refused');
  t.is(describeNetworkError(err('ENOTFOUND'), 'prom.x.svc').reason, 'DNS: prom.x.svc not found');
  t.deepEqual(describeNetworkError(err('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'h'), { failure: 'tls', reason: 'TLS: self-signed certificate' });
  t.is(describeNetworkError(err('CERT_HAS_EXPIRED', 'certificate has expired'), 'h').reason, 'TLS: certificate has expired');
  t.is(describeNetworkError(err('HPE_INVALID_CONSTANT', 'Parse Error'), 'h').reason, 'not an HTTP answer (is the port https?)');
});

test('keyFraction is stable and in [0, 1); fingerprint changes with what matters', (t) => {
  fc.assert(fc.property(fc.string(), (k) => keyFraction(k) === keyFraction(k) && keyFraction(k) >= 0 && keyFraction(k) < 1));
  t.not(keyFraction('monitoring/prom'), keyFraction('monitoring/grafana'));
  const a = { target: target(1), settings: settings() };
  t.is(fingerprint(a), fingerprint({ target: target(1), settings: settings() }));
  t.not(fingerprint(a), fingerprint({ ...a, settings: settings({ retries: 1 }) }));
  t.not(fingerprint(a), fingerprint({ ...a, target: target(1, { healthPath: null }) }));
});

test('Semaphore hands slots over in order and never exceeds its limit', async (t) => {
  const s = new Semaphore(2);
  const r1 = await s.acquire();
  const r2 = await s.acquire();
  const order: number[] = [];
  const w3 = s.acquire().then((r) => (order.push(3), r));
  const w4 = s.acquire().then((r) => (order.push(4), r));
  t.is(s.inUse, 2);
  t.is(s.queued, 2);
  r1();
  r1(); // a second release is ignored
  const r3 = await w3;
  t.is(s.queued, 1);
  r2();
  const r4 = await w4;
  t.deepEqual(order, [3, 4]);
  t.is(s.inUse, 2);
  r3();
  r4();
  t.is(s.inUse, 0);
  t.throws(() => new Semaphore(0), { instanceOf: RangeError });
});

test('Semaphore: a raised limit admits waiters at once; a lowered one holds new entries until holders release', async (t) => {
  const s = new Semaphore(1);
  const r1 = await s.acquire();
  let got2 = false;
  let got3 = false;
  const w2 = s.acquire().then((r) => ((got2 = true), r));
  const w3 = s.acquire().then((r) => ((got3 = true), r));
  s.setLimit(3);
  const [r2, r3] = await Promise.all([w2, w3]);
  t.true(got2 && got3);
  t.is(s.inUse, 3);
  s.setLimit(1);
  let got4 = false;
  const w4 = s.acquire().then((r) => ((got4 = true), r));
  r1();
  r2();
  await new Promise((r) => setImmediate(r));
  t.false(got4, 'still two over the new limit of one… then one: no room yet');
  t.is(s.inUse, 1);
  r3();
  const r4 = await w4;
  t.true(got4);
  t.is(s.inUse, 1);
  r4();
  t.is(s.inUse, 0);
  t.throws(() => s.setLimit(0), { instanceOf: RangeError });
});

test('defaultProbeMode: direct in a pod, through the API server from outside', (t) => {
  t.is(defaultProbeMode({ inCluster: true }), 'direct');
  t.is(defaultProbeMode({ inCluster: false }), 'proxy');
});
