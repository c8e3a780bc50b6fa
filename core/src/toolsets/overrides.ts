// overrides.yaml: admin-owned, the shape of custom_toolset.yaml (`toolsets:` mapping, optional `mcp_servers:`).
// The daemon never writes it except to create OVERRIDES_TEMPLATE when the key is absent. It is applied whole or
// not at all: any problem makes parseOverrides answer every problem with its line, and generation goes on
// without overrides (the caller logs, counts and shows the error). Checked against HolmesGPT's model
// (holmes.ts, check.ts): no "." in any key (HolmesGPT's parser fails the whole file over one), only entry keys
// HolmesGPT accepts, config keys the toolset reads (a renamed or ignored key names the one to write). The
// merged file is checked whole by render.ts before anything is written.
//
// Merge, per toolset name (mergeEntry): JSON Merge Patch (RFC 7386) — mappings merge key by key and the admin's
// value wins (`config.api_key` next to the discovered URL), any other value replaces (a list is replaced whole),
// `null` removes the key. One exception: `config.instances` entries merge by `name` into the generated instance
// of that name (a new name adds an instance), so an admin addresses one instance. `enabled: false` turns a
// discovered toolset off. A name the daemon did not generate is added as written, with `enabled: true` when the
// admin left `enabled` out.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import { canonicalEntry } from './build.js';
import { checkEntry as checkHolmesEntry, checkMcpServer, dottedKeys, formatPath } from './check.js';
import type { HolmesProblem } from './check.js';
import { compareStrings, getOwn, isPlainObject, mergePatch, oneLine, plainCopy, setOwn } from './data.js';
import type { Plain, PlainObject } from './data.js';
import { ENTRY_KEYS, INSTANCE_NAME_KEY, OVERRIDES_KEY, TOP_LEVEL_KEYS } from './holmes.js';

export interface OverridesProblem {
  line?: number;
  /** Dotted path, e.g. `toolsets.grafana/loki.enable`. */
  path?: string;
  message: string;
}

export interface Overrides {
  /** Toolset name → the admin's entry (a JSON copy). Sorted by name. */
  toolsets: Map<string, PlainObject>;
  /**
   * `mcp_servers:` as written, or undefined: each merges into the discovered MCP server of that name (mcp.ts), or
   * is added as written.
   */
  mcpServers?: PlainObject;
}

export type OverridesResult =
  | { ok: true; overrides: Overrides }
  | { ok: false; errors: OverridesProblem[]; /** All problems, one line each, joined with "; ". */ message: string };

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
  dottedKeys(data, [], (path, message) => errors.push({ line: lineAt(doc, path, counter), path: formatPath(path), message }));
  const toolsets = new Map<string, PlainObject>();
  let mcpServers: PlainObject | undefined;
  for (const pair of root.items) {
    const key = scalarKey(pair);
    const line = lineOf(pair.key);
    if (key === undefined || !(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
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
  const found: HolmesProblem[] = [];
  checkHolmesEntry(name, value, ['toolsets', name], (p, message) => found.push({ path: p, message }), { patch: true });
  for (const p of found) {
    errors.push({ line: lineAt(doc, p.path, undefined, lineOf) ?? lineOf(item.key), path: formatPath(p.path), message: p.message });
  }
  if (found.length > 0) return undefined;
  return plainCopy(value) as PlainObject;
}

/** The line in overrides.yaml `text` of the key at `path` (or of its nearest parent there), if any. */
export function overridesLine(text: string, path: ReadonlyArray<string | number>): number | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  return doc.errors.length > 0 ? undefined : lineAt(doc, path, counter);
}

/** The line of the node at `path` (keys and list indexes), following aliases; undefined when it is not there. */
function lineAt(doc: Document, path: ReadonlyArray<string | number>, counter?: LineCounter, lineOf?: LineOf): number | undefined {
  const line = lineOf ?? ((n: unknown) => {
    const range = (n as Node | null | undefined)?.range;
    return range && counter ? counter.linePos(range[0]).line : undefined;
  });
  let node: unknown = doc.contents;
  let keyNode: unknown = node;
  for (const seg of path) {
    node = deref(doc, node);
    if (typeof seg === 'number') {
      if (!isSeq(node)) return line(keyNode);
      node = keyNode = node.items[seg];
    } else {
      if (!isMap(node)) return line(keyNode);
      const pair = node.items.find((p) => scalarKey(p) === seg);
      if (!pair) return line(keyNode);
      keyNode = pair.key;
      node = pair.value;
    }
  }
  return line(keyNode);
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
    // Only what HolmesGPT reads for an MCP server; a patch to a discovered server need not repeat its URL.
    const found: HolmesProblem[] = [];
    checkMcpServer(v, ['mcp_servers', name], (p, message) => found.push({ path: p, message }), { patch: true });
    for (const p of found) errors.push({ line: lineAt(doc, p.path, undefined, lineOf) ?? lineOf(pair.key), path: formatPath(p.path), message: p.message });
    if (found.length === 0) setOwn(out, name, plainCopy(v)!);
  }
  return out;
}

/** The admin's entry merged into a generated one (or into nothing, for an admin-only name). */
/**
 * The admin's entry merged into a generated one (or into nothing, for an admin-only name). `instance`: the name
 * of the generated entry's only instance, so that `config.instances: [{name: <it>, …}]` in overrides.yaml
 * addresses it even when the entry was written flat (one instance).
 */
export function mergeEntry(base: PlainObject | undefined, override: PlainObject, instance?: string): PlainObject {
  const patchConfig = getOwn(override, 'config');
  const patchInstances = isPlainObject(patchConfig) ? getOwn(patchConfig, 'instances') : undefined;
  if (!Array.isArray(patchInstances) || base === undefined || !isPlainObject(base.config)) {
    return finish(mergePatch(base ?? {}, override) as PlainObject);
  }
  const baseConfig = base.config as PlainObject;
  let baseInstances: Plain[];
  let globals: PlainObject = {};
  if (Array.isArray(baseConfig.instances)) {
    baseInstances = baseConfig.instances;
    for (const [k, v] of Object.entries(baseConfig)) if (k !== 'instances') setOwn(globals, k, v);
  } else if (instance !== undefined && Object.keys(baseConfig).length > 0) {
    baseInstances = [{ [INSTANCE_NAME_KEY]: instance, ...baseConfig }];
  } else {
    return finish(mergePatch(base, override) as PlainObject);
  }
  const nameOf = (v: unknown) => (isPlainObject(v) ? getOwn(v, INSTANCE_NAME_KEY) : undefined);
  const instances: Plain[] = baseInstances.map((inst) => {
    const patch = patchInstances.find((p) => nameOf(p) !== undefined && nameOf(p) === nameOf(inst));
    return patch !== undefined ? (mergePatch(inst, patch as Plain) as Plain) : inst;
  });
  for (const p of patchInstances as Plain[]) if (!baseInstances.some((b) => nameOf(b) !== undefined && nameOf(b) === nameOf(p))) instances.push(p);
  const restConfig: PlainObject = {};
  for (const [k, v] of Object.entries(patchConfig as PlainObject)) if (k !== 'instances') setOwn(restConfig, k, v);
  globals = mergePatch(globals, restConfig) as PlainObject;
  const rest: PlainObject = {};
  for (const [k, v] of Object.entries(override)) if (k !== 'config') setOwn(rest, k, v);
  const merged = mergePatch(base, rest) as PlainObject;
  merged.config = { ...globals, instances };
  return finish(merged);
}

function finish(merged: PlainObject): PlainObject {
  if (typeof merged.enabled !== 'boolean') setOwn(merged, 'enabled', true);
  return canonicalEntry(merged);
}

/**
 * What the daemon writes to overrides.yaml when the key is absent: comments only (it overrides nothing), with
 * examples an admin can uncomment. The daemon never writes the key again.
 */
export const OVERRIDES_TEMPLATE = `# overrides.yaml belongs to you, the cluster admin. dynamic-toolset wrote this template because the key was
# missing and never writes this key again (delete the key to get the template back).
#
# Same shape as custom_toolset.yaml: a "toolsets:" mapping of toolset name -> entry, and optionally
# "mcp_servers:" (each merged into the discovered MCP server of the same name, else added as written; an MCP
# server's config takes url, mode and headers). Each entry is merged into the generated toolset of the same name:
#   - mappings merge key by key and your values win, so you can add credentials and keep the discovered URL;
#   - any other value (text, number, list) replaces the generated one, and null removes it;
#   - config.instances entries merge by "name" into the generated instance of that name (see below);
#   - "enabled: false" turns a discovered toolset off;
#   - a name the daemon does not generate is added as you wrote it ("enabled: true" is added if you leave it out).
# Entry keys HolmesGPT accepts: ${ENTRY_KEYS.slice(0, 7).join(', ')},
# ${ENTRY_KEYS.slice(7).join(', ')}.
# This file is checked against what HolmesGPT 2026 loads, and ignored whole (the error is reported in the log,
# the metrics and a comment at the top of custom_toolset.yaml) when anything in it would break HolmesGPT:
#   - an unknown entry key (a typo such as "enable", or "additional_instructions", removed in 2026-02);
#   - a config key the toolset does not read, or an old name of one (grafana/* read api_url and
#     additional_headers, not url and headers; elasticsearch/* read api_key or username/password, no headers);
#   - a "." anywhere in a key (e.g. a header "x.tenant.id"): HolmesGPT's parser fails the WHOLE file over one;
#   - a name HolmesGPT does not ship that is not a custom toolset ("type: http" with config.endpoints).
#
# "{{ env.NAME }}" is replaced by HolmesGPT from its own pod's environment, and the toolset is dropped when NAME
# is not set there: keep secrets in a Secret, pass them to the HolmesGPT pod as environment variables, and
# reference them here. The daemon never writes such references itself.
#
# Examples (remove the leading "# " to use them):
#
# toolsets:
#   # Grafana with an API key (sent as a Bearer token); the discovered api_url stays.
#   grafana/dashboards:
#     config:
#       api_key: "{{ env.GRAFANA_API_KEY }}"
#   # Multi-tenant Loki: a header on every query.
#   grafana/loki:
#     config:
#       additional_headers:
#         X-Scope-OrgID: my-tenant
#   # Elasticsearch with basic auth.
#   elasticsearch/data:
#     config:
#       username: holmes
#       password: "{{ env.ES_PASSWORD }}"
#   # Turn a discovered toolset off.
#   elasticsearch/cluster:
#     enabled: false
#   # Keep kubernetes/logs on although a logging toolset (grafana/loki) is published.
#   kubernetes/logs:
#     enabled: true
#   # One instance of several (holmesgpt.multi_instance): address it by its instance name (<namespace>-<name> of
#   # its Service, as GET /api/v1/toolsets and the comments in custom_toolset.yaml show); the others stay as found.
#   prometheus/metrics:
#     config:
#       instances:
#         - name: monitoring-prometheus-two
#           additional_headers:
#             Authorization: "Bearer {{ env.PROMETHEUS_TOKEN }}"
#   # A toolset of your own (HolmesGPT 2026 HTTP format: description, type http and config.endpoints).
#   runbooks/api:
#     type: http
#     description: Internal runbook wiki (read-only)
#     config:
#       endpoints:
#         - hosts: ["wiki.example.com"]
#           paths: ["/api/*"]
#           methods: [GET]
#
# mcp_servers:
#   # A discovered MCP server (a Service annotated kubernaut.io/toolset-type: mcp) is named <namespace>-<name> of
#   # its Service (GET /api/v1/toolsets shows it). Add a header, or turn it off with "enabled: false":
#   #   tools-argocd-mcp:
#   #     config:
#   #       headers:
#   #         Authorization: "Bearer {{ env.ARGOCD_MCP_TOKEN }}"
#   # An MCP server of your own (mode: streamable-http, or sse for an older server).
#   github:
#     description: GitHub MCP server
#     config:
#       url: http://github-mcp.tools.svc.cluster.local:8000/mcp
#       mode: streamable-http
`;
