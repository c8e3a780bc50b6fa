// Errors as RFC 7807 problem documents. Handlers throw `HttpProblem` (or use ctx.throw); one middleware turns
// whatever was thrown into `application/problem+json` with the request id. Internal errors never leak details.
import type { Context, Next } from 'koa';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }
}

export interface ProblemLogger {
  error(message: string, meta?: Record<string, unknown>): void;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  503: 'Service Unavailable',
};

export function problems(log?: ProblemLogger) {
  return async function problemMiddleware(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new HttpProblem(404, 'Not Found', `no route for ${ctx.method} ${ctx.path}`);
    } catch (err) {
      const known = err instanceof HttpProblem;
      const e = err as { status?: number; expose?: boolean; message?: string };
      const status = known ? err.status : typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500;
      if (status >= 500 && !known) log?.error('request failed', { method: ctx.method, path: ctx.path, requestId: ctx.state.requestId, error: e.message });
      const title = known ? err.title : (TITLES[status] ?? 'Internal Server Error');
      const detail = known ? err.detail : status < 500 && e.expose ? e.message : undefined;
      ctx.status = status;
      ctx.type = 'application/problem+json';
      ctx.body = {
        type: 'about:blank',
        title,
        status,
        ...(detail !== undefined ? { detail } : {}),
        instance: ctx.path,
        requestId: ctx.state.requestId,
        ...(known ? err.extra : {}),
      };
      if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="dynamic-toolset"');
    }
  };
}
