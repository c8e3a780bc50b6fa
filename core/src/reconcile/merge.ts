// Desired toolset data + the live ConfigMap → the ConfigMap to write, or nothing. Pure.
//
// Ownership is explicit: the daemon owns `kubernetes-toolset.yaml`, `custom_toolset.yaml` and the keys it
// listed in its `toolset.kubernaut.io/generated-keys` annotation last time. Everything else — admin keys,
// labels, annotations, and `overrides.yaml` (created once as a template, never written again) — is kept
// byte for byte. A key an admin created that the daemon would now like to generate stays the admin's.
//
// Drift is someone else's edit of a generated key. Each write records a hash of every generated key it wrote
// (`toolset.kubernaut.io/generated-sha256`); a live key whose content no longer matches its recorded hash was
// edited (or removed) by someone else. Comparing with the *new* desired content instead would call every
// change of the daemon's own output drift — and a stale copy of the daemon's own write is consistent with
// its own hashes, so it never reads as drift either.
import { createHash } from 'node:crypto';
import type { ConfigMapShape } from '../discovery/configmap.js';
import { CUSTOM_TOOLSET_KEY, KUBERNETES_KEY, OVERRIDES_KEY } from '../toolsets/index.js';

export const ALWAYS_OWNED = [KUBERNETES_KEY, CUSTOM_TOOLSET_KEY] as const;
export const GENERATED_KEYS_ANNOTATION = 'toolset.kubernaut.io/generated-keys';
export const OVERRIDES_ERROR_ANNOTATION = 'toolset.kubernaut.io/overrides-error';
export const CHECKSUM_ANNOTATION = 'toolset.kubernaut.io/custom-toolset-sha256';
export const GENERATED_SHA256_ANNOTATION = 'toolset.kubernaut.io/generated-sha256';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'dynamic-toolset';


export interface Desired {
  /** Generated keys and their content. */
  data: Record<string, string>;
  /** Written into overrides.yaml only when that key is absent. */
  overridesTemplate: string;
  /** Why the current overrides.yaml was not applied, or undefined when it was fine. */
  overridesError?: string;
  /** sha256 of custom_toolset.yaml, for the HolmesGPT rollout trigger. */
  checksum: string;
}

export interface MergeResult {
  /** The object to write, or undefined when the live one is already right. */
  write?: ConfigMapShape;
  action: 'create' | 'update' | 'none';
  /** Generated keys someone else edited or removed since the daemon wrote them (repaired by this write). */
  drifted: string[];
  /** Keys the daemon wanted but an admin owns. */
  conflicts: string[];
}

function ownedKeys(actual: ConfigMapShape | undefined): Set<string> {
  const listed = actual?.metadata.annotations?.[GENERATED_KEYS_ANNOTATION] ?? '';
  return new Set([...ALWAYS_OWNED, ...listed.split(',').map((k) => k.trim()).filter((k) => k !== '' && k !== OVERRIDES_KEY)]);
}

/** Short content hash: it tells the daemon's own content from an edit, nothing more. */
function contentHash(v: string): string {
  return createHash('sha256').update(v).digest('hex').slice(0, 16);
}

/** `key=hash,…` as recorded at the last write; empty for a ConfigMap written before hashes were recorded. */
function recordedHashes(actual: ConfigMapShape | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (actual?.metadata.annotations?.[GENERATED_SHA256_ANNOTATION] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** Owned keys whose live content is not what the daemon recorded writing. */
export function driftedKeys(actual: ConfigMapShape | undefined): string[] {
  if (!actual) return [];
  const owned = ownedKeys(actual);
  const live = actual.data ?? {};
  const drifted: string[] = [];
  for (const [k, hash] of recordedHashes(actual)) {
    if (!owned.has(k)) continue;
    const v = live[k];
    if (v === undefined || contentHash(v) !== hash) drifted.push(k);
  }
  return drifted.sort();
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  return ak.length === bk.length && ak.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

export function mergeConfigMap(actual: ConfigMapShape | undefined, desired: Desired, ref: { namespace: string; name: string }): MergeResult {
  const owned = ownedKeys(actual);
  const liveData = actual?.data ?? {};
  const data: Record<string, string> = {};
  const drifted = driftedKeys(actual);
  const conflicts: string[] = [];

  // Foreign keys first, untouched.
  for (const [k, v] of Object.entries(liveData)) if (!owned.has(k)) data[k] = v;
  const generated: string[] = [];
  for (const [k, v] of Object.entries(desired.data)) {
    if (k === OVERRIDES_KEY) continue;
    if (!owned.has(k) && k in liveData) {
      conflicts.push(k);
      continue;
    }
    data[k] = v;
    generated.push(k);
  }
  if (!(OVERRIDES_KEY in data)) data[OVERRIDES_KEY] = desired.overridesTemplate;

  const labels = { ...(actual?.metadata.labels ?? {}) };
  if (labels[MANAGED_BY_LABEL] === undefined) labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
  const annotations = { ...(actual?.metadata.annotations ?? {}) };
  annotations[GENERATED_KEYS_ANNOTATION] = generated.sort().join(',');
  annotations[GENERATED_SHA256_ANNOTATION] = generated.map((k) => `${k}=${contentHash(data[k]!)}`).join(',');
  annotations[CHECKSUM_ANNOTATION] = desired.checksum;
  if (desired.overridesError !== undefined) annotations[OVERRIDES_ERROR_ANNOTATION] = desired.overridesError.slice(0, 1000);
  else delete annotations[OVERRIDES_ERROR_ANNOTATION];

  const next: ConfigMapShape = {
    ...(actual ?? {}),
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      ...(actual?.metadata ?? {}),
      name: ref.name,
      namespace: ref.namespace,
      labels: sortedRecord(labels),
      annotations: sortedRecord(annotations),
    },
    data: sortedRecord(data),
  };
  if (!actual) return { write: next, action: 'create', drifted, conflicts };
  const unchanged =
    sameRecord(actual.data, next.data) && sameRecord(actual.metadata.labels, next.metadata.labels) && sameRecord(actual.metadata.annotations, next.metadata.annotations);
  return unchanged ? { action: 'none', drifted, conflicts } : { write: next, action: 'update', drifted, conflicts };
}
