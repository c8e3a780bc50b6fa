// The HTTP front: the same filter order as the real server (faults stand in for the network,
// then authentication → request info → authorization), then routing to discovery, reviews,
// the service proxy, or the REST handlers for stored resources.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Authenticator } from './auth.js';
import type { CustomResources } from './custom.js';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, VERSION_INFO } from './discovery.js';
import type { Faults } from './faults.js';
import { ACCEPTED_PATCH_TYPES, patchTypeFor } from './patch.js';
import { splitSchemeNamePort, type ProxyRegistry } from './proxy.js';
import { forbidden, type Attributes, type Authorizer } from './rbac.js';
import { namespaceList, namespaceObject } from './namespaces.js';
import { compileSelector, objectMatches, rfc3339, toListItem, type Registry, type Reply, type WriteContext } from './registry.js';
import { parseBool, parseRequestInfo, type RequestInfo } from './requestinfo.js';
import { apiVersionOf, groupResource, lookupResource, type ResourceType } from './resources.js';
import { checkBodyType, decodeBody, mediaType, readBody, sendError, sendJson, sendJsonText, sendStatus, sendText } from './respond.js';
import { selfSubjectAccessReview, subjectAccessReview, tokenReview } from './reviews.js';
import { ApiError, errors } from './status.js';
import { isJsonObject, str, type JsonObject, type JsonValue, type UserInfo } from './types.js';
import type { WatchHub } from './watch.js';

export interface ServerParts {
  registry: Registry;
  authn: Authenticator;
  authz: Authorizer;
  watches: WatchHub;
  proxies: ProxyRegistry;
  faults: Faults;
  /** CRDs and the custom resources they serve (absent: built-in kinds only). */
  custom?: CustomResources;
}

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: RequestInfo;
  user: UserInfo;
  pretty: boolean;
}

function dryRun(url: URL): boolean {
  const values = url.searchParams.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** fieldManager, else the user-agent up to the first '/', as the real server names managers. */
function writeContext(call: Call): WriteContext {
  const explicit = call.url.searchParams.get('fieldManager');
  const ua = call.req.headers['user-agent'] ?? '';
  const manager = explicit || ua.split('/')[0]?.trim() || 'unknown';
  return { manager: manager.slice(0, 128), dryRun: dryRun(call.url), explicitManager: Boolean(explicit) };
}

function sendReply(call: Call, code: number, reply: Reply): void {
  sendJsonText(call.res, code, reply.json(call.pretty));
}

function encodeProxyPath(segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%40/g, '@')).join('/');
}

export class ApiServer {
  readonly http: Server;
  private readonly sockets = new Set<Socket>();
  private readonly startedAt = new Date();
  private stopped = false;

  constructor(private readonly parts: ServerParts) {
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, err);
        else res.destroy();
      });
    });
    this.http.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  /** Closes the listener and every connection (watches, held requests, proxied calls) at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.parts.faults.release();
    this.parts.watches.closeAll();
    this.parts.proxies.abortAll();
    this.http.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const injected = await this.parts.faults.intercept(method, url.pathname + url.search, () => this.stopped);
    if (this.stopped) {
      res.destroy();
      return;
    }
    if (injected) {
      sendError(res, injected);
      return;
    }
    const user = this.parts.authn.authenticateHeader(req.headers.authorization);
    if (!user) {
      sendStatus(res, errors.unauthorized().status);
      return;
    }
    const info = parseRequestInfo(method, url);
    const attrs: Attributes = {
      user,
      verb: info.verb,
      isResourceRequest: info.isResourceRequest,
      path: info.path,
      apiGroup: info.apiGroup,
      apiVersion: info.apiVersion,
      namespace: info.namespace,
      resource: info.resource,
      subresource: info.subresource,
      name: info.name,
    };
    const decision = this.parts.authz.authorize(attrs);
    if (!decision.allowed) {
      sendError(res, forbidden(attrs, decision.denied ? decision.reason : ''));
      return;
    }
    const call: Call = { req, res, url, info, user, pretty: parseBool(url.searchParams.get('pretty')) };
    if (!info.isResourceRequest) {
      this.nonResource(call, method);
      return;
    }
    await this.resource(call, method);
  }

  private nonResource(call: Call, method: string): void {
    const { res, info } = call;
    const p = info.path.replace(/\/+$/, '') || '/';
    if (method !== 'GET' && method !== 'HEAD') {
      sendText(res, 404, '404 page not found\n');
      return;
    }
    if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(p)) {
      sendText(res, 200, 'ok');
      return;
    }
    const segs = p.split('/').filter((s) => s !== '');
    const extra = this.parts.custom?.types() ?? [];
    let doc: JsonObject | undefined;
    if (p === '/version') doc = VERSION_INFO;
    else if (p === '/api') doc = apiVersions(call.req.headers.host ?? '127.0.0.1');
    else if (p === '/apis') doc = apiGroupList(extra);
    else if (segs[0] === 'api' && segs.length === 2) doc = apiResourceList('', segs[1] as string);
    else if (segs[0] === 'apis' && segs.length === 2) doc = apiGroupDoc(segs[1] as string, extra);
    else if (segs[0] === 'apis' && segs.length === 3) doc = apiResourceList(segs[1] as string, segs[2] as string, extra);
    if (doc === undefined) {
      sendText(res, 404, '404 page not found\n');
      return;
    }
    sendJson(res, 200, doc, call.pretty);
  }

  private async body(call: Call, allowed: 'object' | 'patch' | 'optional'): Promise<JsonValue | undefined> {
    const type = mediaType(call.req);
    if (allowed !== 'patch') checkBodyType(type);
    const raw = await readBody(call.req);
    const value = decodeBody(raw, type);
    if (value === undefined && allowed !== 'optional') throw errors.badRequest('the request body is empty');
    return value;
  }

  private async resource(call: Call, method: string): Promise<void> {
    const { info, res } = call;
    const reviewKey = `${info.apiGroup}/${info.apiVersion}/${info.resource}`;
    if (reviewKey === 'authentication.k8s.io/v1/tokenreviews' || reviewKey.startsWith('authorization.k8s.io/v1/')) {
      await this.review(call, method, reviewKey);
      return;
    }
    if (info.apiGroup === '' && info.apiVersion === 'v1' && info.resource === 'namespaces' && info.parts[0] === 'namespaces' && info.parts.length <= 2) {
      this.namespaces(call);
      return;
    }
    const rt = lookupResource(info.apiGroup, info.apiVersion, info.resource) ?? this.parts.custom?.lookup(info.apiGroup, info.apiVersion, info.resource);
    if (!rt) throw errors.routeNotFound();
    // Dispatch on the path, not info.name (which a metadata.name field selector may have filled in).
    const pathName = info.parts[1] ?? '';
    const sub = info.parts[2] ?? '';
    const ns = rt.namespaced ? info.namespace : '';
    if (rt.namespaced && ns === '' && !(pathName === '' && (info.verb === 'list' || info.verb === 'watch'))) {
      throw errors.methodNotAllowed();
    }
    if (sub === 'proxy' && rt.resource === 'services' && pathName !== '') {
      await this.proxy(call, method, rt, ns, pathName);
      return;
    }
    if (info.parts.length > 3 || (sub !== '' && !(sub === 'status' && rt.statusSubresource))) throw errors.routeNotFound();
    const nsArg = ns === '' ? undefined : ns;
    const { registry } = this.parts;
    const q = call.url.searchParams;

    switch (info.verb) {
      case 'get':
        sendReply(call, 200, registry.getReply(rt, nsArg, pathName));
        return;
      case 'list': {
        const limit = q.get('limit');
        const list = registry.list(rt, nsArg, {
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
          limit: limit ? Number.parseInt(limit, 10) : undefined,
          continue: q.get('continue') ?? undefined,
        });
        sendJson(res, 200, list, call.pretty);
        return;
      }
      case 'watch': {
        if (sub !== '') throw errors.routeNotFound();
        const pinned = info.legacyWatch && pathName !== '' ? pathName : undefined;
        this.parts.watches.serve(call.req, res, rt, nsArg, q, pinned);
        return;
      }
      case 'create': {
        if (pathName !== '') throw errors.methodNotAllowed();
        const body = await this.body(call, 'object');
        sendReply(call, 201, registry.createReply(rt, nsArg, body ?? null, writeContext(call)));
        return;
      }
      case 'update': {
        const body = await this.body(call, 'object');
        sendReply(call, 200, registry.updateReply(rt, nsArg, pathName, body ?? null, writeContext(call), sub || undefined));
        return;
      }
      case 'patch': {
        const type = patchTypeFor(call.req.headers['content-type']);
        if (!type) throw errors.unsupportedMediaType(ACCEPTED_PATCH_TYPES);
        const body = await this.body(call, 'patch');
        if (body === undefined) throw errors.badRequest('the request body is empty');
        const out = registry.patchReply(rt, nsArg, pathName, type, body, writeContext(call), sub || undefined);
        sendReply(call, out.created ? 201 : 200, out.reply);
        return;
      }
      case 'delete': {
        if (sub !== '') throw errors.methodNotAllowed();
        const options = await this.body(call, 'optional');
        sendReply(call, 200, registry.deleteReply(rt, nsArg, pathName, options, { dryRun: dryRun(call.url) }));
        return;
      }
      case 'deletecollection': {
        const options = await this.body(call, 'optional');
        const sel = compileSelector(rt, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined);
        const dry = dryRun(call.url);
        const victims = registry.store.list(rt, nsArg).filter((e) => objectMatches(rt, sel, e.object));
        const items = victims.map((v) => toListItem(rt, v.object));
        for (const v of victims) {
          const md = isJsonObject(v.object.metadata) ? v.object.metadata : {};
          registry.delete(rt, str(md.namespace), str(md.name) ?? '', options, { dryRun: dry });
        }
        sendJson(
          res,
          200,
          { kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: String(registry.store.currentResourceVersion()) }, items },
          call.pretty,
        );
        return;
      }
      default:
        throw errors.methodNotAllowed();
    }
  }

  /** Implicit namespaces: read-only, always Active. */
  private namespaces(call: Call): void {
    const { info, res } = call;
    const createdAt = rfc3339(this.startedAt);
    const name = info.parts[1] ?? '';
    if (info.verb === 'get' && name !== '') {
      sendJson(res, 200, namespaceObject(name, createdAt), call.pretty);
      return;
    }
    if (info.verb === 'list') {
      const rv = String(this.parts.registry.store.currentResourceVersion());
      sendJson(res, 200, namespaceList(this.parts.registry.store.namespaces(), createdAt, rv), call.pretty);
      return;
    }
    throw errors.methodNotAllowed();
  }

  private async review(call: Call, method: string, key: string): Promise<void> {
    if (method !== 'POST' || call.info.parts.length !== 1) throw errors.methodNotAllowed();
    const { authn, authz } = this.parts;
    let handler: ((b: JsonValue) => JsonObject) | undefined;
    if (key === 'authentication.k8s.io/v1/tokenreviews') handler = (b) => tokenReview(b, authn);
    else if (key === 'authorization.k8s.io/v1/subjectaccessreviews') handler = (b) => subjectAccessReview(b, authz);
    else if (key === 'authorization.k8s.io/v1/selfsubjectaccessreviews') handler = (b) => selfSubjectAccessReview(b, call.user, authz);
    if (!handler || call.info.namespace !== '') throw errors.routeNotFound();
    const body = await this.body(call, 'object');
    sendJson(call.res, 201, handler(body ?? null), call.pretty);
  }

  private async proxy(call: Call, method: string, rt: ResourceType, namespace: string, id: string): Promise<void> {
    const parsed = splitSchemeNamePort(id);
    if (!parsed) throw errors.badRequest(`invalid service request "${id}"`);
    const service = this.parts.registry.store.get(rt, namespace, parsed.name);
    if (!service) throw errors.notFound(groupResource(rt), parsed.name);
    const target = this.parts.proxies.resolve(namespace, parsed, service);
    if (target instanceof ApiError) throw target;
    const rest = call.info.parts.slice(3);
    const trailingSlash = call.url.pathname.endsWith('/') && rest.length > 0;
    let restPath = rest.length > 0 ? `/${encodeProxyPath(rest)}` : '';
    if (trailingSlash && !restPath.endsWith('/')) restPath += '/';
    const basePath = new URL(target.url).pathname.replace(/\/+$/, '');
    // upgradeaware.go: an empty target path on GET/HEAD redirects to the same URL plus '/'.
    if (restPath === '' && basePath === '' && (method === 'GET' || method === 'HEAD') && !call.url.pathname.endsWith('/')) {
      call.res.writeHead(301, { Location: `${call.url.pathname}/${call.url.search}`, 'Content-Length': '0' });
      call.res.end();
      return;
    }
    await this.parts.proxies.forward(call.req, call.res, target, restPath || '/', call.url.search);
  }
}

