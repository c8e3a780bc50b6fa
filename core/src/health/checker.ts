// The health checker: the I/O shell around a Prober. `set()` gives it the whole desired set of targets (level-
// triggered: keys left out are forgotten); it checks new or changed targets at once, re-checks each one every
// interval, never runs more than `concurrency` probes at a time, and tells listeners only when a target's
// state or reason changes. A dead target holds one slot for its timeout and nothing else waits on it.
import { performance } from 'node:perf_hooks';
import { systemClock } from '../clock.js';
import type { Clock, Timer } from '../clock.js';
import { DEFAULT_HEALTH_CHECK } from '../config/schema.js';
import { Semaphore } from './semaphore.js';
import type { HealthResult, ProbeSettings, ProbeTarget, Prober } from './types.js';

export interface HealthTarget {
  target: ProbeTarget;
  settings: ProbeSettings;
}

/** Hook points for metrics and logs. */
export interface HealthObserver {
  /** After every probe that counted (not after one cut short by removal or stop). */
  probed?(key: string, result: HealthResult, seconds: number): void;
  /** A change listener threw; the checker carries on. */
  listenerFailed?(key: string, err: unknown): void;
}

export type HealthListener = (key: string, result: HealthResult, previous: HealthResult | undefined) => void;

export interface HealthCheckerOptions {
  prober: Prober;
  /** Probes in flight at most (default: config health_check.concurrency, 16). */
  concurrency?: number;
  /** Re-check period per target (default: config health_check.interval, 60 s). */
  intervalMs?: number;
  /**
   * Each target's period is shortened by up to this fraction (default 0.1), by a stable amount derived from its
   * key: checks started together drift apart, and tests stay deterministic.
   */
  jitter?: number;
  clock?: Clock;
  observer?: HealthObserver;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

interface Entry {
  readonly key: string;
  readonly target: ProbeTarget;
  readonly settings: ProbeSettings;
  readonly fingerprint: string;
  result?: HealthResult;
  timer?: Timer;
  inflight?: Promise<void>;
  /** A check asked for while one was running: run once more afterwards. */
  again?: Deferred;
  abort?: AbortController;
  retired: boolean;
  /** For a `schemeAuto` target: the scheme that answered last, tried first next time. */
  scheme?: 'http' | 'https';
}

/** Everything that, when changed, makes an old result meaningless. */
export function fingerprint({ target: t, settings: s }: HealthTarget): string {
  return JSON.stringify([t.namespace, t.name, t.scheme, t.host, t.port, t.portName ?? null, t.healthPath, t.url, t.identity ?? null, t.schemeAuto ?? false, s.enabled, s.path ?? null, s.timeoutMs, s.retries, s.tlsVerify]);
}

/** Publication reads the settled scheme and the identity value too: a change there is a change. */
function sameIdentity(a: HealthResult, b: HealthResult): boolean {
  return a.scheme === b.scheme && a.identity?.state === b.identity?.state && a.identity?.value === b.identity?.value;
}

/** A stable fraction in [0, 1) from a key (FNV-1a); exported for tests. */
export function keyFraction(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

export class HealthChecker {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: HealthListener[] = [];
  private readonly gate: Semaphore;
  private readonly prober: Prober;
  private intervalMs: number;
  private readonly jitter: number;
  private readonly clock: Clock;
  private readonly observer: HealthObserver | undefined;
  private phase: 'new' | 'running' | 'stopped' = 'new';

  constructor(options: HealthCheckerOptions) {
    this.prober = options.prober;
    this.gate = new Semaphore(options.concurrency ?? DEFAULT_HEALTH_CHECK.concurrency);
    this.intervalMs = options.intervalMs ?? DEFAULT_HEALTH_CHECK.intervalMs;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.1));
    this.clock = options.clock ?? systemClock;
    this.observer = options.observer;
  }

  /**
   * Applies new health_check.concurrency and interval (a config reload): the limit at once, the interval from
   * each target's next check on (a pending re-check is rescheduled with it).
   */
  configure(settings: { concurrency: number; intervalMs: number }): void {
    this.gate.setLimit(settings.concurrency);
    if (settings.intervalMs === this.intervalMs) return;
    this.intervalMs = settings.intervalMs;
    for (const e of this.entries.values()) {
      if (e.timer === undefined) continue;
      e.timer.cancel();
      e.timer = undefined;
      this.scheduleNext(e);
    }
  }

  /** Checks every enabled target now, then periodically. */
  start(): void {
    if (this.phase === 'running') return;
    this.phase = 'running';
    for (const e of this.entries.values()) void this.requestCheck(e);
  }

  /** Cancels timers, cuts in-flight probes short and waits for them; results are kept. */
  async stop(): Promise<void> {
    this.phase = 'stopped';
    const running: Array<Promise<void>> = [];
    for (const e of this.entries.values()) {
      e.timer?.cancel();
      e.timer = undefined;
      e.abort?.abort();
      e.again?.resolve();
      e.again = undefined;
      if (e.inflight) running.push(e.inflight);
    }
    await Promise.all(running);
  }

  /**
   * The desired set of targets (for a key given twice, the last wins). New or changed targets lose their old
   * result and are checked at once; unchanged ones keep theirs and their schedule; missing keys are forgotten.
   * Disabled targets get an 'unchecked' result and are never probed. Listeners are not told about removals.
   */
  set(targets: ReadonlyArray<HealthTarget>): void {
    const wanted = new Map<string, HealthTarget>();
    for (const t of targets) wanted.set(t.target.key, t);
    for (const [key, e] of this.entries) {
      if (!wanted.has(key)) {
        this.retire(e);
        this.entries.delete(key);
      }
    }
    for (const [key, desired] of wanted) {
      const fp = this.fingerprintOf(desired);
      const old = this.entries.get(key);
      if (old?.fingerprint === fp) continue;
      if (old) this.retire(old);
      const e: Entry = { key, target: desired.target, settings: desired.settings, fingerprint: fp, retired: false };
      this.entries.set(key, e);
      if (!desired.settings.enabled) {
        this.record(e, { state: 'unchecked', reason: 'health check disabled', checkedAt: new Date(this.clock.now()).toISOString(), latencyMs: 0, via: 'none' });
      } else if (this.phase === 'running') {
        void this.requestCheck(e);
      }
    }
  }

  /**
   * A target object handed in again (the daemon keeps them for unchanged detections) keeps its fingerprint: a set()
   * of thousands of unchanged targets, once per detection run during a burst, then costs map lookups (issue 12).
   */
  private readonly fingerprints = new WeakMap<HealthTarget, string>();

  private fingerprintOf(t: HealthTarget): string {
    let fp = this.fingerprints.get(t);
    if (fp === undefined) this.fingerprints.set(t, (fp = fingerprint(t)));
    return fp;
  }

  /** Checks the given keys (default: all) now; resolves when their fresh results are in. Unknown keys are ignored. */
  async checkNow(keys?: readonly string[]): Promise<void> {
    const list = keys ?? [...this.entries.keys()];
    await Promise.all(
      list.map((k) => {
        const e = this.entries.get(k);
        return e ? this.requestCheck(e) : undefined;
      }),
    );
  }

  /** Resolves once no probe is running or queued (e.g. the first round after start). */
  async whenIdle(): Promise<void> {
    for (;;) {
      const busy = [...this.entries.values()].flatMap((e) => [e.inflight, e.again?.promise]).filter((p): p is Promise<void> => p !== undefined);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  get(key: string): HealthResult | undefined {
    return this.entries.get(key)?.result;
  }

  snapshot(): ReadonlyMap<string, HealthResult> {
    const out = new Map<string, HealthResult>();
    for (const [key, e] of this.entries) if (e.result) out.set(key, e.result);
    return out;
  }

  /**
   * Called when a key's state, reason, settled scheme or identity verdict changes (including its first result).
   * Returns an unsubscribe function.
   */
  onChange(listener: HealthListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private requestCheck(e: Entry): Promise<void> {
    if (this.phase === 'stopped' || e.retired || !e.settings.enabled) return Promise.resolve();
    if (e.inflight) {
      e.again ??= deferred();
      return e.again.promise;
    }
    e.timer?.cancel();
    e.timer = undefined;
    const run = this.probeOnce(e).then(() => {
      e.inflight = undefined;
      const again = e.again;
      e.again = undefined;
      if (again) void this.requestCheck(e).then(again.resolve);
      else this.scheduleNext(e);
    });
    e.inflight = run;
    return run;
  }

  private async probeOnce(e: Entry): Promise<void> {
    const release = await this.gate.acquire();
    try {
      if (e.retired || this.phase === 'stopped') return;
      const abort = new AbortController();
      e.abort = abort;
      const started = performance.now();
      let result: HealthResult;
      try {
        result = e.target.schemeAuto ? await this.probeAuto(e, abort.signal) : await this.prober.probe(e.target, e.settings, abort.signal);
      } catch (err) {
        // Probers return failures as values; a throw is a bug, reported like any failure rather than lost.
        const reason = `probe failed: ${err instanceof Error ? err.message : String(err)}`;
        result = { state: 'unhealthy', reason, checkedAt: new Date(this.clock.now()).toISOString(), latencyMs: 0, via: this.prober.via };
      } finally {
        e.abort = undefined;
      }
      if (abort.signal.aborted || e.retired) return;
      this.observer?.probed?.(e.key, result, (performance.now() - started) / 1000);
      this.record(e, result);
    } finally {
      release();
    }
  }

  /**
   * `scheme: 'auto'`: the scheme that answered last (at first https, what a TLS-by-default server needs), then the
   * other one. The first that is not unhealthy settles it — an http server fails the TLS handshake, and a TLS
   * server spoken to in plain HTTP resets or answers 400, which an identity check does not take for the product.
   * Every probe re-checks, so a server that switches is followed.
   */
  private async probeAuto(e: Entry, signal: AbortSignal): Promise<HealthResult> {
    const first = e.scheme ?? e.target.scheme;
    const tried: Array<{ scheme: 'http' | 'https'; result: HealthResult }> = [];
    for (const scheme of [first, first === 'https' ? ('http' as const) : ('https' as const)]) {
      const result = await this.prober.probe({ ...e.target, scheme }, e.settings, signal);
      if (result.state !== 'unhealthy') {
        e.scheme = scheme;
        return { ...result, scheme };
      }
      tried.push({ scheme, result });
      if (signal.aborted) break;
    }
    // Neither answered as it should: say what each did; a mismatch says most about what is there.
    const base = tried.find((t) => t.result.identity?.state === 'mismatch') ?? tried[0]!;
    const reason = tried.map((t) => `${t.scheme}: ${t.result.reason ?? t.result.state}`).join('; ');
    const { scheme: _none, ...rest } = base.result;
    return { ...rest, reason, ...(base.result.identity ? { identity: { ...base.result.identity, reason } } : {}) };
  }

  private scheduleNext(e: Entry): void {
    if (this.phase !== 'running' || e.retired || !e.settings.enabled) return;
    const delay = Math.max(1, Math.round(this.intervalMs * (1 - this.jitter * keyFraction(e.key))));
    e.timer = this.clock.setTimeout(() => {
      e.timer = undefined;
      void this.requestCheck(e);
    }, delay);
  }

  private retire(e: Entry): void {
    e.retired = true;
    e.timer?.cancel();
    e.timer = undefined;
    e.abort?.abort();
    e.again?.resolve();
    e.again = undefined;
  }

  private record(e: Entry, result: HealthResult): void {
    const previous = e.result;
    e.result = result;
    if (previous && previous.state === result.state && previous.reason === result.reason && sameIdentity(previous, result)) return;
    for (const listener of this.listeners.slice()) {
      try {
        listener(e.key, result, previous);
      } catch (err) {
        this.observer?.listenerFailed?.(e.key, err);
      }
    }
  }
}
