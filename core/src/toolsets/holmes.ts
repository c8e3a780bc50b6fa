// The one model of what HolmesGPT 2026 loads from a toolsets file: entry keys, built-in toolsets with the config
// keys they read (current names; deprecated aliases and ignored keys known only so a check can name the right
// key), which toolsets take `config.instances`, the logging toolsets, custom (`type: http`) toolsets and MCP
// servers. build.ts and merge.ts render from it, overrides.ts and check.ts validate against it.
//
// Source: /work/shared/reference/holmesgpt-toolsets.md (HolmesGPT master of 2026-07, `holmes/core/tools.py`
// entry model with extra="forbid", the toolsets' config models with extra="allow" and `_deprecated_mappings`,
// `multi_instance(...)`). The 2025-11 source differs (no `type: http`, no elasticsearch/*, `additional_instructions`
// still accepted); 2026 is the target.

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

/** Top-level keys of the file: a `toolsets:` mapping and optionally `mcp_servers:`. */
export const TOP_LEVEL_KEYS = ['toolsets', 'mcp_servers'] as const;

/**
 * Keys HolmesGPT 2026 accepts on an entry (extra="forbid": any other key makes the entry a FAILED toolset), in the
 * order they are written. `url` is the MCP server's (older form).
 */
export const ENTRY_KEYS = [
  'enabled',
  'type',
  'description',
  'llm_instructions',
  'docs_url',
  'icon_url',
  'installation_instructions',
  'tags',
  'prerequisites',
  'tools',
  'transformers',
  'approval_required_tools',
  'url',
  'config',
] as const;
export type EntryKey = (typeof ENTRY_KEYS)[number];
const ENTRY_KEY_SET: ReadonlySet<string> = new Set(ENTRY_KEYS);

/** Entry keys that must be text, and those that must be lists. */
export const TEXT_ENTRY_KEYS: ReadonlySet<string> = new Set(['type', 'description', 'llm_instructions', 'docs_url', 'icon_url', 'installation_instructions', 'url']);
export const LIST_ENTRY_KEYS: ReadonlySet<string> = new Set(['tags', 'prerequisites', 'tools', 'transformers', 'approval_required_tools']);

/** Entry keys HolmesGPT removed or that belong elsewhere, with what to write instead. */
export const MISPLACED_ENTRY_KEYS: Readonly<Record<string, string>> = {
  // Removed in 2026-02: an entry carrying it becomes a FAILED toolset.
  additional_instructions: 'HolmesGPT removed "additional_instructions" in 2026-02 (the entry fails to load); write the text in "llm_instructions"',
  // A config key of prometheus/metrics, not an entry key.
  subtype: 'HolmesGPT reads "subtype" inside "config:" (e.g. config.subtype: victoriametrics for prometheus/metrics)',
};

export function isEntryKey(key: string): key is EntryKey {
  return ENTRY_KEY_SET.has(key);
}

/** Entry keys in ENTRY_KEYS order, anything else after them sorted. */
export function entryKeyOrder(keys: string[]): string[] {
  const known = ENTRY_KEYS.filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !ENTRY_KEY_SET.has(k)).sort();
  return [...known, ...rest];
}

/** One built-in toolset whose config the daemon writes or checks. */
export interface BuiltinToolset {
  name: string;
  /** The config keys it reads, current names only. */
  configKeys: readonly string[];
  /** Deprecated alias → current name: HolmesGPT maps it with a warning; the daemon never writes an alias. */
  aliases: Readonly<Record<string, string>>;
  /** Keys it silently ignores, with what to write instead. */
  ignored: Readonly<Record<string, string>>;
  /** Wrapped by `multi_instance(...)`: takes `config.instances: [{name, …}]`. */
  instances: boolean;
  /** One of the logging toolsets that replace kubernetes/logs. */
  logging: boolean;
}

const AUTH = ['api_key', 'username', 'password'];
const GRAFANA_ALIASES = { url: 'api_url', headers: 'additional_headers' };
const ES_AUTH_HINT = 'use `api_key`, or `username`/`password`';

function builtin(name: string, spec: Partial<Omit<BuiltinToolset, 'name'>> & { configKeys: readonly string[] }): BuiltinToolset {
  return { name, aliases: {}, ignored: {}, instances: false, logging: false, ...spec };
}

/** Built-in toolsets whose config keys are modelled (2026 names, reference table "Built-in toolset names"). */
export const MODELLED_TOOLSETS: ReadonlyMap<string, BuiltinToolset> = new Map(
  [
    builtin('kubernetes/core', { configKeys: [] }),
    builtin('kubernetes/logs', { configKeys: [] }),
    builtin('prometheus/metrics', {
      configKeys: [
        'prometheus_url',
        'additional_headers',
        'verify_ssl',
        'subtype',
        'additional_labels',
        'default_query_timeout_seconds',
        'max_query_timeout_seconds',
        'default_metadata_timeout_seconds',
        'max_metadata_timeout_seconds',
        'default_metadata_time_window_hrs',
        'query_response_size_limit_pct',
      ],
      aliases: { headers: 'additional_headers', prometheus_ssl_enabled: 'verify_ssl' },
      ignored: { healthcheck: 'HolmesGPT 2026 no longer reads it (remove it; the toolset checks the Prometheus API itself)' },
      instances: true,
    }),
    builtin('grafana/dashboards', { configKeys: ['api_url', ...AUTH, 'additional_headers', 'verify_ssl', 'external_url'], aliases: GRAFANA_ALIASES, instances: true }),
    builtin('grafana/loki', {
      configKeys: ['api_url', ...AUTH, 'additional_headers', 'verify_ssl', 'external_url', 'grafana_datasource_uid'],
      aliases: GRAFANA_ALIASES,
      instances: true,
      logging: true,
    }),
    builtin('grafana/tempo', {
      configKeys: ['api_url', ...AUTH, 'additional_headers', 'verify_ssl', 'external_url', 'grafana_datasource_uid'],
      aliases: GRAFANA_ALIASES,
      instances: true,
    }),
    ...(['elasticsearch/cluster', 'elasticsearch/data'] as const).map((name) =>
      builtin(name, {
        configKeys: ['api_url', ...AUTH, 'verify_ssl', 'timeout_seconds', 'client_cert', 'client_key'],
        aliases: { url: 'api_url', timeout: 'timeout_seconds' },
        ignored: { headers: ES_AUTH_HINT, additional_headers: ES_AUTH_HINT },
        instances: true,
        logging: name === 'elasticsearch/data',
      }),
    ),
    builtin('victorialogs', {
      configKeys: ['api_url', 'bearer_token', 'username', 'password', 'headers'],
      aliases: { url: 'api_url' },
      ignored: { additional_headers: 'use `headers` (e.g. AccountID, ProjectID)', api_key: 'use `bearer_token`, or `username`/`password`' },
      instances: true,
      logging: true,
    }),
  ].map((t) => [t.name, t]),
);

/**
 * Built-in names HolmesGPT ships whose config the daemon does not model (an admin may enable them in
 * overrides.yaml; their config is taken as written). Names that no longer exist in 2026 (`elasticsearch/logs`,
 * `opensearch/logs`) are not here: HolmesGPT would take them for custom toolsets and fail them.
 */
export const OTHER_BUILTIN_TOOLSETS: ReadonlySet<string> = new Set([
  'bash',
  'internet',
  'core_investigation',
  'connectivity_check',
  'kubernetes/live-metrics',
  'kubernetes/kube-prometheus-stack',
  'kubernetes/kube-lineage-extras',
  'helm/core',
  'argocd/core',
  'aks/core',
  'aks/node-health',
  'aws/security',
  'aws/rds',
  'azure/sql',
  'cilium/core',
  'hubble/observability',
  'confluence',
  'coralogix/logs',
  'datadog/general',
  'datadog/logs',
  'datadog/metrics',
  'datadog/rds',
  'datadog/traces',
  'docker/core',
  'kafka/admin',
  'newrelic',
  'openshift/core',
  'openshift/logs',
  'openshift/live-metrics',
  'openshift/security',
  'rabbitmq/core',
  'robusta',
  'runbook',
  'servicenow/tables',
  'slab',
]);

export function modelledToolset(name: string): BuiltinToolset | undefined {
  return MODELLED_TOOLSETS.get(name);
}

export function isBuiltin(name: string): boolean {
  return MODELLED_TOOLSETS.has(name) || OTHER_BUILTIN_TOOLSETS.has(name);
}

export function supportsInstances(name: string): boolean {
  return MODELLED_TOOLSETS.get(name)?.instances ?? false;
}

/** The key of one instance inside `config.instances` that names it. */
export const INSTANCE_NAME_KEY = 'name';

/**
 * What a config key means to a modelled toolset: `ok`, or why not with the key to write instead. Unmodelled
 * toolsets (custom, other built-ins) read their config as written: always `ok`.
 */
export type ConfigKeyVerdict = { ok: true } | { ok: false; current?: string; message: string };

export function checkConfigKey(toolset: string, key: string, inInstance = false): ConfigKeyVerdict {
  const t = MODELLED_TOOLSETS.get(toolset);
  if (!t) return { ok: true };
  if (t.configKeys.includes(key)) return { ok: true };
  if (inInstance && key === INSTANCE_NAME_KEY) return { ok: true };
  if (!inInstance && key === 'instances') {
    return t.instances ? { ok: true } : { ok: false, message: `${toolset} takes no "instances" (HolmesGPT runs one instance of it)` };
  }
  const current = Object.prototype.hasOwnProperty.call(t.aliases, key) ? t.aliases[key] : undefined;
  if (current !== undefined) return { ok: false, current, message: `\`${key}\` is a deprecated name in ${toolset}; write \`${current}\`` };
  const hint = Object.prototype.hasOwnProperty.call(t.ignored, key) ? t.ignored[key] : undefined;
  if (hint !== undefined) return { ok: false, message: `\`${key}\` is not read by ${toolset}; ${hint}` };
  const known = t.configKeys.length > 0 ? `it reads ${t.configKeys.join(', ')}${t.instances ? ', instances' : ''}` : 'it takes no config';
  return { ok: false, message: `\`${key}\` is not read by ${toolset} (HolmesGPT ignores it); ${known}` };
}

/** The key a modelled toolset reads for an alias (`url` → `api_url` for grafana/*), else undefined. */
export function currentConfigKey(toolset: string, key: string): string | undefined {
  const t = MODELLED_TOOLSETS.get(toolset);
  return t && Object.prototype.hasOwnProperty.call(t.aliases, key) ? t.aliases[key] : undefined;
}

/**
 * The Kubernetes toolsets every file carries: mounting the daemon's file replaces the chart's, so without them
 * HolmesGPT would lose its Kubernetes tools (and a file with no toolsets at all makes it fail at start-up).
 */
export const BASELINE_TOOLSETS = ['kubernetes/core', 'kubernetes/logs'] as const;
export const KUBERNETES_LOGS = 'kubernetes/logs';

/** Logging toolsets that replace `kubernetes/logs`: HolmesGPT wants one logging toolset active. */
export const LOG_BACKEND_TOOLSETS: readonly string[] = [...MODELLED_TOOLSETS.values()].filter((t) => t.logging).map((t) => t.name);

export function isLogBackend(name: string): boolean {
  return MODELLED_TOOLSETS.get(name)?.logging ?? false;
}

/** `prometheus/metrics:prod` → `prometheus/metrics` (such suffixed names are not built-ins in HolmesGPT). */
export function baseName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(0, i);
}

/** The name of the generic toolset made for a Service whose plugin has no toolsets(): `<type>/api`. */
export function genericName(type: string): string {
  return `${type}/api`;
}

/** A custom toolset in HolmesGPT 2026's HTTP form: `type: http` with `config.endpoints`. */
export const HTTP_TOOLSET_TYPE = 'http';

/** MCP servers (`mcp_servers:`): `description` and `config: {url, mode}`; the transport modes HolmesGPT knows. */
export { MCP_MODES } from '@kubernaut/toolset-sdk';

/**
 * The config keys HolmesGPT reads for a remote MCP server (`MCPConfig` in holmes/plugins/toolsets/mcp/toolset_mcp.py:
 * url, mode, headers; a plain pydantic model, so any other key is silently ignored). Its default mode is `sse`, so
 * the daemon always writes `mode`; in `sse` mode HolmesGPT appends `/sse` to a URL that does not end with it.
 */
export const MCP_CONFIG_KEYS = ['url', 'mode', 'headers'] as const;
/** HolmesGPT sets `type: mcp` on every `mcp_servers` entry and merges them into its toolsets by name (toolset_manager.py). */
export const MCP_TOOLSET_TYPE = 'mcp';

/** `{{ env.NAME }}`: the only template HolmesGPT resolves (from its own pod's environment). */
export const ENV_TEMPLATE = /\{\{\s*env\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}/g;
