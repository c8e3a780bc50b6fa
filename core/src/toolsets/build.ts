// Published Services → the toolsets the daemon generates (before admin overrides).
//
//   - unhealthy Services are left out (the API still shows them from the model), and so is a Service with a value
//     over a per-Service limit (limits.ts; skipped `too-long`);
//   - per type, one primary (primary.ts) feeds the toolsets and the `<type>-toolset.yaml` key;
//   - with `multiInstance`, the type's other publishable instances join the primary's toolsets in HolmesGPT 2026's
//     own form: a toolset that takes instances (holmes.ts) gets `config.instances: [{name, …}]`, the primary first,
//     each with its own keys (URL, verify_ssl, subtype…); a `type: http` toolset lists every instance's host in
//     `config.endpoints`. Suffixed names (`prometheus/metrics:<ns>-<name>`) are never made: HolmesGPT fails them.
//     Without it the others are skipped (reason `not-primary`);
//   - a Service's toolsets are its plugin's validated answer, or — when the plugin has none — a generic
//     HolmesGPT `type: http` toolset `<type>/api` (description + config.endpoints, the 2026 custom format);
//   - every discovered entry says `enabled: true` (disabling is the admin's call, in overrides.yaml), keeps only
//     the entry keys HolmesGPT accepts, writes the current name of a renamed config key and drops config keys the
//     toolset does not read (holmes.ts), and has `{{` defused (only an admin may write `{{ env.X }}`);
//   - the baseline `kubernetes/core` and `kubernetes/logs` are always there, so the file is never empty;
//   - a name claimed twice keeps its first claim: baseline, then primaries by type. The loser is reported in
//     `conflicts`.
import { createHash } from 'node:crypto';
import type { ToolsetEntry } from '@kubernaut/toolset-sdk';
import { DNS_LABEL } from '@kubernaut/toolset-sdk';
import { canonical, compareStrings, defuseTemplates, isPlainObject, oneLine, plainCopy, setOwn } from './data.js';
import type { Plain, PlainObject } from './data.js';
import { BASELINE_TOOLSETS, checkConfigKey, currentConfigKey, entryKeyOrder, genericName, HTTP_TOOLSET_TYPE, isEntryKey, KUBERNETES_KEY, modelledToolset, supportsInstances } from './holmes.js';
import { overLimit } from './limits.js';
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
  /**
   * The instance names, primary first, when the entry was made for several instances (`config.instances`, or
   * the hosts of a `type: http` entry); for a single instance, its name alone (what overrides.yaml's
   * `config.instances[].name` refers to).
   */
  instances: Array<{ name: string; service: string }>;
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
  /** `too-long`: a value over a per-Service limit (limits.ts). */
  reason: 'unhealthy' | 'not-primary' | 'invalid-type' | 'duplicate' | 'too-long';
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
    instances: [],
  }));
}

export function buildToolsets(all: readonly PublishedService[], options: BuildOptions = {}): BuildResult {
  // MCP servers are not toolsets: each is its own `mcp_servers:` entry (mcp.ts), never a type's primary or instance.
  const services = all.filter((s) => s.mcp === undefined);
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
    const tooLong = overLimit(s);
    if (tooLong !== undefined) {
      skipped.push({ key: s.key, type: s.type, reason: 'too-long', detail: `${s.key} is not published: ${tooLong}` });
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
  for (const choice of primaries) {
    const primary = byKey.get(choice.key)!;
    const names = instanceNames(choice.instances);
    const own = serviceToolsets(primary, choice, names, warnings);
    const others = choice.instances.slice(1).map((key, i) => ({ service: byKey.get(key)!, index: i + 2 }));
    if (!options.multiInstance) {
      for (const { service, index } of others) {
        skipped.push({
          key: service.key,
          type: service.type,
          reason: 'not-primary',
          detail: `${service.key} is instance ${index} of ${choice.instances.length} of ${service.type}; the primary is ${choice.key} (holmesgpt.multi_instance is off)`,
        });
      }
    } else if (others.length > 0) {
      const answers = others.map(({ service }) => ({ service, toolsets: serviceToolsets(service, choice, names, warnings) }));
      for (const t of own) joinInstances(t, answers, names, warnings);
      for (const { service, toolsets } of answers) {
        for (const t of toolsets) {
          if (!own.some((o) => o.name === t.name)) warnings.push(`toolset ${t.name} from ${service.key} dropped: the primary ${choice.key} of ${service.type} has no such toolset to join`);
        }
      }
    }
    for (const t of own) claim(t);
    if (primary.type === 'kubernetes') {
      warnings.push(`type kubernetes from ${primary.key} gets no per-type key: ${KUBERNETES_KEY} is the baseline's`);
    } else {
      const note = credentialsNote(primary, Object.keys(primary.toolsets ?? {})[0]);
      perType.set(primary.type, {
        type: primary.type,
        url: primary.url,
        service: primary.key,
        needsCredentials: primary.health.state === 'needs-credentials',
        ...(note !== undefined ? { note } : {}),
      });
    }
  }

  const entries = new Map([...claimed.entries()].sort(([a], [b]) => compareStrings(a, b)));
  skipped.sort((a, b) => compareStrings(a.key, b.key) || compareStrings(a.reason, b.reason));
  return { entries, primaries, perType, skipped, conflicts, warnings };
}

/**
 * Stable DNS-label instance names for `<namespace>/<name>` keys: `<namespace>-<name>`, cut to 63 characters with
 * a hash of the key when longer, and with a hash of the key whenever two keys give the same name ("a-b/c" and
 * "a/b-c"), so a name never depends on which other instances exist first or on their health.
 */
export function instanceNames(keys: readonly string[]): Map<string, string> {
  const hash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 8);
  const plain = (key: string) => {
    const label = key.replace('/', '-').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'instance';
    return label.length <= 63 ? label : `${label.slice(0, 54).replace(/-+$/, '')}-${hash(key)}`;
  };
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(plain(k), (counts.get(plain(k)) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const k of keys) {
    const p = plain(k);
    out.set(k, counts.get(p)! > 1 ? `${p.slice(0, 54).replace(/-+$/, '')}-${hash(k)}` : p);
  }
  return out;
}

function credentialsNote(s: PublishedService, toolset?: string, instance?: string): string | undefined {
  if (s.health.state !== 'needs-credentials') return undefined;
  const why = s.health.reason ? oneLine(s.health.reason, 120) : 'HTTP 401/403';
  const where = instance !== undefined ? ` (instance ${instance})` : '';
  return `needs credentials: ${s.key}${where} answered the health check with ${why}; add them in overrides.yaml (${credentialKeys(toolset)})`;
}

/** Only keys the toolset reads (holmes.ts): an admin following the note gets a toolset that loads. */
function credentialKeys(toolset: string | undefined): string {
  const keys = toolset !== undefined ? modelledToolset(toolset)?.configKeys : undefined;
  // A type: http toolset (or one the daemon does not model): no key is advised that HolmesGPT might not read.
  if (keys === undefined) return 'on its config.endpoints entry, in the form HolmesGPT\'s http toolsets take';
  const has = (k: string) => keys.includes(k);
  const ways = [
    ...(has('api_key') ? ['config.api_key'] : []),
    ...(has('bearer_token') ? ['config.bearer_token'] : []),
    ...(has('username') && has('password') ? ['config.username and config.password'] : []),
    ...(has('additional_headers') ? ['config.additional_headers'] : []),
    ...(has('headers') ? ['config.headers'] : []),
  ];
  return ways.length > 0 ? `${toolset} reads ${ways.join(', or ')}` : `${toolset} takes no credentials`;
}

function serviceToolsets(s: PublishedService, choice: PrimaryChoice, names: ReadonlyMap<string, string>, warnings: string[]): BuiltToolset[] {
  const answer = s.toolsets === null ? { [genericName(s.type)]: genericEntry(s) } : s.toolsets;
  const generic = s.toolsets === null;
  const primary = s.key === choice.key;
  const index = choice.instances.indexOf(s.key) + 1;
  const role = primary
    ? `primary (${choice.reason}${choice.instances.length > 1 ? `, 1 of ${choice.instances.length}` : ''})`
    : `instance ${index} of ${choice.instances.length}, primary ${choice.key}`;
  const origin = `from Service ${s.key}: type ${s.type}, ${role}${generic ? `; generic HTTP toolset (detector ${s.detector} has no toolsets())` : ''}`;
  const out: BuiltToolset[] = [];
  for (const name of Object.keys(answer).sort(compareStrings)) {
    const entry = discoveredEntry(name, answer[name], s.key, warnings);
    if (entry === undefined) continue;
    const note = credentialsNote(s, generic || entry.type === HTTP_TOOLSET_TYPE ? undefined : name);
    out.push({
      name,
      entry,
      source: 'discovered',
      type: s.type,
      service: s.key,
      primary,
      generic,
      needsCredentials: s.health.state === 'needs-credentials',
      ...(note !== undefined ? { note } : {}),
      origin,
      instances: [{ name: names.get(s.key)!, service: s.key }],
    });
  }
  return out;
}

/**
 * Folds the other instances' answers for `t.name` into the primary's entry `t`: `config.instances` for a toolset
 * that takes them, every host in `config.endpoints` for a `type: http` one; anything else keeps the primary
 * alone (with a warning), since HolmesGPT has no form for several instances of it.
 */
function joinInstances(
  t: BuiltToolset,
  answers: ReadonlyArray<{ service: PublishedService; toolsets: BuiltToolset[] }>,
  names: ReadonlyMap<string, string>,
  warnings: string[],
): void {
  const joining = answers.flatMap(({ service, toolsets }) => {
    const o = toolsets.find((x) => x.name === t.name);
    return o ? [{ service, t: o }] : [];
  });
  if (joining.length === 0) return;
  const config = t.entry.config;
  let joined = false;
  if (supportsInstances(t.name) && isPlainObject(config) && joining.every((j) => isPlainObject(j.t.entry.config))) {
    const instance = (name: string, c: PlainObject): PlainObject => ({ name, ...c });
    const list: Plain[] = [instance(t.instances[0]!.name, config as PlainObject), ...joining.map((j) => instance(names.get(j.service.key)!, j.t.entry.config as PlainObject))];
    t.entry = canonicalEntry({ ...t.entry, config: { instances: list } });
    joined = true;
  } else if (t.entry.type === HTTP_TOOLSET_TYPE && isPlainObject(config) && Array.isArray(config.endpoints)) {
    let endpoints = config.endpoints;
    for (const j of joining) {
      const c = j.t.entry.config;
      if (isPlainObject(c) && Array.isArray(c.endpoints)) endpoints = mergeEndpoints(endpoints, c.endpoints);
    }
    const listed = [t.service!, ...joining.map((j) => j.service.key)].map((k) => `${k} (instance ${names.get(k)})`).join(', ');
    const instructions = typeof t.entry.llm_instructions === 'string' ? `${t.entry.llm_instructions} ` : '';
    t.entry = canonicalEntry({
      ...t.entry,
      llm_instructions: `${instructions}There are ${joining.length + 1} instances of this API, one per host in the endpoints: ${listed}; the first is the primary.`,
      config: { ...(config as PlainObject), endpoints },
    });
    joined = true;
  }
  if (!joined) {
    for (const j of joining) warnings.push(`toolset ${t.name} from ${j.service.key} not added: HolmesGPT takes no several instances of it; only the primary ${t.service} is written`);
    return;
  }
  t.instances = [...t.instances, ...joining.map((j) => ({ name: names.get(j.service.key)!, service: j.service.key }))];
  const notes = [t.note, ...joining.map((j) => credentialsNote(j.service, t.generic || t.entry.type === HTTP_TOOLSET_TYPE ? undefined : t.name, names.get(j.service.key)))].filter((n): n is string => n !== undefined);
  if (notes.length > 0) t.note = notes.join('; ');
  // HolmesGPT loads the toolset when any instance answers: it needs credentials only when all of them do.
  t.needsCredentials = t.needsCredentials && joining.every((j) => j.t.needsCredentials);
  t.origin = `${t.origin}; ${joining.length + 1} instances: ${t.instances.map((i) => i.name).join(', ')}`;
}

/** Endpoints of several instances: hosts join an endpoint with the same paths and methods, else it is appended. */
function mergeEndpoints(into: Plain[], add: Plain[]): Plain[] {
  const out = into.map((e) => plainCopy(e) as Plain);
  const shape = (e: Plain) => (isPlainObject(e) ? JSON.stringify(canonical({ ...e, hosts: null })) : JSON.stringify(e));
  for (const e of add) {
    const same = out.find((o) => shape(o) === shape(e));
    if (same && isPlainObject(same) && isPlainObject(e) && Array.isArray(same.hosts) && Array.isArray(e.hosts)) {
      for (const h of e.hosts) if (!same.hosts.includes(h)) same.hosts.push(h);
    } else if (!out.some((o) => JSON.stringify(o) === JSON.stringify(e))) {
      out.push(e);
    }
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

/**
 * A plugin's entry, made safe to publish: a JSON copy, entry keys only, `enabled: true`, templates defused, and —
 * for a toolset holmes.ts models — a renamed config key written under its current name and a key the toolset
 * does not read dropped (with a warning), so the file holds only what HolmesGPT reads.
 */
function discoveredEntry(name: string, raw: unknown, service: string, warnings: string[]): PlainObject | undefined {
  if (!isPlainObject(raw)) return undefined;
  const copy = plainCopy(raw);
  if (copy === undefined || copy === null || typeof copy !== 'object' || Array.isArray(copy)) return undefined;
  const kept: PlainObject = {};
  for (const [k, v] of Object.entries(copy)) if (isEntryKey(k)) setOwn(kept, k, v);
  setOwn(kept, 'enabled', true);
  // A "." in any key makes HolmesGPT's parser (python-benedict) fail the whole file: such a key never gets in.
  const dotted = dropDottedKeys(kept);
  if (dotted.length > 0) warnings.push(`toolset ${name} from ${service}: key${dotted.length === 1 ? '' : 's'} with "." dropped (HolmesGPT's parser would fail the whole file): ${dotted.map((k) => JSON.stringify(oneLine(k, 60))).join(', ')}`);
  const config = kept.config;
  if (modelledToolset(name) && isPlainObject(config)) {
    const fixed: PlainObject = {};
    for (const [k, v] of Object.entries(config)) {
      const current = currentConfigKey(name, k);
      if (current !== undefined) {
        if (!Object.prototype.hasOwnProperty.call(config, current)) setOwn(fixed, current, v);
        continue;
      }
      // The daemon makes `instances` itself (holmesgpt.multi_instance); a plugin answers for one Service.
      const verdict = k === 'instances' ? { ok: false as const, message: '`instances` is written by the daemon' } : checkConfigKey(name, k);
      if (verdict.ok) setOwn(fixed, k, v);
      else warnings.push(`toolset ${name} from ${service}: config key dropped: ${verdict.message}`);
    }
    kept.config = fixed;
  }
  return canonicalEntry(defuseTemplates(kept) as PlainObject);
}

/** Removes every key holding a "." at any depth, in place; answers the removed keys. */
function dropDottedKeys(value: Plain): string[] {
  const dropped: string[] = [];
  if (Array.isArray(value)) {
    for (const v of value) dropped.push(...dropDottedKeys(v));
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      if (k.includes('.')) {
        dropped.push(k);
        delete value[k];
      } else dropped.push(...dropDottedKeys(value[k] as Plain));
    }
  }
  return dropped;
}

/** Entry keys in HolmesGPT order, everything below sorted. */
export function canonicalEntry(entry: PlainObject): PlainObject {
  return canonical(entry, (keys, depth) => (depth === 0 ? entryKeyOrder(keys) : [...keys].sort(compareStrings))) as PlainObject;
}

