// Errors from the API server, told briefly: the status code and the Status message, not client-node's dump of
// headers and body.
import { ApiException } from '@kubernetes/client-node';

/** The HTTP status behind an API error (client-node ApiException or anything with `code`/`statusCode`). */
export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (err !== null && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown };
    if (typeof e.code === 'number') return e.code;
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}

/** A short description for logs: status code and the API's Status message when there is one. */
export function describeError(err: unknown): string {
  const code = statusCodeOf(err);
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
  return code !== undefined ? `HTTP ${code}: ${text}` : text;
}
