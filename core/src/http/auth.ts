// Authentication and authorisation for the HTTP API, modelled on controller-runtime's
// WithAuthenticationAndAuthorization filter: bearer token → TokenReview (cached) → SubjectAccessReview (cached,
// shorter for denies) → 401 / 403, and 503 when the review API cannot answer (never "allow").
// Which request needs which permission: auth/policy.ts. The reviews, and what their failures mean: auth/reviews.ts.
//
// Tokens: only a sha256 of the token is kept (as the authentication cache key); the token itself lives no longer
// than the TokenReview call and is never logged, nor echoed in a response.
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Context, Middleware, Next } from 'koa';
import { LoadingCache } from '../cache/ttl.js';
import { systemClock, type Clock } from '../clock.js';
import { describeError, failureClass } from '../kube/errors.js';
import { accessTargetFor, describeDenial, PUBLIC_PATHS, targetFields, type AccessTarget } from './auth/policy.js';
import { kubeReviewer, REVIEWS, reviewClient, unavailableDetail, type AccessDecision, type Authentication, type ReviewKind, type Reviewer, type ReviewedUser } from './auth/reviews.js';
import { HttpProblem } from './problem.js';

export { kubeReviewer, type Reviewer } from './auth/reviews.js';

/** What a handler finds on `ctx.state.user` — and nothing else from authentication. */
export interface AuthUser {
  username: string;
  uid?: string;
  groups?: string[];
}

export const ANONYMOUS_USER = 'anonymous (auth disabled)';

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

/** controller-runtime's figures: TokenReviews 1 min, SAR allows 5 min, denies 30 s. */
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
  /** Time for cache expiry, review deadlines and log throttling (default: the system clock). */
  clock?: Clock;
  cache?: Partial<AuthCacheOptions>;
  /** Asked for in the TokenReview; a token must then be valid for at least one of them. */
  audiences?: readonly string[];
  /** A review taking longer (on `clock`) is abandoned (→ 503; default 5000 ms). */
  reviewTimeoutMs?: number;
  /** Exact paths served without authentication (default /health and /ready). */
  publicPaths?: readonly string[];
  log: AuthLogger;
}

export type AuthMiddleware = Middleware & {
  /** Entries in the two caches (for tests and debugging). */
  cacheSizes(): { authn: number; authz: number };
};

const BEARER = /^Bearer +(\S+) *$/i;

export function authMiddleware(options: AuthOptions): AuthMiddleware {
  const { log } = options;
  if (!options.enabled) return openMiddleware(log);
  const namespace = options.namespace ?? '';
  if (namespace === '') throw new Error('authMiddleware: the daemon namespace is required when auth is enabled');
  const reviewer = options.reviewer ?? (options.kc ? kubeReviewer(options.kc) : undefined);
  if (!reviewer) throw new Error('authMiddleware: a KubeConfig (kc) or a reviewer is required when auth is enabled');
  const clock = options.clock ?? systemClock;
  const reviews = reviewClient(reviewer, { audiences: options.audiences, timeoutMs: options.reviewTimeoutMs, clock });
  const publicPaths = new Set(options.publicPaths ?? PUBLIC_PATHS);
  const ttl = { ...DEFAULT_AUTH_CACHE, ...options.cache };
  // A token that did not authenticate is remembered only as long as a deny: it may be brand new, racing its issuer.
  const authnCache = new LoadingCache<Authentication>({ maxEntries: ttl.maxEntries, clock, ttlMs: (a) => (a.ok ? ttl.authnTtlMs : Math.min(ttl.denyTtlMs, ttl.authnTtlMs)) });
  const authzCache = new LoadingCache<AccessDecision>({ maxEntries: ttl.maxEntries, clock, ttlMs: (d) => (d.allowed ? ttl.allowTtlMs : ttl.denyTtlMs) });
  const warnUnavailable = throttledWarning(log, clock);

  /** A (cached) review's answer, or a 503 when the API server gave none. */
  async function review<T>(ctx: Context, kind: ReviewKind, token: string | undefined, lookup: () => Promise<T>): Promise<T> {
    try {
      return await lookup();
    } catch (err) {
      warnUnavailable(kind, err, token, ctx.state.requestId);
      ctx.set('Retry-After', '5');
      throw new HttpProblem(503, 'Service Unavailable', unavailableDetail(kind, err));
    }
  }

  async function check(ctx: Context): Promise<AuthUser> {
    const requestId: unknown = ctx.state.requestId;
    const header = ctx.get('Authorization');
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      log.debug('auth: unauthenticated', { requestId, reason: header === '' ? 'no Authorization header' : 'malformed Authorization header' });
      throw new HttpProblem(401, 'Unauthorized', header === '' ? 'missing "Authorization: Bearer <token>" header' : 'the Authorization header must be "Bearer <token>"');
    }

    const authn = await review(ctx, 'tokenreviews', token, () => authnCache.get(sha256(token), () => reviews.authenticate(token)));
    if (!authn.value.ok) {
      log.debug('auth: unauthenticated', { requestId, reason: redact(authn.value.reason, token), cached: authn.cached });
      throw new HttpProblem(401, 'Unauthorized', 'invalid or expired token');
    }
    const user = authn.value.user;

    const mapped = accessTargetFor(ctx.method, ctx.path, namespace);
    if ('deny' in mapped) {
      log.debug('auth: denied', { requestId, username: user.username, decision: 'deny', reason: mapped.deny });
      throw new HttpProblem(403, 'Forbidden', `user "${user.username}" cannot ${ctx.method.toLowerCase()} path "${ctx.path}": ${mapped.deny}`);
    }
    const { target } = mapped;
    const authz = await review(ctx, 'subjectaccessreviews', undefined, () => authzCache.get(accessKey(user, target), () => reviews.authorize({ user, target })));
    const decision = authz.value;
    log.debug(`auth: ${decision.allowed ? 'allowed' : 'denied'}`, {
      requestId,
      username: user.username,
      decision: decision.allowed ? 'allow' : 'deny',
      ...targetFields(target),
      cached: authz.cached,
      ...(decision.evaluationError ? { evaluationError: decision.evaluationError } : {}),
    });
    if (!decision.allowed) {
      const detail = describeDenial(user.username, target);
      throw new HttpProblem(403, 'Forbidden', decision.reason ? `${detail}: ${decision.reason}` : detail);
    }
    return { username: user.username, groups: [...user.groups], ...(user.uid ? { uid: user.uid } : {}) };
  }

  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    if (publicPaths.has(ctx.path)) return next();
    ctx.state.user = await check(ctx);
    await next();
  };
  return Object.assign(middleware, { cacheSizes: () => ({ authn: authnCache.size, authz: authzCache.size }) });
}

/** --auth=false: everyone is ANONYMOUS_USER, and the operator is told so once, loudly. */
function openMiddleware(log: AuthLogger): AuthMiddleware {
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

const WARN_EVERY_MS = 60_000;

/** Review failures are worth a WARN, but not one per request during an outage: one a minute per kind of failure. */
function throttledWarning(log: AuthLogger, clock: Clock) {
  const lastWarned = new Map<string, { at: number; suppressed: number }>();
  return (kind: ReviewKind, err: unknown, token: string | undefined, requestId: unknown): void => {
    const key = `${kind}:${failureClass(err)}`;
    const now = clock.now();
    const seen = lastWarned.get(key);
    if (seen && now - seen.at < WARN_EVERY_MS) {
      seen.suppressed++;
      return;
    }
    lastWarned.set(key, { at: now, suppressed: 0 });
    log.warn(`auth: ${REVIEWS[kind].doing}; answering 503`, {
      review: REVIEWS[kind].resource,
      error: redact(describeError(err), token),
      requestId,
      ...(seen && seen.suppressed > 0 ? { suppressedSinceLastWarning: seen.suppressed } : {}),
    });
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Upstream text may quote the token (an error echoing the request): it never reaches a log. */
function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

/** One SAR cache entry per (user identity, target): everything the SAR was asked with. */
function accessKey(user: ReviewedUser, target: AccessTarget): string {
  const extra = user.extra ? Object.entries(user.extra).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  return JSON.stringify([user.username, user.uid ?? '', [...user.groups].sort(), extra, target]);
}
