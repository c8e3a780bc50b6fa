// Liveness and readiness: no authentication (the kubelet calls them).
import Router from '@koa/router';

export interface ReadinessSource {
  readiness(): { ready: boolean; reason?: string };
}

export function healthRoutes(source: ReadinessSource): Router {
  const router = new Router();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'healthy' };
  });
  router.get('/ready', (ctx) => {
    const r = source.readiness();
    ctx.status = r.ready ? 200 : 503;
    ctx.body = r.ready ? { status: 'ready' } : { status: 'not ready', reason: r.reason };
  });
  return router;
}
