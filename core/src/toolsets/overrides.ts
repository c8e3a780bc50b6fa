// overrides.yaml: admin-owned, the shape of custom_toolset.yaml (`toolsets:` mapping, optional `mcp_servers:`).
// The daemon never writes it except to create OVERRIDES_TEMPLATE when the key is absent. It is applied whole or
// not at all: any problem makes parseOverrides answer every problem with its line, and generation goes on
// without overrides (the caller logs, counts and shows the error).
//
// Merge, per toolset name (mergeEntry): JSON Merge Patch (RFC 7386) — mappings merge key by key and the admin's
// value wins (`config.api_key` or `config.headers` next to the discovered URL), any other value replaces (a
// list is replaced whole), `null` removes the key. `enabled: false` turns a discovered toolset off. A name the
// daemon did not generate is added as written, with `enabled: true` when the admin left `enabled` out.
import { isAlias, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import { canonicalEntry } from './build.js';
import { compareStrings, getOwn, isPlainObject, mergePatch, oneLine, plainCopy, setOwn } from './data.js';
import type { PlainObject } from './data.js';
import { ENTRY_KEYS, isEntryKey, OVERRIDES_KEY } from './holmes.js';

export interface OverridesProblem {
  line?: number;
  /** Dotted path, e.g. `toolsets.grafana/loki.enable`. */
  path?: string;
  message: string;
}

export interface Overrides {
  /** Toolset name → the admin's entry (a JSON copy). Sorted by name. */
  toolsets: Map<string, PlainObject>;
  /** `mcp_servers:` as written (HolmesGPT reads it from the same file), or undefined. */
  mcpServers?: PlainObject;
}

export type OverridesResult =
  | { ok: true; overrides: Overrides }
  | { ok: false; errors: OverridesProblem[]; /** All problems, one line each, joined with "; ". */ message: string };

const TOP_LEVEL_KEYS = ['toolsets', 'mcp_servers'];
const STRING_KEYS: ReadonlySet<string> = new Set(['type', 'description', 'llm_instructions', 'additional_instructions', 'docs_url', 'icon_url', 'installation_instructions']);
const LIST_KEYS: ReadonlySet<string> = new Set(['tags', 'prerequisites', 'tools']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function formatOverridesProblem(p: OverridesProblem): string {
  const where = p.line !== undefined ? `${OVERRIDES_KEY}:${p.line}` : OVERRIDES_KEY;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

function fail(errors: OverridesProblem[]): OverridesResult {
  const sorted = [...errors].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { ok: false, errors: sorted, message: sorted.map(formatOverridesProblem).join('; ') };
}

/** Parses and validates overrides.yaml. Empty text or only comments (the template) is valid and overrides nothing. */
export function parseOverrides(text: string): OverridesResult {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const lineOf: LineOf = (node) => {
    const range = (node as Node | null | undefined)?.range;
    return range ? counter.linePos(range[0]).line : undefined;
  };
  if (doc.errors.length > 0) {
    return fail(doc.errors.map((e) => ({ line: counter.linePos(e.pos[0]).line, message: `invalid YAML: ${e.message.split('\n')[0]}` })));
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return fail([{ message: `invalid YAML: ${oneLine(e instanceof Error ? e.message : String(e))}` }]);
  }
  const root = doc.contents;
  if (data === null || data === undefined) return { ok: true, overrides: { toolsets: new Map() } };
  if (!isMap(root) || !isPlainObject(data)) {
    return fail([{ line: lineOf(root) ?? 1, message: 'must be a mapping with a "toolsets:" key (the shape of custom_toolset.yaml)' }]);
  }

  const errors: OverridesProblem[] = [];
  const toolsets = new Map<string, PlainObject>();
  let mcpServers: PlainObject | undefined;
  for (const pair of root.items) {
    const key = scalarKey(pair);
    const line = lineOf(pair.key);
    if (key === undefined || !TOP_LEVEL_KEYS.includes(key)) {
      errors.push({ line, path: key, message: `unknown top-level key; allowed: ${TOP_LEVEL_KEYS.join(', ')}` });
      continue;
    }
    const value = getOwn(data, key);
    if (value === null || value === undefined) continue; // `toolsets:` with nothing under it
    const node = deref(doc, pair.value);
    if (!isMap(node) || !isPlainObject(value)) {
      errors.push({ line, path: key, message: `must be a mapping of name → entry${key === 'toolsets' ? ' (a list-shaped "toolsets:" is rejected by HolmesGPT)' : ''}` });
      continue;
    }
    if (key === 'mcp_servers') {
      mcpServers = checkMcpServers(doc, node, value, lineOf, errors);
      continue;
    }
    for (const item of node.items) {
      const name = scalarKey(item);
      const itemLine = lineOf(item.key);
      if (name === undefined || name === '' || name.length > 253 || CONTROL.test(name)) {
        errors.push({ line: itemLine, path: 'toolsets', message: 'a toolset name must be non-empty text of at most 253 characters without control characters' });
        continue;
      }
      const entry = checkEntry(doc, name, item, getOwn(value, name), lineOf, errors);
      if (entry) toolsets.set(name, entry);
    }
  }
  if (errors.length > 0) return fail(errors);
  return {
    ok: true,
    overrides: {
      toolsets: new Map([...toolsets.entries()].sort(([a], [b]) => compareStrings(a, b))),
      ...(mcpServers !== undefined ? { mcpServers } : {}),
    },
  };
}

function scalarKey(pair: Pair): string | undefined {
  return isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : undefined;
}

type LineOf = (node: unknown) => number | undefined;

/** The node an alias points at (`toolsets: *shared`), else the node itself. */
function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function checkEntry(doc: Document, name: string, item: Pair, value: unknown, lineOf: LineOf, errors: OverridesProblem[]): PlainObject | undefined {
  const path = `toolsets.${name}`;
  const node = deref(doc, item.value);
  if (!isMap(node) || !isPlainObject(value)) {
    errors.push({ line: lineOf(item.key), path, message: 'must be a mapping, e.g. "{enabled: false}" or "{config: {api_key: ...}}"' });
    return undefined;
  }
  const before = errors.length;
  for (const pair of (node as YAMLMap).items) {
    const key = scalarKey(pair);
    const line = lineOf(pair.key);
    if (key === undefined || !isEntryKey(key)) {
      const hint = key !== undefined ? closest(key, ENTRY_KEYS) : undefined;
      errors.push({
        line,
        path: `${path}.${key ?? '?'}`,
        message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}: HolmesGPT drops an entry with one; allowed: ${ENTRY_KEYS.join(', ')}`,
      });
      continue;
    }
    const v = getOwn(value, key);
    if (v === null) continue; // null removes the key from the generated entry
    if (key === 'enabled' && typeof v !== 'boolean') errors.push({ line, path: `${path}.enabled`, message: 'must be true or false' });
    else if (key === 'config' && !isPlainObject(v)) errors.push({ line, path: `${path}.config`, message: 'must be a mapping' });
    else if (STRING_KEYS.has(key) && typeof v !== 'string') errors.push({ line, path: `${path}.${key}`, message: 'must be text' });
    else if (LIST_KEYS.has(key) && !Array.isArray(v)) errors.push({ line, path: `${path}.${key}`, message: 'must be a list' });
    else if (key === 'tags' && !(v as unknown[]).every((t) => typeof t === 'string')) errors.push({ line, path: `${path}.tags`, message: 'must be a list of text' });
  }
  if (errors.length > before) return undefined;
  return plainCopy(value) as PlainObject;
}

function checkMcpServers(doc: Document, node: YAMLMap, value: Record<string, unknown>, lineOf: LineOf, errors: OverridesProblem[]): PlainObject {
  const out: PlainObject = {};
  for (const pair of node.items) {
    const name = scalarKey(pair);
    const v = name !== undefined ? getOwn(value, name) : undefined;
    if (name === undefined || name === '' || CONTROL.test(name) || !isMap(deref(doc, pair.value)) || !isPlainObject(v)) {
      errors.push({ line: lineOf(pair.key), path: `mcp_servers.${name ?? '?'}`, message: 'each MCP server must be a mapping under a non-empty name' });
      continue;
    }
    setOwn(out, name, plainCopy(v)!);
  }
  return out;
}

/** The admin's entry merged into a generated one (or into nothing, for an admin-only name). */
export function mergeEntry(base: PlainObject | undefined, override: PlainObject): PlainObject {
  const merged = mergePatch(base ?? {}, override) as PlainObject;
  if (typeof merged.enabled !== 'boolean') setOwn(merged, 'enabled', true);
  return canonicalEntry(merged);
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * What the daemon writes to overrides.yaml when the key is absent: comments only (it overrides nothing), with
 * examples an admin can uncomment. The daemon never writes the key again.
 */
export const OVERRIDES_TEMPLATE = `# overrides.yaml belongs to you, the cluster admin. dynamic-toolset wrote this template because the key was
# missing and never writes this key again (delete the key to get the template back).
#
# Same shape as custom_toolset.yaml: a "toolsets:" mapping of toolset name -> entry, and optionally
# "mcp_servers:" (copied into custom_toolset.yaml as written). Each entry is merged into the generated toolset
# of the same name:
#   - mappings merge key by key and your values win, so you can add credentials and keep the discovered URL;
#   - any other value (text, number, list) replaces the generated one, and null removes it;
#   - "enabled: false" turns a discovered toolset off;
#   - a name the daemon does not generate is added as you wrote it ("enabled: true" is added if you leave it out).
# Entry keys HolmesGPT accepts: ${ENTRY_KEYS.slice(0, 6).join(', ')},
# ${ENTRY_KEYS.slice(6).join(', ')}.
# Any other key (a typo such as "enable") makes this whole file invalid: the daemon then ignores it, keeps
# generating without it and reports the error (log, metrics, and a comment at the top of custom_toolset.yaml).
#
# "{{ env.NAME }}" is replaced by HolmesGPT from its own pod's environment, and the toolset is dropped when NAME
# is not set there: keep secrets in a Secret, pass them to the HolmesGPT pod as environment variables, and
# reference them here. The daemon never writes such references itself.
#
# Examples (remove the leading "# " to use them):
#
# toolsets:
#   # Grafana with an API key (sent as a Bearer token); the discovered URL stays.
#   grafana/dashboards:
#     config:
#       api_key: "{{ env.GRAFANA_API_KEY }}"
#   # Multi-tenant Loki: a header on every query.
#   grafana/loki:
#     config:
#       headers:
#         X-Scope-OrgID: my-tenant
#   # Elasticsearch with basic auth.
#   elasticsearch/data:
#     config:
#       username: holmes
#       password: "{{ env.ES_PASSWORD }}"
#   # Turn a discovered toolset off.
#   elasticsearch/cluster:
#     enabled: false
#   # Keep kubernetes/logs on although a log backend (grafana/loki) is published.
#   kubernetes/logs:
#     enabled: true
#   # A toolset of your own (HolmesGPT 2026 HTTP format: description, type http and config.endpoints).
#   runbooks/api:
#     type: http
#     description: Internal runbook wiki (read-only)
#     config:
#       endpoints:
#         - hosts: ["wiki.example.com"]
#           paths: ["/api/*"]
#           methods: [GET]
#   # With holmesgpt.multi_instance, another instance is overridden under its suffixed name.
#   "prometheus/metrics:monitoring-prometheus-two":
#     config:
#       headers:
#         Authorization: "Bearer {{ env.PROMETHEUS_TOKEN }}"
`;
