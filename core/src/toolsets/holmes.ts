// HolmesGPT's toolset-file vocabulary (see docs in /work/shared/reference/holmesgpt-toolsets.md): the keys an
// entry may carry, the baseline toolsets, the logging toolsets, and the names of the ConfigMap keys.

/** The ConfigMap the daemon owns. */
export const CONFIGMAP_NAME = 'kubernaut-toolset-config';
/** The key HolmesGPT reads (mounted, with CUSTOM_TOOLSET_LOCATION pointing at it). */
export const CUSTOM_TOOLSET_KEY = 'custom_toolset.yaml';
/** Admin-owned; the daemon only creates it (as a commented template) when absent. */
export const OVERRIDES_KEY = 'overrides.yaml';
/** The original per-type format: always present. */
export const KUBERNETES_KEY = 'kubernetes-toolset.yaml';

export function perTypeKey(type: string): string {
  return `${type}-toolset.yaml`;
}

/**
 * Keys HolmesGPT accepts next to `enabled`/`config` (an unknown one makes it drop the whole entry), in the
 * order they are written. The same set the host accepts from plugins (core/src/sandbox/validate.ts).
 */
export const ENTRY_KEYS = [
  'enabled',
  'type',
  'description',
  'llm_instructions',
  'additional_instructions',
  'docs_url',
  'icon_url',
  'installation_instructions',
  'tags',
  'prerequisites',
  'tools',
  'config',
] as const;
export type EntryKey = (typeof ENTRY_KEYS)[number];
const ENTRY_KEY_SET: ReadonlySet<string> = new Set(ENTRY_KEYS);

export function isEntryKey(key: string): key is EntryKey {
  return ENTRY_KEY_SET.has(key);
}

/** Entry keys in ENTRY_KEYS order, anything else after them sorted. */
export function entryKeyOrder(keys: string[]): string[] {
  const known = ENTRY_KEYS.filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !ENTRY_KEY_SET.has(k)).sort();
  return [...known, ...rest];
}

/**
 * The Kubernetes toolsets every file carries: mounting the daemon's file replaces the chart's, so without them
 * HolmesGPT would lose its Kubernetes tools (and a file with no toolsets at all makes it fail at start-up).
 */
export const BASELINE_TOOLSETS = ['kubernetes/core', 'kubernetes/logs'] as const;
export const KUBERNETES_LOGS = 'kubernetes/logs';

/**
 * Logging toolsets that replace `kubernetes/logs`: HolmesGPT wants one logging toolset active and prefers
 * these when both are enabled. Compared on the base name (`grafana/loki:ns-name` counts).
 */
export const LOG_BACKEND_TOOLSETS: readonly string[] = ['grafana/loki', 'elasticsearch/logs', 'opensearch/logs', 'datadog/logs', 'coralogix/logs'];

/** `prometheus/metrics:prod` → `prometheus/metrics`. */
export function baseName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(0, i);
}

export function isLogBackend(name: string): boolean {
  return LOG_BACKEND_TOOLSETS.includes(baseName(name));
}

/** The name of a non-primary instance's toolset (HolmesGPT 2026): `prometheus/metrics:<namespace>-<name>`. */
export function instanceName(toolset: string, namespace: string, name: string): string {
  return `${toolset}${toolset.includes(':') ? '-' : ':'}${namespace}-${name}`;
}

/** The name of the generic toolset made for a Service whose plugin has no toolsets(): `<type>/api`. */
export function genericName(type: string): string {
  return `${type}/api`;
}
