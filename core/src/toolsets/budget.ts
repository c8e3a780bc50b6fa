// Degradation instead of a freeze: when everything discovered would not fit the ConfigMap's budget, the best output
// that fits is written, by a fixed rule, and what was left out is said (in `left_out`, the file's header comment,
// the API, a metric and /ready's body). Before, the whole write was refused, so one crowded namespace froze every
// change for the whole cluster.
//
// The rule (deterministic: the same Services in any order give the same bytes):
//   1. Always kept: the baseline Kubernetes toolsets and key, overrides.yaml (the admin's toolsets and
//      mcp_servers) and the keys an admin added. If those alone do not fit, nothing a Service does can help:
//      the render's `too-large` error stands and the last good ConfigMap is kept, as before.
//   2. Then each type's primary (primary.ts; with holmesgpt.multi_instance off these are all the Services that
//      publish anything: the other instances of a type go with their primary) and each MCP server (mcp.ts: an
//      entry of its own), then the other instances.
//   3. Within each of those two tiers, namespaces take turns: every namespace's first Service, then every
//      namespace's second, and so on (within a namespace by the primary rule: healthy first, then by name; within
//      a turn by namespace). A namespace's n-th Service comes after every other namespace's (n-1)-th, so one
//      namespace with hundreds of Services can only crowd out its own, and a new Service in a quiet namespace
//      (or a deletion anywhere) always reaches the ConfigMap.
//   4. In that order a Service is kept when it still fits; one that does not is left out (`over-budget`), and a
//      smaller one after it may still fit. Another instance is kept only with its type's primary.
// A Service's size is its share of the full rendering (its entries and per-type key, estimated and scaled to the
// measured total); the chosen output is rendered again and checked, and cut further if the estimate fell short.
// Services over a per-Service limit (limits.ts) are never published and are listed too (`too-long`).
import { Buffer } from 'node:buffer';
import { DNS_LABEL } from '@kubernaut/toolset-sdk';
import { genericEntry } from './build.js';
import { compareStrings, oneLine } from './data.js';
import { CUSTOM_TOOLSET_KEY, perTypeKey } from './holmes.js';
import { overLimit, SERVICE_LIMITS } from './limits.js';
import { choosePrimaries, compareByRule, isPublishable } from './primary.js';
import { MAX_DATA_BYTES, renderConfigMapData } from './render.js';
import type { RenderInput, RenderResult } from './render.js';
import type { PublishedService } from './types.js';

export type LeftOutReason = 'too-long' | 'over-budget';
/** Every reason, for the metric's labels. */
export const LEFT_OUT_REASONS: readonly LeftOutReason[] = Object.freeze(['too-long', 'over-budget'] as const);

/** A discovered Service that the written output does not hold, and why. */
export interface LeftOut {
  /** `<namespace>/<name>`. */
  key: string;
  namespace: string;
  name: string;
  type: string;
  reason: LeftOutReason;
  /** One line for people. */
  detail: string;
}

export interface Degraded {
  /** One line for people (API, /ready, the log). */
  message: string;
  /** Services left out to fit (reason `over-budget`). */
  leftOut: number;
  limit: number;
  /** Bytes the output would need with every Service. */
  wanted: number;
}

export interface BudgetedRender extends RenderResult {
  /** Services the output leaves out (too-long and over-budget), sorted by key. Empty when nothing is. */
  leftOut: LeftOut[];
  /** Set when Services were left out to fit the budget: the output is degraded (but written). */
  degraded?: Degraded;
}

/** Services listed by name in the file's comment; the API lists all. */
const COMMENT_NAMES = 10;
/** Room kept for the comment's names, which differ between the first estimate and the final output. */
const COMMENT_SLACK = 2_048;
/** Renders again with a smaller budget when the estimate fell short; after that, only the always-kept part. */
const MAX_ATTEMPTS = 5;

/** One Service (all records of one key) in the rule's order. */
interface Unit {
  key: string;
  service: PublishedService;
  /** Every record to render when the unit is kept (the Service; with multi_instance off, its type's other instances). */
  members: PublishedService[];
  tier: 0 | 1;
  /** The namespace's turn (0-based). */
  turn: number;
  /** An instance is kept only with its type's primary. */
  needs?: string;
  /** Estimated bytes, before scaling. */
  estimate: number;
}

/** renderConfigMapData, but over the budget the best output that fits (see the rule above) instead of an error. */
export function renderWithinBudget(input: RenderInput): BudgetedRender {
  const limit = input.maxBytes ?? MAX_DATA_BYTES;
  const services = [...input.services].sort((a, b) => compareStrings(a.key, b.key) || compareByRule(a, b) || compareStrings(JSON.stringify(a), JSON.stringify(b)));
  const tooLong = tooLongOf(services);

  const full = renderConfigMapData({ ...input, services, notes: comment(tooLong, [], limit, 0) });
  if (full.error?.kind !== 'too-large') return { ...full, leftOut: tooLong };

  const units = rankUnits(services, input);
  const wanted = full.bytes;
  const leftOutOf = (kept: ReadonlySet<string>) => units.filter((u) => !kept.has(u.key)).map((u) => overBudget(u, units.length, limit));
  // Each record that publishes belongs to one unit; the others (unhealthy, not-primary…) always pass through.
  const unitOf = new Map<PublishedService, string>();
  for (const u of units) for (const m of u.members) unitOf.set(m, u.key);
  const attempt = (kept: ReadonlySet<string>): RenderResult => {
    const passing = services.filter((s) => !unitOf.has(s) || kept.has(unitOf.get(s)!));
    return renderConfigMapData({ ...input, services: passing, notes: comment(tooLong, leftOutOf(kept), limit, wanted) });
  };
  const done = (r: RenderResult, kept: ReadonlySet<string>): BudgetedRender => {
    const over = leftOutOf(kept);
    const leftOut = [...tooLong, ...over].sort((a, b) => compareStrings(a.key, b.key));
    if (r.error || over.length === 0) return { ...r, leftOut };
    const message =
      `${CUSTOM_TOOLSET_KEY} leaves out ${over.length} of ${units.length} published Services to keep ConfigMap data under its ${limit}-byte budget ` +
      `(all of them would need ${wanted} bytes): ${over.slice(0, 5).map((l) => l.key).join(', ')}${over.length > 5 ? `, … and ${over.length - 5} more` : ''}`;
    return { ...r, leftOut, degraded: { message, leftOut: over.length, limit, wanted } };
  };

  // Rule 1: what is always kept must fit by itself (with the comment naming everything else), else nothing helps.
  const none = new Set<string>();
  const floor = attempt(none);
  if (floor.bytes > limit) return { ...full, leftOut: tooLong };

  const estimated = units.reduce((n, u) => n + u.estimate, 0);
  const scale = estimated > 0 ? Math.max(0.1, (wanted - floor.bytes) / estimated) : 1;
  let room = limit - floor.bytes - COMMENT_SLACK;
  for (let i = 0; i < MAX_ATTEMPTS && room > 0; i++) {
    const kept = choose(units, room, scale);
    if (kept.size === 0) break;
    const r = attempt(kept);
    if (r.bytes <= limit) return done(r, kept);
    room -= r.bytes - limit + COMMENT_SLACK;
  }
  return done(floor, none);
}

/** Rule 4: in rank order, each unit that still fits (an instance only with its primary). */
function choose(units: readonly Unit[], room: number, scale: number): Set<string> {
  const kept = new Set<string>();
  let left = room;
  for (const u of units) {
    if (u.needs !== undefined && !kept.has(u.needs)) continue;
    const cost = Math.ceil(u.estimate * scale);
    if (cost > left) continue;
    kept.add(u.key);
    left -= cost;
  }
  return kept;
}

/** Rules 2 and 3: the Services that publish something, in the order they are kept. */
function rankUnits(services: readonly PublishedService[], input: RenderInput): Unit[] {
  // The record build.ts keeps per key (the first by the rule), if it publishes anything at all.
  const byKey = new Map<string, PublishedService[]>();
  for (const s of services) {
    const list = byKey.get(s.key);
    if (list) list.push(s);
    else byKey.set(s.key, [s]);
  }
  const publishing = [...byKey.values()].map((l) => l[0]!).filter((s) => DNS_LABEL.test(s.type) && overLimit(s) === undefined && isPublishable(s));
  const multi = input.multiInstance ?? false;
  const units: Unit[] = [];
  // An MCP server is an entry of its own (mcp.ts): no primary, no instances, so it ranks with the primaries.
  for (const s of publishing.filter((x) => x.mcp !== undefined)) units.push({ key: s.key, service: s, members: byKey.get(s.key)!, tier: 0, turn: 0, estimate: estimate(s, false) });
  for (const choice of choosePrimaries(publishing.filter((x) => x.mcp === undefined), input.primary ?? {})) {
    const [primaryKey, ...others] = choice.instances;
    const primary = byKey.get(primaryKey!)![0]!;
    const attached = multi ? [] : others.flatMap((k) => byKey.get(k)!);
    units.push({ key: primary.key, service: primary, members: [...byKey.get(primary.key)!, ...attached], tier: 0, turn: 0, estimate: estimate(primary, true) });
    if (multi) {
      for (const k of others) {
        const s = byKey.get(k)![0]!;
        units.push({ key: k, service: s, members: byKey.get(k)!, tier: 1, turn: 0, needs: primary.key, estimate: estimate(s, false) });
      }
    }
  }
  for (const tier of [0, 1] as const) {
    const byNamespace = new Map<string, Unit[]>();
    for (const u of units.filter((x) => x.tier === tier)) {
      const list = byNamespace.get(u.service.namespace);
      if (list) list.push(u);
      else byNamespace.set(u.service.namespace, [u]);
    }
    for (const list of byNamespace.values()) list.sort((a, b) => compareByRule(a.service, b.service)).forEach((u, i) => (u.turn = i));
  }
  return units.sort((a, b) => a.tier - b.tier || a.turn - b.turn || compareStrings(a.service.namespace, b.service.namespace) || compareByRule(a.service, b.service));
}

/**
 * What a Service adds to the data, roughly: its toolsets (or the generic one) as JSON, the comment naming it and,
 * for a primary, its `<type>-toolset.yaml` key. Only the proportions matter: the sum is scaled to the measured total.
 */
function estimate(s: PublishedService, primary: boolean): number {
  const entries = s.mcp !== undefined ? 2 * Buffer.byteLength(s.url) + 200 : Buffer.byteLength(JSON.stringify(s.toolsets ?? { [s.type]: genericEntry(s) }));
  const perType = primary && s.type !== 'kubernetes' ? Buffer.byteLength(perTypeKey(s.type)) + Buffer.byteLength(s.url) + 300 : 0;
  return entries + 2 * Buffer.byteLength(s.key) + 120 + perType;
}

function tooLongOf(services: readonly PublishedService[]): LeftOut[] {
  const out: LeftOut[] = [];
  const seen = new Set<string>();
  for (const s of services) {
    if (seen.has(s.key)) continue;
    seen.add(s.key);
    const why = DNS_LABEL.test(s.type) ? overLimit(s) : undefined;
    if (why !== undefined) out.push({ key: s.key, namespace: s.namespace, name: s.name, type: s.type, reason: 'too-long', detail: `not published: ${why}` });
  }
  return out;
}

function overBudget(u: Unit, of: number, limit: number): LeftOut {
  const s = u.service;
  const place = s.mcp !== undefined ? 'an MCP server' : u.tier === 0 ? `the primary of type ${s.type}` : `another instance of type ${s.type}`;
  return {
    key: s.key,
    namespace: s.namespace,
    name: s.name,
    type: s.type,
    reason: 'over-budget',
    detail: `left out to keep ConfigMap data under its ${limit}-byte budget: ${place}, turn ${u.turn + 1} of namespace ${s.namespace} (the rule keeps the baseline, then primaries, then other instances, namespaces taking turns; ${of} published Services in all)`,
  };
}

/** The header lines of custom_toolset.yaml that say what is missing from it. */
function comment(tooLong: readonly LeftOut[], over: readonly LeftOut[], limit: number, wanted: number): string[] {
  const lines: string[] = [];
  const names = (list: readonly LeftOut[], what: (l: LeftOut) => string) => {
    const sorted = [...list].sort((a, b) => compareStrings(a.key, b.key));
    for (const l of sorted.slice(0, COMMENT_NAMES)) lines.push(`- ${what(l)}`);
    if (sorted.length > COMMENT_NAMES) lines.push(`- … and ${sorted.length - COMMENT_NAMES} more`);
  };
  if (over.length > 0) {
    lines.push(
      `DEGRADED: ${over.length} discovered Service${over.length === 1 ? ' is' : 's are'} left out to keep this ConfigMap under its ${limit}-byte data budget (all would need ${wanted} bytes).`,
      'Kept first: the baseline and overrides.yaml, then each type\'s primary, then other instances; namespaces take turns, so one crowded namespace cannot push out the others.',
      'GET /api/v1/toolsets lists every Service left out (left_out). Left out:',
    );
    names(over, (l) => `${l.key} (type ${oneLine(l.type, 63)})`);
  }
  if (tooLong.length > 0) {
    const { urlBytes, pathBytes, descriptionBytes, toolsetsBytes } = SERVICE_LIMITS;
    lines.push(
      `Not published, a value over its per-Service limit (URL ${urlBytes}, path ${pathBytes}, description ${descriptionBytes}, toolsets ${toolsetsBytes} bytes): ${tooLong.length} Service${tooLong.length === 1 ? '' : 's'}:`,
    );
    names(tooLong, (l) => `${l.key}: ${l.detail.replace(/^not published: /, '')}`);
  }
  return lines;
}
