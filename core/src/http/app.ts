// The HTTP app: a koa core with small middleware in a fixed, visible order — request id, errors (RFC 7807),
// then the routers. Authentication and the API routes are added by the caller through `routers`.
import Koa from 'koa';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { problems } from './problem.js';
import type { ProblemLogger } from './problem.js';
import { requestId } from './request-id.js';

export interface AppOptions {
  log?: ProblemLogger;
  /** Middleware run after errors are mapped and before the routers (access log, metrics, auth…). */
  middleware?: Middleware[];
  routers: Router[];
}

export function createApp(options: AppOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true; // errors are logged by the problem middleware, not by koa's default handler
  app.use(requestId());
  app.use(problems(options.log));
  for (const m of options.middleware ?? []) app.use(m);
  for (const r of options.routers) {
    app.use(r.routes());
    app.use(r.allowedMethods());
  }
  return app;
}
