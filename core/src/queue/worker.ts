// The worker loop both controllers share (get → run → requeue or forget → done), in the manner of
// controller-runtime's processNextWorkItem/reconcileHandler: the handler says what happened, and one switch
// turns that into the queue action. Reading `settle` is reading the retry policy.
import type { WorkQueue } from './work-queue.js';

/** What became of a key. */
export type Outcome =
  /** Success: the key's failure count is forgotten. */
  | { kind: 'done' }
  /** Success; look again after `ms` (a resync). */
  | { kind: 'requeueAfter'; ms: number }
  /** Try again after the key's rate-limited backoff (exponential per key, reset by a later success). */
  | { kind: 'backoff'; error?: unknown }
  /** Failed in a way retrying cannot fix: forgotten, not requeued (a new event brings the key back). */
  | { kind: 'terminal'; error?: unknown };

export const done: Outcome = { kind: 'done' };
export const requeueAfter = (ms: number): Outcome => ({ kind: 'requeueAfter', ms });
export const backoff = (error?: unknown): Outcome => (error === undefined ? { kind: 'backoff' } : { kind: 'backoff', error });
export const terminal = (error?: unknown): Outcome => (error === undefined ? { kind: 'terminal' } : { kind: 'terminal', error });

export interface WorkerOptions {
  queue: WorkQueue;
  /** Keys handed to `process` at once (default 1). */
  batchMax?: number;
  /** Handles keys: one outcome for all of them, or one per key. A throw is a backoff for every key. */
  process(keys: readonly string[]): Promise<Outcome | ((key: string) => Outcome)>;
  /** `process` threw (its keys back off). */
  onError?(error: unknown, keys: readonly string[]): void;
  /** A key was requeued with backoff, after `delayMs`. */
  onBackoff?(key: string, delayMs: number, error: unknown): void;
  /** When whenIdle() resolves (default: nothing queued, delayed or in progress). */
  idle?(queue: WorkQueue): boolean;
}

export class Worker {
  private loop: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  private running = false;
  private busy = false;

  constructor(private readonly options: WorkerOptions) {}

  start(): void {
    if (this.loop) return;
    this.running = true;
    this.loop = this.work();
  }

  /** Shuts the queue down; resolves once the key in progress has finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.options.queue.shutdown();
    await this.loop;
  }

  /** Resolves when the queue is idle and nothing is being processed. */
  whenIdle(): Promise<void> {
    return this.isIdle() || !this.running ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    return !this.busy && (this.options.idle ? this.options.idle(this.options.queue) : this.options.queue.idle);
  }

  private async work(): Promise<void> {
    const { queue } = this.options;
    const max = this.options.batchMax ?? 1;
    while (this.running) {
      const keys = await queue.getBatch(max);
      if (keys.length === 0) break;
      this.busy = true;
      let outcome: Outcome | ((key: string) => Outcome);
      try {
        outcome = await this.options.process(keys);
      } catch (err) {
        this.options.onError?.(err, keys);
        outcome = backoff(err);
      }
      try {
        for (const key of keys) this.settle(key, typeof outcome === 'function' ? outcome(key) : outcome);
      } finally {
        for (const key of keys) queue.done(key);
        this.busy = false;
      }
      if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
      // Back to back (a burst), a run's promises can settle without ever leaving the microtask queue (the sandbox's
      // fast path answers on this thread): let the event loop turn between runs, so /health, lease renewal and watch
      // data are served between two runs rather than after the whole burst (issue 12).
      if (queue.length > 0) await new Promise((r) => setImmediate(r));
    }
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private settle(key: string, outcome: Outcome): void {
    const { queue } = this.options;
    switch (outcome.kind) {
      case 'done':
      case 'terminal':
        queue.forget(key);
        return;
      case 'requeueAfter':
        queue.forget(key);
        queue.addAfter(key, outcome.ms);
        return;
      case 'backoff': {
        const delayMs = queue.addRateLimited(key);
        this.options.onBackoff?.(key, delayMs, outcome.error);
        return;
      }
    }
  }
}
