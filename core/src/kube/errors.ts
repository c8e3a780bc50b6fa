// Errors from the API server, told briefly: the status code and the Status message, not client-node's dump of
// headers and body; and, for an operator, what a failed call of the daemon's most likely means.
import { ApiException } from '@kubernetes/client-node';

/** A call to the API server abandoned after `ms` (client-node has no request timeout of its own). */
export class ApiTimeoutError extends Error {
  override name = 'ApiTimeoutError';
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** The HTTP status behind an API error (client-node ApiException or anything with a numeric `code`/`statusCode`). */
export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (err !== null && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown };
    // Only an HTTP status counts: some errors carry an errno-like number in `code`.
    for (const c of [e.code, e.statusCode]) if (typeof c === 'number' && c >= 100 && c < 600) return c;
  }
  return undefined;
}

/** A short description for logs: status code and the API's Status message when there is one, else the message and its cause. */
export function describeError(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = err.body;
    let message: string | undefined;
    try {
      const parsed: unknown = typeof body === 'string' && body.trim() !== '' ? JSON.parse(body) : body;
      if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
        message = (parsed as { message: string }).message;
      }
    } catch {
      // not JSON: fall through to the exception's own message
    }
    return `HTTP ${err.code}: ${message ?? err.message.split('\n')[0] ?? ''}`;
  }
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  // fetch's "fetch failed" says nothing; its cause says "connect ECONNREFUSED …".
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  const code = statusCodeOf(err);
  return code !== undefined ? `HTTP ${code}: ${text}${cause}` : `${text}${cause}`;
}

/** What a failed call needed, for `explainFailure`: e.g. `{ call: 'the review', permission: 'create on tokenreviews.authentication.k8s.io' }`. */
export interface FailedCall {
  call: string;
  permission: string;
}

/**
 * The operator-facing reason a call of the daemon's failed, without the API server's own text (it may be shown to
 * an anonymous caller).
 */
export function explainFailure(err: unknown, { call, permission }: FailedCall): string {
  if (err instanceof ApiTimeoutError) return `the Kubernetes API server did not answer within ${err.ms} ms`;
  const code = statusCodeOf(err);
  if (code === undefined) return 'the Kubernetes API server is unreachable';
  if (code === 401) return "the Kubernetes API server rejected the daemon's own credentials (HTTP 401); check its service account token or kubeconfig";
  if (code === 403) return `the daemon's service account needs ${permission} (HTTP 403 from the API server)`;
  if (code === 429) return 'the Kubernetes API server is throttling requests (HTTP 429); try again shortly';
  if (code >= 500) return `the Kubernetes API server answered HTTP ${code}; try again shortly`;
  return `the Kubernetes API server refused ${call} (HTTP ${code})`;
}

/** A key that tells failures apart by kind (timeout, HTTP status, network), e.g. to throttle repeated warnings. */
export function failureClass(err: unknown): string {
  return err instanceof ApiTimeoutError ? 'timeout' : String(statusCodeOf(err) ?? 'network');
}
