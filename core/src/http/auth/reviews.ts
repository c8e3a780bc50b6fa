// The two reviews the API server answers for the daemon: TokenReview (who is this token?) and SubjectAccessReview
// (may this user do that?). The daemon's own identity needs create on both (deploy/ has the ClusterRole).
//
// `Reviewer` is the raw exchange (client-node here, a counting wrapper in tests); `reviewClient` puts a deadline on
// each call and turns the answers into the outcomes the middleware caches. A thrown error means "no answer"
// (→ 503, never cached), told through kube/errors.
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { systemClock, type Clock, type Timer } from '../../clock.js';
import { withSignal } from '../../kube/abort.js';
import { ApiTimeoutError, explainFailure } from '../../kube/errors.js';
import type { AccessTarget } from './policy.js';

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
      const res = await authz.createSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec } }, withSignal(signal));
      const s = res.status;
      const out: AccessDecision = { allowed: s?.allowed === true && s.denied !== true };
      if (s?.reason) out.reason = s.reason;
      if (s?.evaluationError) out.evaluationError = s.evaluationError;
      return out;
    },
  };
}

/** What a TokenReview comes to: a user, or why not (the reason is logged at debug, never returned). */
export type Authentication = { ok: true; user: ReviewedUser } | { ok: false; reason: string };

export interface ReviewClient {
  authenticate(token: string): Promise<Authentication>;
  authorize(attrs: AccessAttributes): Promise<AccessDecision>;
}

export interface ReviewClientOptions {
  /** Asked for in the TokenReview; a token must then be valid for at least one of them. */
  audiences?: readonly string[] | undefined;
  /** A review taking longer is abandoned with an ApiTimeoutError (default 5000 ms)... */
  timeoutMs?: number | undefined;
  /** ...on this clock (default: the system clock), so a test decides when a review has taken too long. */
  clock?: Clock | undefined;
}

export function reviewClient(reviewer: Reviewer, options: ReviewClientOptions = {}): ReviewClient {
  const audiences = options.audiences && options.audiences.length > 0 ? [...options.audiences] : undefined;
  const timeoutMs = options.timeoutMs ?? 5000;
  const clock = options.clock ?? systemClock;
  const withTimeout = <T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> => withDeadline(clock, timeoutMs, call);
  return {
    async authenticate(token) {
      const r = await withTimeout((signal) => reviewer.tokenReview(token, audiences, signal));
      if (!r.authenticated || !r.user || !r.user.username) return { ok: false, reason: r.error ?? 'not authenticated' };
      if (audiences && !(r.audiences ?? []).some((a) => audiences.includes(a))) return { ok: false, reason: 'the token is not valid for the configured audiences' };
      return { ok: true, user: { ...r.user, groups: [...(r.user.groups ?? [])] } };
    },
    async authorize(attrs) {
      const d = await withTimeout((signal) => reviewer.accessReview(attrs, signal));
      const decision: AccessDecision = { allowed: d.allowed === true };
      if (d.reason) decision.reason = d.reason;
      if (d.evaluationError) decision.evaluationError = d.evaluationError;
      return decision;
    },
  };
}

/** `call`'s answer, or an ApiTimeoutError after `ms` (the call's signal is aborted then). */
async function withDeadline<T>(clock: Clock, ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      const e = new ApiTimeoutError(ms);
      ac.abort(e);
      reject(e);
    }, ms);
  });
  try {
    return await Promise.race([call(ac.signal), timeout]);
  } finally {
    timer?.cancel();
  }
}

export type ReviewKind = 'tokenreviews' | 'subjectaccessreviews';

export const REVIEWS: Readonly<Record<ReviewKind, { doing: string; resource: string }>> = {
  tokenreviews: { doing: 'cannot review tokens', resource: 'tokenreviews.authentication.k8s.io' },
  subjectaccessreviews: { doing: 'cannot check access', resource: 'subjectaccessreviews.authorization.k8s.io' },
};

/** The 503 detail for a review that got no answer, e.g. `cannot review tokens: the Kubernetes API server is unreachable`. */
export function unavailableDetail(kind: ReviewKind, err: unknown): string {
  const { doing, resource } = REVIEWS[kind];
  return `${doing}: ${explainFailure(err, { call: 'the review', permission: `create on ${resource}` })}`;
}
