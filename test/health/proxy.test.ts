// Probes through the API server's service proxy, against a fake API server: the backend's answers are classified
// like direct ones, the API server's own Status errors never pass for "needs credentials", and the daemon's
// token goes to the API server only.
import test from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import { createProber, createProxyProber, RBAC_HINT } from '../../core/src/health/index.js';
import type { ProbeTarget } from '../../core/src/health/index.js';
import { answer, refusedPort, settings, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

const TOKEN = 'test-token';

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

// What the fake API server answers, by request path.
const ROUTES: Record<string, [number, string, string]> = {
  '/api/v1/namespaces/monitoring/services/prom:http-web/proxy/-/healthy': [200, 'text/plain', 'Prometheus Server is Healthy.\n'],
  '/api/v1/namespaces/monitoring/services/grafana:service/proxy/api/health': [401, 'text/plain', 'Unauthorized\n'],
  '/api/v1/namespaces/monitoring/services/loki:http/proxy/ready': [404, 'text/plain', '404 page not found\n'],
  '/api/v1/namespaces/monitoring/services/secret:http/proxy/-/healthy': [
    403,
    'application/json',
    status(403, 'Forbidden', 'services "secret" is forbidden: User "system:serviceaccount:kubernaut:dynamic-toolset" cannot get resource "services/proxy" in API group "" in the namespace "monitoring"'),
  ],
  '/api/v1/namespaces/monitoring/services/empty:http/proxy/-/healthy': [503, 'application/json', status(503, 'ServiceUnavailable', 'no endpoints available for service "empty"')],
  '/api/v1/namespaces/monitoring/services/down:http/proxy/-/healthy': [
    503,
    'application/json',
    status(503, 'ServiceUnavailable', 'error trying to reach service: dial tcp 10.0.0.7:9090: connect: connection refused'),
  ],
  '/api/v1/namespaces/logging/services/https:es:9200/proxy/_cluster/health': [200, 'application/json', '{"status":"green"}'],
};

async function fakeApiServer(): Promise<TestServer> {
  return startServer((req, res) => {
    const route = ROUTES[req.url ?? ''];
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(status(401, 'Unauthorized', 'Unauthorized'));
    } else if (route) {
      res.writeHead(route[0], { 'content-type': route[1] });
      res.end(route[2]);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(status(404, 'NotFound', `the server could not find the requested resource (${req.url})`));
    }
  });
}

function kubeConfig(port: number, token = TOKEN): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'daemon', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'daemon' }],
    currentContext: 'fake',
  });
  return kc;
}

function svc(namespace: string, name: string, port: number, extra: Partial<ProbeTarget> = {}): ProbeTarget {
  const host = `${name}.${namespace}.svc.cluster.local`;
  return { key: `${namespace}/${name}`, namespace, name, scheme: 'http', host, port, portName: 'http', healthPath: '/-/healthy', url: `http://${host}:${port}`, ...extra };
}

test('the proxied answers are classified like direct ones, and the daemon\'s token goes to the API server', async (t) => {
  const api = await fakeApiServer();
  t.teardown(() => api.close());
  const prober = createProxyProber({ kc: kubeConfig(api.port), backoffMs: 10 });
  t.is(prober.via, 'proxy');

  const prom = await prober.probe(svc('monitoring', 'prom', 9090, { portName: 'http-web' }), settings());
  t.like(prom, { state: 'healthy', status: 200, via: 'proxy' });
  t.is(prom.reason, undefined);

  const grafana = await prober.probe(svc('monitoring', 'grafana', 80, { portName: 'service', healthPath: '/api/health' }), settings());
  t.like(grafana, { state: 'needs-credentials', status: 401, reason: 'HTTP 401: up, needs credentials' });

  const loki = await prober.probe(svc('monitoring', 'loki', 3100, { healthPath: '/ready' }), settings());
  t.like(loki, { state: 'unhealthy', status: 404, reason: 'HTTP 404 on /ready' });

  // https backends get the scheme prefix; without a port name the port goes by number.
  const { portName: _unused, ...esBase } = svc('logging', 'es', 9200, { scheme: 'https', healthPath: '/_cluster/health' });
  const es = await prober.probe(esBase, settings());
  t.like(es, { state: 'healthy', status: 200 });

  t.true(api.seen.length >= 4);
  for (const s of api.seen) t.is(s.headers.authorization, `Bearer ${TOKEN}`);
  t.deepEqual(
    api.seen.map((s) => s.url),
    [
      '/api/v1/namespaces/monitoring/services/prom:http-web/proxy/-/healthy',
      '/api/v1/namespaces/monitoring/services/grafana:service/proxy/api/health',
      '/api/v1/namespaces/monitoring/services/loki:http/proxy/ready',
      '/api/v1/namespaces/logging/services/https:es:9200/proxy/_cluster/health',
    ],
  );
});

test('a Forbidden Status from the API server is missing RBAC, not "needs credentials"', async (t) => {
  const api = await fakeApiServer();
  t.teardown(() => api.close());
  const prober = createProxyProber({ kc: kubeConfig(api.port), backoffMs: 10 });
  const r = await prober.probe(svc('monitoring', 'secret', 9090), settings({ retries: 1 }));
  t.is(r.state, 'unhealthy');
  t.is(r.status, undefined, 'the service itself never answered');
  t.true(r.reason?.startsWith('probe via API server proxy refused: services "secret" is forbidden: User'), r.reason);
  t.true(r.reason?.endsWith(`(${RBAC_HINT})`), r.reason);
  t.regex(r.reason ?? '', /grant get on services\/proxy, or use --health-check-via direct/);
});

test('an Unauthorized Status (the daemon\'s own token rejected) gets the same hint', async (t) => {
  const api = await fakeApiServer();
  t.teardown(() => api.close());
  const prober = createProxyProber({ kc: kubeConfig(api.port, 'expired'), backoffMs: 10 });
  const r = await prober.probe(svc('monitoring', 'prom', 9090, { portName: 'http-web' }), settings());
  t.is(r.state, 'unhealthy');
  t.is(r.reason, `probe via API server proxy refused: Unauthorized (${RBAC_HINT})`);
});

test('a 503 Status "no endpoints available" means no ready endpoints; a dial error is reported as such', async (t) => {
  const api = await fakeApiServer();
  t.teardown(() => api.close());
  const prober = createProxyProber({ kc: kubeConfig(api.port), backoffMs: 10 });
  const empty = await prober.probe(svc('monitoring', 'empty', 9090), settings());
  t.like(empty, { state: 'unhealthy', reason: 'no ready endpoints' });
  t.is(empty.status, undefined);
  const down = await prober.probe(svc('monitoring', 'down', 9090), settings());
  t.like(down, { state: 'unhealthy', reason: 'connection refused (via API server)' });
  const missing = await prober.probe(svc('monitoring', 'gone', 9090), settings());
  t.is(missing.state, 'unhealthy');
  t.regex(missing.reason ?? '', /^API server: the server could not find the requested resource/);
});

test('an unreachable API server is named as the problem', async (t) => {
  const prober = createProxyProber({ kc: kubeConfig(await refusedPort()), backoffMs: 10 });
  const r = await prober.probe(svc('monitoring', 'prom', 9090), settings());
  t.like(r, { state: 'unhealthy', reason: 'API server unreachable: connection refused', via: 'proxy' });
});

test('explicit endpoints outside the cluster are probed directly, and never get the token', async (t) => {
  const api = await fakeApiServer();
  const external = await startServer(answer(200));
  t.teardown(() => Promise.all([api.close(), external.close()]).then(() => undefined));
  const prober = createProber('proxy', kubeConfig(api.port));
  const tgt: ProbeTarget = {
    key: 'monitoring/ext',
    namespace: 'monitoring',
    name: 'ext',
    scheme: 'http',
    host: '127.0.0.1',
    port: external.port,
    healthPath: '/-/healthy',
    url: `http://127.0.0.1:${external.port}`,
  };
  const r = await prober.probe(tgt, settings());
  t.like(r, { state: 'healthy', via: 'direct' });
  t.is(api.seen.length, 0);
  t.is(external.seen.length, 1);
  t.is(external.seen[0]?.headers.authorization, undefined);

  // And a direct prober made while a KubeConfig exists sends nothing of it either.
  const direct = createProber('direct', kubeConfig(api.port));
  t.is((await direct.probe(tgt, settings())).state, 'healthy');
  t.is(external.seen[1]?.headers.authorization, undefined);
});

test('without a fallback, a non-Service host cannot go through the proxy', async (t) => {
  const prober = createProxyProber({ kc: kubeConfig(1) });
  const r = await prober.probe(svc('x', 'y', 80, { host: 'prometheus.example.com' }), settings());
  t.is(r.state, 'unhealthy');
  t.regex(r.reason ?? '', /prometheus\.example\.com is not a cluster Service address/);
});

test('createProber refuses proxy mode without a KubeConfig', (t) => {
  t.throws(() => createProber('proxy'), { message: /need a KubeConfig/ });
});
