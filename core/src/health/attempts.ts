// Attempts and retries, shared by both probers: 1 + retries attempts, retried only while unhealthy (a service
// that wants credentials will not change its mind, nor one that answered as another product), with a short
// linearly growing pause between attempts.
import type { Clock } from '../clock.js';
import type { IdentityOutcome } from './identity.js';
import type { AnsweredState, HealthResult, ProbeMode } from './types.js';

/** What one attempt found. */
export interface Verdict {
  state: AnsweredState;
  status?: number;
  reason?: string;
  latencyMs: number;
  identity?: IdentityOutcome;
}

export interface AttemptPolicy {
  retries: number;
  /** Pause before retry n is n × backoffMs. */
  backoffMs: number;
  clock: Clock;
  signal?: AbortSignal;
}

export const DEFAULT_BACKOFF_MS = 200;

function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      timer.cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs `attempt` until it is not unhealthy or attempts run out, and stamps the last verdict as a result. */
export async function runAttempts(attempt: () => Promise<Verdict>, via: ProbeMode, policy: AttemptPolicy): Promise<HealthResult> {
  const total = 1 + Math.max(0, Math.floor(policy.retries));
  let verdict: Verdict | undefined;
  let made = 0;
  while (made < total) {
    if (made > 0) await pause(policy.clock, policy.backoffMs * made, policy.signal);
    if (policy.signal?.aborted) break;
    made++;
    try {
      verdict = await attempt();
    } catch (err) {
      // A prober bug must not escape as a rejection: it is an unhealthy result like any other.
      verdict = { state: 'unhealthy', reason: `probe failed: ${err instanceof Error ? err.message : String(err)}`, latencyMs: 0 };
    }
    if (verdict.state !== 'unhealthy' || verdict.identity?.state === 'mismatch') break;
  }
  const v = verdict ?? { state: 'unhealthy' as const, reason: 'aborted', latencyMs: 0 };
  return {
    state: v.state,
    ...(v.status !== undefined ? { status: v.status } : {}),
    ...(v.reason !== undefined ? { reason: v.reason } : {}),
    checkedAt: new Date(policy.clock.now()).toISOString(),
    latencyMs: v.latencyMs,
    via,
    attempts: made,
    ...(v.identity !== undefined ? { identity: v.identity } : {}),
  };
}
