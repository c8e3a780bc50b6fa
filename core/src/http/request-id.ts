// Every request gets an id (the caller's X-Request-Id when it is sane), echoed in the response and in logs.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

export function requestId() {
  return async function requestIdMiddleware(ctx: Context, next: Next): Promise<void> {
    const given = ctx.get('X-Request-Id');
    ctx.state.requestId = /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId as string);
    await next();
  };
}
