// Pure helpers for the leader-election record kept in a coordination.k8s.io/v1 Lease: how to
// write MicroTime, how to build the acquire / renew / release bodies, and when a lease counts as
// expired. No I/O and no clock reads here; callers pass `now` in.
import { V1MicroTime, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';

/**
 * metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits. client-node's V1MicroTime
 * is a Date whose toISOString() pads milliseconds to microseconds, and JSON.stringify uses it.
 */
export function microTime(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

/** The fields of a Lease spec that make up the election record (what followers watch change). */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number | undefined;
  acquireTime: string | undefined;
  renewTime: string | undefined;
  leaseTransitions: number;
}

function timeText(v: unknown): string | undefined {
  if (v instanceof Date) return v.toISOString();
  return typeof v === 'string' ? v : undefined;
}

/** Reads the record out of a Lease; client-node hands MicroTime back as a string at run time. */
export function recordOf(lease: V1Lease): LeaseRecord {
  const spec: V1LeaseSpec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds,
    acquireTime: timeText(spec.acquireTime),
    renewTime: timeText(spec.renewTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

/** A stable key of the record: followers restart their expiry countdown whenever it changes. */
export function recordKey(r: LeaseRecord): string {
  return JSON.stringify([r.holderIdentity, r.leaseDurationSeconds, r.acquireTime, r.renewTime, r.leaseTransitions]);
}

/** leaseDurationSeconds is an integer > 0, so sub-second durations (tests) round up. */
export function durationSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * How long the holder's lease lasts, in ms. The record only carries whole seconds, so when it
 * matches our own (rounded) configuration we trust our precise value; a holder that advertises a
 * different duration is taken at its word.
 */
export function effectiveDurationMs(r: LeaseRecord, ownMs: number): number {
  const s = r.leaseDurationSeconds;
  if (s === undefined || s <= 0 || s === durationSeconds(ownMs)) return ownMs;
  return s * 1000;
}

/**
 * Expiry as client-go computes it: from when WE last saw the record change, on OUR clock, never
 * from the renewTime written by the holder (so clock skew between replicas does not matter).
 */
export function isExpired(r: LeaseRecord, observedAt: number, now: number, ownMs: number): boolean {
  return now >= observedAt + effectiveDurationMs(r, ownMs);
}

/** The spec that acquires (or keeps) the lease for `identity`. */
export function acquireSpec(prev: LeaseRecord | undefined, identity: string, now: number, leaseDurationMs: number): V1LeaseSpec {
  const same = prev !== undefined && prev.holderIdentity === identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds: durationSeconds(leaseDurationMs),
    acquireTime: same && prev.acquireTime !== undefined ? (prev.acquireTime as unknown as V1MicroTime) : microTime(now),
    renewTime: microTime(now),
    leaseTransitions: prev === undefined ? 0 : same ? prev.leaseTransitions : prev.leaseTransitions + 1,
  };
}

/** A renewal: the same record with a fresh renewTime. */
export function renewSpec(prev: LeaseRecord, identity: string, now: number, leaseDurationMs: number): V1LeaseSpec {
  return acquireSpec(prev, identity, now, leaseDurationMs);
}

/** client-go's ReleaseOnCancel: no holder, so any candidate may take the lease on its next try. */
export function releaseSpec(prev: LeaseRecord, now: number): V1LeaseSpec {
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: microTime(now),
    renewTime: microTime(now),
    leaseTransitions: prev.leaseTransitions,
  };
}

/** The Lease to PUT: everything we read (metadata.resourceVersion included) with a new spec. */
export function withSpec(lease: V1Lease, spec: V1LeaseSpec): V1Lease {
  return { ...lease, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec: { ...lease.spec, ...spec } };
}
