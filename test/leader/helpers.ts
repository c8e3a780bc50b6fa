// Plumbing for the leader-election tests: electors against the emulator with short timings,
// a timeline of their transitions, and a log that records what was said.
import type { ExecutionContext } from 'ava';
import { KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Emulator } from '../../core/src/emulator/index.js';
import { LeaderElector, type LeaderElectorOptions, type LeaderLog } from '../../core/src/leader/index.js';

// Short enough for a quick suite, long enough that a busy 2-core CI box (ava runs files in
// parallel, the e2e test starts two more Node processes) does not stall a renewal past its deadline.
export const LEASE_MS = 1000;
export const RENEW_MS = 700;
export const RETRY_MS = 100;
export const NS = 'default';
export const LEASE = 'dynamic-toolset-leader';

export interface Transition {
  identity: string;
  event: 'leading' | 'stopped' | 'leader';
  /** For 'leader': who was observed. */
  who?: string;
  at: number;
}

export class MemoryLog implements LeaderLog {
  readonly lines: Array<{ level: string; message: string; meta: Record<string, unknown> | undefined }> = [];
  debug = (message: string, meta?: Record<string, unknown>) => this.lines.push({ level: 'debug', message, meta });
  info = (message: string, meta?: Record<string, unknown>) => this.lines.push({ level: 'info', message, meta });
  warn = (message: string, meta?: Record<string, unknown>) => this.lines.push({ level: 'warn', message, meta });
  error = (message: string, meta?: Record<string, unknown>) => this.lines.push({ level: 'error', message, meta });
  has(re: RegExp): boolean {
    return this.lines.some((l) => re.test(l.message));
  }
}

export function kubeconfigOf(emu: Emulator): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  return kc;
}

export interface TestElector {
  elector: LeaderElector;
  log: MemoryLog;
  timeline: Transition[];
}

/** An elector on the emulator with short timings; stopped (and so released) in teardown. */
export function elector(
  t: ExecutionContext,
  emu: Emulator,
  identity: string,
  timeline: Transition[] = [],
  overrides: Partial<LeaderElectorOptions> = {},
): TestElector {
  const log = new MemoryLog();
  const e = new LeaderElector({
    kc: kubeconfigOf(emu),
    namespace: NS,
    identity,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_MS,
    retryPeriodMs: RETRY_MS,
    log,
    onStartedLeading: () => timeline.push({ identity, event: 'leading', at: Date.now() }),
    onStoppedLeading: () => timeline.push({ identity, event: 'stopped', at: Date.now() }),
    onNewLeader: (who) => timeline.push({ identity, event: 'leader', who, at: Date.now() }),
    ...overrides,
  });
  t.teardown(() => e.stop());
  return { elector: e, log, timeline };
}

/** The Lease as stored, straight from the emulator (no client-node deserialisation). */
export function storedLease(emu: Emulator): V1Lease | undefined {
  return emu.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: LEASE, namespace: NS }) as V1Lease | undefined;
}

export function firstAt(timeline: Transition[], identity: string, event: Transition['event'], after = 0): number | undefined {
  return timeline.find((x) => x.identity === identity && x.event === event && x.at >= after)?.at;
}
