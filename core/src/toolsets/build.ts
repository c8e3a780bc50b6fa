// Published Services → the toolsets the daemon generates (before admin overrides).
//
//   - unhealthy Services are left out (the API still shows them from the model);
//   - per type, one primary (primary.ts) feeds the base toolset names and the `<type>-toolset.yaml` key;
//   - with `multiInstance`, every other publishable instance adds its toolsets under suffixed names
//     (`prometheus/metrics:<namespace>-<name>`); without it they are skipped (reason `not-primary`);
//   - a Service's toolsets are its plugin's validated answer, or — when the plugin has none — a generic
//     HolmesGPT `type: http` toolset `<type>/api` (description + config.endpoints, the 2026 custom format);
//   - every discovered entry says `enabled: true` (disabling is the admin's call, in overrides.yaml), keeps only
//     the keys HolmesGPT accepts on an entry, and has `{{` defused (only an admin may write `{{ env.X }}`);
//   - the baseline `kubernetes/core` and `kubernetes/logs` are always there, so the file is never empty;
//   - a name claimed twice keeps its first claim: baseline, then primaries by type, then the other instances
//     by type and rule order. The loser is reported in `conflicts`.
import type { ToolsetEntry } from '@kubernaut/toolset-sdk';
import { DNS_LABEL } from '@kubernaut/toolset-sdk';
import { canonical, compareStrings, defuseTemplates, isPlainObject, oneLine, plainCopy, setOwn } from './data.js';
import type { PlainObject } from './data.js';
import { BASELINE_TOOLSETS, KUBERNETES_KEY, entryKeyOrder, genericName, instanceName, isEntryKey } from './holmes.js';
import { choosePrimaries, compareByRule, isPublishable } from './primary.js';
import type { PrimaryChoice } from './primary.js';
import type { PublishedService } from './types.js';

export interface BuildOptions {
  /** `config.primary`: type → `<namespace>/<name>`. */
  primary?: Readonly<Record<string, string>>;
  /** `config.holmesgpt.multiInstance`. */
  multiInstance?: boolean;
}

export interface BuiltToolset {
  name: string;
  /** Canonical entry: HolmesGPT entry keys only, in ENTRY_KEYS order, nested keys sorted. */
  entry: PlainObject;
  source: 'discovered' | 'baseline';
  /** The service type; `kubernetes` for the baseline. */
  type: string;
  /** The Service it was made from. */
  service?: string;
  primary: boolean;
  /** Made by the host because the plugin has no toolsets(). */
  generic: boolean;
  /** The Service answered 401/403: published, but HolmesGPT needs credentials. */
  needsCredentials: boolean;
  /** One line for the API and a YAML comment. */
  note?: string;
  /** One line for a YAML comment: where the entry comes from. */
  origin: string;
}

export interface PerTypeToolset {
  type: string;
  url: string;
  service: string;
  needsCredentials: boolean;
  note?: string;
}

export interface SkippedService {
  key: string;
  type: string;
  reason: 'unhealthy' | 'not-primary' | 'invalid-type' | 'duplicate';
  detail: string;
}

export interface NameConflict {
  name: string;
  /** Who keeps the name: a Service key or `baseline`. */
  kept: string;
  dropped: string;
}

export interface BuildResult {
  /** Sorted by name. */
  entries: Map<string, BuiltToolset>;
  /** Sorted by type. */
  primaries: PrimaryChoice[];
  /** Type → its primary's endpoint, for `<type>-toolset.yaml`. Sorted by type. */
  perType: Map<string, PerTypeToolset>;
  /** Sorted by key. */
  skipped: SkippedService[];
  conflicts: NameConflict[];
  /** Everything above that deserves a log line, one line each. */
  warnings: string[];
}

/** The baseline entries, ready to be merged with overrides. */
export function baselineEntries(): BuiltToolset[] {
  return BASELINE_TOOLSETS.map((name) => ({
    name,
    entry: { enabled: true },
    source: 'baseline' as const,
    type: 'kubernetes',
    primary: true,
    generic: false,
    needsCredentials: false,
    origin: 'baseline Kubernetes toolset',
  }));
}

export function buildToolsets(services: readonly PublishedService[], options: BuildOptions = {}): BuildResult {
  const warnings: string[] = [];
  const skipped: SkippedService[] = [];
  const conflicts: NameConflict[] = [];

  // One record per key (a duplicate is a caller's bug: keep the best by the rule, deterministically).
  const byKey = new Map<string, PublishedService>();
  for (const s of [...services].sort((a, b) => compareStrings(a.key, b.key) || compareByRule(a, b) || compareStrings(JSON.stringify(a), JSON.stringify(b)))) {
    if (byKey.has(s.key)) {
      skipped.push({ key: s.key, type: s.type, reason: 'duplicate', detail: `${s.key} was given twice; the first by the primary rule is kept` });
      continue;
    }
    if (!DNS_LABEL.test(s.type)) {
      skipped.push({ key: s.key, type: s.type, reason: 'invalid-type', detail: `type ${JSON.stringify(oneLine(s.type, 80))} is not a lower-case DNS label` });
      continue;
    }
    byKey.set(s.key, s);
  }
  const valid = [...byKey.values()];
  for (const s of valid) {
    if (!isPublishable(s)) {
      skipped.push({ key: s.key, type: s.type, reason: 'unhealthy', detail: `${s.key} is unhealthy${s.health.reason ? `: ${oneLine(s.health.reason)}` : ''}` });
    }
  }

  const primaries = choosePrimaries(valid, options.primary ?? {});
  for (const p of primaries) for (const w of p.warnings) warnings.push(`primary ${p.type}: ${w}`);

  const claimed = new Map<string, BuiltToolset>();
  const claim = (t: BuiltToolset): void => {
    const owner = claimed.get(t.name);
    if (owner) {
      conflicts.push({ name: t.name, kept: owner.service ?? 'baseline', dropped: t.service ?? 'baseline' });
      warnings.push(`toolset ${t.name} from ${t.service ?? 'baseline'} dropped: already generated for ${owner.service ?? 'the baseline'}`);
      return;
    }
    claimed.set(t.name, t);
  };
  for (const b of baselineEntries()) claim(b);

  const perType = new Map<string, PerTypeToolset>();
  const others: Array<{ service: PublishedService; choice: PrimaryChoice; index: number }> = [];
  for (const choice of primaries) {
    const primary = byKey.get(choice.key)!;
    for (const t of serviceToolsets(primary, choice, true)) claim(t);
    if (primary.type === 'kubernetes') {
      warnings.push(`type kubernetes from ${primary.key} gets no per-type key: ${KUBERNETES_KEY} is the baseline's`);
    } else {
      const note = credentialsNote(primary);
      perType.set(primary.type, {
        type: primary.type,
        url: primary.url,
        service: primary.key,
        needsCredentials: primary.health.state === 'needs-credentials',
        ...(note !== undefined ? { note } : {}),
      });
    }
    choice.instances.slice(1).forEach((key, i) => others.push({ service: byKey.get(key)!, choice, index: i + 2 }));
  }
  for (const { service, choice, index } of others) {
    if (!options.multiInstance) {
      skipped.push({
        key: service.key,
        type: service.type,
        reason: 'not-primary',
        detail: `${service.key} is instance ${index} of ${choice.instances.length} of ${service.type}; the primary is ${choice.key} (holmesgpt.multi_instance is off)`,
      });
      continue;
    }
    for (const t of serviceToolsets(service, choice, false, index)) claim(t);
  }

  const entries = new Map([...claimed.entries()].sort(([a], [b]) => compareStrings(a, b)));
  skipped.sort((a, b) => compareStrings(a.key, b.key) || compareStrings(a.reason, b.reason));
  return { entries, primaries, perType, skipped, conflicts, warnings };
}

function credentialsNote(s: PublishedService): string | undefined {
  if (s.health.state !== 'needs-credentials') return undefined;
  const why = s.health.reason ? oneLine(s.health.reason, 120) : 'HTTP 401/403';
  return `needs credentials: ${s.key} answered the health check with ${why}; add them in overrides.yaml (e.g. config.api_key or config.headers)`;
}

function serviceToolsets(s: PublishedService, choice: PrimaryChoice, primary: boolean, index = 1): BuiltToolset[] {
  const answer = s.toolsets === null ? { [genericName(s.type)]: genericEntry(s) } : s.toolsets;
  const generic = s.toolsets === null;
  const note = credentialsNote(s);
  const role = primary
    ? `primary (${choice.reason}${choice.instances.length > 1 ? `, 1 of ${choice.instances.length}` : ''})`
    : `instance ${index} of ${choice.instances.length}, primary ${choice.key}`;
  const origin = `from Service ${s.key}: type ${s.type}, ${role}${generic ? `; generic HTTP toolset (detector ${s.detector} has no toolsets())` : ''}`;
  const out: BuiltToolset[] = [];
  for (const name of Object.keys(answer).sort(compareStrings)) {
    const entry = discoveredEntry(answer[name]);
    if (entry === undefined) continue;
    out.push({
      name: primary ? name : instanceName(name, s.namespace, s.name),
      entry,
      source: 'discovered',
      type: s.type,
      service: s.key,
      primary,
      generic,
      needsCredentials: s.health.state === 'needs-credentials',
      ...(note !== undefined ? { note } : {}),
      origin,
    });
  }
  return out;
}

/** HolmesGPT 2026 custom toolset for an endpoint nobody described: read-only GETs under the API path. */
export function genericEntry(s: PublishedService): ToolsetEntry {
  const prefix = s.path === '/' ? '' : s.path;
  return {
    enabled: true,
    type: 'http',
    description: `${s.type} HTTP API of Service ${s.namespace}/${s.name} at ${s.url} (detector ${s.detector}: ${s.description})`,
    llm_instructions:
      `Read-only access with GET requests to ${s.url}. Nothing more is known about this API than its detector's description; ` +
      'explore it from its root or documented paths and say so when a request is refused.',
    config: { endpoints: [{ hosts: [`${s.host}:${s.port}`], paths: [`${prefix}/*`], methods: ['GET'] }] },
  };
}

/** A plugin's entry, made safe to publish: a JSON copy, entry keys only, `enabled: true`, templates defused. */
function discoveredEntry(raw: unknown): PlainObject | undefined {
  if (!isPlainObject(raw)) return undefined;
  const copy = plainCopy(raw);
  if (copy === undefined || copy === null || typeof copy !== 'object' || Array.isArray(copy)) return undefined;
  const kept: PlainObject = {};
  for (const [k, v] of Object.entries(copy)) if (isEntryKey(k)) setOwn(kept, k, v);
  setOwn(kept, 'enabled', true);
  return canonicalEntry(defuseTemplates(kept) as PlainObject);
}

/** Entry keys in HolmesGPT order, everything below sorted. */
export function canonicalEntry(entry: PlainObject): PlainObject {
  return canonical(entry, (keys, depth) => (depth === 0 ? entryKeyOrder(keys) : [...keys].sort(compareStrings))) as PlainObject;
}

