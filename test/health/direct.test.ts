// Direct probes against real local servers: what each kind of answer (or silence) means, retries, TLS, and
// that nothing but a plain GET without credentials ever leaves the daemon.
import test from 'ava';
import { createDirectProber, HealthChecker } from '../../core/src/health/index.js';
import type { HealthResult } from '../../core/src/health/index.js';
import { answer, refusedPort, selfSignedCertificate, settings, startServer, startSilentServer, startTlsServer, target } from './helpers.js';

const probe = createDirectProber({ backoffMs: 10 });

const statuses: Array<[number, HealthResult['state'], string | undefined]> = [
  [200, 'healthy', undefined],
  [204, 'healthy', undefined],
  [401, 'needs-credentials', 'HTTP 401: up, needs credentials'],
  [403, 'needs-credentials', 'HTTP 403: up, needs credentials'],
  [400, 'healthy', undefined],
  [404, 'unhealthy', 'HTTP 404 on /-/healthy'],
  [500, 'unhealthy', 'HTTP 500'],
  [503, 'unhealthy', 'HTTP 503'],
];

for (const [status, state, reason] of statuses) {
  test(`HTTP ${status} on the health path is ${state}`, async (t) => {
    const server = await startServer(answer(status));
    t.teardown(() => server.close());
    const r = await probe.probe(target(server.port), settings());
    t.is(r.state, state);
    t.is(r.status, status);
    t.is(r.reason, reason);
    t.is(r.via, 'direct');
    t.is(r.attempts, 1);
    t.false(Number.isNaN(Date.parse(r.checkedAt)));
    t.deepEqual(server.seen.map((s) => `${s.method} ${s.url}`), ['GET /-/healthy']);
  });
}

test('a redirect is an answer (healthy) and is not followed', async (t) => {
  const server = await startServer(answer(302, { location: '/login' }));
  t.teardown(() => server.close());
  const r = await probe.probe(target(server.port), settings());
  t.is(r.state, 'healthy');
  t.is(r.status, 302);
  t.deepEqual(server.seen.map((s) => s.url), ['/-/healthy']);
});

test('connection refused is unhealthy', async (t) => {
  const r = await probe.probe(target(await refusedPort()), settings());
  t.is(r.state, 'unhealthy');
  t.is(r.reason, 'connection refused');
  t.is(r.status, undefined);
});

test('a server that accepts but never answers times out', async (t) => {
  const silent = await startSilentServer();
  t.teardown(() => silent.close());
  const r = await probe.probe(target(silent.port), settings({ timeoutMs: 300 }));
  t.is(r.state, 'unhealthy');
  t.is(r.reason, 'timed out after 300 ms');
  t.true(r.latencyMs >= 250);
});

test('a dead target never delays the others: 20 healthy ones finish under concurrency 4 before its timeout', async (t) => {
  const silent = await startSilentServer();
  const healthy = await startServer(answer(200));
  t.teardown(() => Promise.all([silent.close(), healthy.close()]).then(() => undefined));
  const checker = new HealthChecker({ prober: probe, concurrency: 4 });
  t.teardown(() => checker.stop());
  const order: Array<[string, HealthResult['state']]> = [];
  let healthyDone = 0;
  let deadWhenLastHealthy: HealthResult | undefined;
  checker.onChange((key, r) => {
    order.push([key, r.state]);
    if (key !== 'test/dead' && ++healthyDone === 20) deadWhenLastHealthy = checker.get('test/dead');
  });
  // The dead probe's timeout is the clock the 20 healthy ones race; 10 s is far more than 20 local answers need even on a
  // busy machine (2 s was not: a descheduled test process could lose it). The healthy probes' own timeout is not
  // what is tested: a generous one, so that a slow moment cannot turn one of them unhealthy.
  const dead = { target: target(silent.port, { key: 'test/dead', name: 'dead' }), settings: settings({ timeoutMs: 10_000 }) };
  const others = Array.from({ length: 20 }, (_, i) => ({ target: target(healthy.port, { key: `test/ok-${i}`, name: `ok-${i}` }), settings: settings({ timeoutMs: 60_000 }) }));
  checker.set([dead, ...others]); // the dead one is first in line and takes a slot at once
  checker.start();
  await checker.whenIdle();
  t.is(order.length, 21);
  t.deepEqual(order.slice(0, 20).map(([, s]) => s), Array<HealthResult['state']>(20).fill('healthy'));
  t.deepEqual(order[20], ['test/dead', 'unhealthy']);
  t.is(deadWhenLastHealthy, undefined, 'every healthy result was in while the dead probe was still waiting');
  t.is(checker.get('test/dead')?.reason, 'timed out after 10000 ms');
  t.is(healthy.seen.length, 20);
  t.is(silent.accepted(), 1);
});

test('retries: failing twice then answering is healthy with retries 2, unhealthy with retries 1', async (t) => {
  const failTwice = () => {
    let n = 0;
    return startServer((req, res) => answer(++n <= 2 ? 503 : 200)(req, res));
  };
  const a = await failTwice();
  const b = await failTwice();
  t.teardown(() => Promise.all([a.close(), b.close()]).then(() => undefined));
  const ok = await probe.probe(target(a.port), settings({ retries: 2 }));
  t.is(ok.state, 'healthy');
  t.is(ok.attempts, 3);
  t.is(a.seen.length, 3);
  const bad = await probe.probe(target(b.port), settings({ retries: 1 }));
  t.is(bad.state, 'unhealthy');
  t.is(bad.reason, 'HTTP 503');
  t.is(bad.attempts, 2);
  t.is(b.seen.length, 2);
});

test('needs-credentials is not retried', async (t) => {
  const server = await startServer(answer(401));
  t.teardown(() => server.close());
  const r = await probe.probe(target(server.port), settings({ retries: 3 }));
  t.is(r.state, 'needs-credentials');
  t.is(server.seen.length, 1);
});

test('no credentials, cookies or proxy headers are ever sent; Host keeps the Service name', async (t) => {
  const server = await startServer(answer(200, { 'set-cookie': 'session=abc' }));
  t.teardown(() => server.close());
  const viaDns = createDirectProber({
    backoffMs: 10,
    resolveHost: (host, port) => (host === 'prom.monitoring.svc.cluster.local' && port === 9090 ? { host: '127.0.0.1', port: server.port } : undefined),
  });
  const tgt = target(9090, { host: 'prom.monitoring.svc.cluster.local', url: 'http://prom.monitoring.svc.cluster.local:9090' });
  t.is((await viaDns.probe(tgt, settings())).state, 'healthy');
  t.is((await viaDns.probe(tgt, settings())).state, 'healthy'); // a second probe must not replay the cookie
  t.is(server.seen.length, 2);
  for (const s of server.seen) {
    t.is(s.headers.host, 'prom.monitoring.svc.cluster.local:9090');
    t.is(s.headers.authorization, undefined);
    t.is(s.headers.cookie, undefined);
    t.is(s.headers['proxy-authorization'], undefined);
    t.deepEqual(Object.keys(s.headers).sort(), ['accept', 'connection', 'host', 'user-agent']);
  }
});

test('no health path probes "/", and a per-detector path overrides the plugin\'s', async (t) => {
  const server = await startServer(answer(200));
  t.teardown(() => server.close());
  await probe.probe(target(server.port, { healthPath: null }), settings());
  await probe.probe(target(server.port), settings({ path: '/api/health' }));
  t.deepEqual(server.seen.map((s) => s.url), ['/', '/api/health']);
});

test('an endless body does not hold the probe: the status is enough', async (t) => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  t.teardown(() => server.close());
  // The timeout is a safety net (a busy machine once took 5 s to answer); what counts is that the probe returned
  // on the status, before it.
  const r = await probe.probe(target(server.port), settings({ timeoutMs: 60_000 }));
  t.is(r.state, 'healthy');
  t.true(r.latencyMs < 60_000);
});

test('an abort cuts a probe short', async (t) => {
  const silent = await startSilentServer();
  t.teardown(() => silent.close());
  const ac = new AbortController();
  const pending = probe.probe(target(silent.port), settings({ timeoutMs: 10_000, retries: 3 }), ac.signal);
  setTimeout(() => ac.abort(), 50);
  const r = await pending;
  t.is(r.state, 'unhealthy');
  t.is(r.reason, 'aborted');
  t.is(r.attempts, 1);
});

const tls = selfSignedCertificate();
const tlsTest = tls ? test : test.skip; // openssl makes the certificate; without it these are skipped

tlsTest('https with a self-signed certificate: healthy without tls_verify, a TLS failure with it', async (t) => {
  const server = await startTlsServer(tls!, answer(200));
  t.teardown(() => server.close());
  const tgt = target(server.port, { scheme: 'https', host: 'localhost', url: `https://localhost:${server.port}` });
  const lax = await probe.probe(tgt, settings());
  t.is(lax.state, 'healthy');
  t.is(lax.status, 200);
  const strict = await probe.probe(tgt, settings({ tlsVerify: true }));
  t.is(strict.state, 'unhealthy');
  t.is(strict.reason, 'TLS: self-signed certificate');
  t.is(server.seen.length, 1, 'the verifying probe never sent its request');
});

tlsTest('https to a plain-HTTP port says so', async (t) => {
  const server = await startServer(answer(200));
  t.teardown(() => server.close());
  const r = await probe.probe(target(server.port, { scheme: 'https' }), settings());
  t.is(r.state, 'unhealthy');
  t.regex(r.reason ?? '', /^TLS: .*\(is the port plain HTTP\?\)$/);
});
