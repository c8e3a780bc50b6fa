// Identity probes against local servers answering as the real products do: the target is healthy only when the
// answer is what the detection claimed, a 9090 app that is not Prometheus is left out with the reason, `scheme: auto`
// settles on the scheme that answers (and remembers it), and two Services answering one Elasticsearch cluster_uuid
// are published once — direct and through the API server's service proxy.
//
// The answers are shaped as the products write them:
//   Prometheus  GET /api/v1/status/buildinfo  {"status":"success","data":{version,revision,branch,buildUser,buildDate,goVersion}}
//               (Prometheus HTTP API docs, "Build information"; web/api/v1/api.go serveBuildInfo)
//   Elasticsearch GET /  {name, cluster_name, cluster_uuid, version:{number, build_flavor, …}, tagline:"You Know, for Search"}
//               (server/src/main/java/org/elasticsearch/rest/root/RestMainAction.java; "_na_" before a cluster forms,
//               Metadata.UNKNOWN_CLUSTER_UUID)
//   OpenSearch  GET /  the same with version.distribution "opensearch", tagline "The OpenSearch Project: https://opensearch.org/"
//   Alertmanager GET /api/v2/status  {cluster:{name,status,peers}, config:{original}, uptime, versionInfo:{…}} (api/v2/openapi.yaml)
//   Grafana     GET /api/health  {"database":"ok","version":…,"commit":…} (pkg/api/http_server.go apiHealthHandler)
//   Loki        GET /loki/api/v1/status/buildinfo, Tempo GET /api/status/buildinfo  {version,revision,branch,buildUser,buildDate,goVersion}
import test from 'ava';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { ALERTMANAGER_STATUS, ELASTICSEARCH_ROOT, GRAFANA_HEALTH, LOKI_BUILDINFO, OPENSEARCH_ROOT, PROMETHEUS_BUILDINFO, TEMPO_BUILDINFO } from '@kubernaut/toolset-sdk';
import type { Detection, IdentityCheck, ServiceView } from '@kubernaut/toolset-sdk';
import { HealthChecker, createDirectProber, createProxyProber, probeTarget, settleIdentities } from '../../core/src/health/index.js';
import type { HealthResult, ProbeTarget, Prober } from '../../core/src/health/index.js';
import { resolveDetection } from '../../core/src/detection/resolve.js';
import type { DetectedService } from '../../core/src/detection/engine.js';
import { selfSignedCertificate, settings, startServer, startTlsServer, target } from './helpers.js';
import type { TestServer } from './helpers.js';

type Routes = Record<string, unknown>;

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body, null, 2));
};

/** Answers the routes' documents (JSON), 404 elsewhere, like the products' own muxes. */
const product =
  (routes: Routes) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (Object.prototype.hasOwnProperty.call(routes, path)) json(res, 200, routes[path]);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found\n');
    }
  };

const BUILD = { version: '2.53.0', revision: 'a1b2c3d', branch: 'HEAD', buildUser: 'root@buildkitsandbox', buildDate: '20240618-10:24:26', goVersion: 'go1.22.4' };
const PROMETHEUS: Routes = { '/api/v1/status/buildinfo': { status: 'success', data: BUILD }, '/-/healthy': 'Prometheus Server is Healthy.\n' };
const esRoot = (uuid: string, node = 'elasticsearch-master-0'): Routes => ({
  '/': {
    name: node,
    cluster_name: 'elasticsearch',
    cluster_uuid: uuid,
    version: { number: '8.14.1', build_flavor: 'default', build_type: 'docker', build_hash: 'e0ab7f6', build_snapshot: false, lucene_version: '9.10.0', minimum_wire_compatibility_version: '7.17.0', minimum_index_compatibility_version: '7.0.0' },
    tagline: 'You Know, for Search',
  },
});
const OPENSEARCH: Routes = {
  '/': {
    name: 'opensearch-cluster-master-0',
    cluster_name: 'opensearch-cluster',
    cluster_uuid: 'Qx3xU2pQR4u1vGZ8pGsXkw',
    version: { distribution: 'opensearch', number: '2.15.0', build_type: 'tar', build_hash: '61dbcd0', build_snapshot: false, lucene_version: '9.10.0', minimum_wire_compatibility_version: '7.10.0', minimum_index_compatibility_version: '7.0.0' },
    tagline: 'The OpenSearch Project: https://opensearch.org/',
  },
};
const ALERTMANAGER: Routes = {
  '/api/v2/status': {
    cluster: { name: '01J1Z6Q3W9', peers: [{ address: '10.0.0.5:9094', name: '01J1Z6Q3W9' }], status: 'ready' },
    config: { original: 'global:\n  resolve_timeout: 5m\nroute:\n  receiver: "null"\nreceivers:\n- name: "null"\n' },
    uptime: '2024-06-18T10:24:26.000Z',
    versionInfo: { branch: 'HEAD', buildDate: '20240228-11:51:20', buildUser: 'root@22cd11f671e9', goVersion: 'go1.21.7', revision: '0aa3c2a', version: '0.27.0' },
  },
};
const GRAFANA: Routes = { '/api/health': { commit: '83b9528bce85cf9371320f6d6e450916156da3f6', database: 'ok', version: '11.1.0' } };
const LOKI: Routes = { '/loki/api/v1/status/buildinfo': { ...BUILD, version: '3.0.0' }, '/ready': 'ready\n' };
const TEMPO: Routes = { '/api/status/buildinfo': { ...BUILD, version: '2.5.0' }, '/ready': 'ready\n' };
/** An ordinary web app on 9090: answers 200 with a page on every path. */
const WEB_APP = (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>metrics dashboard</title><p>hello</p>');
};

async function serve(t: import('ava').ExecutionContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const s = await startServer(handler);
  t.teardown(() => s.close());
  return s;
}

const direct = createDirectProber({ backoffMs: 1 });
const probe = (server: TestServer, identity: IdentityCheck, overrides: Partial<ProbeTarget> = {}): Promise<HealthResult> =>
  direct.probe(target(server.port, { identity, ...overrides }), settings({ retries: 2 }));

test('each product answers its own identity check and fails the others', async (t) => {
  const cases: Array<[string, Routes, IdentityCheck]> = [
    ['Prometheus', PROMETHEUS, PROMETHEUS_BUILDINFO],
    ['Elasticsearch', esRoot('pDx1bJ6VSa2u2kI2-cNp0A'), ELASTICSEARCH_ROOT],
    ['OpenSearch', OPENSEARCH, OPENSEARCH_ROOT],
    ['Alertmanager', ALERTMANAGER, ALERTMANAGER_STATUS],
    ['Grafana', GRAFANA, GRAFANA_HEALTH],
    ['Loki', LOKI, LOKI_BUILDINFO],
    ['Tempo', TEMPO, TEMPO_BUILDINFO],
  ];
  const servers = await Promise.all(cases.map(([, routes]) => serve(t, product(routes))));
  for (const [i, [name, , check]] of cases.entries()) {
    const own = await probe(servers[i]!, check);
    t.like(own, { state: 'healthy', status: 200, identity: { state: 'matched', what: name, path: check.path } }, name);
    for (const [j, [other]] of cases.entries()) {
      if (j === i) continue;
      const r = await probe(servers[j]!, check);
      t.is(r.state, 'unhealthy', `${other} is not ${name}`);
      t.is(r.identity?.state, 'mismatch', `${other} is not ${name}`);
      t.true(r.reason!.startsWith(`answered on ${check.path} but is not ${name}: `), r.reason);
    }
  }
  // Elasticsearch's cluster_uuid is the backend's identity; OpenSearch's tagline is not Elasticsearch's.
  t.is((await probe(servers[1]!, ELASTICSEARCH_ROOT)).identity?.value, 'pDx1bJ6VSa2u2kI2-cNp0A');
  t.is((await probe(servers[2]!, ELASTICSEARCH_ROOT)).reason, 'answered on / but is not Elasticsearch: "tagline" is "The OpenSearch Project: https://opensearch.org/", not "You Know, for Search"');
  t.is((await probe(servers[1]!, OPENSEARCH_ROOT)).reason, 'answered on / but is not OpenSearch: no field "version.distribution"');
});

test('a 9090 app that is not Prometheus is unhealthy with the reason, and is not retried', async (t) => {
  const app = await serve(t, WEB_APP);
  const r = await probe(app, PROMETHEUS_BUILDINFO);
  t.like(r, { state: 'unhealthy', status: 200, attempts: 1, identity: { state: 'mismatch', path: '/api/v1/status/buildinfo' } });
  t.is(r.reason, 'answered on /api/v1/status/buildinfo but is not Prometheus: the answer is not JSON');
  t.deepEqual(app.seen.map((s) => s.url), ['/api/v1/status/buildinfo']);
  // A 404 there (a Go app's mux) says the same.
  const mux = await serve(t, product({ '/': { ok: true } }));
  t.is((await probe(mux, PROMETHEUS_BUILDINFO)).reason, 'answered on /api/v1/status/buildinfo but is not Prometheus: HTTP 404');
  // Without the identity check the same app passes as healthy: that is what the check adds.
  t.is((await direct.probe(target(app.port, { healthPath: '/-/healthy' }), settings())).state, 'healthy');
});

test('credentials, failures, unformed clusters and oversized answers', async (t) => {
  const locked = await serve(t, (_req, res) => json(res, 401, { error: { type: 'security_exception', reason: 'missing authentication credentials for REST request [/]' }, status: 401 }));
  t.like(await probe(locked, ELASTICSEARCH_ROOT), { state: 'needs-credentials', identity: { state: 'unverified' } });
  const failing = await serve(t, (_req, res) => json(res, 503, { commit: 'x', database: 'failing', version: '11.1.0' }));
  t.like(await probe(failing, GRAFANA_HEALTH), { state: 'unhealthy', reason: 'HTTP 503 on /api/health', identity: { state: 'unverified' } });
  // An Elasticsearch node before its cluster formed is Elasticsearch, but "_na_" names no backend.
  const forming = await serve(t, product(esRoot('_na_')));
  const r = await probe(forming, ELASTICSEARCH_ROOT);
  t.like(r, { state: 'healthy', identity: { state: 'matched' } });
  t.is(r.identity?.value, undefined);
  t.regex(r.identity!.reason!, /no usable "cluster_uuid"/);
  // The read is bounded: a huge answer is cut and judged, never buffered whole.
  const huge = await serve(t, (_req, res) => json(res, 200, `{"tagline":"You Know, for Search","pad":"${'x'.repeat(400 * 1024)}"}`));
  t.is((await probe(huge, ELASTICSEARCH_ROOT)).reason, 'answered on / but is not Elasticsearch: the answer is over 256 KiB');
  // What an answer says is never echoed raw: control characters and length are cut.
  const hostile = await serve(t, product({ '/': { tagline: `evil\n# injected: true\u2028${'y'.repeat(300)}`, version: { number: '1' } } }));
  const reason = (await probe(hostile, ELASTICSEARCH_ROOT)).reason!;
  t.false(/[\n\u2028]/.test(reason));
  t.true(reason.length < 260, reason);
});

/** A prober that records the schemes it was asked to probe. */
function recording(inner: Prober): Prober & { schemes: string[] } {
  const schemes: string[] = [];
  return { via: inner.via, schemes, probe: (tg, s, signal) => (schemes.push(tg.scheme), inner.probe(tg, s, signal)) };
}

function autoTarget(port: number, identity?: IdentityCheck): ProbeTarget {
  return target(port, { scheme: 'https', schemeAuto: true, url: `https://127.0.0.1:${port}`, healthPath: '/-/healthy', ...(identity ? { identity } : {}) });
}

test('scheme auto: an http-only server settles on http, a TLS server on https, and the answer is remembered', async (t) => {
  const tls = selfSignedCertificate();
  if (!tls) return t.pass('openssl is not available: the TLS half is skipped');
  const plain = await serve(t, product(PROMETHEUS));
  const secure = await startTlsServer(tls, product(OPENSEARCH));
  t.teardown(() => secure.close());
  const prober = recording(createDirectProber({ backoffMs: 1 }));
  const checker = new HealthChecker({ prober, intervalMs: 3_600_000 });
  t.teardown(() => checker.stop());
  checker.set([
    { target: autoTarget(plain.port, PROMETHEUS_BUILDINFO), settings: settings() },
    { target: autoTarget(secure.port, OPENSEARCH_ROOT), settings: settings() },
  ]);
  checker.start();
  await checker.whenIdle();
  t.like(checker.get(`test/svc-${plain.port}`), { state: 'healthy', scheme: 'http', identity: { state: 'matched' } });
  t.like(checker.get(`test/svc-${secure.port}`), { state: 'healthy', scheme: 'https', identity: { state: 'matched', value: 'Qx3xU2pQR4u1vGZ8pGsXkw' } });
  t.deepEqual(prober.schemes.sort(), ['http', 'https', 'https']); // https failed on the plain server, then http
  // Re-checked with the scheme that answered first: no more https attempts on the plain server.
  prober.schemes.length = 0;
  await checker.checkNow([`test/svc-${plain.port}`]);
  t.deepEqual(prober.schemes, ['http']);
  t.is(checker.get(`test/svc-${plain.port}`)?.scheme, 'http');
});

test('scheme auto: when neither scheme answers as the product, both reasons are given and nothing settles', async (t) => {
  const app = await serve(t, WEB_APP);
  const checker = new HealthChecker({ prober: createDirectProber({ backoffMs: 1 }), intervalMs: 3_600_000 });
  t.teardown(() => checker.stop());
  checker.set([{ target: autoTarget(app.port, PROMETHEUS_BUILDINFO), settings: settings() }]);
  checker.start();
  await checker.whenIdle();
  const r = checker.get(`test/svc-${app.port}`)!;
  t.like(r, { state: 'unhealthy', identity: { state: 'mismatch' } });
  t.is(r.scheme, undefined);
  t.regex(r.reason!, /^https: TLS: .*; http: answered on \/api\/v1\/status\/buildinfo but is not Prometheus: the answer is not JSON$/);
});

// ---- One entry per backend ----

function view(name: string, labels: Record<string, string> = {}, clusterIP?: string): ServiceView {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'logging', labels, annotations: {} },
    spec: { ...(clusterIP ? { clusterIP } : {}), selector: { app: name }, ports: [{ name: 'http', port: 9200, protocol: 'TCP' }] },
  };
}

function detected(v: ServiceView, detection: Detection): DetectedService {
  const r = resolveDetection(v, detection, 'elasticsearch');
  if (!r.ok) throw new Error(r.reason);
  return {
    key: `${v.metadata.namespace}/${v.metadata.name}`,
    namespace: v.metadata.namespace,
    name: v.metadata.name,
    detector: 'elasticsearch',
    type: 'elasticsearch',
    endpoint: r.endpoint,
    headless: v.spec.clusterIP === 'None',
    selector: v.spec.selector ?? {},
    labels: v.metadata.labels,
    annotations: v.metadata.annotations,
    toolsets: { 'elasticsearch/data': { enabled: true, config: { api_url: r.endpoint.url } } },
  };
}

test('two Services answering one cluster_uuid are one backend: the preferred one is published, the other left out with the reason', async (t) => {
  // elastic/elasticsearch with two node groups (master, data), each with its Service, one cluster; and another cluster.
  const master = await serve(t, product(esRoot('pDx1bJ6VSa2u2kI2-cNp0A', 'elasticsearch-master-0')));
  const data = await serve(t, product(esRoot('pDx1bJ6VSa2u2kI2-cNp0A', 'elasticsearch-data-0')));
  const other = await serve(t, product(esRoot('Z9yU3rXnS1m8kqv4oP0b2Q', 'logs-es-0')));
  const ports: Record<string, number> = { 'elasticsearch-master': master.port, 'elasticsearch-data': data.port, 'elasticsearch-master-headless': master.port, logs: other.port };
  const ask: Detection = { port: 'http', scheme: 'http', identity: ELASTICSEARCH_ROOT };
  const services = [
    detected(view('elasticsearch-data'), ask),
    detected(view('elasticsearch-master-headless', {}, 'None'), ask),
    detected(view('elasticsearch-master'), ask),
    detected(view('logs'), ask),
  ];
  const prober = createDirectProber({ backoffMs: 1, resolveHost: (host) => ({ host: '127.0.0.1', port: ports[host.split('.')[0]!]! }) });
  const checker = new HealthChecker({ prober, intervalMs: 3_600_000 });
  t.teardown(() => checker.stop());
  checker.set(services.map((d) => ({ target: probeTarget(d, d.endpoint), settings: settings() })));
  checker.start();
  await checker.whenIdle();
  const health = (key: string) => checker.get(key);
  for (const d of services) t.like(health(d.key), { state: 'healthy', identity: { state: 'matched' } }, d.key);

  const settled = settleIdentities(services, health);
  // Same backend: non-headless first, then by name — elasticsearch-data before elasticsearch-master.
  t.deepEqual(settled.detected.map((d) => d.key), ['logging/elasticsearch-data', 'logging/logs']);
  t.deepEqual(settled.leftOut.get('logging/elasticsearch-master'), {
    key: 'logging/elasticsearch-master',
    reason: 'same-backend',
    duplicateOf: 'logging/elasticsearch-data',
    detail: 'same backend as logging/elasticsearch-data (cluster_uuid pDx1bJ6VSa2u2kI2-cNp0A)',
  });
  t.is(settled.leftOut.get('logging/elasticsearch-master-headless')?.duplicateOf, 'logging/elasticsearch-data');
  // Input order does not change the choice.
  t.deepEqual(settleIdentities([...services].reverse(), health).detected.map((d) => d.key).sort(), ['logging/elasticsearch-data', 'logging/logs']);
  // The annotation wins over the rule; a gateway wins over a component.
  const annotated = services.map((d) => (d.name === 'elasticsearch-master' ? { ...d, annotations: { 'kubernaut.io/toolset-primary': 'true' } } : d));
  t.deepEqual(settleIdentities(annotated, health).detected.map((d) => d.key), ['logging/elasticsearch-master', 'logging/logs']);
  const gateway = services.map((d) => (d.name === 'elasticsearch-master' ? { ...d, labels: { 'app.kubernetes.io/component': 'gateway' } } : d));
  t.deepEqual(settleIdentities(gateway, health).detected.map((d) => d.key), ['logging/elasticsearch-master', 'logging/logs']);
});

test('scheme auto in publication: the settled scheme goes into the URL and the toolsets answer; unsettled with checks off is left out', (t) => {
  const d = detected(view('opensearch'), { port: 'http', scheme: 'auto', identity: OPENSEARCH_ROOT });
  t.is(d.endpoint.url, 'https://opensearch.logging.svc.cluster.local:9200');
  const at = (r: Partial<HealthResult>) => () => ({ checkedAt: '', latencyMs: 0, via: 'direct', state: 'healthy', ...r }) as HealthResult;
  const http = settleIdentities([d], at({ scheme: 'http' })).detected[0]!;
  t.is(http.endpoint.url, 'http://opensearch.logging.svc.cluster.local:9200');
  t.is(http.endpoint.scheme, 'http');
  t.deepEqual(http.toolsets, { 'elasticsearch/data': { enabled: true, config: { api_url: 'http://opensearch.logging.svc.cluster.local:9200' } } });
  t.is(settleIdentities([d], at({ scheme: 'https' })).detected[0]!.endpoint.url, 'https://opensearch.logging.svc.cluster.local:9200');
  const off = settleIdentities([d], at({ state: 'unchecked' }));
  t.deepEqual(off.detected, []);
  t.is(off.leftOut.get('logging/opensearch')?.reason, 'scheme-unsettled');
});

// ---- Through the API server's service proxy ----

const TOKEN = 'identity-token';

test('proxy mode: identity and scheme auto through the service proxy, the scheme prefix choosing the backend protocol', async (t) => {
  const tls = selfSignedCertificate();
  if (!tls) return t.pass('openssl is not available');
  const prom = await serve(t, product(PROMETHEUS));
  const app = await serve(t, WEB_APP);
  const es = await startTlsServer(tls, product(esRoot('pDx1bJ6VSa2u2kI2-cNp0A')));
  t.teardown(() => es.close());
  const backends: Record<string, number> = { prom: prom.port, app: app.port, es: es.port };
  // A fake API server that forwards /api/v1/namespaces/{ns}/services/[https:]{name}:{port}/proxy{path} as the real one
  // does: plain HTTP by default, TLS (unverified) for an https: prefix; a backend that fails comes back as a 503 Status.
  const { request: httpRequest } = await import('node:http');
  const { request: httpsRequest } = await import('node:https');
  const api = await serve(t, (req, res) => {
    const m = /^\/api\/v1\/namespaces\/monitoring\/services\/(https:)?([a-z]+):http\/proxy(\/.*)$/.exec(req.url ?? '');
    if (req.headers.authorization !== `Bearer ${TOKEN}` || !m || backends[m[2]!] === undefined) return json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 });
    const send = m[1] ? httpsRequest : httpRequest;
    const up = send({ host: '127.0.0.1', port: backends[m[2]!], path: m[3], rejectUnauthorized: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, { 'content-type': String(r.headers['content-type'] ?? 'text/plain') });
      r.pipe(res);
    });
    up.on('error', (err) => json(res, 503, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'ServiceUnavailable', code: 503, message: `error trying to reach service: ${err.message}` }));
    up.end();
  });
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${api.port}`, skipTLSVerify: true }],
    users: [{ name: 'daemon', token: TOKEN }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'daemon' }],
    currentContext: 'fake',
  });
  const checker = new HealthChecker({ prober: createProxyProber({ kc, backoffMs: 1 }), intervalMs: 3_600_000 });
  t.teardown(() => checker.stop());
  const svc = (name: string, identity: IdentityCheck): ProbeTarget => ({
    key: `monitoring/${name}`,
    namespace: 'monitoring',
    name,
    scheme: 'https',
    schemeAuto: true,
    host: `${name}.monitoring.svc.cluster.local`,
    port: 9090,
    portName: 'http',
    healthPath: null,
    url: `https://${name}.monitoring.svc.cluster.local:9090`,
    identity,
  });
  checker.set([
    { target: svc('prom', PROMETHEUS_BUILDINFO), settings: settings() },
    { target: svc('app', PROMETHEUS_BUILDINFO), settings: settings() },
    { target: svc('es', ELASTICSEARCH_ROOT), settings: settings() },
  ]);
  checker.start();
  await checker.whenIdle();
  t.like(checker.get('monitoring/prom'), { state: 'healthy', scheme: 'http', via: 'proxy', identity: { state: 'matched' } });
  t.like(checker.get('monitoring/es'), { state: 'healthy', scheme: 'https', via: 'proxy', identity: { state: 'matched', value: 'pDx1bJ6VSa2u2kI2-cNp0A' } });
  const app2 = checker.get('monitoring/app')!;
  t.like(app2, { state: 'unhealthy', identity: { state: 'mismatch' } });
  t.regex(app2.reason!, /http: answered on \/api\/v1\/status\/buildinfo but is not Prometheus: the answer is not JSON$/);
});
