// Authentication and authorisation for the HTTP API, modelled on controller-runtime's
// WithAuthenticationAndAuthorization filter: bearer token → TokenReview (cached) → SubjectAccessReview (cached,
// shorter for denies) → 401 / 403, and 503 when the review API cannot answer (never "allow").
//
// What is checked (see accessTargetFor):
//   /health, /ready (exactly)            no authentication at all (the kubelet calls them)
//   /api/v1/<resource>[/…]               SAR on the virtual resource <resource>.toolset.kubernaut.io in the daemon's
//                                        namespace; GET/HEAD/OPTIONS → get, POST → create, PUT → update,
//                                        PATCH → patch, DELETE → delete. Never on the bare path: Kubernetes' default
//                                        system:discovery role lets every authenticated user `get` /api/*.
//   /metrics                             SAR on the non-resource URL /metrics, verb get (as Prometheus setups expect)
//   anything else                        authenticated, then 403 without a SAR: no rule maps it, so nobody may.
// Paths are matched case-insensitively with one trailing slash ignored, like @koa/router matches routes, so a
// route can never be reached through a spelling that maps to a different (weaker) check.
//
// The daemon's own identity needs (ClusterRole): create on tokenreviews.authentication.k8s.io and on
// subjectaccessreviews.authorization.k8s.io. Callers need ordinary RBAC on toolset.kubernaut.io, e.g.
//   - apiGroups: [toolset.kubernaut.io]  resources: [toolsets, services, statistics, plugins]  verbs: [get]
//   - apiGroups: [toolset.kubernaut.io]  resources: [discover, config]                          verbs: [create]
//   - nonResourceURLs: [/metrics]  verbs: [get]                                                   (scrapers)
//
// Tokens: only a sha256 of the token is kept (as the authentication cache key); the token itself lives no longer
// than the TokenReview call and is never logged, nor echoed in a response.
import { createHash } from 'node:crypto';
import { ApiException, AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { withSignal } from '../kube/abort.js';
import type { Context, Middleware, Next } from 'koa';
import { systemClock, type Clock } from '../clock.js';
import { TtlLruCache } from './auth-cache.js';
import { HttpProblem } from './problem.js';

/** The API group of the virtual resources the API is authorised on. */
export const API_GROUP = 'toolset.kubernaut.io';

/** What a handler finds on `ctx.state.user` — and nothing else from authentication. */
export interface AuthUser {
  username: string;
  uid?: string;
  groups?: string[];
}

export const ANONYMOUS_USER = 'anonymous (auth disabled)';

/** The user a TokenReview vouched for; `extra` is passed on to SubjectAccessReviews but not to handlers. */
export interface ReviewedUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface TokenReviewResult {
  authenticated: boolean;
  user?: ReviewedUser;
  /** The audiences the token was found valid for (when audiences were asked for). */
  audiences?: string[];
  /** The API server's reason for not authenticating (logged at debug level, never returned). */
  error?: string;
}

export type AccessTarget =
  | { kind: 'resource'; group: string; resource: string; verb: string; namespace: string }
  | { kind: 'path'; path: string; verb: string };

export interface AccessAttributes {
  user: ReviewedUser;
  target: AccessTarget;
}

export interface AccessDecision {
  allowed: boolean;
  /** The authoriser's reason (SAR status.reason), shown in the 403 detail. */
  reason?: string;
  /** SAR status.evaluationError: logged, never shown. */
  evaluationError?: string;
}

/**
 * The two reviews. Throwing means "could not get an answer" (→ 503, not cached); an `ApiException` (or any error
 * with a numeric `code`/`statusCode`) is classified by its HTTP status.
 */
export interface Reviewer {
  tokenReview(token: string, audiences: readonly string[] | undefined, signal?: AbortSignal): Promise<TokenReviewResult>;
  accessReview(attrs: AccessAttributes, signal?: AbortSignal): Promise<AccessDecision>;
}

export interface AuthCacheOptions {
  /** How long a TokenReview that authenticated is trusted (default 60 000 ms). */
  authnTtlMs: number;
  /** How long a SAR allow is trusted (default 300 000 ms). */
  allowTtlMs: number;
  /** How long a SAR deny — and a TokenReview that did not authenticate — is remembered (default 30 000 ms). */
  denyTtlMs: number;
  /** Entries per cache (authentication and authorisation each), least recently used evicted (default 1024). */
  maxEntries: number;
}

export const DEFAULT_AUTH_CACHE: Readonly<AuthCacheOptions> = { authnTtlMs: 60_000, allowTtlMs: 300_000, denyTtlMs: 30_000, maxEntries: 1024 };

/** winston's Logger fits. */
export interface AuthLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export interface AuthOptions {
  /** false (--auth=false): everything passes as ANONYMOUS_USER, and a WARN says so once. */
  enabled: boolean;
  /** The daemon's namespace: where API access is granted (required when enabled). */
  namespace?: string;
  /** For the real reviews (AuthenticationV1Api / AuthorizationV1Api), unless `reviewer` is given. */
  kc?: KubeConfig;
  /** Replaces the reviews built from `kc` (tests). */
  reviewer?: Reviewer;
  /** Time for cache expiry and log throttling (default: the system clock). */
  clock?: Clock;
  cache?: Partial<AuthCacheOptions>;
  /** Asked for in the TokenReview; a token must then be valid for at least one of them. */
  audiences?: readonly string[];
  /** A review taking longer is abandoned (→ 503). Real time, not `clock` (default 5000 ms). */
  reviewTimeoutMs?: number;
  /** Exact paths served without authentication (default /health and /ready). */
  publicPaths?: readonly string[];
  log: AuthLogger;
}

export type AuthMiddleware = Middleware & {
  /** Entries in the two caches (for tests and debugging). */
  cacheSizes(): { authn: number; authz: number };
};

const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const RESOURCE_VERBS: Readonly<Record<string, string>> = {
  GET: 'get',
  HEAD: 'get',
  OPTIONS: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/**
 * What a request is authorised on: a SAR target, or a denial that needs no SAR. Public paths are handled before
 * this is asked.
 */
export function accessTargetFor(method: string, path: string, namespace: string): { target: AccessTarget } | { deny: string } {
  let p = path.toLowerCase();
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  const m = method.toUpperCase();
  if (p === '/metrics') return { target: { kind: 'path', path: '/metrics', verb: m === 'HEAD' ? 'get' : m.toLowerCase() } };
  if (p.startsWith('/api/v1/')) {
    const resource = p.slice('/api/v1/'.length).split('/')[0] ?? '';
    if (resource.length > 63 || !RESOURCE_NAME.test(resource)) return { deny: 'the path names no API resource' };
    const verb = RESOURCE_VERBS[m];
    if (verb === undefined) return { deny: `method ${m} is not mapped to a verb` };
    return { target: { kind: 'resource', group: API_GROUP, resource, verb, namespace } };
  }
  return { deny: 'no authorisation rule covers this path (only /api/v1/<resource> and /metrics are authorised)' };
}

/** Kubernetes-style wording: `user "alice" cannot get toolsets.toolset.kubernaut.io in namespace "ns"`. */
function describeDenial(username: string, target: AccessTarget): string {
  return target.kind === 'resource'
    ? `user "${username}" cannot ${target.verb} ${target.resource}.${target.group} in namespace "${target.namespace}"`
    : `user "${username}" cannot ${target.verb} path "${target.path}"`;
}

function describeTarget(target: AccessTarget): Record<string, string> {
  return target.kind === 'resource' ? { verb: target.verb, resource: `${target.resource}.${target.group}`, namespace: target.namespace } : { verb: target.verb, path: target.path };
}

// ---------------------------------------------------------------------------------------------------------------
// The reviews through client-node

/** TokenReview and SubjectAccessReview against the API server in `kc`, as the daemon's identity. */
export function kubeReviewer(kc: KubeConfig): Reviewer {
  const authn = kc.makeApiClient(AuthenticationV1Api);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  return {
    async tokenReview(token, audiences, signal) {
      const spec = audiences && audiences.length > 0 ? { token, audiences: [...audiences] } : { token };
      const res = await authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec } }, withSignal(signal));
      const s = res.status ?? {};
      const u = s.user;
      const out: TokenReviewResult = { authenticated: s.authenticated === true };
      if (u?.username) {
        out.user = { username: u.username, groups: u.groups ?? [] };
        if (u.uid) out.user.uid = u.uid;
        if (u.extra && Object.keys(u.extra).length > 0) out.user.extra = u.extra;
      }
      if (s.audiences) out.audiences = s.audiences;
      if (s.error) out.error = s.error;
      return out;
    },
    async accessReview({ user, target }, signal) {
      const spec = {
        user: user.username,
        groups: user.groups,
        ...(user.uid ? { uid: user.uid } : {}),
        ...(user.extra ? { extra: user.extra } : {}),
        ...(target.kind === 'resource'
          ? { resourceAttributes: { group: target.group, resource: target.resource, verb: target.verb, namespace: target.namespace } }
          : { nonResourceAttributes: { path: target.path, verb: target.verb } }),
      };
      const res = await authz.createSubjectAccessReview(
        { body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec } },
        withSignal(signal),
      );
      const s = res.status;
      const out: AccessDecision = { allowed: s?.allowed === true && s.denied !== true };
      if (s?.reason) out.reason = s.reason;
      if (s?.evaluationError) out.evaluationError = s.evaluationError;
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Failures of the reviews themselves

class ReviewTimeout extends Error {
  override name = 'ReviewTimeout';
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

type ReviewKind = 'tokenreviews' | 'subjectaccessreviews';

const REVIEW: Record<ReviewKind, { doing: string; resource: string }> = {
  tokenreviews: { doing: 'cannot review tokens', resource: 'tokenreviews.authentication.k8s.io' },
  subjectaccessreviews: { doing: 'cannot check access', resource: 'subjectaccessreviews.authorization.k8s.io' },
};

function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (err !== null && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown };
    for (const c of [e.code, e.statusCode]) if (typeof c === 'number' && c >= 100 && c < 600) return c;
  }
  return undefined;
}

/** One line for the log: the status and the API's Status message, or the error's own message. */
function describeError(err: unknown): string {
  if (err instanceof ApiException) {
    let message: string | undefined;
    try {
      const body: unknown = err.body;
      const parsed: unknown = typeof body === 'string' && body.trim() !== '' ? JSON.parse(body) : body;
      if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') message = (parsed as { message: string }).message;
    } catch {
      // not JSON
    }
    return `HTTP ${err.code}: ${message ?? err.message.split('\n')[0] ?? ''}`;
  }
  const e = err as { name?: unknown; message?: unknown; cause?: unknown };
  const base = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const cause = e?.cause instanceof Error ? ` (${e.cause.message})` : '';
  const code = statusCodeOf(err);
  return code !== undefined ? `HTTP ${code}: ${base}${cause}` : `${base}${cause}`;
}

/** The operator-facing explanation of a failed review (no upstream text: the caller may be anonymous). */
function unavailableDetail(kind: ReviewKind, err: unknown): string {
  const { doing, resource } = REVIEW[kind];
  if (err instanceof ReviewTimeout) return `${doing}: the Kubernetes API server did not answer within ${err.ms} ms`;
  const code = statusCodeOf(err);
  if (code === undefined) return `${doing}: the Kubernetes API server is unreachable`;
  if (code === 401) return `${doing}: the Kubernetes API server rejected the daemon's own credentials (HTTP 401); check its service account token or kubeconfig`;
  if (code === 403) return `${doing}: the daemon's service account needs create on ${resource} (HTTP 403 from the API server)`;
  if (code === 429) return `${doing}: the Kubernetes API server is throttling requests (HTTP 429); try again shortly`;
  if (code >= 500) return `${doing}: the Kubernetes API server answered HTTP ${code}; try again shortly`;
  return `${doing}: the Kubernetes API server refused the review (HTTP ${code})`;
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

async function withTimeout<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new ReviewTimeout(ms);
      ac.abort(e);
      reject(e);
    }, ms);
  });
  try {
    return await Promise.race([call(ac.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The middleware

const WARN_EVERY_MS = 60_000;
const BEARER = /^Bearer +(\S+) *$/i;

type AuthnOutcome = { ok: true; user: ReviewedUser } | { ok: false; reason: string };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function authzKey(user: ReviewedUser, target: AccessTarget): string {
  const extra = user.extra ? Object.entries(user.extra).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  return JSON.stringify([user.username, user.uid ?? '', [...user.groups].sort(), extra, target]);
}

export function authMiddleware(options: AuthOptions): AuthMiddleware {
  const { log } = options;
  if (!options.enabled) {
    log.warn(
      'AUTHENTICATION IS DISABLED (--auth=false): every request to /api/v1/* and /metrics is served to anyone who can reach the port, ' +
        'without a token or any RBAC check. Use this only for local development.',
      { auth: 'disabled' },
    );
    const open = async (ctx: Context, next: Next): Promise<void> => {
      ctx.state.user = { username: ANONYMOUS_USER } satisfies AuthUser;
      await next();
    };
    return Object.assign(open, { cacheSizes: () => ({ authn: 0, authz: 0 }) });
  }

  const namespace = options.namespace ?? '';
  if (namespace === '') throw new Error('authMiddleware: the daemon namespace is required when auth is enabled');
  const given = options.reviewer ?? (options.kc ? kubeReviewer(options.kc) : undefined);
  if (!given) throw new Error('authMiddleware: a KubeConfig (kc) or a reviewer is required when auth is enabled');
  const reviewer: Reviewer = given;
  const clock = options.clock ?? systemClock;
  const ttl = { ...DEFAULT_AUTH_CACHE, ...options.cache };
  const timeoutMs = options.reviewTimeoutMs ?? 5000;
  const audiences = options.audiences && options.audiences.length > 0 ? [...options.audiences] : undefined;
  const publicPaths = new Set(options.publicPaths ?? ['/health', '/ready']);

  const authnCache = new TtlLruCache<AuthnOutcome>(ttl.maxEntries, clock);
  const authzCache = new TtlLruCache<AccessDecision>(ttl.maxEntries, clock);
  // Concurrent misses for the same key share one review.
  const authnInFlight = new Map<string, Promise<AuthnOutcome>>();
  const authzInFlight = new Map<string, Promise<AccessDecision>>();
  const lastWarned = new Map<string, { at: number; suppressed: number }>();

  /** Review failures are worth a WARN, but not one per request during an outage. */
  function warnFailure(kind: ReviewKind, err: unknown, token: string | undefined, requestId: unknown): void {
    const key = `${kind}:${err instanceof ReviewTimeout ? 'timeout' : (statusCodeOf(err) ?? 'network')}`;
    const now = clock.now();
    const seen = lastWarned.get(key);
    if (seen && now - seen.at < WARN_EVERY_MS) {
      seen.suppressed++;
      return;
    }
    lastWarned.set(key, { at: now, suppressed: 0 });
    log.warn(`auth: ${REVIEW[kind].doing}; answering 503`, {
      review: REVIEW[kind].resource,
      error: redact(describeError(err), token),
      requestId,
      ...(seen && seen.suppressed > 0 ? { suppressedSinceLastWarning: seen.suppressed } : {}),
    });
  }

  function unavailable(ctx: Context, kind: ReviewKind, err: unknown, token?: string): HttpProblem {
    warnFailure(kind, err, token, ctx.state.requestId);
    ctx.set('Retry-After', '5');
    return new HttpProblem(503, 'Service Unavailable', unavailableDetail(kind, err));
  }

  async function reviewToken(token: string, key: string): Promise<AuthnOutcome> {
    const r = await withTimeout(timeoutMs, (signal) => reviewer.tokenReview(token, audiences, signal));
    let outcome: AuthnOutcome;
    if (!r.authenticated || !r.user || !r.user.username) outcome = { ok: false, reason: r.error ?? 'not authenticated' };
    else if (audiences && !(r.audiences ?? []).some((a) => audiences.includes(a))) outcome = { ok: false, reason: 'the token is not valid for the configured audiences' };
    else outcome = { ok: true, user: { ...r.user, groups: [...(r.user.groups ?? [])] } };
    // A token that did not authenticate is remembered only briefly (it may be brand new and racing its issuer).
    authnCache.set(key, outcome, outcome.ok ? ttl.authnTtlMs : Math.min(ttl.denyTtlMs, ttl.authnTtlMs));
    return outcome;
  }

  async function authenticate(token: string): Promise<{ outcome: AuthnOutcome; cached: boolean }> {
    const key = sha256(token);
    const hit = authnCache.get(key);
    if (hit) return { outcome: hit, cached: true };
    let pending = authnInFlight.get(key);
    if (!pending) {
      pending = reviewToken(token, key);
      authnInFlight.set(key, pending);
      const settled = (): void => void authnInFlight.delete(key);
      pending.then(settled, settled);
    }
    return { outcome: await pending, cached: false };
  }

  async function authorize(attrs: AccessAttributes): Promise<{ decision: AccessDecision; cached: boolean }> {
    const key = authzKey(attrs.user, attrs.target);
    const hit = authzCache.get(key);
    if (hit) return { decision: hit, cached: true };
    let pending = authzInFlight.get(key);
    if (!pending) {
      pending = withTimeout(timeoutMs, (signal) => reviewer.accessReview(attrs, signal)).then((d) => {
        const decision: AccessDecision = { allowed: d.allowed === true };
        if (d.reason) decision.reason = d.reason;
        if (d.evaluationError) decision.evaluationError = d.evaluationError;
        authzCache.set(key, decision, decision.allowed ? ttl.allowTtlMs : ttl.denyTtlMs);
        return decision;
      });
      authzInFlight.set(key, pending);
      const settled = (): void => void authzInFlight.delete(key);
      pending.then(settled, settled);
    }
    return { decision: await pending, cached: false };
  }

  async function check(ctx: Context): Promise<AuthUser> {
    const requestId: unknown = ctx.state.requestId;
    const header = ctx.get('Authorization');
    if (header === '') {
      log.debug('auth: unauthenticated', { requestId, reason: 'no Authorization header' });
      throw new HttpProblem(401, 'Unauthorized', 'missing "Authorization: Bearer <token>" header');
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      log.debug('auth: unauthenticated', { requestId, reason: 'malformed Authorization header' });
      throw new HttpProblem(401, 'Unauthorized', 'the Authorization header must be "Bearer <token>"');
    }

    let authn: { outcome: AuthnOutcome; cached: boolean };
    try {
      authn = await authenticate(token);
    } catch (err) {
      throw unavailable(ctx, 'tokenreviews', err, token);
    }
    if (!authn.outcome.ok) {
      log.debug('auth: unauthenticated', { requestId, reason: redact(authn.outcome.reason, token), cached: authn.cached });
      throw new HttpProblem(401, 'Unauthorized', 'invalid or expired token');
    }
    const user = authn.outcome.user;

    const mapped = accessTargetFor(ctx.method, ctx.path, namespace);
    if ('deny' in mapped) {
      log.debug('auth: denied', { requestId, username: user.username, decision: 'deny', reason: mapped.deny });
      throw new HttpProblem(403, 'Forbidden', `user "${user.username}" cannot ${ctx.method.toLowerCase()} path "${ctx.path}": ${mapped.deny}`);
    }
    let authz: { decision: AccessDecision; cached: boolean };
    try {
      authz = await authorize({ user, target: mapped.target });
    } catch (err) {
      throw unavailable(ctx, 'subjectaccessreviews', err);
    }
    const { decision } = authz;
    log.debug(`auth: ${decision.allowed ? 'allowed' : 'denied'}`, {
      requestId,
      username: user.username,
      decision: decision.allowed ? 'allow' : 'deny',
      ...describeTarget(mapped.target),
      cached: authz.cached,
      ...(decision.evaluationError ? { evaluationError: decision.evaluationError } : {}),
    });
    if (!decision.allowed) {
      const detail = describeDenial(user.username, mapped.target);
      throw new HttpProblem(403, 'Forbidden', decision.reason ? `${detail}: ${decision.reason}` : detail);
    }
    const out: AuthUser = { username: user.username, groups: [...user.groups] };
    if (user.uid) out.uid = user.uid;
    return out;
  }

  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    if (publicPaths.has(ctx.path)) return next();
    ctx.state.user = await check(ctx);
    await next();
  };
  return Object.assign(middleware, { cacheSizes: () => ({ authn: authnCache.size, authz: authzCache.size }) });
}
