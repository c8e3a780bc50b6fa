import test from 'ava';
import plugin from './index.js';
import { svc, ctx } from '@kubernaut/toolset-sdk/testing';

const a = (extra: Record<string, string> = {}) => ({ 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': 'widget', ...extra });
const detect = (o: Parameters<typeof svc>[1]) => plugin.detect(svc('w', o), ctx());

test('the flag: true / enabled in any case; anything else is not an opt-in', (t) => {
  for (const flag of ['true', 'TRUE', 'Enabled', ' enabled ']) t.truthy(detect({ annotations: a({ 'kubernaut.io/toolset': flag }), ports: [['http', 80]] }), flag);
  for (const flag of ['yes', '1', 'false', 'disabled', '']) t.is(detect({ annotations: a({ 'kubernaut.io/toolset': flag }), ports: [['http', 80]] }), null, flag);
  t.is(detect({ annotations: { 'kubernaut.io/toolset-type': 'widget' }, ports: [['http', 80]] }), null);
});

test('the type must be a lower-case DNS label', (t) => {
  t.is(detect({ annotations: a({ 'kubernaut.io/toolset-type': 'my-widget2' }), ports: [['http', 80]] })?.type, 'my-widget2');
  for (const type of ['Widget', 'my_widget', '-widget', 'widget-', '', 'a'.repeat(64), 'wid get']) {
    t.is(detect({ annotations: a({ 'kubernaut.io/toolset-type': type }), ports: [['http', 80]] }), null, JSON.stringify(type));
  }
  t.is(detect({ annotations: { 'kubernaut.io/toolset': 'true' }, ports: [['http', 80]] }), null);
});

test('default port: the only TCP port (by number when unnamed), else http > https > web > api, else not detected', (t) => {
  t.deepEqual(detect({ annotations: a(), ports: [8080] }), { type: 'widget', scheme: 'http', port: 8080, health: null });
  t.is(detect({ annotations: a(), ports: [['syslog', 514, { protocol: 'UDP' }], ['admin', 9000]] })?.port, 'admin');
  t.is(detect({ annotations: a(), ports: [['grpc', 9090], ['api', 8000], ['web', 8080]] })?.port, 'web');
  t.is(detect({ annotations: a(), ports: [['metrics', 9100], ['https', 8443], ['http', 8080]] })?.port, 'http');
  t.is(detect({ annotations: a(), ports: [['grpc', 9090], ['metrics', 9100]] }), null);
  t.is(detect({ annotations: a(), ports: [['syslog', 514, { protocol: 'UDP' }]] }), null);
  t.is(detect({ annotations: a(), ports: [] }), null);
});

test('explicit port by name or number; a port the Service lacks (or a UDP one) is a mistake, not detected', (t) => {
  t.is(detect({ annotations: a({ 'kubernaut.io/toolset-port': 'metrics' }), ports: [['http', 80], ['metrics', 9100]] })?.port, 'metrics');
  t.is(detect({ annotations: a({ 'kubernaut.io/toolset-port': '9100' }), ports: [['http', 80], ['metrics', 9100]] })?.port, 'metrics');
  t.is(detect({ annotations: a({ 'kubernaut.io/toolset-port': '9100' }), ports: [80, 9100] })?.port, 9100);
  t.is(detect({ annotations: a({ 'kubernaut.io/toolset-port': 'admin' }), ports: [['http', 80]] }), null);
  t.is(detect({ annotations: a({ 'kubernaut.io/toolset-port': '8080' }), ports: [['http', 80]] }), null);
  t.is(detect({ annotations: a({ 'kubernaut.io/toolset-port': 'syslog' }), ports: [['syslog', 514, { protocol: 'UDP' }], ['http', 80]] }), null);
});

test('scheme from the port: name, appProtocol, 443/8443, OpenShift serving cert', (t) => {
  t.is(detect({ annotations: a(), ports: [['https', 8443]] })?.scheme, 'https');
  t.is(detect({ annotations: a(), ports: [['api', 8000, { appProtocol: 'https' }]] })?.scheme, 'https');
  t.is(detect({ annotations: a(), ports: [443] })?.scheme, 'https');
  t.is(detect({ annotations: a({ 'service.beta.openshift.io/serving-cert-secret-name': 'w-tls' }), ports: [['web', 8080]] })?.scheme, 'https');
  t.is(detect({ annotations: a(), ports: [['http', 8443]] })?.scheme, 'http');
});

test('endpoint URL: replaces the cluster endpoint, decides the scheme, makes the port optional, ignores toolset-path', (t) => {
  t.deepEqual(detect({ annotations: a({ 'kubernaut.io/toolset-endpoint': 'https://w.example.com/api', 'kubernaut.io/toolset-path': '/ignored' }), ports: [['grpc', 9090], ['metrics', 9100]] }), {
    type: 'widget', scheme: 'https', endpoint: 'https://w.example.com/api', health: null,
  });
  t.deepEqual(detect({ annotations: a({ 'kubernaut.io/toolset-endpoint': 'http://10.0.0.5:8080' }), ports: [['https', 8443]] }), {
    type: 'widget', scheme: 'http', port: 'https', endpoint: 'http://10.0.0.5:8080', health: null,
  });
  t.deepEqual(plugin.detect(svc('ext', { type: 'ExternalName', annotations: a({ 'kubernaut.io/toolset-endpoint': 'https://saas.example.com' }) }), ctx()), {
    type: 'widget', scheme: 'https', endpoint: 'https://saas.example.com', health: null,
  });
  for (const bad of ['ftp://x.example.com', 'w.example.com/api', 'https://', 'http://a b.example.com', 'https://user@x.example.com']) {
    t.is(detect({ annotations: a({ 'kubernaut.io/toolset-endpoint': bad }), ports: [['http', 80]] }), null, bad);
  }
});

test('path and health path are normalised to a leading slash; "/" is a valid health path', (t) => {
  t.deepEqual(detect({ annotations: a({ 'kubernaut.io/toolset-path': 'api/v1', 'kubernaut.io/toolset-health-path': '/' }), ports: [['http', 80]] }), {
    type: 'widget', scheme: 'http', port: 'http', path: '/api/v1', health: { path: '/' },
  });
  t.is(detect({ annotations: a({ 'kubernaut.io/toolset-path': '/' }), ports: [['http', 80]] })?.path, undefined);
  t.deepEqual(detect({ annotations: a({ 'kubernaut.io/toolset-health-path': 'healthz' }), ports: [['http', 80]] })?.health, { path: '/healthz' });
});

test('never asks for siblings', (t) => {
  const c = ctx([svc('other')]);
  plugin.detect(svc('w', { annotations: a(), ports: [['http', 80]] }), c);
  t.is(c.calls, 0);
});

// ---- MCP servers (kubernaut.io/toolset-type: mcp) ---------------------------------------------------------------

const mcp = (extra: Record<string, string> = {}) => a({ 'kubernaut.io/toolset-type': 'mcp', ...extra });

test('mcp: streamable-http by default, the MCP endpoint itself as health path', (t) => {
  t.deepEqual(detect({ annotations: mcp({ 'kubernaut.io/toolset-path': '/mcp' }), ports: [['http', 8080]] }), {
    type: 'mcp', scheme: 'http', port: 'http', path: '/mcp', health: { path: '/mcp' }, mcp: { mode: 'streamable-http' },
  });
  // No path: the server's root, probed at "/".
  t.deepEqual(detect({ annotations: mcp(), ports: [8000] }), { type: 'mcp', scheme: 'http', port: 8000, health: { path: '/' }, mcp: { mode: 'streamable-http' } });
  // An explicit health path wins.
  t.deepEqual(detect({ annotations: mcp({ 'kubernaut.io/toolset-path': 'mcp', 'kubernaut.io/toolset-health-path': '/healthz' }), ports: [['http', 80]] })?.health, { path: '/healthz' });
});

test('mcp: mode sse (any case) writes the /sse path HolmesGPT would use, once', (t) => {
  t.deepEqual(detect({ annotations: mcp({ 'kubernaut.io/toolset-path': '/mcp', 'kubernaut.io/mcp-mode': ' SSE ' }), ports: [['http', 8080]] }), {
    type: 'mcp', scheme: 'http', port: 'http', path: '/mcp/sse', health: { path: '/mcp/sse' }, mcp: { mode: 'sse' },
  });
  t.is(detect({ annotations: mcp({ 'kubernaut.io/toolset-path': '/sse', 'kubernaut.io/mcp-mode': 'sse' }), ports: [['http', 80]] })?.path, '/sse');
  t.is(detect({ annotations: mcp({ 'kubernaut.io/toolset-path': '/a/sse/', 'kubernaut.io/mcp-mode': 'sse' }), ports: [['http', 80]] })?.path, '/a/sse');
  t.is(detect({ annotations: mcp({ 'kubernaut.io/mcp-mode': 'sse' }), ports: [['http', 80]] })?.path, '/sse');
  t.is(detect({ annotations: mcp({ 'kubernaut.io/toolset-path': '/mcp', 'kubernaut.io/mcp-mode': 'streamable-http' }), ports: [['http', 80]] })?.path, '/mcp');
});

test('mcp: an endpoint URL carries the path (sse appended before the query), probed at its own path', (t) => {
  t.deepEqual(detect({ annotations: mcp({ 'kubernaut.io/toolset-endpoint': 'https://mcp.example.com/v1/mcp' }), ports: [] }), {
    type: 'mcp', scheme: 'https', endpoint: 'https://mcp.example.com/v1/mcp', health: { path: '/v1/mcp' }, mcp: { mode: 'streamable-http' },
  });
  t.deepEqual(detect({ annotations: mcp({ 'kubernaut.io/toolset-endpoint': 'https://mcp.example.com:8443/x?tenant=a', 'kubernaut.io/mcp-mode': 'sse' }), ports: [] }), {
    type: 'mcp', scheme: 'https', endpoint: 'https://mcp.example.com:8443/x/sse?tenant=a', health: { path: '/x/sse' }, mcp: { mode: 'sse' },
  });
  t.deepEqual(detect({ annotations: mcp({ 'kubernaut.io/toolset-endpoint': 'http://mcp.example.com' }), ports: [] })?.health, { path: '/' });
});

test('mcp: an unknown mode is passed on as written (lower-cased) for the host to refuse with a reason', (t) => {
  t.deepEqual(detect({ annotations: mcp({ 'kubernaut.io/mcp-mode': 'WebSocket' }), ports: [['http', 80]] })?.mcp, { mode: 'websocket' });
  // Other types never carry mcp, whatever their annotations say.
  t.is(detect({ annotations: a({ 'kubernaut.io/mcp-mode': 'sse' }), ports: [['http', 80]] })?.mcp, undefined);
});
