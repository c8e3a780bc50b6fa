// HolmesGPT 2026's loading rules for a toolsets file, written down independently of core/src/toolsets (so a test does
// not check the module against itself). From /work/shared/reference/holmesgpt-toolsets.md (HolmesGPT master 2026-07).
import { parse } from 'yaml';

/** Keys HolmesGPT 2026 accepts on an entry (extra="forbid"); anything else fails the entry. */
export const ALLOWED_ENTRY_KEYS = new Set([
  'enabled',
  'config',
  'description',
  'tools',
  'type',
  'prerequisites',
  'docs_url',
  'icon_url',
  'installation_instructions',
  'llm_instructions',
  'transformers',
  'approval_required_tools',
  'url',
  'tags',
]);

/** Removed in 2026-02: an entry carrying it becomes a FAILED toolset. */
export const REMOVED_ENTRY_KEYS = new Set(['additional_instructions']);

/** Built-in names and the config keys each reads (current names); `null`: config not restated here. */
export const BUILTIN_CONFIG: Record<string, readonly string[] | null> = {
  'kubernetes/core': [],
  'kubernetes/logs': [],
  'prometheus/metrics': null, // prometheus_url, additional_headers, verify_ssl, subtype, additional_labels, timeouts
  'grafana/dashboards': ['api_url', 'api_key', 'username', 'password', 'additional_headers', 'verify_ssl', 'external_url'],
  'grafana/loki': ['api_url', 'grafana_datasource_uid', 'additional_headers', 'api_key', 'username', 'password', 'verify_ssl', 'external_url'],
  'grafana/tempo': ['api_url', 'grafana_datasource_uid', 'additional_headers', 'api_key', 'username', 'password', 'verify_ssl', 'external_url'],
  'elasticsearch/cluster': ['api_url', 'api_key', 'username', 'password', 'verify_ssl', 'timeout_seconds', 'client_cert', 'client_key'],
  'elasticsearch/data': ['api_url', 'api_key', 'username', 'password', 'verify_ssl', 'timeout_seconds', 'client_cert', 'client_key'],
  victorialogs: ['api_url', 'bearer_token', 'username', 'password', 'headers'],
  'datadog/logs': null,
};

/** Deprecated aliases (HolmesGPT maps them with a warning): the daemon must never write them. */
export const DEPRECATED_CONFIG_KEYS: Record<string, readonly string[]> = {
  'prometheus/metrics': ['headers', 'prometheus_ssl_enabled', 'healthcheck'],
  'grafana/dashboards': ['url', 'headers'],
  'grafana/loki': ['url', 'headers'],
  'grafana/tempo': ['url', 'headers'],
  'elasticsearch/cluster': ['url', 'timeout', 'headers'],
  'elasticsearch/data': ['url', 'timeout', 'headers'],
};

/** Toolsets wrapped by multi_instance(...): their config may be `instances: [{name, …}]`. */
export const MULTI_INSTANCE = new Set(['prometheus/metrics', 'grafana/loki', 'grafana/tempo', 'grafana/dashboards', 'elasticsearch/data', 'elasticsearch/cluster', 'victorialogs']);

/** HolmesGPT wants one active logging toolset among these and kubernetes/logs. */
export const LOGGING_TOOLSETS = new Set(['grafana/loki', 'elasticsearch/data', 'victorialogs']);

export interface RuleOptions {
  /** Names allowed to be `enabled: false` (an admin disabled them, or the logging rule did). */
  disabled?: ReadonlySet<string>;
  /** Names whose strings may hold `{{ env.X }}` (an admin wrote them). */
  templated?: ReadonlySet<string>;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function hasTemplate(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{{');
  if (Array.isArray(v)) return v.some(hasTemplate);
  if (isMapping(v)) return Object.entries(v).some(([k, x]) => k.includes('{{') || hasTemplate(x));
  return false;
}

function dottedKey(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.map(dottedKey).find((k) => k !== undefined);
  if (!isMapping(v)) return undefined;
  for (const [k, x] of Object.entries(v)) {
    if (k.includes('.')) return k;
    const inner = dottedKey(x);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

function configProblems(name: string, config: Record<string, unknown>, inInstance: boolean): string[] {
  const out: string[] = [];
  const known = BUILTIN_CONFIG[name];
  for (const k of Object.keys(config)) {
    if (DEPRECATED_CONFIG_KEYS[name]?.includes(k)) out.push(`${name}: deprecated or ignored config key ${k}`);
    else if (k === 'instances' && !inInstance) continue;
    else if (k === 'name' && inInstance) continue;
    else if (known && !known.includes(k)) out.push(`${name}: config key ${k} is not read`);
  }
  return out;
}

/** Every way the file breaks HolmesGPT's rules (empty when it loads cleanly). */
export function holmesProblems(text: string, options: RuleOptions = {}): string[] {
  const problems: string[] = [];
  const doc: unknown = parse(text);
  if (!isMapping(doc)) return ['the file is not a mapping'];
  const dotted = dottedKey(doc);
  if (dotted !== undefined) problems.push(`key ${dotted} holds a "." (benedict fails the whole file)`);
  for (const k of Object.keys(doc)) if (k !== 'toolsets' && k !== 'mcp_servers') problems.push(`unknown top-level key ${k}`);
  const toolsets = doc.toolsets;
  if (!isMapping(toolsets)) return [...problems, '"toolsets:" is not a mapping'];
  if (Object.keys(toolsets).length === 0) problems.push('no toolsets: HolmesGPT refuses to start');
  for (const [name, entry] of Object.entries(toolsets)) {
    if (!isMapping(entry)) {
      problems.push(`${name}: entry is not a mapping`);
      continue;
    }
    for (const k of Object.keys(entry)) if (!ALLOWED_ENTRY_KEYS.has(k) || REMOVED_ENTRY_KEYS.has(k)) problems.push(`${name}: unknown entry key ${k} (HolmesGPT fails the entry)`);
    if (typeof entry.enabled !== 'boolean') problems.push(`${name}: no explicit enabled`);
    else if (entry.enabled !== true && !options.disabled?.has(name)) problems.push(`${name}: enabled is not true`);
    if (entry.config !== undefined && !isMapping(entry.config)) problems.push(`${name}: config is not a mapping`);
    if (name in BUILTIN_CONFIG) {
      if (isMapping(entry.config)) {
        problems.push(...configProblems(name, entry.config, false));
        const instances = entry.config.instances;
        if (instances !== undefined) {
          if (!MULTI_INSTANCE.has(name)) problems.push(`${name}: takes no instances`);
          else if (!Array.isArray(instances) || instances.length === 0) problems.push(`${name}: instances is not a non-empty list`);
          else {
            const names = instances.map((i) => (isMapping(i) ? i.name : undefined));
            if (!names.every((n) => typeof n === 'string' && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n))) problems.push(`${name}: an instance without a DNS-label name`);
            if (new Set(names).size !== names.length) problems.push(`${name}: two instances share a name`);
            for (const i of instances) if (isMapping(i)) problems.push(...configProblems(name, i, true));
          }
        }
      }
    } else {
      if (name.includes(':')) problems.push(`${name}: a suffixed name is not a built-in (HolmesGPT: "description Field required")`);
      if (typeof entry.description !== 'string' || entry.description === '') problems.push(`${name}: custom toolset without description`);
      const endpoints = isMapping(entry.config) ? entry.config.endpoints : undefined;
      const http = entry.type === 'http' && Array.isArray(endpoints) && endpoints.length > 0 && endpoints.every((e) => isMapping(e) && Array.isArray(e.hosts) && e.hosts.length > 0);
      if (!http && !Array.isArray(entry.tools)) problems.push(`${name}: custom toolset needs type http with config.endpoints (or tools)`);
    }
    if (hasTemplate(entry) && !options.templated?.has(name)) problems.push(`${name}: holds a {{ }} template the daemon must never write`);
  }
  problems.push(...mcpProblems(doc.mcp_servers, toolsets));
  const core = toolsets['kubernetes/core'];
  if (!isMapping(core) || core.enabled !== true) problems.push('kubernetes/core missing or not enabled');
  if (!isMapping(toolsets['kubernetes/logs'])) problems.push('kubernetes/logs missing');
  return problems;
}

/** Remote MCP servers (holmes/plugins/toolsets/mcp/toolset_mcp.py MCPConfig: url, mode, headers; MCPMode). */
export const MCP_CONFIG_KEYS = new Set(['url', 'mode', 'headers']);
export const MCP_MODES = new Set(['streamable-http', 'sse']);

/**
 * `mcp_servers:` entries: each a toolset of type mcp to HolmesGPT (same entry keys, merged into the toolsets by name),
 * with config.url an http(s) URL and mode one HolmesGPT knows; the daemon writes mode (HolmesGPT's default is sse).
 */
function mcpProblems(servers: unknown, toolsets: Record<string, unknown>): string[] {
  if (servers === undefined) return [];
  if (!isMapping(servers)) return ['"mcp_servers:" is not a mapping'];
  const out: string[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    const at = `mcp_servers.${name}`;
    if (name in toolsets) out.push(`${at}: the same name as a toolset (HolmesGPT merges them by name)`);
    if (!isMapping(entry)) {
      out.push(`${at}: not a mapping`);
      continue;
    }
    for (const k of Object.keys(entry)) if (!ALLOWED_ENTRY_KEYS.has(k) || REMOVED_ENTRY_KEYS.has(k)) out.push(`${at}: unknown entry key ${k}`);
    if (entry.enabled !== undefined && typeof entry.enabled !== 'boolean') out.push(`${at}: enabled is not a boolean`);
    const config = entry.config;
    if (!isMapping(config)) {
      out.push(`${at}: no config mapping`);
      continue;
    }
    for (const k of Object.keys(config)) if (!MCP_CONFIG_KEYS.has(k)) out.push(`${at}: config key ${k} is not read`);
    const url = config.url ?? entry.url;
    let ok = false;
    try {
      ok = typeof url === 'string' && ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) out.push(`${at}: url is not an http(s) URL`);
    if (config.mode !== undefined && !MCP_MODES.has(config.mode as string)) out.push(`${at}: unknown mode ${String(config.mode)}`);
    if (config.headers !== undefined && !(isMapping(config.headers) && Object.values(config.headers).every((v) => typeof v === 'string'))) out.push(`${at}: headers are not text → text`);
  }
  return out;
}
