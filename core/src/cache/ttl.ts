// Bounded caches with a time-to-live per entry, on a Clock so expiry is testable on a FakeClock.
//
// Hand-written rather than lru-cache: lru-cache treats an entry whose start time is 0 as never expiring (a FakeClock
// starts at 0), keeps an entry until its age *exceeds* the TTL (here an entry is gone once it is ttl old), reads a
// TTL of 0 as "forever" (here: "do not keep"), and aborts an in-flight fetch when its slot is evicted. Each needs a
// shim; the whole cache is the few lines below.
import type { Clock } from '../clock.js';

/** Least-recently-used first: a Map keeps insertion order, so a hit re-inserts; when full, the oldest entry goes. */
export class TtlLruCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`cache maxEntries must be a positive integer (got ${maxEntries})`);
  }

  /** The live value for `key`; an expired one is dropped. */
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    if (e.expiresAt <= this.clock.now()) return undefined;
    this.entries.set(key, e);
    return e.value;
  }

  /** Stores `value` for `ttlMs` (a ttl ≤ 0 stores nothing). */
  set(key: string, value: V, ttlMs: number): void {
    this.entries.delete(key);
    if (ttlMs <= 0) return;
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }
}

export interface LoadingCacheOptions<V> {
  /** Entries kept, least recently used evicted. */
  maxEntries: number;
  clock: Clock;
  /** How long a loaded value is kept, decided by the value (e.g. shorter for a deny); ≤ 0 keeps it not at all. */
  ttlMs(value: V): number;
}

/**
 * A TtlLruCache that loads its misses: concurrent misses for one key share one load (single flight), and a load
 * that throws is not kept, so the next caller tries again. In-flight loads are held apart from the entries, so
 * eviction never cuts one short.
 */
export class LoadingCache<V> {
  private readonly entries: TtlLruCache<V>;
  private readonly inFlight = new Map<string, Promise<V>>();

  constructor(private readonly options: LoadingCacheOptions<V>) {
    this.entries = new TtlLruCache<V>(options.maxEntries, options.clock);
  }

  /** The value for `key` and whether it came from the cache (a shared in-flight load counts as not cached). */
  async get(key: string, load: () => Promise<V>): Promise<{ value: V; cached: boolean }> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return { value: hit, cached: true };
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      const started = load().then((value) => {
        this.entries.set(key, value, this.options.ttlMs(value));
        return value;
      });
      const settled = (): void => void this.inFlight.delete(key);
      started.then(settled, settled);
      this.inFlight.set(key, started);
      pending = started;
    }
    return { value: await pending, cached: false };
  }

  /** Entries held (not counting loads in flight). */
  get size(): number {
    return this.entries.size;
  }
}
