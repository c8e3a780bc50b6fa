// A small bounded cache with a time-to-live per entry, for review results. A Map keeps insertion order, so
// re-inserting on a hit makes it least-recently-used-first; when full, the oldest entry goes. Time comes from a
// Clock so expiry is testable on a FakeClock. Expired entries are dropped when they are looked up or evicted.
import type { Clock } from '../clock.js';

export class TtlLruCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`cache maxEntries must be a positive integer (got ${maxEntries})`);
  }

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
