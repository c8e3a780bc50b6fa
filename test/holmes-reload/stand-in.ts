// A stand-in HolmesGPT server: the routes the daemon calls, with HolmesGPT 2026's rules (server.py, admin_api.py),
// serving what its "mounted" toolsets file contains. The test plays the kubelet: `mount(text)` is the sync that
// puts new content in that file; `POST /api/admin/reload/toolsets` re-reads it, as HolmesGPT does.
//   - HOLMES_API_KEY: every path but /healthz and /readyz needs `X-API-Key: <key>` or `Authorization: Bearer <key>`,
//     else 401 {"detail": "Invalid or missing API key"}.
//   - ENABLE_ADMIN_API off: /api/admin/* is 404.
//   - GET /api/info?detail=full: {toolsets_summary, toolsets: [{name, enabled, status, type, error, tool_count}]}.
//   - Built-ins are off unless `enabled: true`; custom entries (and mcp_servers) are on unless `enabled: false`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';

/** Toolsets HolmesGPT has built in (a subset: the ones these tests write). */
const BUILTINS = new Set([
  'kubernetes/core',
  'kubernetes/logs',
  'prometheus/metrics',
  'grafana/dashboards',
  'grafana/loki',
  'grafana/tempo',
  'elasticsearch/data',
  'elasticsearch/cluster',
  'victorialogs',
  'bash',
  'core_investigation',
  'datadog/logs',
]);

/** What HolmesGPT lists without any file: its always-on toolsets and one disabled built-in. */
const OWN = [
  { name: 'bash', enabled: true },
  { name: 'core_investigation', enabled: true },
  { name: 'datadog/logs', enabled: false },
];

interface Loaded {
  name: string;
  enabled: boolean;
  status: 'enabled' | 'disabled' | 'failed';
  type: string;
  error?: string;
  tool_count: number;
}

export interface StandInRequest {
  method: string;
  path: string;
  status: number;
  /** The file content a successful reload read. */
  loaded?: string;
}

export interface StandInOptions {
  apiKey?: string;
  adminApi?: boolean;
  /** The mounted file at start-up (read once, as HolmesGPT does). */
  mounted: string;
}

export interface StandIn {
  url: string;
  requests: StandInRequest[];
  /** The kubelet's sync: new content in the mounted file (HolmesGPT sees it at its next reload). */
  mount(content: string): void;
  /** Toolsets whose prerequisites fail (status failed, with this error) while enabled. */
  fail(name: string, error: string): void;
  /** Answer this status to the next reloads (then normal again with `undefined`). */
  reloadStatus(status: number | undefined, body?: string): void;
  reloads(): number;
  close(): Promise<void>;
}

export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  let file = options.mounted;
  const failing = new Map<string, string>();
  let forced: { status: number; body: string } | undefined;
  const load = (text: string): Loaded[] => {
    const doc = parse(text) as { toolsets?: Record<string, { enabled?: boolean; type?: string }>; mcp_servers?: Record<string, { enabled?: boolean }> } | null;
    if (!doc || (doc.toolsets === undefined && doc.mcp_servers === undefined)) throw new Error("No 'toolsets' or 'mcp_servers' key found");
    const out = new Map<string, Loaded>();
    const add = (name: string, enabled: boolean, type: string) => {
      const error = enabled ? failing.get(name) : undefined;
      out.set(name, { name, enabled, status: !enabled ? 'disabled' : error ? 'failed' : 'enabled', type, ...(error ? { error } : {}), tool_count: enabled && !error ? 3 : 0 });
    };
    for (const o of OWN) add(o.name, o.enabled, 'built-in');
    for (const [name, entry] of Object.entries(doc.toolsets ?? {})) {
      const builtin = BUILTINS.has(name);
      add(name, builtin ? entry?.enabled === true : entry?.enabled !== false, builtin ? 'built-in' : (entry?.type ?? 'customized'));
    }
    for (const [name, entry] of Object.entries(doc.mcp_servers ?? {})) add(name, entry?.enabled !== false, 'mcp');
    return [...out.values()];
  };
  let toolsets = load(file);
  const requests: StandInRequest[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://holmes');
    const answer = (status: number, body: unknown, loaded?: string) => {
      requests.push({ method: req.method ?? '', path: url.pathname + url.search, status, ...(loaded !== undefined ? { loaded } : {}) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (options.apiKey && !['/healthz', '/readyz'].includes(url.pathname)) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const key = (req.headers['x-api-key'] as string | undefined) ?? bearer;
      if (key !== options.apiKey) return answer(401, { detail: 'Invalid or missing API key' });
    }
    if (url.pathname.startsWith('/api/admin/')) {
      if (options.adminApi === false) return answer(404, { detail: 'Not Found' });
      if (req.method !== 'POST') return answer(405, { detail: 'Method Not Allowed' });
      if (url.pathname !== '/api/admin/reload/toolsets') return answer(404, { detail: 'Not Found' });
      if (forced) return answer(forced.status, forced.body);
      try {
        toolsets = load(file);
      } catch (err) {
        return answer(500, { detail: (err as Error).message });
      }
      const enabled = toolsets.filter((t) => t.enabled).length;
      return answer(200, { status: 'ok', component: 'toolsets', detail: `${toolsets.length} toolsets loaded, ${enabled} enabled, 0 skills`, counts: { toolsets_total: toolsets.length, toolsets_enabled: enabled, skills: 0 } }, file);
    }
    if (url.pathname === '/api/info' && req.method === 'GET') {
      const count = (s: string) => toolsets.filter((t) => t.status === s).length;
      const summary = { total: toolsets.length, enabled: count('enabled'), failed: count('failed'), disabled: count('disabled') };
      const body: Record<string, unknown> = { version: 'stand-in', uptime_seconds: 1, auth_enabled: Boolean(options.apiKey), models: [], toolsets_summary: summary, runbooks_count: 0 };
      // response_model_exclude_none: no `error` key when there is none.
      if (url.searchParams.get('detail') === 'full') body.toolsets = toolsets.map((t) => ({ ...t }));
      return answer(200, body);
    }
    if (url.pathname === '/healthz') return answer(200, { status: 'healthy' });
    return answer(404, { detail: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    mount: (content) => (file = content),
    fail: (name, error) => failing.set(name, error),
    reloadStatus: (status, body = '{"detail":"boom"}') => (forced = status === undefined ? undefined : { status, body }),
    reloads: () => requests.filter((r) => r.method === 'POST' && r.status === 200).length,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
