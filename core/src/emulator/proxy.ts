// The service proxy subresource (/api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy/...):
// requests are forwarded to locally registered targets standing in for the service's endpoints.
import { request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiError, errors } from './status.js';
import { isJsonObject, str, type KubeObject } from './types.js';

export interface ProxyTarget {
  namespace: string;
  name: string;
  /** Service port name or number; omitted = serves every port of the service. */
  port?: string | number;
  /** Base URL the request path is appended to, e.g. http://127.0.0.1:9090 */
  url: string;
}

/** utilnet.SplitSchemeNamePort: `name`, `name:port`, `scheme:name:port`. */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0] as string;
  else if (parts.length === 2) [name, port] = parts as [string, string];
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string];
  else return undefined;
  if (name === '' || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme, name, port };
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'authorization',
]);

export class ProxyRegistry {
  private readonly targets: ProxyTarget[] = [];
  private readonly inflight = new Set<ClientRequest>();

  /** Registers a target; the returned function unregisters it. */
  register(target: ProxyTarget): () => void {
    new URL(target.url); // fail fast on a malformed URL
    const t = { ...target };
    this.targets.push(t);
    return () => {
      const i = this.targets.indexOf(t);
      if (i >= 0) this.targets.splice(i, 1);
    };
  }

  /**
   * Picks the target for a port given by name or number, with the failure messages of the
   * service REST ResourceLocation: unknown numeric port, no endpoints at all, none for the port.
   */
  resolve(namespace: string, id: { name: string; port: string }, service: KubeObject): ProxyTarget | ApiError {
    const mine = this.targets.filter((t) => t.namespace === namespace && t.name === id.name);
    const spec = isJsonObject(service.spec) ? service.spec : {};
    const ports = Array.isArray(spec.ports) ? spec.ports.filter(isJsonObject) : [];
    const full = id.port === '' ? id.name : `${id.name}:${id.port}`;
    let aliases: string[];
    if (id.port === '') {
      const only = ports.length === 1 ? ports[0] : undefined;
      aliases = only ? [str(only.name) ?? '', String(only.port ?? '')] : [''];
    } else {
      const sp = ports.find((p) => str(p.name) === id.port || String(p.port) === id.port);
      if (!sp && /^\d+$/.test(id.port)) return errors.serviceUnavailable(`no service port ${id.port} found for service "${id.name}"`);
      aliases = sp ? [str(sp.name) ?? '', String(sp.port ?? '')] : [id.port];
    }
    if (mine.length === 0) return errors.serviceUnavailable(`no endpoints available for service "${id.name}"`);
    const hit = mine.find((t) => t.port !== undefined && aliases.includes(String(t.port))) ?? mine.find((t) => t.port === undefined);
    return hit ?? errors.serviceUnavailable(`no endpoints available for service "${full}"`);
  }

  /** Streams the request to the target and the answer back; failures before a response become 503 Status. */
  forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, restPath: string, search: string): Promise<void> {
    const base = new URL(target.url);
    const basePath = base.pathname.replace(/\/+$/, '');
    const path = `${basePath}${restPath.startsWith('/') ? '' : '/'}${restPath}` || '/';
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) headers[k] = v;
    }
    headers.host = base.host;
    const remote = req.socket.remoteAddress;
    if (remote) headers['x-forwarded-for'] = remote;
    const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const out = send(
        { protocol: base.protocol, hostname: base.hostname, port: base.port, method: req.method, path: `${path}${search}`, headers, rejectUnauthorized: false },
        (up) => {
          const respHeaders: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) respHeaders[k] = v;
          res.writeHead(up.statusCode ?? 502, respHeaders);
          up.pipe(res);
          up.on('end', resolve);
          up.on('error', () => {
            res.destroy();
            resolve();
          });
        },
      );
      this.inflight.add(out);
      out.on('close', () => this.inflight.delete(out));
      out.on('error', (err) => {
        if (!res.headersSent) {
          const s = errors.serviceUnavailable(`error trying to reach service: ${err.message}`).status;
          const text = `${JSON.stringify(s)}\n`;
          res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
          res.end(text);
        } else {
          res.destroy();
        }
        resolve();
      });
      res.on('close', () => {
        if (!out.writableEnded || !res.writableFinished) out.destroy();
      });
      req.pipe(out);
    });
  }

  abortAll(): void {
    for (const r of this.inflight) r.destroy();
    this.inflight.clear();
  }
}
