// The /api/v1 routes. Handlers only read (snapshots of the model, the registry, the last render) or go through
// the daemon's front doors (discover, reload); they never write the model themselves.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Daemon } from '../../daemon.js';
import type { ConfigReloader, ReloadOutcome } from '../../config/reloader.js';
import type { DetectedService, TraceStep } from '../../detection/engine.js';
import { explainEvidence, explainStep } from '../../detection/explain.js';
import type { IdentityLeftOut } from '../../health/identity.js';
import type { HealthResult } from '../../health/types.js';
import type { ExplainedEvidence } from '../../detection/explain.js';
import type { ServiceView } from '@kubernaut/toolset-sdk';
import { HttpProblem } from '../problem.js';

export interface ApiSources {
  daemon: Daemon;
  reloader: ConfigReloader;
}

/** POST bodies, when present, must be JSON. */
export function jsonBodiesOnly() {
  return async function jsonBodiesOnlyMiddleware(ctx: Context, next: Next): Promise<void> {
    const hasBody = Number(ctx.get('content-length') || '0') > 0 || ctx.get('transfer-encoding') !== '';
    if (ctx.method === 'POST' && hasBody && !ctx.is('application/json', 'application/*+json')) {
      throw new HttpProblem(415, 'Unsupported Media Type', `request bodies must be application/json (got ${ctx.get('content-type') || 'no content type'})`);
    }
    await next();
  };
}

function healthFields(h: HealthResult | undefined): { healthy: boolean; health: string; lastCheck: string | null; reason?: string } {
  if (!h) return { healthy: false, health: 'pending', lastCheck: null, reason: 'health check pending' };
  return {
    healthy: h.state !== 'unhealthy',
    health: h.state,
    lastCheck: h.state === 'unchecked' ? null : h.checkedAt,
    ...(h.reason !== undefined ? { reason: h.reason } : {}),
  };
}

/**
 * What the identity probe found (Detection.identity) and the scheme it settled (`scheme: auto`), for a detection
 * that asked for either; null otherwise.
 */
function identityFields(endpoint: DetectedService['endpoint'], h: HealthResult | undefined, leftOut: IdentityLeftOut | undefined): Record<string, unknown> | null {
  if (endpoint.identity === undefined && !endpoint.schemeAuto) return null;
  const id = endpoint.identity;
  return {
    ...(id !== undefined
      ? {
          checked: { path: id.path, what: id.what ?? null, ...(id.contains ? { contains: id.contains } : {}), ...(id.json ? { json: id.json } : {}), ...(id.key ? { key: id.key } : {}) },
          // unchecked: health checks are off for this detector, so nothing verified it (published as unchecked).
          result: h?.identity?.state ?? (h?.state === 'unchecked' ? 'unchecked' : 'pending'),
          ...(h?.identity?.reason !== undefined ? { reason: h.identity.reason } : {}),
          ...(h?.identity?.value !== undefined ? { value: h.identity.value } : {}),
        }
      : {}),
    ...(endpoint.schemeAuto ? { scheme: { auto: true, settled: h?.scheme ?? null } } : {}),
    ...(leftOut ? { left_out: { reason: leftOut.reason, detail: leftOut.detail, ...(leftOut.duplicateOf ? { duplicate_of: leftOut.duplicateOf } : {}) } } : {}),
  };
}

function servicesView(daemon: Daemon, filter: { namespace?: string; type?: string } = {}) {
  const snapshot = daemon.model.snapshot();
  const primaries = new Set((daemon.desired.last?.render.primaries ?? []).map((p) => p.key));
  const identityLeftOut = daemon.desired.last?.identityLeftOut;
  const publishedUrl = new Map((daemon.desired.last?.services ?? []).map((s) => [s.key, s.url]));
  const services = snapshot.detected
    .filter((d) => (filter.namespace === undefined || d.namespace === filter.namespace) && (filter.type === undefined || d.type === filter.type))
    .map((d) => ({
      name: d.name,
      namespace: d.namespace,
      type: d.type,
      detector: d.detector,
      // With scheme auto, the URL with the scheme the probe settled on.
      endpoint: publishedUrl.get(d.key) ?? d.endpoint.url,
      ...healthFields(daemon.health.get(d.key)),
      primary: primaries.has(d.key),
      labels: d.labels,
      ...(identityLeftOut?.has(d.key) ? { left_out: identityLeftOut.get(d.key)!.detail } : {}),
    }));
  return { services, count: services.length };
}

function queryString(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  if (Array.isArray(v)) throw new HttpProblem(400, 'Bad Request', `query parameter "${name}" given more than once`);
  return v === undefined || v === '' ? undefined : v;
}


/** A Service's workload evidence for explain; a note when there is none, and why. */
function workloadEvidence(daemon: Daemon, view: ServiceView | undefined): ExplainedEvidence {
  if (view === undefined) return { note: 'none: the Service is no longer in the cache' };
  if (daemon.evidence === undefined) return { note: "none: workload evidence is off (--workload-evidence false); decided from the Service's own metadata" };
  return explainEvidence(
    daemon.evidence.evidenceFor(view),
    daemon.evidence.state === 'active'
      ? "none: no selector and no EndpointSlices for this Service; decided from the Service's own metadata"
      : `none: Pods and EndpointSlices are not served (${daemon.evidence.state}); decided from the Service's own metadata`,
  );
}

export function apiRoutes({ daemon, reloader }: ApiSources): Router {
  const router = new Router({ prefix: '/api/v1' });

  router.get('/services', (ctx) => {
    ctx.body = servicesView(daemon, { namespace: queryString(ctx, 'namespace'), type: queryString(ctx, 'type') });
  });

  router.get('/services/:namespace/:name/explain', (ctx) => {
    const key = `${ctx.params.namespace}/${ctx.params.name}`;
    const view = daemon.services.get(key);
    const result = daemon.model.get(key);
    if (!view && !result) throw new HttpProblem(404, 'Not Found', `Service ${key} is not in the cache (it does not exist, or was deleted)`);
    const order = daemon.registry.ordering().detectors;
    const trace = result?.trace ?? [];
    const ran = new Set(trace.map((s) => s.detector));
    const snapshot = daemon.model.snapshot();
    const duplicateOf = snapshot.duplicates.get(key);
    const detected = result?.detected ?? null;
    const published = daemon.desired.last?.services.find((s) => s.key === key);
    const leftOut = daemon.desired.last?.render.leftOut.find((l) => l.key === key);
    const identityLeftOut = daemon.desired.last?.identityLeftOut.get(key);
    const sameBackend = identityLeftOut?.reason === 'same-backend' ? identityLeftOut : undefined;
    ctx.body = {
      service: { namespace: ctx.params.namespace, name: ctx.params.name },
      detected: detected !== null && duplicateOf === undefined && sameBackend === undefined,
      detectors: [
        ...trace.map(explainStep),
        ...order.filter((d) => !ran.has(d.name)).map((d) => ({ detector: d.name, outcome: 'skipped', reason: d.enabled ? 'not_loaded' : 'disabled' })),
      ],
      ...(detected ? { detection: { detector: detected.detector, type: detected.type, endpoint: published?.url ?? detected.endpoint.url, health_path: detected.endpoint.healthPath } } : {}),
      deduplication: duplicateOf
        ? { duplicate_of: duplicateOf, detail: `a headless twin of ${duplicateOf}, which is published instead` }
        : sameBackend
          ? { duplicate_of: sameBackend.duplicateOf, detail: `${sameBackend.detail}, which is published instead` }
          : { duplicate_of: null },
      health: detected && !duplicateOf ? healthFields(daemon.health.get(key)) : null,
      // The identity probe: what was checked, its verdict and the backend's identity value; the settled scheme.
      identity: detected && !duplicateOf ? identityFields(detected.endpoint, daemon.health.get(key), identityLeftOut) : null,
      published: published && !leftOut ? published.health.state !== 'unhealthy' : false,
      ...(leftOut ? { not_published: { reason: leftOut.reason, detail: leftOut.detail } } : identityLeftOut ? { not_published: { reason: identityLeftOut.reason, detail: identityLeftOut.detail } } : {}),
      // The workloads (and operator resources) behind the Service as detection reads them now: the same shape as
      // `detect --explain`.
      evidence: workloadEvidence(daemon, view),
      ...(result === undefined ? { note: 'not detected yet: detection is still running for this Service' } : {}),
    };
  });

  router.get('/toolsets', (ctx) => {
    // With --holmesgpt-reload: HolmesGPT's own verdict beside each toolset (null until its first /api/info answer).
    const holmes = daemon.holmesgpt;
    const toolsets = (daemon.desired.last?.render.toolsets ?? []).map((t) => ({
      name: t.name,
      type: t.type,
      enabled: t.enabled,
      source: t.source,
      config: t.config,
      ...(t.service !== undefined ? { service: t.service } : {}),
      ...(t.note !== undefined ? { note: t.note } : {}),
      // An MCP server (custom_toolset.yaml's mcp_servers:), not a toolset.
      ...(t.section !== undefined ? { section: t.section } : {}),
      ...(holmes ? { holmesgpt: holmes.verdict(t.name) ?? null } : {}),
    }));
    const render = daemon.desired.last?.render;
    // What the written output leaves out (toolsets/budget.ts): Services over a per-Service limit, and over the budget.
    // And what the identity probes leave out (health/identity.ts): a second Service of one backend, an unsettled scheme.
    const typeOf = new Map(daemon.model.snapshot().detected.map((d) => [d.key, d.type]));
    const left_out = [
      ...(render?.leftOut ?? []).map((l) => ({ service: l.key, type: l.type, reason: l.reason, detail: l.detail })),
      ...[...(daemon.desired.last?.identityLeftOut.values() ?? [])].map((l) => ({ service: l.key, type: typeOf.get(l.key) ?? null, reason: l.reason, detail: l.detail })),
    ];
    const degraded = render?.degraded ? { message: render.degraded.message, left_out: render.degraded.leftOut, limit_bytes: render.degraded.limit, wanted_bytes: render.degraded.wanted } : null;
    ctx.body = { toolsets, count: toolsets.length, left_out, degraded, ...(holmes ? { holmesgpt: { url: holmes.url, last_reload: holmes.last ?? null } } : {}) };
  });

  router.post('/discover', async (ctx) => {
    await daemon.discover();
    daemon.desired.publish();
    ctx.body = { status: 'success', ...servicesView(daemon) };
  });

  router.post('/config/reload', async (ctx) => {
    const outcome: ReloadOutcome = await reloader.reload('api');
    if (outcome.status === 'invalid') {
      throw new HttpProblem(422, 'Invalid detector config', `the config has ${outcome.errors.length} problem(s); the running config is unchanged`, {
        errors: outcome.errors.map((e) => ({ file: e.file, line: e.line ?? null, key: e.key ?? null, message: e.message })),
      });
    }
    ctx.body = { status: 'success', detectors_enabled: outcome.detectors_enabled, detectors_disabled: outcome.detectors_disabled, reload_time: outcome.reload_time };
  });

  router.get('/statistics', (ctx) => {
    const snapshot = daemon.model.snapshot();
    const counts = new Map<string, number>();
    for (const d of snapshot.detected) counts.set(d.detector, (counts.get(d.detector) ?? 0) + 1);
    const stats = new Map(daemon.registry.list().filter((p) => p.status === 'active').map((p) => [p.name, p.stats]));
    const detectors: Record<string, { enabled: boolean; services: number; success_rate: number }> = {};
    for (const d of daemon.registry.ordering().detectors) {
      const s = stats.get(d.name);
      const calls = s?.calls ?? 0;
      detectors[d.name] = { enabled: d.enabled, services: counts.get(d.name) ?? 0, success_rate: calls === 0 ? 1 : Math.max(0, Math.round((1 - (s?.failures ?? 0) / calls) * 1000) / 1000) };
    }
    ctx.body = {
      discoveries_total: daemon.detection.runs,
      services_discovered: snapshot.detected.length,
      detectors,
      last_discovery: snapshot.lastDiscovery ?? null,
    };
  });

  router.get('/plugins', (ctx) => {
    const plugins = daemon.registry.list().map((p) => ({
      name: p.name,
      version: p.version ?? null,
      source: p.source === 'builtin' ? 'built-in' : 'file',
      file: p.file,
      sha256: p.sha256,
      status: p.stats?.quarantined ? 'quarantined' : p.status,
      last_error: p.stats?.lastError ? `${p.stats.lastError.kind}: ${p.stats.lastError.message}` : (p.lastError ?? null),
      calls: p.stats?.calls ?? 0,
      failures: p.stats?.failures ?? 0,
      // Answers the Services' own text made invalid: not failures, never towards quarantine.
      input_rejections: p.stats?.inputRejections ?? 0,
      quarantined: p.stats?.quarantined ?? false,
      // Small batches run on the daemon's thread until the plugin times out or is slow once (sandbox/plugin.ts).
      fast_path: p.stats?.syncCalls ?? false,
      fast_path_lost: p.stats?.syncCallsLost ?? null,
    }));
    const last = reloader.last;
    ctx.body = {
      plugins,
      count: plugins.length,
      warnings: [...daemon.registry.warnings(), ...(last?.status === 'invalid' ? last.messages.map((m) => `last config reload rejected: ${m}`) : [])],
    };
  });

  return router;
}
