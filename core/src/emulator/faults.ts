// Programmatic fault injection: failing the next N matching requests with a proper Status,
// latency, a global pause, and dropping or silently stalling watch streams.
import { ApiError, makeStatus, reasonForCode } from './status.js';
import type { WatchControl, WatchStreamStats } from './watch.js';

export interface FaultMatch {
  /** HTTP method, case-insensitive (e.g. 'GET'). */
  method?: string;
  /** Tested against the request path plus query string (e.g. /api/v1/configmaps?watch=true). */
  path?: RegExp | string;
}

export interface FailOptions extends FaultMatch {
  message?: string;
  /** Overrides the reason derived from the status code. */
  reason?: string;
  /** Sent as Retry-After (and details.retryAfterSeconds), e.g. for 429/503. */
  retryAfterSeconds?: number;
}

export interface FaultHandle {
  /** How many injected failures are still pending. */
  readonly remaining: number;
  cancel(): void;
}

interface FailureRule {
  remaining: number;
  code: number;
  opts: FailOptions;
}

interface LatencyRule {
  ms: number;
  match: FaultMatch;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  429: 'Too many requests, please try again later.',
  500: 'Internal error occurred: injected fault',
  502: 'injected fault: bad gateway',
  503: 'the server is currently unable to handle the request',
  504: 'the server was unable to return a response in the time allotted, but may still be processing the request',
};

function matches(m: FaultMatch, method: string, pathAndQuery: string): boolean {
  if (m.method !== undefined && m.method.toUpperCase() !== method.toUpperCase()) return false;
  if (m.path !== undefined) {
    const re = typeof m.path === 'string' ? new RegExp(m.path) : m.path;
    re.lastIndex = 0;
    if (!re.test(pathAndQuery)) return false;
  }
  return true;
}

export class Faults {
  private readonly failures: FailureRule[] = [];
  private readonly latencies: LatencyRule[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private held = 0;

  constructor(private readonly watches: WatchControl) {}

  /** The next `count` requests matching `opts` fail with `code` and a Status body. */
  failNext(count: number, code: number, opts: FailOptions = {}): FaultHandle {
    const rule: FailureRule = { remaining: count, code, opts };
    this.failures.push(rule);
    return {
      get remaining() {
        return rule.remaining;
      },
      cancel: () => {
        rule.remaining = 0;
        this.prune();
      },
    };
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Adds `ms` of delay before matching requests are handled; `latency(0)` clears all latency. */
  latency(ms: number, match: FaultMatch = {}): void {
    if (ms <= 0) {
      this.latencies.length = 0;
      return;
    }
    this.latencies.push({ ms, match });
  }

  /** Holds every new request (watch streams already open are unaffected) until resume(). */
  pause(): void {
    if (this.gate) return;
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  resume(): void {
    const open = this.openGate;
    this.gate = undefined;
    this.openGate = undefined;
    open?.();
  }

  get paused(): boolean {
    return this.gate !== undefined;
  }

  /** Requests currently held by pause(). */
  get heldRequests(): number {
    return this.held;
  }

  /** Closes every open watch: cleanly (end of stream) or abruptly (socket destroyed). */
  dropWatches(opts: { abrupt?: boolean } = {}): number {
    return this.watches.dropAll(opts.abrupt ?? false);
  }

  /**
   * Makes open watches silently dead: connections stay open but nothing, not even a bookmark,
   * is sent. With includeNew, watches opened meanwhile start dead too.
   */
  deadWatches(opts: { includeNew?: boolean } = {}): number {
    return this.watches.stall(opts.includeNew ?? false);
  }

  /** Revives dead watches; by default they then deliver the events they held back. */
  resumeWatches(opts: { discardMissed?: boolean } = {}): number {
    return this.watches.revive(opts.discardMissed ?? false);
  }

  openWatches(): number {
    return this.watches.openCount();
  }

  /** Per open watch stream (oldest first): events sent, held while dead, bookmark ticks that stayed silent. */
  watchStats(): WatchStreamStats[] {
    return this.watches.stats();
  }

  reset(): void {
    this.clearFailures();
    this.latency(0);
    this.resume();
    this.watches.revive(false);
  }

  private currentGate(): Promise<void> | undefined {
    return this.gate;
  }

  private prune(): void {
    for (let i = this.failures.length - 1; i >= 0; i--) if ((this.failures[i]?.remaining ?? 0) <= 0) this.failures.splice(i, 1);
  }

  /** Runs before anything else for each request: waits out pause/latency, then maybe fails it. */
  async intercept(method: string, pathAndQuery: string, stopped: () => boolean): Promise<ApiError | undefined> {
    if (this.currentGate()) {
      this.held++;
      try {
        // Re-read the gate after each wake-up: pause() may have been called again meanwhile.
        for (let g = this.currentGate(); g && !stopped(); g = this.currentGate()) await g;
      } finally {
        this.held--;
      }
    }
    let delay = 0;
    for (const l of this.latencies) if (matches(l.match, method, pathAndQuery)) delay += l.ms;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const rule = this.failures.find((f) => f.remaining > 0 && matches(f.opts, method, pathAndQuery));
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.prune();
    const { code, opts } = rule;
    const headers: Record<string, string> = {};
    const retryAfterSeconds = opts.retryAfterSeconds ?? (code === 429 ? 1 : undefined);
    if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
    const message = opts.message ?? DEFAULT_MESSAGES[code] ?? `injected fault (HTTP ${code})`;
    const details = retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined;
    return new ApiError(makeStatus(code, opts.reason ?? reasonForCode(code), message, details), headers);
  }

  /** Lets held requests go (they then see the server stopped). */
  release(): void {
    this.resume();
  }
}
