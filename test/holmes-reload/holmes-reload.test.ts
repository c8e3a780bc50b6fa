// The HolmesGPT reload (reconcile/holmes-reload.ts) against a stand-in HolmesGPT server: the decision functions,
// then the reloader on a FakeClock (the test is the kubelet: it decides when the mounted file changes), then the
// whole daemon on the API emulator with its HTTP API and metrics.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import winston from 'winston';
import { FakeClock } from '../../core/src/clock.js';
import {
  HolmesReloader,
  backoffDelay,
  classifyStatus,
  confirmationMode,
  fingerprintKey,
  fingerprintOf,
  mismatches,
  parseBaseUrl,
  parseInfo,
  redactUrl,
  verdictOf,
} from '../../core/src/reconcile/holmes-reload.js';
import type { HolmesReloadResult, HolmesReloaderOptions, ToolsetVerdict } from '../../core/src/reconcile/holmes-reload.js';
import { CHECKSUM_ANNOTATION } from '../../core/src/reconcile/merge.js';
import type { ConfigMapShape } from '../../core/src/discovery/configmap.js';
import { RESTART_ANNOTATION } from '../../core/src/reconcile/restart.js';
import { createMetrics } from '../../core/src/metrics/index.js';
import { createApp } from '../../core/src/http/app.js';
import { apiRoutes, jsonBodiesOnly } from '../../core/src/http/routes/api.js';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import { fileConfigSource } from '../../core/src/config/source.js';
import { createLogger } from '../../core/src/log.js';
import type { Logger } from '../../core/src/log.js';
import { CM, NS, backend, grafanaService, startDaemon } from '../daemon/helpers.js';
import { eventually } from '../helpers/bundles.js';
import { startStandIn } from './stand-in.js';
import type { StandIn, StandInOptions } from './stand-in.js';

const KEY = 'hgpt-K3y-do-not-log-7c1f9a';
const OLD = 'toolsets:\n  kubernetes/core: {enabled: true}\n  prometheus/metrics:\n    enabled: true\n    config: {prometheus_url: "http://old:9090"}\n';
const NEW = 'toolsets:\n  kubernetes/core: {enabled: true}\n  prometheus/metrics:\n    enabled: true\n    config: {prometheus_url: "http://old:9090"}\n  grafana/dashboards:\n    enabled: true\n    config: {api_url: "http://grafana.monitoring.svc.cluster.local:80"}\n';
/** Config only: the same names and flags as OLD. */
const OLD_NEW_URL = OLD.replace('http://old:9090', 'http://new:9090');
const TIMING = { baseMs: 1_000, maxMs: 8_000, boundMs: 60_000, settleMs: 20_000, requestTimeoutMs: 30_000 };

function capturingLogger(): { log: Logger; text(): string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const log = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { log, text: () => lines.join('') };
}

function cm(content: string, checksum = 'sha-of-new'): ConfigMapShape {
  return { metadata: { name: CM, namespace: NS, annotations: { [CHECKSUM_ANNOTATION]: checksum } }, data: { 'custom_toolset.yaml': content } };
}

async function standIn(t: ExecutionContext, options: StandInOptions): Promise<StandIn> {
  const s = await startStandIn(options);
  t.teardown(() => s.close());
  return s;
}

interface Rig {
  clock: FakeClock;
  reloader: HolmesReloader;
  restarts: string[];
  results: HolmesReloadResult[];
  verdicts: Array<ReadonlyMap<string, ToolsetVerdict>>;
  logs(): string;
  /** Waits until the reloader sleeps on the clock (a backoff or the settle wait), then moves time on. */
  step(ms: number): Promise<void>;
}

function rig(t: ExecutionContext, holmes: StandIn, opts: { key?: string; restart?: boolean; restartFails?: boolean; extra?: Partial<HolmesReloaderOptions> } = {}): Rig {
  const clock = new FakeClock();
  const { log, text } = capturingLogger();
  const restarts: string[] = [];
  const results: HolmesReloadResult[] = [];
  const verdicts: Array<ReadonlyMap<string, ToolsetVerdict>> = [];
  const reloader = new HolmesReloader({
    url: parseBaseUrl(holmes.url),
    ...(opts.key !== undefined ? { apiKey: async () => opts.key } : {}),
    ...(opts.restart === false
      ? {}
      : {
          restart: async (checksum: string) => {
            if (opts.restartFails) throw new Error('deployments.apps "holmesgpt-holmes" is forbidden');
            restarts.push(checksum);
          },
        }),
    clock,
    log,
    observer: { reload: (r) => results.push(r), verdict: (v) => verdicts.push(v) },
    timing: TIMING,
    ...opts.extra,
  });
  t.teardown(() => reloader.stop());
  return {
    clock,
    reloader,
    restarts,
    results,
    verdicts,
    logs: text,
    async step(ms) {
      await eventually(() => clock.pending() > 0 || reloader.last !== undefined);
      await clock.advance(ms);
    },
  };
}

// ---- the decision functions -----------------------------------------------------------------------------------

test('fingerprint: the enabled flag of each entry as written; mcp_servers on unless disabled; no flag, no expectation', (t) => {
  const fp = fingerprintOf('toolsets:\n  a/b: {enabled: true}\n  c: {enabled: false}\n  d: {config: {x: 1}}\nmcp_servers:\n  argocd: {description: x, config: {url: "http://a"}}\n  off: {enabled: false}\n');
  t.deepEqual([...fp], [['a/b', true], ['c', false], ['argocd', true], ['off', false]]);
  t.is(fingerprintKey(fp), fingerprintKey(new Map([['off', false], ['argocd', true], ['c', false], ['a/b', true]])), 'order does not matter');
  t.deepEqual([...fingerprintOf('toolsets: []\n')], []);
});

test('mismatches: an enabled entry must be listed enabled; a disabled one may be absent but not enabled', (t) => {
  const fp = new Map([['on', true], ['off', false]]);
  const info = (toolsets: Array<[string, boolean]>) => ({ toolsets: toolsets.map(([name, enabled]) => ({ name, enabled, status: enabled ? 'enabled' : 'disabled' })) });
  t.deepEqual(mismatches(fp, info([['on', true]])), []);
  t.deepEqual(mismatches(fp, info([['on', true], ['off', false]])), []);
  t.deepEqual(mismatches(fp, info([['off', false]])), ['on']);
  t.deepEqual(mismatches(fp, info([['on', false], ['off', true]])), ['on', 'off']);
});

test('confirmation mode: by names when HolmesGPT shows another fingerprint; settle when names cannot tell', (t) => {
  const before = parseInfo({ toolsets: [{ name: 'kubernetes/core', enabled: true, status: 'enabled' }, { name: 'prometheus/metrics', enabled: true, status: 'enabled' }] });
  t.is(confirmationMode(fingerprintOf(NEW), before, new Set()), 'names');
  t.is(confirmationMode(fingerprintOf(OLD_NEW_URL), before, new Set()), 'settle', 'a config-only change');
  t.is(confirmationMode(fingerprintOf(NEW), before, new Set([fingerprintKey(fingerprintOf(NEW))])), 'settle', 'a superseded write had the same names');
});

test('HTTP statuses, backoff, URLs and /api/info answers', (t) => {
  t.is(classifyStatus(200), 'ok');
  for (const s of [401, 403, 404]) t.is(classifyStatus(s), 'fallback', String(s));
  for (const s of [500, 502, 503, 429]) t.is(classifyStatus(s), 'retry', String(s));
  t.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, 1000, 8000)), [1000, 2000, 4000, 8000, 8000, 8000]);
  t.is(parseBaseUrl('http://holmes.ns.svc:80/api/admin/reload/toolsets').toString(), 'http://holmes.ns.svc/');
  t.is(parseBaseUrl('https://h.example/prefix/').toString(), 'https://h.example/prefix');
  t.throws(() => parseBaseUrl('ftp://h'), { message: /http or https/ });
  t.throws(() => parseBaseUrl('not a url'), { message: /--holmesgpt-reload must be/ });
  t.is(redactUrl('http://user:pw@h:8080/x'), 'http://h:8080/x');
  t.throws(() => parseInfo({ toolsets_summary: {} }), { message: /without a toolsets list/ });
  const info = parseInfo({ toolsets: [{ name: 'a', enabled: true, status: 'failed', error: 'boom', tool_count: 0 }, { name: 'b', enabled: true, status: 'paused' }] });
  const v = verdictOf(new Map([['a', true], ['b', true], ['c', true]]), [], info, 'T');
  t.deepEqual(Object.fromEntries(v), {
    a: { status: 'failed', error: 'boom', checked_at: 'T' },
    b: { status: 'unknown', checked_at: 'T' },
    c: { status: 'missing', error: 'HolmesGPT does not list this toolset', checked_at: 'T' },
  });
});

// ---- the reloader on a FakeClock ------------------------------------------------------------------------------

test('a delayed kubelet sync: the daemon reloads with backoff until HolmesGPT shows the new toolsets, then reads its verdict', async (t) => {
  const holmes = await standIn(t, { apiKey: KEY, mounted: OLD });
  const r = rig(t, holmes, { key: KEY });
  r.reloader.written(cm(NEW), true);
  // Reloads while the file is still old do not confirm; the reloader backs off on the clock.
  await r.step(1_000);
  await r.step(2_000);
  await eventually(() => holmes.reloads() >= 2 && r.clock.pending() > 0);
  t.is(r.reloader.last, undefined, 'not confirmed while the pod has the old file');
  t.true(holmes.requests.filter((q) => q.method === 'POST').every((q) => q.loaded === OLD));
  holmes.mount(NEW); // the kubelet's sync
  await r.step(4_000);
  await r.reloader.whenIdle();
  t.like(r.reloader.last, { result: 'reloaded' });
  t.regex(r.reloader.last!.detail, /confirmed/);
  t.deepEqual(r.results, ['reloaded']);
  t.deepEqual(r.restarts, []);
  t.is(holmes.requests.filter((q) => q.method === 'POST').at(-1)!.loaded, NEW);
  t.like(r.reloader.verdict('grafana/dashboards'), { status: 'enabled' });
  t.like(r.reloader.verdict('prometheus/metrics'), { status: 'enabled' });
  t.is(r.verdicts.length, 1);
  t.false(r.logs().includes(KEY));
});

test('a config-only change: names cannot tell, so the reload waits out the kubelet sync and happens once', async (t) => {
  const holmes = await standIn(t, { mounted: OLD });
  const r = rig(t, holmes);
  r.reloader.written(cm(OLD_NEW_URL), true);
  await eventually(() => r.clock.pending() > 0);
  t.is(holmes.reloads(), 0, 'no reload before the settle time');
  holmes.mount(OLD_NEW_URL);
  await r.clock.advance(TIMING.settleMs);
  await r.reloader.whenIdle();
  t.like(r.reloader.last, { result: 'reloaded' });
  t.is(holmes.reloads(), 1);
  t.is(holmes.requests.find((q) => q.method === 'POST')!.loaded, OLD_NEW_URL);
});

test('a wrong API key: 401, no reload, the rollout restart at once (key never logged)', async (t) => {
  const holmes = await standIn(t, { apiKey: 'the-right-key', mounted: OLD });
  const r = rig(t, holmes, { key: KEY });
  r.reloader.written(cm(NEW, 'sha-new'), true);
  await r.reloader.whenIdle();
  t.like(r.reloader.last, { result: 'fallback_restart' });
  t.regex(r.reloader.last!.detail, /401/);
  t.deepEqual(r.restarts, ['sha-new']);
  t.deepEqual(r.results, ['fallback_restart']);
  t.deepEqual(holmes.requests.map((q) => q.status), [401]);
  t.is(holmes.reloads(), 0);
  t.regex(r.logs(), /falling back to a rollout restart/);
  t.false(r.logs().includes(KEY));
});

test('no API key at all against a HolmesGPT that wants one: 401 → fallback; without --restart-deployment: failed', async (t) => {
  const holmes = await standIn(t, { apiKey: KEY, mounted: OLD });
  const r = rig(t, holmes, { restart: false });
  r.reloader.written(cm(NEW), true);
  await r.reloader.whenIdle();
  t.like(r.reloader.last, { result: 'failed' });
  t.deepEqual(r.results, ['failed']);
  t.regex(r.logs(), /no --restart-deployment/);
});

test('admin API off (404): fallback to the restart; a failing restart is reported as failed', async (t) => {
  const holmes = await standIn(t, { apiKey: KEY, adminApi: false, mounted: OLD });
  const r = rig(t, holmes, { key: KEY });
  r.reloader.written(cm(NEW, 'sha-1'), true);
  await r.reloader.whenIdle();
  t.like(r.reloader.last, { result: 'fallback_restart' });
  t.regex(r.reloader.last!.detail, /404.*ENABLE_ADMIN_API/);
  t.deepEqual(r.restarts, ['sha-1']);
  t.deepEqual(holmes.requests.map((q) => `${q.method} ${q.status}`), ['GET 200', 'POST 404']);

  const failing = rig(t, holmes, { key: KEY, restartFails: true });
  failing.reloader.written(cm(NEW, 'sha-2'), true);
  await failing.reloader.whenIdle();
  t.like(failing.reloader.last, { result: 'failed' });
  t.regex(failing.reloader.last!.detail, /restart failed too: .*forbidden/);
});

test('never confirmed (the pod never gets the file, as with a subPath mount): fallback after the bound', async (t) => {
  const holmes = await standIn(t, { apiKey: KEY, mounted: OLD });
  const r = rig(t, holmes, { key: KEY });
  r.reloader.written(cm(NEW, 'sha-never'), true);
  while (r.reloader.last === undefined) await r.step(TIMING.maxMs);
  await r.reloader.whenIdle();
  t.like(r.reloader.last, { result: 'fallback_restart' });
  t.regex(r.reloader.last!.detail, /not confirmed within 60s: HolmesGPT does not show the new file yet \(grafana\/dashboards\)/);
  t.deepEqual(r.restarts, ['sha-never']);
  t.true(holmes.reloads() >= 5, `${holmes.reloads()} reloads, with backoff`);
  t.true(r.clock.now() <= TIMING.boundMs + TIMING.maxMs);
  // What HolmesGPT runs is still shown: the old file, without grafana/dashboards.
  t.like(r.reloader.verdict('grafana/dashboards'), { status: 'missing' });
  t.deepEqual(r.results, ['fallback_restart']);
});

test('HolmesGPT errors (500) are retried within the bound; an error body echoing the key is redacted in the logs', async (t) => {
  const holmes = await standIn(t, { apiKey: KEY, mounted: NEW });
  const r = rig(t, holmes, { key: KEY });
  holmes.reloadStatus(500, JSON.stringify({ detail: `reload failed for header Bearer ${KEY}` }));
  r.reloader.written(cm(NEW), true);
  await eventually(() => r.clock.pending() > 0);
  holmes.reloadStatus(undefined);
  await r.clock.advance(TIMING.settleMs);
  await r.reloader.whenIdle();
  t.like(r.reloader.last, { result: 'reloaded' });
  t.false(r.logs().includes(KEY));
});

test('a newer write supersedes a pending reload: latest wins, one outcome', async (t) => {
  const holmes = await standIn(t, { mounted: OLD });
  const r = rig(t, holmes);
  r.reloader.written(cm(NEW, 'sha-b'), true);
  await eventually(() => holmes.reloads() >= 1 && r.clock.pending() > 0);
  const newest = NEW.replace('grafana/dashboards', 'grafana/loki');
  r.reloader.written(cm(newest, 'sha-c'), true);
  r.reloader.written(cm(newest, 'sha-c'), false); // the same content again: nothing new
  holmes.mount(newest);
  await eventually(() => r.reloader.last !== undefined || r.clock.pending() > 0);
  if (r.reloader.last === undefined) await r.clock.advance(TIMING.maxMs);
  await r.reloader.whenIdle();
  t.deepEqual(r.results, ['reloaded']);
  t.like(r.reloader.verdict('grafana/loki'), { status: 'enabled' });
  t.is(r.reloader.verdict('grafana/dashboards'), undefined, 'the verdict is about the newest file');
});

test("a toolset HolmesGPT fails shows as failed with HolmesGPT's error, in the verdict and the metric", async (t) => {
  const holmes = await standIn(t, { mounted: OLD });
  holmes.fail('grafana/dashboards', 'Failed to connect to Grafana at http://grafana.monitoring.svc.cluster.local:80: 401 Unauthorized');
  const metrics = createMetrics({ collectDefaults: false });
  const r = rig(t, holmes, { extra: { observer: metrics.holmesReloadObserver() } });
  holmes.mount(NEW); // already synced: the first reload confirms
  r.reloader.written(cm(NEW), true);
  await r.reloader.whenIdle();
  t.like(r.reloader.last, { result: 'reloaded' });
  t.like(r.reloader.verdict('grafana/dashboards'), { status: 'failed', error: 'Failed to connect to Grafana at http://grafana.monitoring.svc.cluster.local:80: 401 Unauthorized' });
  const text = await metrics.render();
  t.regex(text, /dynamic_toolset_holmesgpt_toolset_status\{toolset="grafana\/dashboards",status="failed"\} 1/);
  t.regex(text, /dynamic_toolset_holmesgpt_toolset_status\{toolset="grafana\/dashboards",status="enabled"\} 0/);
  t.regex(text, /dynamic_toolset_holmesgpt_toolset_status\{toolset="prometheus\/metrics",status="enabled"\} 1/);
  t.regex(text, /dynamic_toolset_holmesgpt_reloads_total\{result="reloaded"\} 1/);
  t.regex(text, /dynamic_toolset_holmesgpt_reloads_total\{result="fallback_restart"\} 0/);
  t.regex(text, /dynamic_toolset_holmesgpt_reloads_total\{result="failed"\} 0/);
});

// ---- the whole daemon ---------------------------------------------------------------------------------------------

const HOLMES_DEPLOYMENT = { namespace: NS, name: 'holmesgpt-holmes' };

async function daemonWithHolmes(t: ExecutionContext, holmes: StandIn, key: string) {
  const clock = new FakeClock();
  const metrics = createMetrics({ collectDefaults: false });
  const { log, text } = capturingLogger();
  const h = await startDaemon(t, {
    options: {
      log,
      restart: HOLMES_DEPLOYMENT,
      holmesgpt: { url: parseBaseUrl(holmes.url), apiKey: async () => key, clock, timing: TIMING },
      observers: { reconciler: metrics.reconcilerObserver(), holmesReload: metrics.holmesReloadObserver() },
    },
  });
  const reloader = new ConfigReloader({ source: fileConfigSource('/nonexistent/detector-config.yaml'), apply: (c) => h.daemon.applyConfig(c), log: createLogger({ level: 'error' }) });
  const app = createApp({ middleware: [jsonBodiesOnly()], routers: [apiRoutes({ daemon: h.daemon, reloader })] });
  const server = app.listen(0);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const toolsets = async () => (await (await fetch(`${base}/api/v1/toolsets`)).json()) as { toolsets: Array<Record<string, unknown> & { name: string }>; holmesgpt?: Record<string, unknown> };
  return { h, clock, metrics, logs: text, toolsets };
}

function holmesDeployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...HOLMES_DEPLOYMENT },
    spec: {
      selector: { matchLabels: { app: 'holmes' } },
      template: { metadata: { labels: { app: 'holmes' } }, spec: { containers: [{ name: 'holmes', image: 'holmes:2026' }] } },
    },
  };
}

test('daemon: each change is reloaded once HolmesGPT has the file; GET /api/v1/toolsets and /metrics show its verdict', async (t) => {
  const holmes = await standIn(t, { apiKey: KEY, mounted: OLD });
  holmes.fail('grafana/dashboards', 'Grafana answered 401: an api_key is needed');
  const { h, clock, metrics, logs, toolsets } = await daemonWithHolmes(t, holmes, KEY);
  h.emu.create(holmesDeployment());
  const cmText = () => h.configMap()?.data?.['custom_toolset.yaml'];

  // The first write: HolmesGPT still shows its old file; the daemon reloads and backs off until the kubelet syncs.
  await eventually(() => cmText() && holmes.reloads() >= 1 && clock.pending() > 0);
  t.is(h.daemon.holmesgpt!.last, undefined);
  holmes.mount(cmText()!);
  await clock.advance(TIMING.baseMs);
  await eventually(() => h.daemon.holmesgpt!.last);
  t.like(h.daemon.holmesgpt!.last, { result: 'reloaded' });
  let body = await toolsets();
  t.like(body.holmesgpt, { url: `${holmes.url}/`, last_reload: { result: 'reloaded' } });
  const core = body.toolsets.find((x) => x.name === 'kubernetes/core')!;
  t.like(core, { source: 'baseline', enabled: true, holmesgpt: { status: 'enabled' } });
  t.truthy((core.holmesgpt as { checked_at: string }).checked_at);

  // A Grafana appears: a new write, reloaded, and HolmesGPT's failure shows beside grafana/dashboards.
  const graf = await backend(t);
  h.emu.registerProxyTarget({ namespace: 'monitoring', name: 'obs-grafana', port: 'service', url: graf.url });
  h.emu.create(grafanaService('obs'));
  await eventually(() => h.customToolsets()?.['grafana/dashboards']);
  // The kubelet syncs whatever the ConfigMap holds by now (health may still change it); time moves while the
  // reloader waits on its clock.
  await eventually(async () => {
    holmes.mount(cmText()!);
    if (clock.pending() > 0) await clock.advance(TIMING.maxMs);
    return (await toolsets()).toolsets.find((x) => x.name === 'grafana/dashboards')?.holmesgpt;
  }, 20_000);
  body = await toolsets();
  t.like(body.toolsets.find((x) => x.name === 'grafana/dashboards'), { source: 'discovered', holmesgpt: { status: 'failed', error: 'Grafana answered 401: an api_key is needed' } });
  const text = await metrics.render();
  t.true(Number(/dynamic_toolset_holmesgpt_reloads_total\{result="reloaded"\} (\d+)/.exec(text)?.[1]) >= 2, 'each change reloaded');
  t.regex(text, /dynamic_toolset_holmesgpt_reloads_total\{result="fallback_restart"\} 0/);
  t.regex(text, /dynamic_toolset_holmesgpt_toolset_status\{toolset="grafana\/dashboards",status="failed"\} 1/);
  // Reloaded: the Deployment was never rolled.
  const dep = h.emu.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'holmesgpt-holmes' }) as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
  t.is(dep.spec.template.metadata.annotations?.[RESTART_ANNOTATION], undefined);
  t.false(logs().includes(KEY));
  t.false(JSON.stringify(body).includes(KEY));
  t.false(text.includes(KEY));
});

test('daemon: a wrong key falls back to the rollout restart of --restart-deployment, said in the log and the metric', async (t) => {
  const holmes = await standIn(t, { apiKey: 'the-right-one', mounted: OLD });
  const { h, metrics, logs, toolsets } = await daemonWithHolmes(t, holmes, KEY);
  h.emu.create(holmesDeployment());
  await eventually(() => h.daemon.holmesgpt!.last);
  t.like(h.daemon.holmesgpt!.last, { result: 'fallback_restart' });
  const checksum = h.configMap()!.metadata.annotations![CHECKSUM_ANNOTATION];
  const dep = await eventually(() => {
    const d = h.emu.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'holmesgpt-holmes' }) as { spec: { template: { metadata: { annotations?: Record<string, string> } } } } | undefined;
    return d?.spec.template.metadata.annotations?.[RESTART_ANNOTATION] ? d : undefined;
  });
  t.is(dep.spec.template.metadata.annotations![RESTART_ANNOTATION], checksum);
  t.regex(await metrics.render(), /dynamic_toolset_holmesgpt_reloads_total\{result="fallback_restart"\} 1/);
  t.regex(logs(), /falling back to a rollout restart.*401/);
  t.regex(logs(), /HolmesGPT deployment restarted/);
  const body = await toolsets();
  t.like(body.holmesgpt, { last_reload: { result: 'fallback_restart' } });
  t.is(body.toolsets.find((x) => x.name === 'kubernetes/core')!.holmesgpt, null, 'no verdict: HolmesGPT refused the key');
  t.false(logs().includes(KEY));
});
