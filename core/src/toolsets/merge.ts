// Generated toolsets + admin overrides → the final toolsets of custom_toolset.yaml, then the logging rule.
//
// Logging rule: HolmesGPT wants one logging toolset active and prefers a log backend (grafana/loki,
// elasticsearch/data or victorialogs, holmes.ts) over kubernetes/logs when both are enabled. So when a log backend
// ends up enabled, kubernetes/logs is written `enabled: false` (explicitly, whatever HolmesGPT's default), with a
// comment saying why — unless overrides.yaml sets kubernetes/logs' `enabled` itself (the admin wins). A discovered
// backend that needs credentials does not count until overrides.yaml touches its entry: HolmesGPT would disable
// it at its prerequisite check and be left with no logging toolset at all.
import type { BuiltToolset } from './build.js';
import { compareStrings, getOwn, setOwn } from './data.js';
import type { PlainObject } from './data.js';
import { isLogBackend, KUBERNETES_LOGS } from './holmes.js';
import { mergeEntry } from './overrides.js';
import type { Overrides } from './overrides.js';
import type { ToolsetSource } from './types.js';

export interface MergedToolset {
  name: string;
  /** The entry written to custom_toolset.yaml. */
  entry: PlainObject;
  source: ToolsetSource;
  /** Service type; `kubernetes` for the baseline; null for admin-only toolsets. */
  type: string | null;
  service?: string;
  overridden: boolean;
  needsCredentials: boolean;
  /** Lines for people: the API's note and YAML comments. */
  notes: string[];
  /** Where the entry comes from (a YAML comment). */
  origin: string;
}

/** Sorted by name. */
export function mergeToolsets(built: ReadonlyMap<string, BuiltToolset>, overrides: Overrides | undefined): MergedToolset[] {
  const out = new Map<string, MergedToolset>();
  for (const [name, t] of built) {
    const patch = overrides?.toolsets.get(name);
    out.set(name, {
      name,
      entry: patch ? mergeEntry(t.entry, patch, t.instances.length === 1 ? t.instances[0]!.name : undefined) : t.entry,
      source: t.source,
      type: t.type,
      ...(t.service !== undefined ? { service: t.service } : {}),
      overridden: patch !== undefined,
      needsCredentials: t.needsCredentials,
      notes: t.note === undefined ? [] : [patch && t.needsCredentials ? `${t.note} (overrides.yaml changes this entry)` : t.note],
      origin: patch ? `${t.origin}; merged with overrides.yaml` : t.origin,
    });
  }
  for (const [name, patch] of overrides?.toolsets ?? []) {
    if (out.has(name)) continue;
    out.set(name, {
      name,
      entry: mergeEntry(undefined, patch),
      source: 'override',
      type: null,
      overridden: true,
      needsCredentials: false,
      notes: [],
      origin: 'from overrides.yaml (admin-only toolset)',
    });
  }
  applyLoggingRule(out, overrides);
  return [...out.values()].sort((a, b) => compareStrings(a.name, b.name));
}

function applyLoggingRule(toolsets: Map<string, MergedToolset>, overrides: Overrides | undefined): void {
  const kubeLogs = toolsets.get(KUBERNETES_LOGS);
  if (!kubeLogs || kubeLogs.entry.enabled !== true) return;
  const adminPatch = overrides?.toolsets.get(KUBERNETES_LOGS);
  if (adminPatch && typeof getOwn(adminPatch, 'enabled') === 'boolean') return;
  const backends = [...toolsets.values()]
    .filter((t) => isLogBackend(t.name) && t.entry.enabled === true && (!t.needsCredentials || t.overridden))
    .map((t) => t.name)
    .sort(compareStrings);
  if (backends.length === 0) return;
  const entry: PlainObject = {};
  for (const [k, v] of Object.entries(kubeLogs.entry)) setOwn(entry, k, v);
  entry.enabled = false;
  kubeLogs.entry = entry;
  kubeLogs.notes.push(
    `turned off: ${backends.join(', ')} ${backends.length === 1 ? 'is' : 'are'} the logging toolset (HolmesGPT wants one active); ` +
      `set kubernetes/logs "enabled: true" in overrides.yaml to keep both`,
  );
}
