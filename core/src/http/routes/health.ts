// Liveness and readiness: no authentication (the kubelet calls them).
import Router from '@koa/router';

export interface ReadinessSource {
  /** `degraded`: ready, but the output leaves Services out (toolsets/budget.ts); said in the body, still a 200. */
  readiness(): { ready: boolean; reason?: string; degraded?: string };
}

export function healthRoutes(source: ReadinessSource): Router {
  const router = new Router();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'healthy' };
  });
  router.get('/ready', (ctx) => {
    const r = source.readiness();
    ctx.status = r.ready ? 200 : 503;
    ctx.body = r.ready ? { status: 'ready', ...(r.degraded !== undefined ? { degraded: r.degraded } : {}) } : { status: 'not ready', reason: r.reason };
  });
  return router;
}
