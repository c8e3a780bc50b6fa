// Tells HolmesGPT to reload its toolsets after the daemon wrote a new custom_toolset.yaml, instead of rolling its
// pods, and reads back what HolmesGPT really runs (its verdict per toolset).
//
// HolmesGPT 2026 (server started with ENABLE_ADMIN_API=true) answers `POST /api/admin/reload/toolsets` by
// re-reading its toolsets file (holmes/admin/admin_api.py), and `GET /api/info?detail=full` with every toolset's
// `name, enabled, status (enabled|disabled|failed), error` (server.py get_info). With HOLMES_API_KEY set, every
// request needs `X-API-Key: <key>` or `Authorization: Bearer <key>`, else 401 (server.py api_key_auth).
//
// The catch: HolmesGPT reads a ConfigMap mounted as a volume, and the kubelet updates that file only at its next
// sync (up to about a minute; never for a subPath mount). A reload before then reloads the old file.
//
// How the daemon knows the file is in place — the decision, and its limits:
// - The fingerprint of a write is the `enabled` flag of every entry it names (toolsets; mcp_servers are enabled
//   unless `enabled: false`). After each reload, /api/info tells which entries HolmesGPT loaded, with which flag.
//   When HolmesGPT's view before the first reload differs from the new fingerprint, the names tell old from new:
//   reload with exponential backoff until HolmesGPT's view matches the fingerprint (confirmed), up to a bound
//   (default 150 s, beyond the kubelet's sync).
// - When HolmesGPT already shows that fingerprint (a change of config only: a URL, a header, a key), or a write
//   superseded before it was confirmed had the same one, names cannot tell the files apart. Then the daemon
//   waits out the kubelet's sync (default 90 s after the write) and reloads once. Limit: with a mount that never
//   updates (subPath), such a change is reported reloaded while HolmesGPT still runs the old config; the
//   name-confirmed path catches that case (it never confirms and restarts).
// - 401/403 (key missing or wrong) and 404 (admin API off, or a HolmesGPT without it) fall back at once to the
//   rollout restart (--restart-deployment) when configured; so does a reload never confirmed within the bound.
//   Other failures (connection refused, 5xx) are retried within the bound.
// - One reload at a time; a newer write supersedes a pending one (latest wins, its own bound).
//
// The API key is sent, never logged: every logged text is passed through `redact`, URLs lose their userinfo.
import { parse } from 'yaml';
import type { Clock, Timer } from '../clock.js';
import type { Logger } from '../log.js';
import { CHECKSUM_ANNOTATION } from './merge.js';
import type { ConfigMapShape } from '../discovery/configmap.js';
import { CUSTOM_TOOLSET_KEY } from '../toolsets/index.js';

/** The key HolmesGPT reads (toolsets/holmes.ts names it too; reconcile stays below toolsets in the flow). */

export const RELOAD_PATH = '/api/admin/reload/toolsets';
export const INFO_PATH = '/api/info?detail=full';

/** `result` of dynamic_toolset_holmesgpt_reloads_total. */
export const HOLMES_RELOAD_RESULTS = ['reloaded', 'fallback_restart', 'failed'] as const;
export type HolmesReloadResult = (typeof HOLMES_RELOAD_RESULTS)[number];

/**
 * `status` of dynamic_toolset_holmesgpt_toolset_status: HolmesGPT's ToolsetStatusEnum (enabled, disabled, failed),
 * `missing` for an entry the daemon wrote that HolmesGPT does not list, `unknown` for a status it may add later.
 */
export const HOLMES_TOOLSET_STATUSES = ['enabled', 'disabled', 'failed', 'missing', 'unknown'] as const;
export type HolmesToolsetStatus = (typeof HOLMES_TOOLSET_STATUSES)[number];

/** HolmesGPT's verdict on one toolset the daemon wrote. */
export interface ToolsetVerdict {
  status: HolmesToolsetStatus;
  error?: string;
  /** ISO time of the /api/info answer it comes from. */
  checked_at: string;
}

/** One toolset as /api/info?detail=full lists it. */
export interface HolmesToolsetInfo {
  name: string;
  enabled: boolean;
  status: string;
  type?: string;
  error?: string;
}

export interface HolmesInfo {
  toolsets: HolmesToolsetInfo[];
}

/** Name → the `enabled` flag as written. */
export type Fingerprint = ReadonlyMap<string, boolean>;

export interface LastReload {
  result: HolmesReloadResult;
  at: string;
  /** Why it fell back or failed; how it was confirmed otherwise. */
  detail: string;
}

export interface HolmesReloadObserver {
  reload?(result: HolmesReloadResult): void;
  verdict?(toolsets: ReadonlyMap<string, ToolsetVerdict>): void;
}

export interface HolmesReloadTiming {
  /** First retry delay; doubles up to maxMs. */
  baseMs?: number;
  maxMs?: number;
  /** A write not confirmed this long after it was made falls back to the restart. */
  boundMs?: number;
  /** When names cannot confirm: the reload happens this long after the write (the kubelet's sync). */
  settleMs?: number;
  /** Per request (real time: it bounds I/O, not a schedule). */
  requestTimeoutMs?: number;
}

// ---- pure decisions -----------------------------------------------------------------------------------------

/** The fingerprint of a custom_toolset.yaml: the entries it names and the `enabled` flag each is written with. */
export function fingerprintOf(customToolsetYaml: string): Fingerprint {
  const doc = parse(customToolsetYaml) as { toolsets?: unknown; mcp_servers?: unknown } | null;
  const out = new Map<string, boolean>();
  const entries = (v: unknown): Array<[string, Record<string, unknown>]> =>
    v && typeof v === 'object' && !Array.isArray(v) ? (Object.entries(v) as Array<[string, Record<string, unknown>]>) : [];
  // A toolset without `enabled` depends on whether HolmesGPT has it built in: no expectation.
  for (const [name, entry] of entries(doc?.toolsets)) if (typeof entry?.enabled === 'boolean') out.set(name, entry.enabled);
  // MCP servers are custom toolsets, which HolmesGPT enables unless `enabled: false` (toolset_manager.py).
  for (const [name, entry] of entries(doc?.mcp_servers)) out.set(name, entry?.enabled !== false);
  return out;
}

export function fingerprintKey(fp: Fingerprint): string {
  return JSON.stringify([...fp.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** An /api/info?detail=full answer, checked; a clear error otherwise. */
export function parseInfo(body: unknown): HolmesInfo {
  const list = (body as { toolsets?: unknown } | null)?.toolsets;
  if (!Array.isArray(list)) throw new Error('HolmesGPT /api/info?detail=full answered without a toolsets list');
  const toolsets: HolmesToolsetInfo[] = [];
  for (const t of list as Array<Record<string, unknown>>) {
    if (typeof t?.name !== 'string' || typeof t.status !== 'string') throw new Error('HolmesGPT /api/info?detail=full listed a toolset without name or status');
    toolsets.push({
      name: t.name,
      enabled: t.enabled === true,
      status: t.status,
      ...(typeof t.type === 'string' ? { type: t.type } : {}),
      ...(typeof t.error === 'string' && t.error !== '' ? { error: t.error } : {}),
    });
  }
  return { toolsets };
}

/** The written entries HolmesGPT shows differently (absent, or another `enabled`); none: it loaded this fingerprint. */
export function mismatches(fp: Fingerprint, info: HolmesInfo): string[] {
  const loaded = new Map(info.toolsets.map((t) => [t.name, t.enabled]));
  const out: string[] = [];
  for (const [name, enabled] of fp) {
    const seen = loaded.get(name);
    // A disabled entry may be left out of HolmesGPT's list; an enabled one must be there, enabled.
    if (enabled ? seen !== true : seen === true) out.push(name);
  }
  return out;
}

/**
 * How a write is confirmed: by names when HolmesGPT's view before reloading differs from the new fingerprint and no
 * superseded, unconfirmed write had the same one; else by waiting out the kubelet's sync.
 */
export function confirmationMode(fp: Fingerprint, before: HolmesInfo, unconfirmed: ReadonlySet<string>): 'names' | 'settle' {
  if (unconfirmed.has(fingerprintKey(fp))) return 'settle';
  return mismatches(fp, before).length > 0 ? 'names' : 'settle';
}

/** What an HTTP status means for the reload: done, fall back to the restart now, or retry within the bound. */
export function classifyStatus(status: number): 'ok' | 'fallback' | 'retry' {
  if (status >= 200 && status < 300) return 'ok';
  // 401/403: no or wrong key (HOLMES_API_KEY); 404: no admin API (ENABLE_ADMIN_API unset, or an older HolmesGPT).
  if (status === 401 || status === 403 || status === 404) return 'fallback';
  return 'retry';
}

/** Exponential backoff: base, 2·base, 4·base … capped at max. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}

/** HolmesGPT's verdict on each entry the daemon wrote. */
export function verdictOf(fp: Fingerprint, names: Iterable<string>, info: HolmesInfo, checkedAt: string): Map<string, ToolsetVerdict> {
  const byName = new Map(info.toolsets.map((t) => [t.name, t]));
  const out = new Map<string, ToolsetVerdict>();
  for (const name of new Set([...fp.keys(), ...names])) {
    const t = byName.get(name);
    if (!t) {
      out.set(name, { status: 'missing', error: 'HolmesGPT does not list this toolset', checked_at: checkedAt });
      continue;
    }
    const status = (HOLMES_TOOLSET_STATUSES as readonly string[]).includes(t.status) && t.status !== 'missing' ? (t.status as HolmesToolsetStatus) : 'unknown';
    out.set(name, { status, ...(t.error !== undefined ? { error: t.error } : {}), checked_at: checkedAt });
  }
  return out;
}

/** The base URL from the flag: http(s) only; a full reload URL is accepted and cut back to its base. */
export function parseBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--holmesgpt-reload must be HolmesGPT's URL, such as http://holmesgpt-holmes.kubernaut-system.svc.cluster.local, got "${redactUrl(text)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--holmesgpt-reload must be an http or https URL, got "${redactUrl(text)}"`);
  url.pathname = url.pathname.replace(/\/api\/admin\/reload(\/toolsets)?\/?$/, '').replace(/\/+$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

/** A URL for logs: without user and password. */
export function redactUrl(text: string): string {
  try {
    const u = new URL(text);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return u.toString();
  } catch {
    return text.replace(/\/\/[^/@]*@/, '//');
  }
}

// ---- the I/O shell --------------------------------------------------------------------------------------------

export interface HolmesReloaderOptions {
  /** HolmesGPT's base URL (parseBaseUrl). */
  url: URL;
  /** Read for every request (a Secret-mounted file follows rotation); undefined: no key sent. */
  apiKey?: () => Promise<string | undefined>;
  /** The rollout restart to fall back to (--restart-deployment); absent: a failed reload stays failed. */
  restart?: (checksum: string) => Promise<void>;
  fetch?: typeof fetch;
  clock: Clock;
  log: Logger;
  observer?: HolmesReloadObserver;
  timing?: HolmesReloadTiming;
}

interface Job {
  content: string;
  checksum: string;
  fp: Fingerprint;
  names: string[];
  writtenAt: number;
}

class Superseded extends Error {}

class Fallback extends Error {}

const DEFAULT_TIMING: Required<HolmesReloadTiming> = { baseMs: 2_000, maxMs: 30_000, boundMs: 150_000, settleMs: 90_000, requestTimeoutMs: 60_000 };

export class HolmesReloader {
  private readonly timing: Required<HolmesReloadTiming>;
  private readonly fetch: typeof fetch;
  private pending: Job | undefined;
  private running: Promise<void> | undefined;
  private lastContent: string | undefined;
  /** Fingerprints of writes superseded before they were confirmed: the kubelet may still bring any of them. */
  private readonly unconfirmed = new Set<string>();
  private verdicts = new Map<string, ToolsetVerdict>();
  private lastReload: LastReload | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  private readonly inflight = new Set<AbortController>();
  /** Texts never to log (the key as last read). */
  private secret: string | undefined;

  constructor(private readonly options: HolmesReloaderOptions) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** HolmesGPT's URL as logs and the API show it. */
  get url(): string {
    return redactUrl(this.options.url.toString());
  }

  get last(): LastReload | undefined {
    return this.lastReload;
  }

  verdict(name: string): ToolsetVerdict | undefined {
    return this.verdicts.get(name);
  }

  /**
   * After a ConfigMap write (the reconciler's `written` hook): reloads when custom_toolset.yaml differs from the
   * last write seen — `changed` from the reconciler, or the first write of this daemon, whose predecessor HolmesGPT
   * may still run.
   */
  written(cm: ConfigMapShape, changed: boolean): void {
    const content = cm.data?.[CUSTOM_TOOLSET_KEY];
    if (content === undefined || this.stopped) return;
    if (!changed && this.lastContent !== undefined) return;
    if (content === this.lastContent) return;
    this.lastContent = content;
    let fp: Fingerprint;
    try {
      fp = fingerprintOf(content);
    } catch (err) {
      this.options.log.error('cannot read the written custom_toolset.yaml to reload HolmesGPT', { error: (err as Error).message });
      return;
    }
    if (this.pending) this.unconfirmed.add(fingerprintKey(this.pending.fp)); // replaced before it even started
    this.pending = { content, checksum: cm.metadata.annotations?.[CHECKSUM_ANNOTATION] ?? '', fp, names: [...fp.keys()], writtenAt: this.options.clock.now() };
    this.wake?.();
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves when no reload is pending or running. */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = undefined;
    for (const c of this.inflight) c.abort();
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped && this.pending) {
      const job = this.pending;
      this.pending = undefined;
      try {
        await this.reload(job);
      } catch (err) {
        if (err instanceof Superseded) {
          // Not confirmed: the kubelet may still bring this file before the newer one.
          this.unconfirmed.add(fingerprintKey(job.fp));
          continue;
        }
        if (this.stopped) return;
        this.options.log.error('HolmesGPT reload: unexpected error', { error: this.redact((err as Error).message) });
      }
    }
  }

  /** One write, from HolmesGPT's current view to a confirmed reload, a fallback, or a failure. Throws Superseded. */
  private async reload(job: Job): Promise<void> {
    const { log } = this.options;
    const deadline = job.writtenAt + this.timing.boundMs;
    let attempt = 0;
    let lastProblem = 'no answer yet';
    let lastInfo: HolmesInfo | undefined;
    let mode: 'names' | 'settle' | undefined;
    try {
      for (;;) {
        this.check();
        try {
          if (mode === undefined) {
            const before = await this.info();
            mode = confirmationMode(job.fp, before, this.unconfirmed);
            log.info('HolmesGPT reload: waiting for the new custom_toolset.yaml in its pod', {
              url: this.url,
              confirm: mode === 'names' ? 'by the toolsets HolmesGPT loads' : `after the kubelet's sync (${Math.round(this.timing.settleMs / 1000)}s); names cannot tell this change`,
            });
            if (mode === 'settle') await this.sleepUntil(job.writtenAt + this.timing.settleMs);
          }
          await this.request('POST', RELOAD_PATH);
          const info = await this.info();
          lastInfo = info;
          const missing = mismatches(job.fp, info);
          if (mode === 'settle' || missing.length === 0) {
            this.publishVerdict(job, info);
            const detail = mode === 'names' ? `confirmed: HolmesGPT loaded the new toolsets after ${attempt + 1} reload(s)` : "reloaded after the kubelet's sync";
            this.finish('reloaded', detail);
            const failed = [...this.verdicts].filter(([, v]) => v.status === 'failed' || v.status === 'missing').map(([n, v]) => `${n}: ${v.error ?? v.status}`);
            log.info('HolmesGPT reloaded its toolsets', { url: this.url, detail, ...(failed.length > 0 ? { notRunning: failed } : {}) });
            return;
          }
          lastProblem = `HolmesGPT does not show the new file yet (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`;
        } catch (err) {
          if (err instanceof Superseded || err instanceof Fallback) throw err;
          lastProblem = this.redact((err as Error).message);
        }
        const delay = backoffDelay(attempt++, this.timing.baseMs, this.timing.maxMs);
        if (this.options.clock.now() + delay > deadline) throw new Fallback(`not confirmed within ${Math.round(this.timing.boundMs / 1000)}s: ${lastProblem}`);
        log.debug('HolmesGPT reload: retrying', { inMs: delay, reason: lastProblem });
        await this.sleepUntil(this.options.clock.now() + delay);
      }
    } catch (err) {
      if (!(err instanceof Fallback)) throw err;
      // What HolmesGPT runs now is still worth showing, even if it is not the new file.
      if (lastInfo) this.publishVerdict(job, lastInfo);
      await this.fallBack(job, err.message);
    }
  }

  private async fallBack(job: Job, reason: string): Promise<void> {
    const { log, restart } = this.options;
    if (!restart) {
      this.finish('failed', reason);
      log.error('HolmesGPT reload failed and no --restart-deployment is set to fall back to: HolmesGPT runs its old toolsets', { url: this.url, reason });
      return;
    }
    log.warn('HolmesGPT reload did not work: falling back to a rollout restart', { url: this.url, reason });
    try {
      await restart(job.checksum);
      this.unconfirmed.clear(); // a new pod mounts the current ConfigMap
      this.finish('fallback_restart', reason);
    } catch (err) {
      this.finish('failed', `${reason}; the restart failed too: ${(err as Error).message}`);
      log.error('HolmesGPT reload fell back to a restart, which failed', { reason, error: (err as Error).message });
    }
  }

  private finish(result: HolmesReloadResult, detail: string): void {
    if (result === 'reloaded') this.unconfirmed.clear();
    this.lastReload = { result, at: new Date().toISOString(), detail };
    this.options.observer?.reload?.(result);
  }

  private publishVerdict(job: Job, info: HolmesInfo): void {
    this.verdicts = verdictOf(job.fp, job.names, info, new Date().toISOString());
    this.options.observer?.verdict?.(this.verdicts);
  }

  private async info(): Promise<HolmesInfo> {
    return parseInfo(await this.request('GET', INFO_PATH));
  }

  /** One request with the key; 401/403/404 throw Fallback, other failures a plain Error (retried). */
  private async request(method: 'GET' | 'POST', path: string): Promise<unknown> {
    const key = this.options.apiKey ? await this.options.apiKey() : undefined;
    if (key) this.secret = key;
    const url = new URL(this.options.url.toString());
    const [p, q] = path.split('?') as [string, string | undefined];
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${p}`;
    url.search = q ? `?${q}` : '';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.timing.requestTimeoutMs} ms`)), this.timing.requestTimeoutMs);
    this.inflight.add(controller);
    try {
      const res = await this.fetch(url, {
        method,
        headers: { accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        signal: controller.signal,
      });
      const text = await res.text();
      const verdict = classifyStatus(res.status);
      const what = `${method} ${p} answered ${res.status}`;
      if (verdict === 'fallback') {
        const why = res.status === 404 ? ' (admin API off? HolmesGPT needs ENABLE_ADMIN_API=true)' : ' (HolmesGPT refuses the API key: check --holmesgpt-api-key-file)';
        throw new Fallback(what + why);
      }
      if (verdict === 'retry') throw new Error(`${what}: ${text.slice(0, 200)}`);
      this.check();
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`${what} with a body that is not JSON`);
      }
    } catch (err) {
      if (err instanceof Fallback || err instanceof Superseded) throw err;
      if (this.stopped) throw new Superseded();
      const cause = (err as { cause?: { message?: string; code?: string } }).cause;
      throw new Error(`${method} ${p}: ${(err as Error).message}${cause?.code ?? cause?.message ? ` (${cause.code ?? cause.message})` : ''}`);
    } finally {
      clearTimeout(timer);
      this.inflight.delete(controller);
    }
  }

  /** Throws Superseded when a newer write (or stop) replaced the running job. */
  private check(): void {
    if (this.stopped || this.pending !== undefined) throw new Superseded();
  }

  /** Waits on the clock until `at`, or until a newer write wakes it (then Superseded). */
  private async sleepUntil(at: number): Promise<void> {
    const ms = at - this.options.clock.now();
    if (ms > 0) {
      let timer: Timer | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = this.options.clock.setTimeout(resolve, ms);
      });
      timer?.cancel();
      this.wake = undefined;
    }
    this.check();
  }

  private redact(text: string): string {
    return this.secret ? text.split(this.secret).join('[redacted]') : text;
  }
}
