// A keyed work queue in the manner of client-go's: a key waiting is never queued twice, a key being processed is
// never handed to a second worker (a re-add while it runs is kept and delivered after `done`), and failures are
// retried with per-key exponential backoff that `forget` resets. Level-triggered: keys carry no payload.
import { systemClock } from '../clock.js';
import type { Clock, Timer } from '../clock.js';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 60_000 };

export class WorkQueue {
  private readonly order: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { timer: Timer; at: number }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private closed = false;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  get length(): number {
    return this.order.length;
  }

  add(key: string): void {
    if (this.closed) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.order.push(key);
  }

  /** Adds the key after `ms`. A pending earlier add of the key wins: a resync never postpones a trigger. */
  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.timer.cancel();
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { timer, at });
  }

  /** Re-adds a failed key after its backoff: base·2^(failures−1), capped. Returns the delay. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const ms = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (n - 1));
    this.addAfter(key, ms);
    return ms;
  }

  /** Clears the key's failure count (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.order.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Waits for at least one key, then takes up to `max` queued keys at once (each must be `done`). */
  async getBatch(max: number): Promise<string[]> {
    const first = await this.get();
    if (first === undefined) return [];
    const batch = [first];
    while (batch.length < max && this.order.length > 0) {
      const key = this.order.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      batch.push(key);
    }
    return batch;
  }

  /** True when nothing is queued, delayed or being processed. */
  get idle(): boolean {
    return this.order.length === 0 && this.processing.size === 0 && this.delayed.size === 0;
  }

  /** Marks the key finished; if it was re-added meanwhile it is queued again now. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutdown(): void {
    this.closed = true;
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
