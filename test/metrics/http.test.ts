// The HTTP middleware: route templates (never raw paths) with method and code, errors counted with the status
// they turn into, and unknown paths collapsed into one "unmatched" route.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Router from '@koa/router';
import { createApp } from '../../core/src/http/app.js';
import { HttpProblem } from '../../core/src/http/problem.js';
import { createMetrics } from '../../core/src/metrics/index.js';
import type { Metrics } from '../../core/src/metrics/index.js';
import { samples, value } from './helpers.js';

const EXPLAIN = '/api/v1/services/:namespace/:name/explain';

async function serve(t: ExecutionContext): Promise<{ metrics: Metrics; get: (path: string, method?: string) => Promise<number> }> {
  const metrics = createMetrics({ collectDefaults: false });
  const router = new Router();
  router.get(EXPLAIN, (ctx) => {
    ctx.body = { service: `${ctx.params.namespace}/${ctx.params.name}` };
  });
  router.get('/api/v1/services/:namespace/:name', (ctx) => {
    throw new HttpProblem(404, 'Not Found', `no Service ${ctx.params.namespace}/${ctx.params.name}`);
  });
  router.get('/api/v1/boom', () => {
    throw new Error('internal');
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.contentType;
    ctx.body = await metrics.render();
  });
  const app = createApp({ routers: [router], middleware: [metrics.httpMetrics()] });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as AddressInfo;
  return {
    metrics,
    get: async (path, method = 'GET') => (await fetch(`http://127.0.0.1:${port}${path}`, { method })).status,
  };
}

test('a matched request is recorded under its route template, method and code', async (t) => {
  const { metrics, get } = await serve(t);
  t.is(await get('/api/v1/services/a/b/explain'), 200);
  t.is(await get('/api/v1/services/c/d/explain'), 200);
  const text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_http_requests_total', { route: EXPLAIN, method: 'GET', code: '200' }), 2);
  t.is(value(text, 'dynamic_toolset_http_request_duration_seconds_count', { route: EXPLAIN, method: 'GET' }), 2);
  t.false(text.includes('/api/v1/services/a/b/explain'), 'no raw path in any label');
});

test('thrown errors count with the status they are answered with', async (t) => {
  const { metrics, get } = await serve(t);
  t.is(await get('/api/v1/services/a/missing'), 404);
  t.is(await get('/api/v1/boom'), 500);
  const text = await metrics.render();
  t.is(value(text, 'dynamic_toolset_http_requests_total', { route: '/api/v1/services/:namespace/:name', method: 'GET', code: '404' }), 1);
  t.is(value(text, 'dynamic_toolset_http_requests_total', { route: '/api/v1/boom', method: 'GET', code: '500' }), 1);
  t.is(value(text, 'dynamic_toolset_http_request_duration_seconds_count', { route: '/api/v1/boom', method: 'GET' }), 1);
});

test('unknown paths and methods collapse into bounded label values', async (t) => {
  const { metrics, get } = await serve(t);
  for (let i = 0; i < 25; i++) t.is(await get(`/no/such/path/${i}`), 404);
  t.is(await get('/api/v1/boom', 'PROPFIND'), 501); // @koa/router's allowedMethods: not implemented
  const http = samples(await metrics.render()).filter((s) => s.name === 'dynamic_toolset_http_requests_total');
  t.deepEqual(
    http.map((s) => s.labels),
    [
      { route: 'unmatched', method: 'GET', code: '404' },
      { route: 'unmatched', method: 'OTHER', code: '501' },
    ],
  );
  t.is(http[0]!.value, 25);
});

test('/metrics served through the app renders the registry, recording its own request afterwards', async (t) => {
  const { metrics, get } = await serve(t);
  t.is(await get('/metrics'), 200);
  t.is(await get('/metrics'), 200);
  t.is(value(await metrics.render(), 'dynamic_toolset_http_requests_total', { route: '/metrics', method: 'GET', code: '200' }), 2);
});
