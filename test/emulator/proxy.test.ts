import test from 'ava';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiError, clients, emulator, raw, svc } from './helpers.js';

interface Seen {
  method: string;
  url: string;
  body: string;
  auth: string | undefined;
}

async function backend(t: Parameters<typeof emulator>[0], label: string): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString(), auth: req.headers.authorization });
      res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'Content-Type': 'text/plain', 'X-Backend': label });
      res.end(`${label}:${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

test('service proxy forwards method, path, query and body to the registered target', async (t) => {
  const emu = await emulator(t);
  const be = await backend(t, 'prom');
  emu.create(svc('prometheus', 'monitoring', [{ name: 'web', port: 9090 }]));
  emu.registerProxyTarget({ namespace: 'monitoring', name: 'prometheus', port: 'web', url: be.url });
  const { core } = clients(emu);

  const text = await core.connectGetNamespacedServiceProxyWithPath({ name: 'prometheus:9090', namespace: 'monitoring', path: 'api/v1/status/buildinfo' });
  t.is(text, 'prom:GET /api/v1/status/buildinfo');
  t.is(be.seen[0]?.auth, undefined, 'the caller credentials are not forwarded');

  const q = await raw(emu, '/api/v1/namespaces/monitoring/services/http:prometheus:web/proxy/api/v1/query?query=up%7Bjob%3D%22x%22%7D');
  t.is(q.status, 200);
  t.is(q.headers.get('x-backend'), 'prom');
  t.is(be.seen[1]?.url, '/api/v1/query?query=up%7Bjob%3D%22x%22%7D');

  const post = await raw(emu, '/api/v1/namespaces/monitoring/services/prometheus/proxy/api/v1/query', {
    method: 'POST',
    contentType: 'application/x-www-form-urlencoded',
    body: 'query=up',
  });
  t.is(post.status, 200);
  t.deepEqual({ method: be.seen[2]?.method, body: be.seen[2]?.body }, { method: 'POST', body: 'query=up' });

  const notFound = await raw(emu, '/api/v1/namespaces/monitoring/services/prometheus/proxy/missing');
  t.is(notFound.status, 404, 'upstream status passes through');
  t.is(notFound.text, 'prom:GET /missing');

  const redirect = await raw(emu, '/api/v1/namespaces/monitoring/services/prometheus/proxy');
  t.is(redirect.status, 301);
  t.is(redirect.headers.get('location'), '/api/v1/namespaces/monitoring/services/prometheus/proxy/');
});

test('service proxy without endpoints is 503, without a Service 404, unreachable target 503', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  emu.create(svc('grafana', 'monitoring', [{ name: 'http', port: 3000 }]));
  const none = await apiError(core.connectGetNamespacedServiceProxyWithPath({ name: 'grafana', namespace: 'monitoring', path: 'api/health' }));
  t.is(none.code, 503);
  t.deepEqual(none.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'no endpoints available for service "grafana"',
    reason: 'ServiceUnavailable',
    code: 503,
  });
  const noSvc = await apiError(core.connectGetNamespacedServiceProxyWithPath({ name: 'loki', namespace: 'monitoring', path: 'ready' }));
  t.is(noSvc.code, 404);
  t.is(noSvc.status?.message, 'services "loki" not found');
  const wrongPort = await raw(emu, '/api/v1/namespaces/monitoring/services/grafana:4000/proxy/');
  t.is(wrongPort.status, 503);
  t.is((wrongPort.json() as { message: string }).message, 'no service port 4000 found for service "grafana"');

  // A catch-all target serves every port; a port-specific one that refuses connections wins for its port.
  const live = await backend(t, 'live');
  emu.registerProxyTarget({ namespace: 'monitoring', name: 'grafana', url: live.url });
  const ok = await raw(emu, '/api/v1/namespaces/monitoring/services/grafana/proxy/api/health');
  t.is(ok.status, 200);
  const unregister = emu.registerProxyTarget({ namespace: 'monitoring', name: 'grafana', port: 3000, url: 'http://127.0.0.1:1' });
  const refused = await raw(emu, '/api/v1/namespaces/monitoring/services/grafana:3000/proxy/api/health');
  t.is(refused.status, 503);
  t.regex((refused.json() as { message: string }).message, /^error trying to reach service: /);
  unregister();
  t.is((await raw(emu, '/api/v1/namespaces/monitoring/services/grafana:3000/proxy/api/health')).status, 200);
});

test('service proxy is authorized as services/proxy', async (t) => {
  const emu = await emulator(t);
  const be = await backend(t, 'b');
  emu.create(svc('tempo', 'obs', [{ port: 3200 }]));
  emu.registerProxyTarget({ namespace: 'obs', name: 'tempo', url: be.url });
  emu.addToken('proxy-user', { username: 'p' });
  const denied = await raw(emu, '/api/v1/namespaces/obs/services/tempo/proxy/ready', { token: 'proxy-user' });
  t.is(denied.status, 403);
  t.is(
    (denied.json() as { message: string }).message,
    'services "tempo" is forbidden: User "p" cannot get resource "services/proxy" in API group "" in the namespace "obs"',
  );
  emu.grant({ subjects: { users: ['p'] }, apiGroups: [''], resources: ['services/proxy'], verbs: ['get'], namespaces: ['obs'] });
  const allowed = await raw(emu, '/api/v1/namespaces/obs/services/tempo/proxy/ready', { token: 'proxy-user' });
  t.is(allowed.status, 200);
  t.is(allowed.text, 'b:GET /ready');
});
