// Built-in detector: any Service its owner annotated for HolmesGPT. It runs first (priority 10), so an annotation
// also overrides what the product detectors would say about a Service.
//
//   kubernaut.io/toolset:             "true" or "enabled" (case-insensitive) — required
//   kubernaut.io/toolset-type:        the service type, a lower-case DNS label (e.g. `sentry`) — required; anything
//                                     else (upper case, underscores, empty) means "not detected"
//   kubernaut.io/toolset-endpoint:    optional full http(s) URL; it replaces the cluster-DNS endpoint (then no port is
//                                     needed, and toolset-path is ignored: the URL carries its own path)
//   kubernaut.io/toolset-port:        optional port name or number of the Service; it must exist and be TCP.
//                                     Default: the Service's only TCP port, else a TCP port named http, https, web or
//                                     api (in that order), else not detected (unless an endpoint URL is given)
//   kubernaut.io/toolset-path:        optional API path prefix (a leading `/` is added when missing)
//   kubernaut.io/toolset-health-path: optional health path, relative to host:port; none by default
// Scheme: the endpoint URL's when one is given, else https when the port says so (name/appProtocol, OpenShift serving
// cert, 443/8443).
// No toolsets(): the host publishes a generic HTTP toolset for custom services.
//
// MCP servers: `kubernaut.io/toolset-type: mcp` makes the endpoint (port + toolset-path, e.g. /mcp, or the endpoint
// URL) a remote MCP server, which the host writes under `mcp_servers:` (Detection.mcp), one entry per Service.
//   kubernaut.io/mcp-mode:            optional `streamable-http` (default) or `sse`, any case; any other text is passed
//                                     on and the host refuses the Service with the reason (GET …/explain)
// In `sse` mode HolmesGPT appends `/sse` to a URL that does not end with it (toolset_mcp.py): the path is written
// with it, so the URL in the file, the one HolmesGPT uses and the one probed are the same.
// Health: unless toolset-health-path says otherwise, the MCP endpoint itself. A streamable-http endpoint answers a
// plain GET with 405 (the MCP spec lets it refuse GET), 406 (no `Accept: text/event-stream`) or 400 (no session);
// an sse one with 200 and a stream. The host counts any answer below 500 but 404 as alive and 401/403 as "needs
// credentials" (health/types.ts classify), which is what an MCP server's liveness is; 404 means a wrong path.
import { defineDetector, annotation, isDnsLabel, isExternalName, tcpPorts, portRef, portScheme, DEFAULT_MCP_MODE } from '@kubernaut/toolset-sdk';
import type { Detection, ServicePort, ServiceView } from '@kubernaut/toolset-sdk';

const PREFIX = 'kubernaut.io/toolset';
const MCP_TYPE = 'mcp';
const MCP_MODE = 'kubernaut.io/mcp-mode';
const URL_RE = /^(https?):\/\/[^\s/?#@]+(?:[/?#]\S*)?$/i;

function normalisePath(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  const t = p.trim();
  if (t === '' || t === '/') return undefined;
  return t.startsWith('/') ? t : `/${t}`;
}

function choosePort(s: ServiceView, wanted: string | undefined): ServicePort | null | undefined {
  const tcp = tcpPorts(s);
  if (wanted !== undefined) {
    const w = wanted.trim();
    const byName = tcp.find((p) => p.name === w);
    if (byName) return byName;
    if (/^\d+$/.test(w)) return tcp.find((p) => p.port === Number(w)) ?? null;
    return null; // asked for a port the Service does not have: a mistake, not a guess
  }
  if (tcp.length === 1) return tcp[0];
  for (const n of ['http', 'https', 'web', 'api']) {
    const p = tcp.find((x) => x.name === n);
    if (p) return p;
  }
  return undefined;
}

export default defineDetector({
  name: 'custom',
  version: '1.1.0',
  description: 'Services annotated kubernaut.io/toolset: "true" with a kubernaut.io/toolset-type.',
  type: 'custom',
  // Annotations decide; what runs behind the Service never does, so the host sends no evidence.
  evidence: 'none',
  detect(service: ServiceView): Detection | null {
    const flag = (annotation(service, PREFIX) ?? '').trim().toLowerCase();
    if (flag !== 'true' && flag !== 'enabled') return null;
    const type = (annotation(service, `${PREFIX}-type`) ?? '').trim();
    if (!isDnsLabel(type)) return null;

    const endpointRaw = annotation(service, `${PREFIX}-endpoint`);
    let endpoint: string | undefined;
    if (endpointRaw !== undefined && endpointRaw.trim() !== '') {
      endpoint = endpointRaw.trim();
      if (!URL_RE.test(endpoint)) return null;
    }

    const portWanted = annotation(service, `${PREFIX}-port`);
    const port = isExternalName(service) && portWanted === undefined && endpoint !== undefined ? undefined : choosePort(service, portWanted);
    if (port === null) return null;
    if (port === undefined && endpoint === undefined) return null;

    const d: Detection = { type };
    if (endpoint !== undefined) d.scheme = endpoint.toLowerCase().startsWith('https:') ? 'https' : 'http';
    else if (port !== undefined) d.scheme = portScheme(service, port);
    if (port !== undefined) d.port = portRef(port);
    if (endpoint !== undefined) d.endpoint = endpoint;
    else {
      const path = normalisePath(annotation(service, `${PREFIX}-path`));
      if (path !== undefined) d.path = path;
    }
    const health = (annotation(service, `${PREFIX}-health-path`) ?? '').trim();
    d.health = health === '' ? null : { path: health.startsWith('/') ? health : `/${health}` };
    return type === MCP_TYPE ? mcpServer(service, d, health === '') : d;
  },
});

/** An annotated MCP server: its mode, the path HolmesGPT will really use, and the endpoint itself as health path. */
function mcpServer(service: ServiceView, d: Detection, probeEndpoint: boolean): Detection {
  const raw = (annotation(service, MCP_MODE) ?? '').trim().toLowerCase();
  const mode = raw === '' ? DEFAULT_MCP_MODE : raw;
  if (d.endpoint !== undefined) {
    const m = /^([a-z]+:\/\/[^/?#]+)([^?#]*)(.*)$/i.exec(d.endpoint)!;
    const path = mode === 'sse' ? ssePath(m[2]!) : m[2]!;
    d.endpoint = `${m[1]}${path}${m[3]}`;
    if (probeEndpoint) d.health = { path: path === '' ? '/' : path };
  } else {
    if (mode === 'sse') d.path = ssePath(d.path ?? '');
    if (probeEndpoint) d.health = { path: d.path ?? '/' };
  }
  d.mcp = { mode };
  return d;
}

function ssePath(path: string): string {
  const p = path.replace(/\/+$/, '');
  return p.endsWith('/sse') ? p : `${p}/sse`;
}
