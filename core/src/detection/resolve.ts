// Detection (what a plugin said) + Service → Endpoint (what the host publishes). The plugin names a port;
// the host checks it is really one of the Service's TCP ports and builds the URL itself.
import { MCP_MODES } from '@kubernaut/toolset-sdk';
import type { Detection, IdentityCheck, McpMode, ServiceView } from '@kubernaut/toolset-sdk';

export interface Endpoint {
  type: string;
  url: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  portName?: string;
  /** API path prefix ('' for none). */
  path: string;
  /** Health path relative to scheme://host:port, or null when unknown. */
  healthPath: string | null;
  /** True when the URL came from the Service's own annotation rather than cluster DNS. */
  explicitEndpoint: boolean;
  /** The endpoint is a remote MCP server (Detection.mcp), published under `mcp_servers:`. */
  mcp?: { mode: McpMode };
  /** What the host must verify the endpoint is (Detection.identity). */
  identity?: IdentityCheck;
  /** The plugin left the scheme to the host (`scheme: 'auto'`): `scheme` is a first guess until a probe settles it. */
  schemeAuto?: boolean;
}

export type Resolved = { ok: true; endpoint: Endpoint } | { ok: false; reason: string };

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

function portList(view: ServiceView): string {
  const ports = view.spec.ports.map((p) => `${p.name ?? '(unnamed)'}:${p.port}/${p.protocol ?? 'TCP'}`);
  return ports.length > 0 ? ports.join(', ') : 'none';
}

export function resolveDetection(view: ServiceView, detection: Detection, defaultType: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): Resolved {
  const type = detection.type ?? defaultType;
  const healthPath = detection.health ? detection.health.path : null;
  // The mode is checked here, not in the answer's schema: it is usually a Service's own annotation
  // (kubernaut.io/mcp-mode), so a wrong one refuses this Service with the reason in explain and never counts
  // against the plugin. HolmesGPT fails an MCP server whose mode it does not know.
  let mcp: Pick<Endpoint, 'mcp'> = {};
  if (detection.mcp !== undefined) {
    const mode = detection.mcp.mode;
    if (!(MCP_MODES as readonly string[]).includes(mode)) {
      return { ok: false, reason: `MCP mode ${JSON.stringify(mode.length > 64 ? `${mode.slice(0, 64)}…` : mode)} is not one HolmesGPT connects with (${MCP_MODES.join(', ')})` };
    }
    mcp = { mcp: { mode: mode as McpMode } };
  }
  if (detection.endpoint !== undefined) {
    const u = new URL(detection.endpoint);
    const scheme = u.protocol === 'https:' ? 'https' : 'http';
    const port = u.port !== '' ? Number(u.port) : scheme === 'https' ? 443 : 80;
    const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
    const url = `${scheme}://${u.hostname}:${port}${path}${u.search}`;
    return { ok: true, endpoint: { type, url, scheme, host: u.hostname, port, path, healthPath, explicitEndpoint: true, ...mcp, ...(detection.identity !== undefined ? { identity: detection.identity } : {}) } };
  }
  const want = detection.port!;
  const port = view.spec.ports.find((p) => (typeof want === 'number' ? p.port === want : p.name === want));
  if (!port) return { ok: false, reason: `port ${JSON.stringify(want)} is not a port of the Service (ports: ${portList(view)})` };
  if (port.protocol !== undefined && port.protocol !== 'TCP') {
    return { ok: false, reason: `port ${JSON.stringify(want)} is ${port.protocol}; an HTTP API needs a TCP port` };
  }
  // `auto`: https first (what a TLS-by-default server needs); the health stage settles it by probing.
  const schemeAuto = detection.scheme === 'auto';
  const scheme = detection.scheme === undefined || detection.scheme === 'auto' ? (schemeAuto ? 'https' : 'http') : detection.scheme;
  const host = `${view.metadata.name}.${view.metadata.namespace}.svc.${clusterDomain}`;
  const path = detection.path ?? '';
  return {
    ok: true,
    endpoint: {
      type,
      url: `${scheme}://${host}:${port.port}${path}`,
      scheme,
      host,
      port: port.port,
      ...(port.name !== undefined ? { portName: port.name } : {}),
      path,
      healthPath,
      explicitEndpoint: false,
      ...mcp,
      ...(detection.identity !== undefined ? { identity: detection.identity } : {}),
      ...(schemeAuto ? { schemeAuto: true } : {}),
    },
  };
}
