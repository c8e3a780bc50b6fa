// MCP servers end to end against the API emulator: a Service annotated `kubernaut.io/toolset-type: mcp` is detected
// by the built-in custom detector in its sandbox, probed at its MCP endpoint (a POST-only streamable-http endpoint
// answers GET with 405: alive), and written under `mcp_servers:` of custom_toolset.yaml; overrides.yaml adds a
// header to it by name; a 404 on the endpoint drops it; an unknown mode is refused with the reason in the trace.
import test from 'ava';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import { parse } from 'yaml';
import { cmRef, startDaemon } from './helpers.js';
import { eventually } from '../helpers/bundles.js';

/** A minimal streamable-http MCP endpoint at /mcp: POST only (GET → 405, as the MCP spec allows); anything else 404. */
async function mcpEndpoint(t: ExecutionContext): Promise<{ url: string; gets(): string[]; breakIt(): void }> {
  const gets: string[] = [];
  let broken = false;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') gets.push(req.url ?? '');
    if (broken || req.url !== '/mcp') return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, gets: () => gets, breakIt: () => (broken = true) };
}

function mcpService(name: string, namespace: string, annotations: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': 'mcp', ...annotations } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }] },
  };
}

type Doc = { toolsets: Record<string, unknown>; mcp_servers?: Record<string, { description?: string; enabled?: boolean; config?: Record<string, unknown> }> };

test('an annotated MCP Service ends up under mcp_servers in the ConfigMap; overrides.yaml adds a header; a 404 drops it', async (t) => {
  const h = await startDaemon(t, { options: { probeMode: 'proxy' } });
  const doc = (): Doc | undefined => {
    const text = h.configMap()?.data?.['custom_toolset.yaml'];
    return text ? (parse(text) as Doc) : undefined;
  };
  const mcp = await mcpEndpoint(t);
  h.emu.registerProxyTarget({ namespace: 'argocd', name: 'argocd-mcp', port: 'http', url: mcp.url });
  h.emu.create(mcpService('argocd-mcp', 'argocd', { 'kubernaut.io/toolset-path': '/mcp' }));

  const entry = await eventually(() => doc()?.mcp_servers?.['argocd-argocd-mcp']);
  t.deepEqual(entry, {
    description: 'MCP server of Service argocd/argocd-mcp (streamable-http), found by detector custom',
    config: { url: 'http://argocd-mcp.argocd.svc.cluster.local:8080/mcp', mode: 'streamable-http' },
  });
  t.false(Object.keys(doc()!.toolsets).some((n) => n.startsWith('mcp')), 'not a toolset');
  t.falsy(h.configMap()!.data!['mcp-toolset.yaml']);
  // Probed at the MCP endpoint itself; its 405 to a GET counts as alive.
  t.like(h.daemon.health.get('argocd/argocd-mcp'), { state: 'healthy', status: 405 });
  t.true(mcp.gets().includes('/mcp'));
  // What GET /api/v1/toolsets and /services show.
  t.like(h.daemon.desired.last?.render.toolsets.find((v) => v.name === 'argocd-argocd-mcp'), { section: 'mcp_servers', type: 'mcp', enabled: true, service: 'argocd/argocd-mcp' });
  t.is(h.daemon.model.snapshot().detected.find((d) => d.key === 'argocd/argocd-mcp')?.type, 'mcp');

  // The admin adds a header by the server's name; URL and mode stay as found.
  h.emu.patch(cmRef, { data: { 'overrides.yaml': 'mcp_servers:\n  argocd-argocd-mcp:\n    config:\n      headers:\n        Authorization: "Bearer {{ env.ARGOCD_MCP_TOKEN }}"\n' } });
  const patched = await eventually(() => (doc()?.mcp_servers?.['argocd-argocd-mcp']?.config?.headers ? doc()!.mcp_servers!['argocd-argocd-mcp'] : undefined));
  t.deepEqual(patched.config, { url: 'http://argocd-mcp.argocd.svc.cluster.local:8080/mcp', mode: 'streamable-http', headers: { Authorization: 'Bearer {{ env.ARGOCD_MCP_TOKEN }}' } });

  // The endpoint goes away (404 on /mcp): unhealthy, left out of the file.
  mcp.breakIt();
  await h.daemon.health.checkNow(['argocd/argocd-mcp']);
  await eventually(() => doc() !== undefined && doc()!.mcp_servers?.['argocd-argocd-mcp'] === undefined);
  t.like(h.daemon.health.get('argocd/argocd-mcp'), { state: 'unhealthy' });
});

test('an MCP Service with a mode HolmesGPT does not know is not published; the trace says why', async (t) => {
  const h = await startDaemon(t, { options: { probeMode: 'proxy' } });
  h.emu.create(mcpService('odd-mcp', 'tools', { 'kubernaut.io/mcp-mode': 'websocket' }));
  const result = await eventually(() => h.daemon.model.get('tools/odd-mcp'));
  t.is(result.detected, null);
  t.like(result.trace[0], { detector: 'custom', outcome: 'rejected', reason: 'MCP mode "websocket" is not one HolmesGPT connects with (streamable-http, sse)' });
  await eventually(() => h.configMap());
  t.false('mcp_servers' in (parse(h.configMap()!.data!['custom_toolset.yaml']!) as object));
});
