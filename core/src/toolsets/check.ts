// Would HolmesGPT 2026 load this toolsets file, every toolset recognised and config-valid? A pure check of parsed
// data against the model in holmes.ts, used three ways: the renderer refuses to write a file that fails it,
// overrides.yaml is merged only when the merged file passes it, and `dynamic-toolset toolsets validate <file>`
// prints its problems. Every problem has the path of the offending key.
import {
  checkConfigKey,
  ENTRY_KEYS,
  HTTP_TOOLSET_TYPE,
  INSTANCE_NAME_KEY,
  isBuiltin,
  isEntryKey,
  LIST_ENTRY_KEYS,
  ENV_TEMPLATE,
  MCP_CONFIG_KEYS,
  MCP_MODES,
  MCP_TOOLSET_TYPE,
  MISPLACED_ENTRY_KEYS,
  baseName,
  supportsInstances,
  TEXT_ENTRY_KEYS,
  TOP_LEVEL_KEYS,
} from './holmes.js';

export interface HolmesProblem {
  /** Keys (and list indexes) from the document's root to the offending node. */
  path: Array<string | number>;
  message: string;
}

/** `toolsets.grafana/loki.config.instances[1].api_url`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function own(o: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

export interface CheckOptions {
  /** The daemon's own output must carry at least one toolset; a hand-written file may hold only MCP servers. */
  requireToolsets?: boolean;
}

/** Every reason HolmesGPT would not load the document as written (empty: it loads cleanly). */
export function checkToolsetsDocument(doc: unknown, options: CheckOptions = {}): HolmesProblem[] {
  const problems: HolmesProblem[] = [];
  const add = (path: Array<string | number>, message: string) => problems.push({ path, message });
  dottedKeys(doc, [], add);
  if (!isMapping(doc)) {
    add([], 'must be a mapping with a "toolsets:" key');
    return problems;
  }
  for (const k of Object.keys(doc)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(k)) add([k], `unknown top-level key; HolmesGPT reads ${TOP_LEVEL_KEYS.join(', ')}`);
  }
  const toolsets = own(doc, 'toolsets');
  const mcp = own(doc, 'mcp_servers');
  if (toolsets === undefined || toolsets === null) {
    if (options.requireToolsets || mcp === undefined || mcp === null) add(['toolsets'], 'missing: HolmesGPT refuses to start without toolsets (or mcp_servers)');
  } else if (!isMapping(toolsets)) {
    add(['toolsets'], 'must be a mapping of name → entry (HolmesGPT rejects a list-shaped "toolsets:")');
  } else {
    if (options.requireToolsets && Object.keys(toolsets).length === 0) add(['toolsets'], 'empty: HolmesGPT refuses to start without toolsets');
    for (const [name, entry] of Object.entries(toolsets)) checkEntry(name, entry, ['toolsets', name], add);
  }
  if (mcp !== undefined && mcp !== null) {
    if (!isMapping(mcp)) add(['mcp_servers'], 'must be a mapping of name → server');
    else {
      for (const [name, server] of Object.entries(mcp)) {
        checkMcpServer(server, ['mcp_servers', name], add);
        // HolmesGPT merges mcp_servers into its toolsets by name (toolset_manager.py): one would replace the other.
        const clash = isMapping(toolsets) && Object.prototype.hasOwnProperty.call(toolsets, name) ? 'the toolset of that name in this file' : isBuiltin(name) ? `HolmesGPT's built-in toolset ${name}` : undefined;
        if (clash) add(['mcp_servers', name], `HolmesGPT keeps MCP servers and toolsets under one name space: this MCP server would replace ${clash}; rename it`);
      }
    }
  }
  return problems;
}

export type Add = (path: Array<string | number>, message: string) => void;

/** HolmesGPT parses the file with python-benedict, whose key-path separator is ".": one such key fails the whole file. */
export function dottedKeys(value: unknown, path: Array<string | number>, add: Add): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => dottedKeys(v, [...path, i], add));
    return;
  }
  if (!isMapping(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('.')) add([...path, k], 'a key with "." makes HolmesGPT\'s parser (python-benedict, "." is its key-path separator) fail the WHOLE file; rename the key');
    dottedKeys(v, [...path, k], add);
  }
}

/**
 * Checks one `toolsets:` entry. Exported for overrides.ts, which checks the admin's entry on its own with
 * `patch: true` (a patch to a generated entry need not describe a custom toolset itself; the merged file is
 * checked whole before it is written).
 */
export function checkEntry(name: string, entry: unknown, path: Array<string | number>, add: Add, options: { patch?: boolean } = {}): void {
  if (!isMapping(entry)) {
    add(path, 'must be a mapping, e.g. "{enabled: true, config: {...}}"');
    return;
  }
  const keyProblems = checkEntryKeys(entry, path, add);
  const config = own(entry, 'config');
  const base = baseName(name);
  if (!isBuiltin(name)) {
    if (base !== name && isBuiltin(base)) {
      add(path, `"${name}" is not a built-in toolset (HolmesGPT fails it: "description Field required"); list several ${base} instances under ${base}'s config.instances`);
      return;
    }
    // The shape check would only repeat a bad key or type found above.
    if (!options.patch && keyProblems === 0) checkCustom(entry, path, add);
    return;
  }
  if (isMapping(config)) checkBuiltinConfig(name, config, [...path, 'config'], add);
}

/** Entry keys HolmesGPT accepts, each of the right kind (shared by toolsets and MCP servers); answers the problems found. */
function checkEntryKeys(entry: Record<string, unknown>, path: Array<string | number>, add: Add): number {
  let keyProblems = 0;
  for (const [k, v] of Object.entries(entry)) {
    if (!isEntryKey(k)) {
      keyProblems++;
      add([...path, k], unknownEntryKey(k));
      continue;
    }
    if (v === null) continue;
    const at = [...path, k];
    if (k === 'enabled' && typeof v !== 'boolean') add(at, 'must be true or false');
    else if (k === 'config' && !isMapping(v)) add(at, 'must be a mapping');
    else if (TEXT_ENTRY_KEYS.has(k) && typeof v !== 'string') add(at, 'must be text');
    else if (LIST_ENTRY_KEYS.has(k) && !Array.isArray(v)) add(at, 'must be a list');
    else if ((k === 'tags' || k === 'approval_required_tools') && !(v as unknown[]).every((t) => typeof t === 'string')) add(at, 'must be a list of text');
    else continue;
    keyProblems++;
  }
  return keyProblems;
}

function unknownEntryKey(k: string): string {
  const misplaced = Object.prototype.hasOwnProperty.call(MISPLACED_ENTRY_KEYS, k) ? MISPLACED_ENTRY_KEYS[k] : undefined;
  if (misplaced) return misplaced;
  const hint = closest(k, ENTRY_KEYS);
  return `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}: HolmesGPT drops an entry with one; allowed: ${ENTRY_KEYS.join(', ')}`;
}

function checkBuiltinConfig(name: string, config: Record<string, unknown>, path: Array<string | number>, add: Add): void {
  for (const k of Object.keys(config)) {
    const verdict = checkConfigKey(name, k);
    if (!verdict.ok) add([...path, k], verdict.message);
  }
  const instances = own(config, 'instances');
  if (instances === undefined || instances === null || !supportsInstances(name)) return;
  if (!Array.isArray(instances) || instances.length === 0) {
    add([...path, 'instances'], 'must be a non-empty list of instances, each with a "name"');
    return;
  }
  const seen = new Set<string>();
  instances.forEach((inst, i) => {
    const at = [...path, 'instances', i];
    if (!isMapping(inst)) {
      add(at, 'each instance must be a mapping with a "name"');
      return;
    }
    const n = own(inst, INSTANCE_NAME_KEY);
    if (typeof n !== 'string' || n.trim() === '') add(at, 'each instance needs a "name" (text)');
    else if (seen.has(n)) add([...at, INSTANCE_NAME_KEY], `instance name "${n}" is used twice`);
    else seen.add(n);
    for (const k of Object.keys(inst)) {
      const verdict = checkConfigKey(name, k, true);
      if (!verdict.ok) add([...at, k], verdict.message);
    }
  });
}

/** A name HolmesGPT does not ship: `type: http` with `config.endpoints` (2026), or `description` + `tools`. */
function checkCustom(entry: Record<string, unknown>, path: Array<string | number>, add: Add): void {
  const type = own(entry, 'type');
  const config = own(entry, 'config');
  if (type === HTTP_TOOLSET_TYPE) {
    const endpoints = isMapping(config) ? own(config, 'endpoints') : undefined;
    if (!Array.isArray(endpoints) || endpoints.length === 0) {
      add([...path, 'config', 'endpoints'], 'a "type: http" toolset needs config.endpoints: [{hosts: [...], paths: [...], methods: [GET]}]');
    } else {
      endpoints.forEach((e, i) => {
        const at = [...path, 'config', 'endpoints', i];
        if (!isMapping(e)) return add(at, 'each endpoint must be a mapping with "hosts"');
        const hosts = own(e, 'hosts');
        if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every((h) => typeof h === 'string' && h !== '')) add([...at, 'hosts'], 'must be a non-empty list of host[:port] text');
        for (const k of ['paths', 'methods']) {
          const v = own(e, k);
          if (v !== undefined && (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))) add([...at, k], 'must be a list of text');
        }
      });
    }
    if (typeof own(entry, 'description') !== 'string' || own(entry, 'description') === '') add([...path, 'description'], 'a custom toolset needs a description');
    return;
  }
  if (type !== undefined && type !== null) {
    add([...path, 'type'], `a custom toolset is "type: ${HTTP_TOOLSET_TYPE}" (with config.endpoints) or has description and tools`);
    return;
  }
  const description = own(entry, 'description');
  const tools = own(entry, 'tools');
  if (typeof description !== 'string' || description === '' || !Array.isArray(tools)) {
    add(path, 'not a HolmesGPT built-in, so a custom toolset: it needs "type: http" with config.endpoints, or "description" and "tools" (HolmesGPT fails it with "description Field required")');
  }
}

/**
 * Checks one `mcp_servers:` entry against what HolmesGPT reads for a remote MCP server (holmes.ts MCP_CONFIG_KEYS).
 * Exported for overrides.ts, which checks the admin's entry on its own with `patch: true` (a patch to a discovered
 * server need not repeat its URL; the merged file is checked whole before it is written).
 */
export function checkMcpServer(server: unknown, path: Array<string | number>, add: Add, options: { patch?: boolean } = {}): void {
  if (!isMapping(server)) {
    add(path, 'each MCP server must be a mapping (description, config: {url, mode})');
    return;
  }
  checkEntryKeys(server, path, add);
  const type = own(server, 'type');
  if (type !== undefined && type !== null && type !== MCP_TOOLSET_TYPE) add([...path, 'type'], `HolmesGPT sets "type: ${MCP_TOOLSET_TYPE}" on every MCP server and ignores this one; remove it`);
  const config = own(server, 'config');
  if (config !== undefined && config !== null && !isMapping(config)) return; // reported above
  const cfg = isMapping(config) ? config : undefined;
  if (cfg) {
    for (const k of Object.keys(cfg)) {
      if (!(MCP_CONFIG_KEYS as readonly string[]).includes(k)) add([...path, 'config', k], `\`${k}\` is not read by HolmesGPT for an MCP server (it ignores it); it reads ${MCP_CONFIG_KEYS.join(', ')}`);
    }
  }
  // A top-level `url` is HolmesGPT's older form, still moved into config.url (toolset_mcp.py migrate_url_to_config).
  const inConfig = cfg !== undefined && own(cfg, 'url') !== undefined && own(cfg, 'url') !== null;
  const url = inConfig ? own(cfg!, 'url') : own(server, 'url');
  const urlPath = inConfig || own(server, 'url') === undefined ? [...path, 'config', 'url'] : [...path, 'url'];
  if (url === undefined || url === null || url === '') {
    if (!options.patch) add([...path, 'config', 'url'], 'an MCP server needs config.url');
  } else if (typeof url !== 'string' || !isHttpUrl(url)) {
    add(urlPath, 'must be an http(s) URL (HolmesGPT parses it as one)');
  }
  const mode = cfg ? own(cfg, 'mode') : undefined;
  if (mode !== undefined && mode !== null && !(MCP_MODES as readonly unknown[]).includes(mode)) add([...path, 'config', 'mode'], `must be one of ${MCP_MODES.join(', ')}`);
  const headers = cfg ? own(cfg, 'headers') : undefined;
  if (headers !== undefined && headers !== null) {
    if (!isMapping(headers)) add([...path, 'config', 'headers'], 'must be a mapping of header name → text');
    else for (const [h, v] of Object.entries(headers)) if (typeof v !== 'string') add([...path, 'config', 'headers', h], 'must be text (HolmesGPT reads headers as text → text)');
  }
}

/** An absolute http(s) URL; one holding `{{ env.NAME }}` is taken as written (HolmesGPT fills it in first). */
function isHttpUrl(u: string): boolean {
  if (new RegExp(ENV_TEMPLATE.source).test(u)) return true;
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
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
