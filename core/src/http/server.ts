// The daemon's HTTP surface in one place, so `serve` and the tests build exactly the same app:
// metrics timing → auth → JSON-only bodies → /health, /ready, /api/v1/*, /metrics.
import Router from '@koa/router';
import type Koa from 'koa';
import type { Daemon } from '../daemon.js';
import type { ConfigReloader } from '../config/reloader.js';
import type { Metrics } from '../metrics/index.js';
import { createApp } from './app.js';
import type { AuthMiddleware } from './auth.js';
import { apiRoutes, jsonBodiesOnly } from './routes/api.js';
import { healthRoutes } from './routes/health.js';
import type { ProblemLogger } from './problem.js';

export interface ServerParts {
  daemon: Daemon;
  reloader: ConfigReloader;
  metrics: Metrics;
  auth: AuthMiddleware;
  log?: ProblemLogger;
}

function metricsRoutes(metrics: Metrics): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.contentType;
    ctx.body = await metrics.render();
  });
  return router;
}

export function buildServer(parts: ServerParts): Koa {
  return createApp({
    ...(parts.log ? { log: parts.log } : {}),
    middleware: [parts.metrics.httpMetrics(), parts.auth, jsonBodiesOnly()],
    routers: [healthRoutes(parts.daemon), apiRoutes({ daemon: parts.daemon, reloader: parts.reloader }), metricsRoutes(parts.metrics)],
  });
}

/** Points the metrics' pull sources at a running daemon. */
export function trackDaemon(metrics: Metrics, daemon: Daemon, isLeader: () => boolean): void {
  metrics.track({
    plugins: () => daemon.registry.list(),
    detected: () => daemon.model.snapshot().detected,
    health: () => daemon.health.snapshot().values(),
    leader: isLeader,
    informers: { services: daemon.services, configmap: daemon.configMaps },
    leftOut: () => daemon.desired.last?.render.leftOut ?? [],
  });
}
