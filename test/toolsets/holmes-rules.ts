// HolmesGPT's loading rules for a toolsets file, written down independently of core/src/toolsets (so a test does
// not check the module against itself). From /work/shared/reference/holmesgpt-toolsets.md.
import { parse } from 'yaml';

/** Keys HolmesGPT accepts next to `enabled`/`config`; anything else drops the entry. */
export const ALLOWED_ENTRY_KEYS = new Set([
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
]);

/** Built-in toolset names used in these tests (a name not listed is custom and must describe itself). */
export const BUILTIN_NAMES = new Set([
  'kubernetes/core',
  'kubernetes/logs',
  'prometheus/metrics',
  'grafana/dashboards',
  'grafana/loki',
  'grafana/tempo',
  'elasticsearch/cluster',
  'elasticsearch/data',
  'opensearch/status',
  'opensearch/logs',
  'datadog/logs',
]);

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

/** Every way the file breaks HolmesGPT's rules (empty when it loads cleanly). */
export function holmesProblems(text: string, options: RuleOptions = {}): string[] {
  const problems: string[] = [];
  const doc: unknown = parse(text);
  if (!isMapping(doc)) return ['the file is not a mapping'];
  for (const k of Object.keys(doc)) if (k !== 'toolsets' && k !== 'mcp_servers') problems.push(`unknown top-level key ${k}`);
  const toolsets = doc.toolsets;
  if (!isMapping(toolsets)) return [...problems, '"toolsets:" is not a mapping'];
  if (Object.keys(toolsets).length === 0) problems.push('no toolsets: HolmesGPT refuses to start');
  for (const [name, entry] of Object.entries(toolsets)) {
    if (!isMapping(entry)) {
      problems.push(`${name}: entry is not a mapping`);
      continue;
    }
    for (const k of Object.keys(entry)) if (!ALLOWED_ENTRY_KEYS.has(k)) problems.push(`${name}: unknown entry key ${k} (HolmesGPT drops the entry)`);
    if (typeof entry.enabled !== 'boolean') problems.push(`${name}: no explicit enabled`);
    else if (entry.enabled !== true && !options.disabled?.has(name)) problems.push(`${name}: enabled is not true`);
    if (entry.config !== undefined && !isMapping(entry.config)) problems.push(`${name}: config is not a mapping`);
    if (!BUILTIN_NAMES.has(name.split(':')[0]!)) {
      if (typeof entry.description !== 'string' || entry.description === '') problems.push(`${name}: custom toolset without description`);
      const endpoints = isMapping(entry.config) ? entry.config.endpoints : undefined;
      const http = entry.type === 'http' && Array.isArray(endpoints) && endpoints.length > 0 && endpoints.every((e) => isMapping(e) && Array.isArray(e.hosts) && e.hosts.length > 0);
      if (!http && !Array.isArray(entry.tools)) problems.push(`${name}: custom toolset needs type http with config.endpoints (or tools)`);
    }
    if (hasTemplate(entry) && !options.templated?.has(name)) problems.push(`${name}: holds a {{ }} template the daemon must never write`);
  }
  const core = toolsets['kubernetes/core'];
  if (!isMapping(core) || core.enabled !== true) problems.push('kubernetes/core missing or not enabled');
  if (!isMapping(toolsets['kubernetes/logs'])) problems.push('kubernetes/logs missing');
  return problems;
}
