// Identity at probe time (Detection.identity): what an endpoint says it is, read from one bounded answer on the
// identity path, and what publication makes of it — the settled scheme of `scheme: 'auto'`, and one entry per
// backend when several Services answer with the same identity value. Pure; the probers and the desired-state
// builder call in here.
import type { IdentityCheck } from '@kubernaut/toolset-sdk';
import type { DetectedService } from '../detection/engine.js';
import type { AnsweredState, HealthResult } from './types.js';

/** An identity answer is read up to this size (Elasticsearch's root document is under 1 KiB; a generous bound). */
export const MAX_IDENTITY_BODY_BYTES = 256 * 1024;

/**
 * `matched`: the answer is what the detection claimed. `mismatch`: something answered on the identity path, and it
 * is not that (left out, with the reason). `unverified`: no verdict (it wants credentials, or failed with a 5xx).
 */
export type IdentityState = 'matched' | 'mismatch' | 'unverified';

export interface IdentityOutcome {
  state: IdentityState;
  /** What was checked for, for people (IdentityCheck.what, else the path). */
  what: string;
  path: string;
  /** Why it is not `matched`, or a note (no key value to de-duplicate with). */
  reason?: string;
  /** IdentityCheck.key and the value found there: the backend's identity. */
  key?: string;
  value?: string;
}

/** What one answer on the identity path means: the health state it gives and the identity verdict. */
export interface IdentityJudgement {
  state: AnsweredState;
  reason?: string;
  identity: IdentityOutcome;
}

/**
 * Values that name no backend. Elasticsearch and OpenSearch answer `cluster_uuid: "_na_"` until a cluster has formed
 * (Metadata.UNKNOWN_CLUSTER_UUID in server/src/main/java/org/elasticsearch/cluster/metadata/Metadata.java): two
 * unformed clusters are not one backend.
 */
const NO_IDENTITY = new Set(['', '_na_']);

/** Text from an answer, safe to show anywhere (explain, logs, YAML comments): printable ASCII, bounded. */
export function printable(text: string, max = 64): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[^\x20-\x7e\u2026]/g, '?');
}

const quote = (s: string): string => JSON.stringify(printable(s));

/** The value at a dotted path of a parsed JSON document (own properties only; array items by index). */
export function atPath(doc: unknown, dotted: string): { found: true; value: unknown } | { found: false } {
  let cur: unknown = doc;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return { found: false };
    cur = (cur as Record<string, unknown>)[part];
  }
  return { found: true, value: cur };
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'a list' : 'an object';
}

/** The first condition of `check` the body fails, or undefined when it passes them all. */
export function identityMismatch(check: IdentityCheck, body: string, truncated: boolean): string | undefined {
  for (const needle of check.contains ?? []) {
    if (!body.includes(needle)) return `missing ${quote(needle)}`;
  }
  const conditions = Object.entries(check.json ?? {});
  if (conditions.length === 0 && check.key === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return truncated ? `the answer is over ${MAX_IDENTITY_BODY_BYTES / 1024} KiB` : 'the answer is not JSON';
  }
  for (const [path, want] of conditions) {
    const got = atPath(doc, path);
    if (!got.found) return `no field ${quote(path)}`;
    if (want === true) continue; // `true` asks only that the field exists
    if (got.value !== want) return `${quote(path)} is ${describeValue(got.value)}, not ${describeValue(want)}`;
  }
  return undefined;
}

/** The identity value at `check.key`, if the answer carries a usable one. */
export function identityValue(check: IdentityCheck, body: string): string | undefined {
  if (check.key === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  const got = atPath(doc, check.key);
  if (!got.found || !['string', 'number', 'boolean'].includes(typeof got.value)) return undefined;
  const value = printable(String(got.value), 128);
  return NO_IDENTITY.has(value) ? undefined : value;
}

/** What the identity check is called in reasons. */
export function identityWhat(check: IdentityCheck): string {
  return check.what !== undefined && check.what !== '' ? printable(check.what) : `the answer expected on ${printable(check.path)}`;
}

/**
 * One answer on the identity path → health and identity. 2xx: the body decides. 401/403: up, wants credentials,
 * identity not verified (published as needs-credentials, as without an identity check). 5xx: unhealthy, not
 * verified. Anything else (a 404, a redirect, a 400 from a TLS port spoken to in plain HTTP): the product would
 * answer its identity path, so this is not it.
 */
export function judgeIdentity(check: IdentityCheck, status: number, body: Buffer): IdentityJudgement {
  const what = identityWhat(check);
  const base = { what, path: check.path, ...(check.key !== undefined ? { key: check.key } : {}) };
  if (status === 401 || status === 403) {
    const reason = `HTTP ${status} on ${printable(check.path)}: up, needs credentials; not verified to be ${what}`;
    return { state: 'needs-credentials', reason, identity: { ...base, state: 'unverified', reason } };
  }
  if (status >= 500 || status < 100) {
    const reason = `HTTP ${status} on ${printable(check.path)}`;
    return { state: 'unhealthy', reason, identity: { ...base, state: 'unverified', reason } };
  }
  let why: string | undefined;
  let text = '';
  if (status < 200 || status >= 300) why = `HTTP ${status}`;
  else {
    text = new TextDecoder('utf-8').decode(body);
    why = identityMismatch(check, text, body.length >= MAX_IDENTITY_BODY_BYTES);
  }
  if (why !== undefined) {
    const reason = `answered on ${printable(check.path)} but is not ${what}: ${why}`;
    return { state: 'unhealthy', reason, identity: { ...base, state: 'mismatch', reason } };
  }
  const value = identityValue(check, text);
  const note = check.key !== undefined && value === undefined ? { reason: `no usable ${quote(check.key)} in the answer: not de-duplicated` } : {};
  return { state: 'healthy', identity: { ...base, state: 'matched', ...note, ...(value !== undefined ? { value } : {}) } };
}

// ---- Publication: settled schemes and one entry per backend ----

/** Why a detected Service is not published although its probe passed. */
export interface IdentityLeftOut {
  key: string;
  reason: 'same-backend' | 'scheme-unsettled';
  detail: string;
  /** For same-backend: the Service published instead. */
  duplicateOf?: string;
}

export interface Settled {
  /** The detections to publish, with the settled scheme applied (URL and toolsets answer). */
  detected: DetectedService[];
  leftOut: Map<string, IdentityLeftOut>;
}

/** `scheme://host:port` of an endpoint (how FoundService.url and so a toolsets answer's URLs begin). */
const origin = (scheme: string, host: string, port: number): string => `${scheme}://${host}:${port}`;

function replaceDeep(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.split(from).join(to);
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: replaceDeep(v, from, to), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/**
 * A detection with the scheme its probe settled on. The plugin's toolsets() answer was asked before the probe,
 * with the first guess (https) in FoundService.url; its URLs of this very endpoint get the settled scheme too.
 */
export function withScheme(d: DetectedService, scheme: 'http' | 'https'): DetectedService {
  const e = d.endpoint;
  if (e.scheme === scheme) return d;
  const from = origin(e.scheme, e.host, e.port);
  const to = origin(scheme, e.host, e.port);
  return {
    ...d,
    endpoint: { ...e, scheme, url: e.url.startsWith(from) ? to + e.url.slice(from.length) : e.url },
    ...(d.toolsets !== undefined ? { toolsets: d.toolsets === null ? null : (replaceDeep(d.toolsets, from, to) as typeof d.toolsets) } : {}),
  };
}

const COMPONENT = 'app.kubernetes.io/component';
const HEALTH_RANK: Record<string, number> = { healthy: 0, unchecked: 1, 'needs-credentials': 2, unhealthy: 3 };

/**
 * The entry the ground rules prefer among Services of one backend (../shared/reference/chart-services.md):
 * the one annotated primary; one that answers without credentials; a normal Service over a headless one
 * (prometheus-operator's `-operated`, the charts' `-headless` twins); the front door (`component: gateway`, as
 * Loki's, Mimir's and Tempo's charts label the gateway that "should be queried when there is one"); the API port
 * by name over an unnamed one; then the lowest namespace/name, so the choice never depends on input order.
 */
export function preferred(a: DetectedService, b: DetectedService, health: (key: string) => HealthResult | undefined): number {
  const primary = (d: DetectedService): number => ((d.annotations['kubernaut.io/toolset-primary'] ?? '').trim().toLowerCase() === 'true' ? 0 : 1);
  const rank = (d: DetectedService): number => HEALTH_RANK[health(d.key)?.state ?? 'unhealthy'] ?? 3;
  const gateway = (d: DetectedService): number => (d.labels[COMPONENT] === 'gateway' ? 0 : 1);
  const named = (d: DetectedService): number => (d.endpoint.portName !== undefined ? 0 : 1);
  return (
    primary(a) - primary(b) ||
    rank(a) - rank(b) ||
    Number(a.headless) - Number(b.headless) ||
    gateway(a) - gateway(b) ||
    named(a) - named(b) ||
    (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

/**
 * The detections to publish, given the probes' results: an auto scheme takes the scheme that answered (and a
 * Service none answered yet is left out), and Services of one type whose identity answers carry the same value
 * are one backend — only the preferred one stays. Results not probed (pending, unhealthy) pass through: health
 * decides about those. Input order does not matter; the output keeps it.
 */
export function settleIdentities(detected: readonly DetectedService[], health: (key: string) => HealthResult | undefined): Settled {
  const leftOut = new Map<string, IdentityLeftOut>();
  const out: DetectedService[] = [];
  for (const d of detected) {
    if (!d.endpoint.schemeAuto) {
      out.push(d);
      continue;
    }
    const h = health(d.key);
    if (h?.scheme !== undefined) out.push(withScheme(d, h.scheme));
    else if (h?.state === 'unchecked') {
      leftOut.set(d.key, { key: d.key, reason: 'scheme-unsettled', detail: 'the plugin left the scheme to the host (scheme: auto), and health checks are off, so no probe can settle it' });
    } else out.push(d); // pending or unhealthy: not published anyway, and health says why
  }
  const groups = new Map<string, DetectedService[]>();
  for (const d of out) {
    const h = health(d.key);
    const value = h?.identity?.state === 'matched' ? h.identity.value : undefined;
    if (value === undefined || h!.state === 'unhealthy') continue;
    const id = `${d.type}\u0000${h!.identity!.key ?? ''}\u0000${value}`;
    const group = groups.get(id);
    if (group) group.push(d);
    else groups.set(id, [d]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const [kept, ...others] = [...group].sort((a, b) => preferred(a, b, health));
    const identity = health(kept!.key)!.identity!;
    for (const d of others) {
      leftOut.set(d.key, {
        key: d.key,
        reason: 'same-backend',
        duplicateOf: kept!.key,
        detail: `same backend as ${kept!.key} (${identity.key} ${identity.value})`,
      });
    }
  }
  return { detected: out.filter((d) => !leftOut.has(d.key)), leftOut };
}
