// The HTTP auth middleware through real HTTP: a koa app from createApp with authMiddleware in front of a tiny router,
// listening on port 0, reviewing tokens and access against the in-repo Kubernetes API emulator (TokenReview and
// SubjectAccessReview as the daemon's identity). Cache expiry runs on a FakeClock; review calls are counted by
// wrapping the reviewer.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import Router, { type RouterContext } from '@koa/router';
import { KubeConfig } from '@kubernetes/client-node';
import winston from 'winston';
import { FakeClock } from '../../core/src/clock.js';
import { TtlLruCache } from '../../core/src/cache/ttl.js';
import { accessTargetFor } from '../../core/src/http/auth/policy.js';
import {
  ANONYMOUS_USER,
  authMiddleware,
  kubeReviewer,
  type AuthLogger,
  type AuthOptions,
  type Reviewer,
} from '../../core/src/http/auth.js';
import { createApp } from '../../core/src/http/app.js';
import { buildKubeconfig, type Emulator } from '../../core/src/emulator/index.js';
import { clients, emulator, waitFor } from '../emulator/helpers.js';

const NS = 'kubernaut-system';
const GROUP = 'toolset.kubernaut.io';

interface Capture {
  lines: string[];
  log: winston.Logger;
}

/** A debug-level winston logger whose JSON lines are kept in memory. */
function captureLog(): Capture {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const log = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { lines, log };
}

interface Counted extends Reviewer {
  calls: { tokenReview: number; accessReview: number };
}

function counting(inner: Reviewer): Counted {
  const calls = { tokenReview: 0, accessReview: 0 };
  return {
    calls,
    tokenReview(token, audiences, signal) {
      calls.tokenReview++;
      return inner.tokenReview(token, audiences, signal);
    },
    accessReview(attrs, signal) {
      calls.accessReview++;
      return inner.accessReview(attrs, signal);
    },
  };
}

function daemonKubeConfig(emu: Emulator, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig(token === undefined ? {} : { token }));
  return kc;
}

interface Res {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

interface Harness {
  emu: Emulator;
  capture: Capture;
  clock: FakeClock;
  reviewer: Counted;
  middleware: ReturnType<typeof authMiddleware>;
  /** Every response body seen, for the "no token in any response" checks. */
  bodies: string[];
  req(path: string, init?: { method?: string; token?: string; authorization?: string }): Promise<Res>;
}

interface SetupOptions extends Partial<Omit<AuthOptions, 'log'>> {
  /** Token in the daemon's kubeconfig (default: the emulator's admin token). */
  daemonToken?: string;
  emu?: Emulator;
}

async function listen(t: ExecutionContext, options: AuthOptions, bodies: string[]): Promise<{ middleware: ReturnType<typeof authMiddleware>; req: Harness['req'] }> {
  const middleware = authMiddleware(options);
  const router = new Router();
  const echo = (ctx: RouterContext): void => {
    ctx.body = { route: `${ctx.method} ${ctx._matchedRoute ?? ''}`, user: ctx.state.user as unknown };
  };
  router.get('/api/v1/toolsets', echo);
  router.get('/api/v1/services', echo);
  router.get('/api/v1/services/:ns/:name/explain', echo);
  router.post('/api/v1/config/reload', echo);
  router.post('/api/v1/discover', echo);
  router.get('/metrics', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'dynamic_toolset_up 1\n';
  });
  router.get('/health', (ctx) => {
    ctx.body = { status: 'healthy', user: (ctx.state.user as unknown) ?? null };
  });
  router.get('/ready', (ctx) => {
    ctx.body = { status: 'ready' };
  });
  const app = createApp({ middleware: [middleware], routers: [router] });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const req: Harness['req'] = async (path, init = {}) => {
    const headers: Record<string, string> = {};
    if (init.authorization !== undefined) headers.Authorization = init.authorization;
    else if (init.token !== undefined) headers.Authorization = `Bearer ${init.token}`;
    const res = await fetch(base + path, { method: init.method ?? 'GET', headers });
    const text = await res.text();
    bodies.push(text);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // text/plain
    }
    return { status: res.status, headers: res.headers, text, body };
  };
  return { middleware, req };
}

async function setup(t: ExecutionContext, o: SetupOptions = {}): Promise<Harness> {
  const emu = o.emu ?? (await emulator(t));
  const capture = captureLog();
  const clock = o.clock instanceof FakeClock ? o.clock : new FakeClock();
  const reviewer = counting(o.reviewer ?? kubeReviewer(daemonKubeConfig(emu, o.daemonToken)));
  const bodies: string[] = [];
  const { daemonToken: _d, emu: _e, ...rest } = o;
  const { middleware, req } = await listen(t, { enabled: true, namespace: NS, reviewTimeoutMs: 2000, ...rest, clock, reviewer, log: capture.log }, bodies);
  return { emu, capture, clock, reviewer, middleware, bodies, req };
}

const user = (emu: Emulator, token: string, username: string, groups: string[] = []): string => {
  emu.addToken(token, { username, uid: `uid-${username}`, groups });
  return token;
};

function assertProblem(t: ExecutionContext, res: Res, status: number, detail?: string | RegExp): void {
  t.is(res.status, status, res.text);
  t.is(res.headers.get('content-type'), 'application/problem+json');
  t.is(res.body.status, status);
  t.is(res.body.requestId, res.headers.get('x-request-id'));
  if (typeof detail === 'string') t.is(res.body.detail, detail);
  else if (detail) t.regex(String(res.body.detail), detail);
}

// ---------------------------------------------------------------------------------------------------------------
// Authentication

test('no Authorization header → 401 problem+json with WWW-Authenticate; /health and /ready need nothing', async (t) => {
  const h = await setup(t);
  const res = await h.req('/api/v1/toolsets');
  assertProblem(t, res, 401, 'missing "Authorization: Bearer <token>" header');
  t.is(res.headers.get('www-authenticate'), 'Bearer realm="dynamic-toolset"');
  t.is(res.body.title, 'Unauthorized');
  assertProblem(t, await h.req('/metrics'), 401);
  assertProblem(t, await h.req('/api/v1/config/reload', { method: 'POST' }), 401);

  const health = await h.req('/health');
  t.is(health.status, 200);
  t.deepEqual(health.body, { status: 'healthy', user: null }, 'public paths get no user');
  t.is((await h.req('/ready')).status, 200);
  t.deepEqual(h.reviewer.calls, { tokenReview: 0, accessReview: 0 });
});

test('a malformed Authorization header (Basic, bare "Bearer", a token with spaces) → 401 with detail, no review', async (t) => {
  const h = await setup(t);
  for (const authorization of ['Basic YWxpY2U6c2VjcmV0', 'Bearer', 'Bearer ', 'Bearer two words', 'tok-no-scheme']) {
    const res = await h.req('/api/v1/toolsets', { authorization });
    assertProblem(t, res, 401, 'the Authorization header must be "Bearer <token>"');
    t.is(res.headers.get('www-authenticate'), 'Bearer realm="dynamic-toolset"');
    t.false(res.text.includes('YWxpY2U6c2VjcmV0') || res.text.includes('tok-no-scheme'), 'credentials are not echoed');
  }
  t.deepEqual(h.reviewer.calls, { tokenReview: 0, accessReview: 0 });
  // The scheme is case-insensitive (RFC 7235).
  user(h.emu, 'tok-lower-scheme', 'lower');
  h.emu.grant({ subjects: { users: ['lower'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  t.is((await h.req('/api/v1/toolsets', { authorization: 'bearer tok-lower-scheme' })).status, 200);
});

test('an unknown token → 401 "invalid or expired token", the token not echoed', async (t) => {
  const h = await setup(t);
  const res = await h.req('/api/v1/toolsets', { token: 'tok-unknown-7f3a9c' });
  assertProblem(t, res, 401, 'invalid or expired token');
  t.is(res.headers.get('www-authenticate'), 'Bearer realm="dynamic-toolset"');
  t.false(res.text.includes('tok-unknown-7f3a9c'));
  t.is(h.reviewer.calls.accessReview, 0, 'no SAR for an unauthenticated caller');
  // The same unknown token on /metrics and on unmapped paths: still 401.
  assertProblem(t, await h.req('/metrics', { token: 'tok-unknown-7f3a9c' }), 401);
  assertProblem(t, await h.req('/somewhere', { token: 'tok-unknown-7f3a9c' }), 401);
});

test('audiences: a token must be valid for one of the configured audiences', async (t) => {
  const emu = await emulator(t);
  emu.addToken('tok-aud-ok', { username: 'aud-ok', audiences: ['dynamic-toolset'] });
  emu.addToken('tok-aud-vault', { username: 'aud-vault', audiences: ['vault'] });
  emu.grant({ subjects: { groups: ['system:authenticated'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  const h = await setup(t, { emu, audiences: ['dynamic-toolset'] });
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-aud-ok' })).status, 200);
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-aud-vault' }), 401, 'invalid or expired token');
});

// ---------------------------------------------------------------------------------------------------------------
// Authorisation

test('the default discovery grant (get /api/*) is not enough: 403 without a toolset.kubernaut.io grant', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-alice', 'alice');
  // What a bare-path check would have asked, and why it must not: every authenticated user may get /api/*.
  const { authz } = clients(h.emu);
  const bare = await authz.createSubjectAccessReview({
    body: { spec: { user: 'alice', groups: ['system:authenticated'], nonResourceAttributes: { path: '/api/v1/toolsets', verb: 'get' } } },
  });
  t.true(bare.status?.allowed);

  const res = await h.req('/api/v1/toolsets', { token: 'tok-alice' });
  assertProblem(t, res, 403, `user "alice" cannot get toolsets.toolset.kubernaut.io in namespace "${NS}"`);
  t.is(res.body.title, 'Forbidden');
  t.is(res.headers.get('www-authenticate'), null);
});

test('get on toolsets in the daemon namespace: 200 on GET /api/v1/toolsets, 403 on POST /api/v1/config/reload and on other resources', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-bob', 'bob', ['devs']);
  h.emu.grant({ subjects: { users: ['bob'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });

  const ok = await h.req('/api/v1/toolsets', { token: 'tok-bob' });
  t.is(ok.status, 200);
  t.deepEqual(ok.body.user, { username: 'bob', uid: 'uid-bob', groups: ['devs', 'system:authenticated'] }, 'ctx.state.user is {username, uid, groups} only');

  assertProblem(t, await h.req('/api/v1/config/reload', { method: 'POST', token: 'tok-bob' }), 403, `user "bob" cannot create config.toolset.kubernaut.io in namespace "${NS}"`);
  assertProblem(t, await h.req('/api/v1/discover', { method: 'POST', token: 'tok-bob' }), 403, /cannot create discover\.toolset\.kubernaut\.io/);
  // explain is authorised on `services` in the daemon namespace, whatever namespace the path names.
  assertProblem(t, await h.req('/api/v1/services/web/nginx/explain', { token: 'tok-bob' }), 403, `user "bob" cannot get services.toolset.kubernaut.io in namespace "${NS}"`);
  h.emu.grant({ subjects: { users: ['bob'] }, apiGroups: [GROUP], resources: ['services'], verbs: ['get'], namespaces: [NS] });
  await h.clock.advance(30_000); // the deny above is cached for 30 s
  const explain = await h.req('/api/v1/services/web/nginx/explain', { token: 'tok-bob' });
  t.is(explain.status, 200);
  t.is(explain.body.route, 'GET /api/v1/services/:ns/:name/explain');
});

test('a grant in another namespace does not help', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-carol', 'carol');
  h.emu.grant({ subjects: { users: ['carol'] }, apiGroups: [GROUP], resources: ['toolsets', 'config'], verbs: ['get', 'create'], namespaces: ['default', 'web'] });
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-carol' }), 403, /cannot get toolsets\.toolset\.kubernaut\.io in namespace "kubernaut-system"/);
  assertProblem(t, await h.req('/api/v1/config/reload', { method: 'POST', token: 'tok-carol' }), 403);
});

test('a group grant works (the TokenReview groups are passed to the SAR); create on config allows the reload', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-dave', 'dave', ['toolset-operators']);
  h.emu.grant({ name: 'toolset-operator', subjects: { groups: ['toolset-operators'] }, apiGroups: [GROUP], resources: ['config', 'discover'], verbs: ['create'], namespaces: [NS] });
  const reload = await h.req('/api/v1/config/reload', { method: 'POST', token: 'tok-dave' });
  t.is(reload.status, 200);
  t.is(reload.body.route, 'POST /api/v1/config/reload');
  t.is((await h.req('/api/v1/discover', { method: 'POST', token: 'tok-dave' })).status, 200);
  // create does not imply get.
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-dave' }), 403);
  // Grants to system:authenticated work too, because the group comes from the TokenReview.
  user(h.emu, 'tok-erin', 'erin');
  h.emu.grant({ subjects: { groups: ['system:authenticated'] }, apiGroups: [GROUP], resources: ['statistics'], verbs: ['get'], namespaces: [NS] });
  const stats = await h.req('/api/v1/statistics', { token: 'tok-erin' });
  t.is(stats.status, 404, 'authorised on statistics, then no such route in this test app');
});

test('/metrics needs get on the nonResourceURL /metrics; a toolset.kubernaut.io grant does not give it, nor the reverse', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-api-admin', 'api-admin');
  user(h.emu, 'tok-prometheus', 'system:serviceaccount:monitoring:prometheus', ['system:serviceaccounts']);
  h.emu.grant({ subjects: { users: ['api-admin'] }, apiGroups: [GROUP], resources: ['*'], verbs: ['*'], namespaces: [NS] });
  h.emu.grant({ subjects: { users: ['system:serviceaccount:monitoring:prometheus'] }, nonResourceURLs: ['/metrics'], verbs: ['get'] });

  assertProblem(t, await h.req('/metrics', { token: 'tok-api-admin' }), 403, 'user "api-admin" cannot get path "/metrics"');
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-api-admin' })).status, 200);

  const scrape = await h.req('/metrics', { token: 'tok-prometheus' });
  t.is(scrape.status, 200);
  t.is(scrape.text, 'dynamic_toolset_up 1\n');
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-prometheus' }), 403);
});

test('the SAR reason is included in the 403 detail when the authoriser gives one', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-frank', 'frank');
  h.emu.grant({ name: 'no-reload', deny: true, subjects: { users: ['frank'] }, apiGroups: [GROUP], resources: ['config'], verbs: ['create'], namespaces: [NS] });
  assertProblem(
    t,
    await h.req('/api/v1/config/reload', { method: 'POST', token: 'tok-frank' }),
    403,
    `user "frank" cannot create config.toolset.kubernaut.io in namespace "${NS}": denied by RoleBinding "no-reload/${NS}" of Role "no-reload" to User "frank"`,
  );
});

test('unknown /api/v1/<x> is authorised on resource <x> (403 unless granted, then 404); unmapped paths are denied; spellings map like the router matches', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-reader', 'reader');
  user(h.emu, 'tok-wild', 'wild');
  user(h.emu, 'tok-op', 'op');
  h.emu.grant({ subjects: { users: ['reader'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  h.emu.grant({ subjects: { users: ['wild'] }, apiGroups: [GROUP], resources: ['*'], verbs: ['*'], namespaces: [NS] });
  h.emu.grant({ subjects: { users: ['op'] }, apiGroups: [GROUP], resources: ['config'], verbs: ['create'], namespaces: [NS] });

  assertProblem(t, await h.req('/api/v1/secrets', { token: 'tok-reader' }), 403, `user "reader" cannot get secrets.toolset.kubernaut.io in namespace "${NS}"`);
  assertProblem(t, await h.req('/api/v1/secrets', { token: 'tok-wild' }), 404);
  // Not a resource name, not an API path: denied without a SAR, even for the wildcard user.
  const before = h.reviewer.calls.accessReview;
  assertProblem(t, await h.req('/api/v1/%74oolsets', { token: 'tok-wild' }), 403, /the path names no API resource/);
  assertProblem(t, await h.req('/api/v1', { token: 'tok-wild' }), 403, /no authorisation rule covers this path/);
  assertProblem(t, await h.req('/', { token: 'tok-wild' }), 403, /no authorisation rule covers this path/);
  assertProblem(t, await h.req('/debug/pprof', { token: 'tok-wild' }), 403);
  assertProblem(t, await h.req('/api/v1/toolsets', { method: 'PURGE', token: 'tok-wild' }), 403, /method PURGE is not mapped/);
  t.is(h.reviewer.calls.accessReview, before);

  // @koa/router matches case-insensitively and ignores a trailing slash: so does the mapping.
  assertProblem(t, await h.req('/API/V1/Config/Reload', { method: 'POST', token: 'tok-reader' }), 403, /cannot create config\.toolset\.kubernaut\.io/);
  t.is((await h.req('/API/V1/Config/Reload/', { method: 'POST', token: 'tok-op' })).status, 200);
  t.is((await h.req('/api/v1/toolsets/', { token: 'tok-reader' })).status, 200);
  assertProblem(t, await h.req('/METRICS', { token: 'tok-reader' }), 403, /cannot get path "\/metrics"/);
});

test('accessTargetFor: the mapping table', (t) => {
  const r = (resource: string, verb: string) => ({ target: { kind: 'resource', group: GROUP, resource, verb, namespace: NS } });
  t.deepEqual(accessTargetFor('GET', '/api/v1/toolsets', NS), r('toolsets', 'get'));
  t.deepEqual(accessTargetFor('HEAD', '/api/v1/toolsets', NS), r('toolsets', 'get'));
  t.deepEqual(accessTargetFor('GET', '/api/v1/services/obs/prometheus/explain', NS), r('services', 'get'));
  t.deepEqual(accessTargetFor('POST', '/api/v1/config/reload', NS), r('config', 'create'));
  t.deepEqual(accessTargetFor('POST', '/api/v1/discover', NS), r('discover', 'create'));
  t.deepEqual(accessTargetFor('GET', '/api/v1/statistics', NS), r('statistics', 'get'));
  t.deepEqual(accessTargetFor('GET', '/api/v1/plugins', NS), r('plugins', 'get'));
  t.deepEqual(accessTargetFor('DELETE', '/api/v1/plugins/x', NS), r('plugins', 'delete'));
  t.deepEqual(accessTargetFor('PUT', '/api/v1/config', NS), r('config', 'update'));
  t.deepEqual(accessTargetFor('PATCH', '/api/v1/config', NS), r('config', 'patch'));
  t.deepEqual(accessTargetFor('GET', '/metrics', NS), { target: { kind: 'path', path: '/metrics', verb: 'get' } });
  t.deepEqual(accessTargetFor('HEAD', '/metrics/', NS), { target: { kind: 'path', path: '/metrics', verb: 'get' } });
  t.deepEqual(accessTargetFor('POST', '/metrics', NS), { target: { kind: 'path', path: '/metrics', verb: 'post' } });
  for (const p of ['/api/v1', '/api/v1/', '/api/v1//toolsets', '/api/v1/Tool_sets', '/api/v2/toolsets', '/api', '/metrics/x', '/healthz', '//api/v1/toolsets']) {
    t.true('deny' in accessTargetFor('GET', p, NS), p);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The review API failing

test('TokenReview failing (500, 429) → 503 with an operator hint, not cached: the next request succeeds', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-gina', 'gina');
  h.emu.grant({ subjects: { users: ['gina'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });

  h.emu.faults.failNext(1, 500, { path: 'tokenreviews' });
  const res = await h.req('/api/v1/toolsets', { token: 'tok-gina' });
  assertProblem(t, res, 503, 'cannot review tokens: the Kubernetes API server answered HTTP 500; try again shortly');
  t.is(res.headers.get('retry-after'), '5');
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-gina' })).status, 200, 'the failure was not cached');

  h.emu.faults.failNext(1, 429, { path: 'tokenreviews' });
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-new-after-429' }), 503, /throttling requests \(HTTP 429\)/);
  const warns = h.capture.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
  t.true(warns.some((w) => String(w.error).includes('HTTP 500')), 'the operator sees the failure in the log');
});

test('TokenReview endpoint paused → 503 after the review timeout; after resume the request succeeds', async (t) => {
  const h = await setup(t, { reviewTimeoutMs: 300 });
  user(h.emu, 'tok-hank', 'hank');
  h.emu.grant({ subjects: { users: ['hank'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  h.emu.faults.pause();
  // The deadline runs on the test's clock: it passes once the review is known to be held, not whenever a busy
  // machine gets round to it; and the review after resume has all the (fake) time it needs.
  const held = h.req('/api/v1/toolsets', { token: 'tok-hank' });
  await waitFor(() => h.emu.faults.heldRequests === 1, 'the TokenReview held by the paused API server');
  await h.clock.advance(300);
  assertProblem(t, await held, 503, 'cannot review tokens: the Kubernetes API server did not answer within 300 ms');
  // Answered by the deadline, not by the API server: it still holds the review. (Was a wall-clock bound, < 2 s,
  // which a busy machine broke.)
  t.is(h.emu.faults.heldRequests, 1, 'the 503 did not wait for the API server');
  h.emu.faults.resume();
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-hank' })).status, 200);
});

test('the review API unreachable (nothing listening) → 503, never allow', async (t) => {
  const dead = await emulator(t);
  const kc = daemonKubeConfig(dead);
  await dead.stop();
  const h = await setup(t, { reviewer: kubeReviewer(kc) });
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-whatever' }), 503, 'cannot review tokens: the Kubernetes API server is unreachable');
});

test('SAR failing → 503 "cannot check access", not cached (the TokenReview result is reused)', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-ivy', 'ivy');
  h.emu.grant({ subjects: { users: ['ivy'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  h.emu.faults.failNext(1, 503, { path: 'subjectaccessreviews' });
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-ivy' }), 503, 'cannot check access: the Kubernetes API server answered HTTP 503; try again shortly');
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-ivy' })).status, 200);
  t.deepEqual(h.reviewer.calls, { tokenReview: 1, accessReview: 2 });
});

test("the daemon's own identity lacking RBAC → 503 naming the missing permission", async (t) => {
  const emu = await emulator(t);
  user(emu, 'tok-jack', 'jack');
  emu.grant({ subjects: { users: ['jack'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  const sa = 'system:serviceaccount:kubernaut-system:dynamic-toolset';

  // No rights at all: the TokenReview is refused.
  emu.addToken('tok-daemon-limited', { username: sa, groups: ['system:serviceaccounts'] });
  const limited = await setup(t, { emu, daemonToken: 'tok-daemon-limited' });
  assertProblem(
    t,
    await limited.req('/api/v1/toolsets', { token: 'tok-jack' }),
    503,
    "cannot review tokens: the daemon's service account needs create on tokenreviews.authentication.k8s.io (HTTP 403 from the API server)",
  );
  // Given tokenreviews but not subjectaccessreviews: the SAR is refused.
  emu.grant({ subjects: { users: [sa] }, apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] });
  assertProblem(
    t,
    await limited.req('/api/v1/toolsets', { token: 'tok-jack' }),
    503,
    "cannot check access: the daemon's service account needs create on subjectaccessreviews.authorization.k8s.io (HTTP 403 from the API server)",
  );
  emu.grant({ subjects: { users: [sa] }, apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] });
  t.is((await limited.req('/api/v1/toolsets', { token: 'tok-jack' })).status, 200, 'fixed RBAC takes effect at once: nothing was cached');

  // Credentials the API server does not accept at all.
  const stale = await setup(t, { emu, daemonToken: 'tok-daemon-revoked' });
  assertProblem(t, await stale.req('/api/v1/toolsets', { token: 'tok-jack' }), 503, /rejected the daemon's own credentials \(HTTP 401\)/);
});

// ---------------------------------------------------------------------------------------------------------------
// Caching

test('caching: within the TTLs no review is repeated; the TokenReview expires after 60 s, the allow after 5 min', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-kim', 'kim');
  const revoke = h.emu.grant({ subjects: { users: ['kim'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-kim' })).status, 200);
  t.deepEqual(h.reviewer.calls, { tokenReview: 1, accessReview: 1 });
  // The review endpoints failing would not matter now: nothing is asked.
  h.emu.faults.failNext(10, 500, { path: 'reviews' });
  for (let i = 0; i < 3; i++) t.is((await h.req('/api/v1/toolsets', { token: 'tok-kim' })).status, 200);
  t.deepEqual(h.reviewer.calls, { tokenReview: 1, accessReview: 1 });
  h.emu.faults.clearFailures();

  await h.clock.advance(59_000);
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-kim' })).status, 200);
  t.deepEqual(h.reviewer.calls, { tokenReview: 1, accessReview: 1 });
  await h.clock.advance(1_000);
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-kim' })).status, 200);
  t.deepEqual(h.reviewer.calls, { tokenReview: 2, accessReview: 1 }, 'authn re-checked after 60 s, the allow still cached');

  // A revoked grant keeps working until the allow expires (5 min after it was cached), then 403.
  revoke();
  await h.clock.advance(239_000);
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-kim' })).status, 200);
  await h.clock.advance(1_000);
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-kim' }), 403);
  t.is(h.reviewer.calls.accessReview, 2);
});

test('caching: a deny is remembered for 30 s, then re-checked', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-lee', 'lee');
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-lee' }), 403);
  t.is(h.reviewer.calls.accessReview, 1);
  h.emu.grant({ subjects: { users: ['lee'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  await h.clock.advance(29_999);
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-lee' }), 403, undefined);
  t.is(h.reviewer.calls.accessReview, 1, 'the deny came from the cache');
  await h.clock.advance(1);
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-lee' })).status, 200);
  t.is(h.reviewer.calls.accessReview, 2);
  // Allows and denies are per (user, verb, resource): another resource is its own SAR.
  assertProblem(t, await h.req('/api/v1/config/reload', { method: 'POST', token: 'tok-lee' }), 403);
  t.is(h.reviewer.calls.accessReview, 3);
});

test('caching: an unknown token is remembered for the deny TTL; a token made valid meanwhile works after it', async (t) => {
  const h = await setup(t);
  h.emu.grant({ subjects: { groups: ['system:authenticated'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-late' }), 401);
  user(h.emu, 'tok-late', 'late');
  assertProblem(t, await h.req('/api/v1/toolsets', { token: 'tok-late' }), 401);
  t.is(h.reviewer.calls.tokenReview, 1);
  await h.clock.advance(30_000);
  t.is((await h.req('/api/v1/toolsets', { token: 'tok-late' })).status, 200);
  t.is(h.reviewer.calls.tokenReview, 2);
});

test('caching: concurrent requests with a new token share one TokenReview and one SAR', async (t) => {
  const h = await setup(t);
  user(h.emu, 'tok-mo', 'mo');
  h.emu.grant({ subjects: { users: ['mo'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  h.emu.faults.latency(300, { path: 'reviews' });
  const all = await Promise.all(Array.from({ length: 8 }, () => h.req('/api/v1/toolsets', { token: 'tok-mo' })));
  t.deepEqual(
    all.map((r) => r.status),
    Array.from({ length: 8 }, () => 200),
  );
  t.deepEqual(h.reviewer.calls, { tokenReview: 1, accessReview: 1 });
});

test('caching: the caches stay bounded with many distinct tokens and users (LRU eviction)', async (t) => {
  const h = await setup(t, { cache: { maxEntries: 4 } });
  h.emu.grant({ subjects: { groups: ['system:authenticated'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  for (let i = 0; i < 12; i++) user(h.emu, `tok-many-${i}`, `many-${i}`);
  for (let i = 0; i < 12; i++) {
    t.is((await h.req('/api/v1/toolsets', { token: `tok-many-${i}` })).status, 200);
    const sizes = h.middleware.cacheSizes();
    t.true(sizes.authn <= 4 && sizes.authz <= 4, JSON.stringify(sizes));
  }
  t.deepEqual(h.reviewer.calls, { tokenReview: 12, accessReview: 12 });
  // The most recent token is still cached; the first was evicted and is reviewed again.
  await h.req('/api/v1/toolsets', { token: 'tok-many-11' });
  t.deepEqual(h.reviewer.calls, { tokenReview: 12, accessReview: 12 });
  await h.req('/api/v1/toolsets', { token: 'tok-many-0' });
  t.deepEqual(h.reviewer.calls, { tokenReview: 13, accessReview: 13 });
  // Unknown tokens are bounded too.
  for (let i = 0; i < 20; i++) await h.req('/api/v1/toolsets', { token: `tok-junk-${i}` });
  t.true(h.middleware.cacheSizes().authn <= 4);
});

test('TtlLruCache: expiry, LRU order, bound', (t) => {
  const clock = new FakeClock();
  const c = new TtlLruCache<number>(2, clock);
  c.set('a', 1, 100);
  c.set('b', 2, 100);
  t.is(c.get('a'), 1); // a is now the most recent
  c.set('c', 3, 100); // evicts b
  t.is(c.get('b'), undefined);
  t.is(c.get('a'), 1);
  t.is(c.get('c'), 3);
  t.is(c.size, 2);
  void clock.advance(100);
  t.is(c.get('a'), undefined);
  t.is(c.size, 1);
  c.set('d', 4, 0);
  t.is(c.get('d'), undefined, 'a ttl of 0 stores nothing');
  t.throws(() => new TtlLruCache(0, clock), { instanceOf: RangeError });
});

// ---------------------------------------------------------------------------------------------------------------
// Logging, disabled mode, construction

test('tokens never appear in the log nor in any response; decisions are logged with the username at debug', async (t) => {
  const h = await setup(t);
  const secret = 'tok-SECRET-b9d1e2f3a4c5';
  const bad = 'tok-BAD-SECRET-0a1b2c3d';
  user(h.emu, secret, 'nina');
  h.emu.grant({ subjects: { users: ['nina'] }, apiGroups: [GROUP], resources: ['toolsets'], verbs: ['get'], namespaces: [NS] });
  await h.req('/api/v1/toolsets', { token: secret }); // allow
  await h.req('/api/v1/config/reload', { method: 'POST', token: secret }); // deny
  await h.req('/metrics', { token: secret }); // deny
  await h.req('/nowhere', { token: secret }); // unmapped
  await h.req('/api/v1/toolsets', { token: bad }); // 401
  await h.req('/api/v1/toolsets', { authorization: `Basic ${secret}` }); // malformed
  await h.req('/api/v1/toolsets', { authorization: secret }); // no scheme
  h.emu.faults.failNext(1, 500, { path: 'tokenreviews', message: `boom ${bad}-2` }); // an upstream error quoting the token
  await h.req('/api/v1/toolsets', { token: `${bad}-2` });
  h.emu.faults.failNext(1, 422, { path: 'tokenreviews', message: `invalid token ${bad}-3` });
  await h.req('/api/v1/toolsets', { token: `${bad}-3` });

  const all = h.capture.lines.join('\n');
  t.true(h.capture.lines.length > 0);
  for (const tok of [secret, bad]) {
    t.false(all.includes(tok), `token in the log:\n${all}`);
    for (const b of h.bodies) t.false(b.includes(tok), `token in a response: ${b}`);
  }
  t.false(/authorization/i.test(all.replace(/authori[sz]ation rule|"Authorization: Bearer <token>"|Authorization header/g, '')), 'no Authorization header in the log');
  const entries = h.capture.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.true(entries.some((e) => e.level === 'debug' && e.username === 'nina' && e.decision === 'allow' && e.resource === `toolsets.${GROUP}`));
  t.true(entries.some((e) => e.level === 'debug' && e.username === 'nina' && e.decision === 'deny' && e.path === '/metrics'));
  t.true(entries.some((e) => e.level === 'warn' && String(e.error).includes('[redacted]')), 'upstream messages are logged with the token redacted');
});

test('enabled: false passes everything as the anonymous user, never reviews, and warns loudly once', async (t) => {
  const capture = captureLog();
  const never: Reviewer = {
    tokenReview: () => Promise.reject(new Error('must not be called')),
    accessReview: () => Promise.reject(new Error('must not be called')),
  };
  const bodies: string[] = [];
  const { req } = await listen(t, { enabled: false, reviewer: never, log: capture.log }, bodies);
  const warns = capture.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
  t.is(warns.length, 1);
  t.regex(String(warns[0]?.message), /AUTHENTICATION IS DISABLED \(--auth=false\)/);

  const list = await req('/api/v1/toolsets');
  t.is(list.status, 200);
  t.deepEqual(list.body.user, { username: ANONYMOUS_USER });
  t.is((await req('/api/v1/config/reload', { method: 'POST', authorization: 'Basic whatever' })).status, 200);
  t.is((await req('/metrics')).status, 200);
  t.is((await req('/health')).status, 200);
  t.is(capture.lines.length, 1, 'nothing else logged');
});

test('construction: enabled needs a namespace and a kc or reviewer', (t) => {
  const log: AuthLogger = { debug: () => undefined, warn: () => undefined };
  const reviewer: Reviewer = { tokenReview: () => Promise.reject(new Error('x')), accessReview: () => Promise.reject(new Error('x')) };
  t.throws(() => authMiddleware({ enabled: true, reviewer, log }), { message: /namespace is required/ });
  t.throws(() => authMiddleware({ enabled: true, namespace: NS, log }), { message: /KubeConfig \(kc\) or a reviewer/ });
  const kc = new KubeConfig();
  kc.loadFromString(buildKubeconfig({ server: 'http://127.0.0.1:1', token: 'daemon' }));
  t.notThrows(() => authMiddleware({ enabled: true, namespace: NS, kc, log }));
});
