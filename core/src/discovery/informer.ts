// A list-watch cache of one resource kind that keeps itself alive. client-node 1.4's own informer stops for good
// on any error but 410 and never notices a silently dead watch; this one restarts with backoff, relists on 410,
// and relists periodically to heal any gap. A watch can go silent without closing (issue 12: ~200 deletions held
// back for 120 s); two checks catch that:
//   - progress: once the watch has been quiet for `probeAfterMs`, the source is asked whether anything changed
//     after the cache's resourceVersion (a short watch from it). A change the watch has not delivered by then means
//     the watch is dead: it is restarted from that resourceVersion (nothing lost, nothing twice). Quiet checks that
//     find nothing back off to `probeMaxMs`, so an idle cluster costs about one short request a minute.
//   - liveness: the API server sends a BOOKMARK about every minute to a watch that asked for them (k8s.io/apiserver
//     pkg/storage/cacher/cacher.go, defaultBookmarkFrequency = time.Minute, since kubernetes#90560 in v1.19; v1.20
//     and current alike); a watch with no event or bookmark for `staleAfterMs` is restarted.
// It stores only a projection of each object (no managedFields, no status) and tells listeners which keys
// changed — never the payload: consumers read the cache (level-triggered).
import { systemClock } from '../clock.js';
import type { Clock, Timer } from '../clock.js';
import { describeError } from '../kube/errors.js';

export interface ListResult {
  items: unknown[];
  resourceVersion: string;
}

export interface WatchHandle {
  abort(): void;
}

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: unknown };

export interface InformerSource {
  /**
   * Lists everything. `onPage` (when the source pages its list) receives each page's items as they arrive, so a
   * large list is projected page by page instead of being held whole; the result then carries no items.
   */
  list(onPage?: (items: unknown[]) => void): Promise<ListResult>;
  /** Starts a watch from `resourceVersion`; `onDone` is called exactly once when it ends, with the error if any. */
  watch(resourceVersion: string, onEvent: (e: WatchEvent) => void, onDone: (err?: unknown) => void): Promise<WatchHandle>;
  /**
   * Whether the server has a change after `resourceVersion` (or no longer has that resourceVersion's history).
   * Cheap and short; rejects when it cannot tell.
   */
  probe?(resourceVersion: string): Promise<boolean>;
}

/**
 * Where an informer keeps its projections, by key: a Map unless the consumer keeps an index of the same objects and
 * offers it instead (discovery/evidence.ts), so that they are not held twice. Writes come only from the informer.
 */
export interface InformerStore<T> {
  get(key: string): T | undefined;
  set(key: string, item: T): void;
  /** Whether the key was there. */
  delete(key: string): boolean;
  keys(): Iterable<string>;
  values(): Iterable<T>;
  readonly size: number;
}

export interface InformerOptions<T> {
  source: InformerSource;
  /** Default: a Map owned by the informer. */
  store?: InformerStore<T>;
  /** Projects a raw object; undefined drops it. */
  project: (raw: unknown) => T | undefined;
  keyOf: (item: T) => string;
  /** Whether two projections are the same (default: equal JSON); interned projections compare by identity. */
  same?: (a: T, b: T) => boolean;
  clock?: Clock;
  backoff?: { baseMs: number; maxMs: number };
  /** A watch that delivered nothing (not even a bookmark) for this long is restarted (default 120 s). */
  staleAfterMs?: number;
  /** Quiet time after which the source is asked for changes the watch has not delivered (default 3 s; 0: never). */
  probeAfterMs?: number;
  /** Longest quiet time between such checks once they keep finding nothing (default 60 s). */
  probeMaxMs?: number;
  /** How long a change a check found may take to arrive through the watch before the watch counts as dead (default 1 s). */
  probeGraceMs?: number;
  /** Full relist period; heals anything a watch could have missed. 0 disables. */
  relistIntervalMs?: number;
  log?: { warn(message: string, meta?: Record<string, unknown>): void; info(message: string, meta?: Record<string, unknown>): void };
}

export interface InformerStats {
  lists: number;
  watchRestarts: number;
  staleRestarts: number;
  errors: number;
  lastEventAt: number;
}

/** Status code of an error or ERROR event object, when it has one. */
function statusCode(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { statusCode?: unknown; code?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

/** InformerStats plus the progress checks. */
export interface WatchHealthStats extends InformerStats {
  /** Watches restarted because a progress check found a change they had not delivered. */
  silentRestarts: number;
  /** Progress checks made. */
  probes: number;
}

export class Informer<T> {
  private readonly items: InformerStore<T>;
  private readonly listeners = new Set<(keys: string[]) => void>();
  private readonly clock: Clock;
  private resourceVersion = '';
  private handle: WatchHandle | undefined;
  private generation = 0;
  private running = false;
  private synced = false;
  private failures = 0;
  private retryTimer: Timer | undefined;
  private staleTimer: Timer | undefined;
  private relistTimer: Timer | undefined;
  private syncWaiters: Array<() => void> = [];
  readonly stats: WatchHealthStats = { lists: 0, watchRestarts: 0, staleRestarts: 0, silentRestarts: 0, probes: 0, errors: 0, lastEventAt: 0 };
  /** Events (bookmarks included) the current watch delivered; a progress check compares it before and after. */
  private delivered = 0;
  /** Quiet time before the next progress check; doubles while checks find nothing. */
  private probeDelay: number;
  private probing = false;
  /** The generation whose watch was started (answered or not): progress checks apply to it. */
  private watchGen = -1;
  /** The last list/watch failure, cleared by the next successful list or event (readiness reads it). */
  lastError: string | undefined;

  private relistIntervalMs: number;

  constructor(private readonly options: InformerOptions<T>) {
    this.relistIntervalMs = options.relistIntervalMs ?? 0;
    this.items = options.store ?? new Map<string, T>();
    this.clock = options.clock ?? systemClock;
    this.probeDelay = options.probeAfterMs ?? 3000;
  }

  /** Called with the keys whose object was added, changed or deleted. */
  onChange(listener: (keys: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first successful list. */
  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run(true);
    this.scheduleRelist();
  }

  stop(): void {
    this.running = false;
    this.generation += 1;
    this.handle?.abort();
    this.handle = undefined;
    for (const t of [this.retryTimer, this.staleTimer, this.relistTimer]) t?.cancel();
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /** Forces a relist now (e.g. `POST /discover`). */
  async relist(): Promise<void> {
    await this.run(true);
  }

  private emit(keys: string[]): void {
    if (keys.length === 0) return;
    for (const l of [...this.listeners]) {
      // client-node's Watch swallows whatever its event callback throws (watch.js: try { callback(…) } catch {}), so
      // a listener that threw would lose this change for the listeners after it, without a trace.
      try {
        l(keys);
      } catch (err) {
        this.options.log?.warn('an informer listener failed; the others still get the change', { error: describeError(err), keys: keys.length });
      }
    }
  }

  /** The watch delivered something (or has just started): it is alive now. */
  private touch(): void {
    this.stats.lastEventAt = this.clock.now();
    this.delivered += 1;
    this.probeDelay = this.options.probeAfterMs ?? 3000;
    // One timer per quiet spell, not one per event: a burst of thousands of events reschedules nothing.
    if (this.staleTimer === undefined) this.scheduleWatchdog();
  }

  /** Wakes up when the watch will have been quiet long enough for a progress check or to count as stale. */
  private scheduleWatchdog(): void {
    this.staleTimer?.cancel();
    this.staleTimer = undefined;
    if (!this.running) return;
    const stale = this.options.staleAfterMs ?? 120_000;
    const probe = this.options.source.probe && (this.options.probeAfterMs ?? 3000) > 0 ? this.probeDelay : 0;
    const waits = [stale, probe].filter((x) => x > 0);
    if (waits.length === 0) return;
    const gen = this.generation;
    const quiet = this.clock.now() - this.stats.lastEventAt;
    this.staleTimer = this.clock.setTimeout(() => {
      this.staleTimer = undefined;
      if (gen === this.generation && this.running) this.watchdog();
    }, Math.max(1, Math.min(...waits) - quiet));
  }

  private watchdog(): void {
    const quiet = this.clock.now() - this.stats.lastEventAt;
    const stale = this.options.staleAfterMs ?? 120_000;
    // Also when the watch never got going (no response yet): that hangs just as silently.
    if (stale > 0 && quiet >= stale) {
      this.stats.staleRestarts += 1;
      this.options.log?.warn('watch delivered nothing for too long; restarting it', { staleAfterMs: stale });
      void this.run(false);
      return;
    }
    // Also while the watch request has not been answered yet (a watch started but no response): that hangs as
    // silently as a dead stream, and a clean close restarts a watch without a word.
    if (this.options.source.probe && !this.probing && this.watchGen === this.generation && quiet >= this.probeDelay) {
      void this.probe();
      return;
    }
    this.scheduleWatchdog();
  }

  /**
   * Asks the source whether anything changed after the cache's resourceVersion. If so, and the watch delivers
   * nothing within the grace period, the watch is dead: restart it from that resourceVersion.
   */
  private async probe(): Promise<void> {
    const gen = this.generation;
    const rv = this.resourceVersion;
    const before = this.delivered;
    this.probing = true;
    this.stats.probes += 1;
    let changed = false;
    try {
      changed = rv !== '' && (await this.options.source.probe!(rv));
    } catch {
      // Cannot tell (the API server is busy or away): the watch's own errors and the stale check cover that.
    } finally {
      this.probing = false;
    }
    if (gen !== this.generation || !this.running) return;
    if (!changed || this.delivered !== before) {
      // Nothing missed (or the watch is delivering): check again after a longer quiet spell.
      if (this.delivered === before) this.probeDelay = Math.min(this.probeDelay * 2, Math.max(this.probeDelay, this.options.probeMaxMs ?? 60_000));
      this.scheduleWatchdog();
      return;
    }
    // A change the server has and the watch has not delivered: allow it a moment to arrive.
    await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.options.probeGraceMs ?? 1000));
    if (gen !== this.generation || !this.running) return;
    if (this.delivered !== before) {
      this.scheduleWatchdog();
      return;
    }
    this.stats.silentRestarts += 1;
    this.options.log?.warn('watch went silent: the API server has changes it did not deliver; restarting it', { resourceVersion: rv });
    void this.run(false);
  }

  private same(a: T, b: T): boolean {
    return this.options.same ? this.options.same(a, b) : JSON.stringify(a) === JSON.stringify(b);
  }

  /** Changes the full relist period (a config reload): the next relist is that long from now. */
  setRelistInterval(ms: number): void {
    if (ms === this.relistIntervalMs) return;
    this.relistIntervalMs = ms;
    this.relistTimer?.cancel();
    this.relistTimer = undefined;
    this.scheduleRelist();
  }

  private scheduleRelist(): void {
    const every = this.relistIntervalMs;
    if (every <= 0 || !this.running) return;
    this.relistTimer = this.clock.setTimeout(() => {
      void this.run(true).finally(() => this.scheduleRelist());
    }, every);
  }

  /** (Re)starts: optionally relists, then watches from the cache's resourceVersion. */
  private async run(relist: boolean): Promise<void> {
    if (!this.running) return;
    const gen = ++this.generation;
    this.retryTimer?.cancel();
    this.handle?.abort();
    this.handle = undefined;
    try {
      if (relist || this.resourceVersion === '') await this.doList();
      if (gen !== this.generation || !this.running) return;
      this.delivered = 0;
      this.watchGen = gen;
      this.touch();
      this.scheduleWatchdog(); // for this watch's generation
      const handle = await this.options.source.watch(
        this.resourceVersion,
        (e) => {
          if (gen === this.generation) this.onEvent(e, gen);
        },
        (err) => {
          if (gen === this.generation) this.onDone(err, gen);
        },
      );
      if (gen !== this.generation || !this.running) handle.abort();
      else this.handle = handle;
    } catch (err) {
      if (gen === this.generation) this.retry(err, statusCode(err) === 410);
    }
  }

  private async doList(): Promise<void> {
    const fresh = new Map<string, T>();
    const take = (items: readonly unknown[]) => {
      for (const raw of items) {
        const item = this.options.project(raw);
        if (item !== undefined) fresh.set(this.options.keyOf(item), item);
      }
    };
    const result = await this.options.source.list(take);
    take(result.items);
    this.stats.lists += 1;
    // Objects gone while we were not watching are deleted, so no gap goes unnoticed.
    const changed: string[] = [];
    for (const key of this.items.keys()) if (!fresh.has(key)) changed.push(key);
    for (const key of changed) this.items.delete(key);
    for (const [key, item] of fresh) {
      const old = this.items.get(key);
      if (old === undefined || !this.same(old, item)) changed.push(key);
      this.items.set(key, item);
    }
    this.resourceVersion = result.resourceVersion;
    this.failures = 0;
    this.lastError = undefined;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    this.emit(changed);
  }

  private onEvent(e: WatchEvent, gen: number): void {
    this.touch();
    const obj = e.object as { metadata?: { resourceVersion?: string } } | undefined;
    if (e.type === 'ERROR') {
      const code = statusCode(e.object);
      this.options.log?.warn('watch ERROR event', { code, message: (e.object as { message?: string } | undefined)?.message });
      if (code === 410) this.resourceVersion = '';
      this.handle?.abort();
      this.retry(e.object, code === 410, gen);
      return;
    }
    const rv = obj?.metadata?.resourceVersion;
    if (typeof rv === 'string' && rv !== '') this.resourceVersion = rv;
    if (e.type === 'BOOKMARK') return;
    const item = this.options.project(e.object);
    if (item === undefined) return;
    const key = this.options.keyOf(item);
    if (e.type === 'DELETED') {
      if (this.items.delete(key)) this.emit([key]);
      return;
    }
    this.failures = 0;
    this.lastError = undefined;
    const old = this.items.get(key);
    this.items.set(key, item);
    // Projections drop server noise, so an update that changed only managedFields or status emits nothing.
    if (old === undefined || !this.same(old, item)) this.emit([key]);
  }

  private onDone(err: unknown, gen: number): void {
    if (!this.running || gen !== this.generation) return;
    if (err === undefined || err === null) {
      // A clean close (server timeout): resume from where we are, at once.
      this.stats.watchRestarts += 1;
      void this.run(false);
      return;
    }
    this.retry(err, statusCode(err) === 410, gen);
  }

  private retry(err: unknown, gone: boolean, gen = this.generation): void {
    if (!this.running || gen !== this.generation) return;
    this.generation += 1; // outdate the failed watch's callbacks
    if (gone) {
      // 410 Gone: our resourceVersion is too old; relist at once (not an error).
      this.resourceVersion = '';
      this.stats.watchRestarts += 1;
      void this.run(true);
      return;
    }
    this.stats.errors += 1;
    this.failures += 1;
    this.lastError = describeError(err);
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 500, maxMs: 30_000 };
    const delay = Math.min(maxMs, baseMs * 2 ** (this.failures - 1));
    this.options.log?.warn('list/watch failed; retrying', { error: this.lastError, retryInMs: delay });
    // After an error, relist (as client-go's reflector does): it proves the API server answers again, heals any
    // gap, and clears the error that readiness reports.
    this.retryTimer = this.clock.setTimeout(() => {
      this.stats.watchRestarts += 1;
      void this.run(true);
    }, delay);
  }
}
