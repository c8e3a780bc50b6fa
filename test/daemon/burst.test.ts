// Mass changes converge (issue 12 item 4): 2,000 Services created, then deleted in a burst, each an MCP server of
// its own (one ConfigMap entry each) with health checks answered through the service proxy; the Service watch dies
// silently in the middle of the deletions. The ConfigMap ends up naming all of them, then none, and /health answers
// throughout. Deadlines are safety nets for a busy machine; speed is the bench's (`npm run bench -- --parts burst`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { startEmulator } from '../../core/src/emulator/index.js';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import { fileConfigSource } from '../../core/src/config/source.js';
import { authMiddleware } from '../../core/src/http/auth.js';
import { buildServer } from '../../core/src/http/server.js';
import { createLogger } from '../../core/src/log.js';
import { createMetrics } from '../../core/src/metrics/index.js';
import { TEST_CONFIG, backend, startDaemon } from './helpers.js';
import { eventually } from '../helpers/bundles.js';

const COUNT = 2000;
const NAMESPACES = 10;
const SAFETY_MS = 600_000;

function mcpService(i: number): Record<string, unknown> {
  const name = `burst-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: `burst-${i % NAMESPACES}`, annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': 'mcp', 'kubernaut.io/toolset-path': '/mcp' } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }] },
  };
}

/** How many of the burst's Services the ConfigMap names. */
function named(data: Record<string, string> | undefined): number {
  const seen = new Set<string>();
  for (const v of Object.values(data ?? {})) for (const m of v.matchAll(/\bburst-(\d+)\.burst-\d+\.svc\b/g)) seen.add(m[1]!);
  return seen.size;
}

/** Changes in slices, letting the event loop turn between them, as requests from many clients would arrive. */
async function inSlices(count: number, change: (i: number) => void, onSlice?: (done: number) => void): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    for (let k = i; k < Math.min(count, i + 50); k++) change(k);
    onSlice?.(Math.min(count, i + 50));
    await new Promise((r) => setImmediate(r));
  }
}

/** GET /health in a loop until stopped: how many answers, and how many were not 200 or failed. */
function poll(url: string): { stop(): Promise<{ answered: number; failed: number }> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let running = true;
  let answered = 0;
  let failed = 0;
  const once = () =>
    new Promise<void>((resolve) => {
      http
        .get(`${url}/health`, { agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) answered += 1;
            else failed += 1;
            resolve();
          });
        })
        .on('error', () => {
          failed += 1;
          resolve();
        });
    });
  const loop = (async () => {
    while (running) {
      await once();
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return { answered, failed };
    },
  };
}

test('2,000 Services created then deleted in a burst (with the watch dying silently) reach the ConfigMap; /health answers throughout', async (t) => {
  t.timeout(SAFETY_MS + 60_000);
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const be = await backend(t);
  for (let i = 0; i < COUNT; i++) emu.registerProxyTarget({ namespace: `burst-${i % NAMESPACES}`, name: `burst-${i}`, url: be.url });
  // The stale timer and the periodic relist are an hour away: only the progress check can notice the dead watch
  // before the safety deadline.
  const h = await startDaemon(t, { emulator: emu, config: { ...TEST_CONFIG, resyncIntervalMs: 3_600_000 }, options: {
      // No Pods or EndpointSlices here: the burst is the Services' alone.
      workloadEvidence: false,
      timing: { debounceMs: 200, staleAfterMs: 3_600_000, informerBackoff: { baseMs: 20, maxMs: 200 } },
    },
  });
  const log = createLogger({ level: 'error' });
  const reloader = new ConfigReloader({ source: fileConfigSource('/nonexistent/detector-config.yaml'), apply: (c) => h.daemon.applyConfig(c), log });
  const app = buildServer({ daemon: h.daemon, reloader, metrics: createMetrics({ version: 'test' }), auth: authMiddleware({ enabled: false, namespace: 'kubernaut-system', kc: h.kc, log }), log });
  const server = app.listen(0, '127.0.0.1');
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await eventually(() => h.configMap());

  const creating = poll(url);
  await inSlices(COUNT, (i) => emu.create(mcpService(i)));
  await eventually(() => named(h.configMap()?.data) === COUNT, SAFETY_MS, 100);
  const created = await creating.stop();
  t.true(created.answered > 0, '/health answered while the creations were processed');
  t.is(created.failed, 0);

  const deleting = poll(url);
  let killed = false;
  await inSlices(
    COUNT,
    (i) => emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: `burst-${i % NAMESPACES}`, name: `burst-${i}` }),
    (done) => {
      // Half way through, the Service watch stops delivering without closing, as seen against a real API server.
      if (!killed && done >= COUNT / 2) killed = emu.faults.deadWatches() > 0;
    },
  );
  await eventually(() => named(h.configMap()?.data) === 0, SAFETY_MS, 100);
  const deleted = await deleting.stop();
  t.true(killed);
  t.true(h.daemon.services.stats.silentRestarts >= 1, 'the dead Service watch was found by the progress check');
  t.true(deleted.answered > 0, '/health answered while the deletions were processed');
  t.is(deleted.failed, 0);
  t.is(h.daemon.services.size, 0);
});
