// Detector config text → Config, or every problem with file, line and key path. Never half-applied:
// the caller gets either a complete Config or the list of errors, and keeps its running config on errors.
// Input is bounded before it is parsed (size), while it is parsed (nesting, aliases, their expansion) and in
// what is reported (the first problems, not ten thousand of them): a config is an admin's input, but one
// careless or hostile file must not cost the daemon seconds of CPU or its memory.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node } from 'yaml';
import { DNS_LABEL } from '@kubernaut/toolset-sdk';
import { BUILTIN_PRIORITIES, configSchema, defaultPriority, withDefaults, DEFAULT_CONFIG } from './schema.js';
import type { Config } from './schema.js';
import { INLINE_PARSE_BYTES, parseOnWorker, workerEntryDescription } from './off-thread.js';

/**
 * The largest config accepted, in bytes, checked before anything is parsed. A ConfigMap holds at most 1 MiB in
 * all; the shipped config with every key is under 2 KiB, so a quarter of the ConfigMap limit leaves room for
 * large plugin.config blocks while bounding the worst parse to about a second of CPU (on a worker thread,
 * off-thread.ts).
 */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** YAML aliases resolved in one document (yaml's own count: nested aliases multiply), against alias bombs. */
export const MAX_ALIAS_COUNT = 100;
/** The config as data, aliases expanded: bounds what 100 aliases of a large anchor can blow up to. */
export const MAX_EXPANDED_BYTES = 1024 * 1024;
/** Nesting depth of collections; the config itself is 5 deep, plugin.config gets the rest. */
export const MAX_DEPTH = 32;
/** Problems reported for one config: enough to fix a real file, bounded for a generated one. */
export const MAX_PROBLEMS = 50;
/** The only explicit tags allowed: YAML 1.2's core schema. Anything else (`!!python/object`, `!!binary`, `!custom`) is an error. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

export interface ConfigProblem {
  file: string;
  line?: number;
  /** Dotted key path, e.g. `detectors.prometheus.priority`. */
  key?: string;
  message: string;
}

/**
 * `absent` says the source had no config at all: the file is missing, or empty (nothing but comments or
 * whitespace). At start that means the defaults; a reload that would reset a running config to them is refused
 * (reloader.ts), because an empty or vanished file is far more often an accident (a truncating editor, a broken
 * mount) than a wish to reset every detector; `detectors: {}` is the explicit reset.
 */
export type ConfigResult =
  | { ok: true; config: Config; warnings: ConfigProblem[]; absent?: 'missing' | 'empty' }
  | { ok: false; errors: ConfigProblem[] };

export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.file;
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
}

export interface LoadOptions {
  /** Where `plugin.path` entries are resolved; when given, a missing file is an error. */
  pluginsDir?: string;
}

function lineOf(doc: Document, counter: LineCounter, keyPath: ReadonlyArray<PropertyKey>, unknownKey?: string): number | undefined {
  const parentPath = keyPath.map((k) => (typeof k === 'symbol' ? String(k) : k));
  let node: unknown = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  if (unknownKey !== undefined && isMap(node)) {
    const pair = node.items.find((it) => isScalar(it.key) && it.key.value === unknownKey);
    node = pair?.key ?? node;
  }
  // Fall back to the nearest ancestor that exists in the document.
  for (let depth = parentPath.length - 1; (node === undefined || node === null) && depth >= 0; depth--) {
    node = depth === 0 ? doc.contents : doc.getIn(parentPath.slice(0, depth), true);
  }
  const range = (node as Node | null | undefined)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;
}

/** The size rule, for any source: checked before a byte of the text is parsed. */
export function sizeProblem(bytes: number, file: string, atLeast = false): ConfigProblem | undefined {
  if (bytes <= MAX_CONFIG_BYTES) return undefined;
  return { file, message: `the config is ${atLeast ? 'at least ' : ''}${formatBytes(bytes)}; the limit is ${formatBytes(MAX_CONFIG_BYTES)} (${MAX_CONFIG_BYTES} bytes): refused without parsing it` };
}

/** The size rule for a source that holds the text already (a ConfigMap value), without encoding a huge one. */
export function textSizeProblem(text: string, file: string): ConfigProblem | undefined {
  // Each UTF-16 unit is at least one UTF-8 byte, at most three.
  if (text.length > MAX_CONFIG_BYTES) return sizeProblem(text.length, file, true);
  return text.length * 3 <= MAX_CONFIG_BYTES ? undefined : sizeProblem(Buffer.byteLength(text, 'utf8'), file);
}

class Problems {
  readonly list: ConfigProblem[] = [];
  dropped = 0;
  constructor(private readonly file: string) {}
  /** `line` is computed only for problems that are reported, so a file with 10,000 errors costs 50 lookups. */
  add(p: { line?: () => number | undefined; key?: string; message: string }): void {
    if (this.list.length >= MAX_PROBLEMS) {
      this.dropped++;
      return;
    }
    const line = p.line?.();
    this.list.push({ file: this.file, ...(line !== undefined ? { line } : {}), ...(p.key !== undefined ? { key: p.key } : {}), message: p.message });
  }
  result(): ConfigProblem[] {
    const sorted = this.list.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return this.dropped > 0 ? [...sorted, { file: this.file, message: `${this.dropped} more problem(s) not listed` }] : sorted;
  }
}

/**
 * What the YAML parser accepts but a config must not contain, in one pass over the document: tags outside the
 * core schema, keys that are not plain scalars (JavaScript would stringify them), duplicate keys (yaml's own
 * uniqueKeys check is quadratic in the number of keys) and nesting deeper than MAX_DEPTH.
 */
function checkStructure(doc: Document, counter: LineCounter, problems: Problems): { aliases: number } {
  const lineAt = (node: Node | null | undefined) => () => (node?.range ? counter.linePos(node.range[0]).line : undefined);
  let aliases = 0;
  visit(doc, {
    Alias() {
      aliases++;
    },
    Node(_key, node, path) {
      if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
        problems.add({ line: lineAt(node), message: `invalid YAML: tag ${node.tag} is not allowed; only plain YAML values (strings, numbers, booleans, null, maps, lists) are` });
      }
      // path holds the document, then a pair and a collection per level.
      if (path.length > 2 * MAX_DEPTH) {
        problems.add({ line: lineAt(node), message: `invalid YAML: nested more than ${MAX_DEPTH} levels deep` });
        return visit.SKIP;
      }
      if (isMap(node)) {
        const seen = new Set<string>();
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const k = pair.key;
          if (!isScalar(k)) {
            problems.add({ line: lineAt(k as Node | null), message: 'invalid YAML: map keys must be plain values, not lists, maps or aliases' });
            continue;
          }
          const name = String(k.value);
          if (seen.has(name)) problems.add({ line: lineAt(k), message: `invalid YAML: Map keys must be unique ("${name}" is given twice)` });
          seen.add(name);
        }
      }
      return undefined;
    },
  });
  return { aliases };
}

/** The size of `data` as text, counted until it passes `limit` (then `limit + 1`): aliases share objects, so this is what expanding them costs. */
function expandedSize(data: unknown, limit: number): number {
  let size = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0 && size <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 2;
    else if (typeof v !== 'object' || v === null) size += String(v).length + 1;
    else if (Array.isArray(v)) {
      size += 2 + v.length;
      for (const x of v) stack.push(x);
    } else {
      for (const [k, x] of Object.entries(v)) {
        size += k.length + 4;
        stack.push(x);
      }
      size += 2;
    }
  }
  return Math.min(size, limit + 1);
}

/** A document with no content: an empty file, only comments or whitespace, a bare `---` or `null`. */
function isEmptyDocument(doc: Document): boolean {
  const c = doc.contents;
  return c === null || (isScalar(c) && c.value === null && c.tag === undefined);
}

/**
 * Parses and validates config text. `file` is only used in messages. Synchronous and CPU-bound: the daemon calls
 * it through parseConfigOffThread (parse-off-thread.ts), which runs large texts on a worker thread.
 */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): ConfigResult {
  const tooLarge = textSizeProblem(text, file);
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  try {
    return parseBounded(text, file, options);
  } catch (err) {
    // The checks above bound the input, so this is a bug or an exhausted stack; still the input's problem, never a crash.
    return { ok: false, errors: [{ file, message: `cannot parse the config: ${(err as Error).message}` }] };
  }
}

function parseBounded(text: string, file: string, options: LoadOptions): ConfigResult {
  const counter = new LineCounter();
  // YAML 1.2 core schema whatever the document's %YAML directive says: no 1.1 merge keys, timestamps, sets or binaries.
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false, version: '1.2', schema: 'core', merge: false });
  const problems = new Problems(file);
  for (const e of doc.errors) {
    problems.add({ line: () => counter.linePos(e.pos[0]).line, message: `invalid YAML: ${e.message.split('\n')[0]}` });
  }
  if (problems.list.length > 0) return { ok: false, errors: problems.result() };
  if (isEmptyDocument(doc)) {
    return {
      ok: true,
      config: DEFAULT_CONFIG,
      absent: 'empty',
      warnings: [{ file, message: 'the config is empty (no keys, only comments or whitespace): at start the defaults apply, on a reload the running config stays; write "detectors: {}" to reset every detector to its defaults' }],
    };
  }
  const { aliases } = checkStructure(doc, counter, problems);
  if (problems.list.length > 0) return { ok: false, errors: problems.result() };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws for an alias bomb ("Excessive alias count") and for an alias used before its anchor.
    const message = (err as Error).message;
    return {
      ok: false,
      errors: [{ file, message: /excessive alias count/i.test(message) ? `invalid YAML: aliases expand too often (more than ${MAX_ALIAS_COUNT} resolved, counting aliases inside anchors): refused as a possible alias bomb` : `invalid YAML: ${message}` }],
    };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, errors: [{ file, line: 1, message: 'the config must be a mapping (e.g. "detectors: {...}")' }] };
  }
  if (aliases > 0 && expandedSize(data, MAX_EXPANDED_BYTES) > MAX_EXPANDED_BYTES) {
    return { ok: false, errors: [{ file, message: `invalid YAML: with its ${aliases} alias(es) expanded the config is larger than ${formatBytes(MAX_EXPANDED_BYTES)}: refused as a possible alias bomb` }] };
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const keyPath = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          problems.add({
            line: () => lineOf(doc, counter, keyPath, k),
            key: [...keyPath, k].join('.'),
            message: `unknown key "${k}"${allowedKeysHint(keyPath)}`,
          });
        }
      } else {
        problems.add({ line: () => lineOf(doc, counter, keyPath), ...(keyPath.length > 0 ? { key: keyPath.join('.') } : {}), message: issue.message });
      }
    }
    return { ok: false, errors: problems.result() };
  }
  const config = withDefaults(parsed.data);
  // Cross-field rules the schema cannot express.
  // Priorities: a configured one must differ from every other detector's effective one, configured or the
  // built-in default (a tie would make the order depend on names, not on the config).
  const configuredBy = new Map<number, string>();
  const defaultOf = new Map<number, string>();
  for (const name of Object.keys(BUILTIN_PRIORITIES)) {
    if (config.detectors[name]?.priority === undefined) defaultOf.set(defaultPriority(name, true), name);
  }
  for (const [name, d] of Object.entries(config.detectors)) {
    if (!DNS_LABEL.test(name)) {
      problems.add({
        line: () => lineOf(doc, counter, ['detectors'], name),
        key: `detectors.${name}`,
        message: 'detector names are lower-case DNS labels (a-z, 0-9, "-"), as in the plugin manifest',
      });
    }
    if (d.priority !== undefined) {
      const configured = configuredBy.get(d.priority);
      const byDefault = defaultOf.get(d.priority);
      if (configured !== undefined || byDefault !== undefined) {
        problems.add({
          line: () => lineOf(doc, counter, ['detectors', name, 'priority']),
          key: `detectors.${name}.priority`,
          message:
            configured !== undefined
              ? `priority ${d.priority} is already used by detector "${configured}"; priorities must be unique so the order is unambiguous`
              : `priority ${d.priority} is already used by detector "${byDefault}" (its default priority); priorities must be unique so the order is unambiguous: choose another, or give "${byDefault}" another priority too`,
        });
      }
      if (configured === undefined) configuredBy.set(d.priority, name);
    }
    const rel = d.plugin?.path;
    if (rel !== undefined && options.pluginsDir !== undefined && !existsSync(path.join(options.pluginsDir, rel))) {
      problems.add({
        line: () => lineOf(doc, counter, ['detectors', name, 'plugin', 'path']),
        key: `detectors.${name}.plugin.path`,
        message: `plugin file ${path.join(options.pluginsDir, rel)} does not exist`,
      });
    }
  }
  if (problems.list.length > 0) return { ok: false, errors: problems.result() };
  return { ok: true, config, warnings: [] };
}

const ALLOWED: Record<string, string[]> = {
  '': ['resync_interval', 'health_check', 'primary', 'holmesgpt', 'detectors'],
  health_check: ['enabled', 'timeout', 'retries', 'tls_verify', 'concurrency', 'interval'],
  holmesgpt: ['multi_instance'],
  detector: ['enabled', 'priority', 'health_check', 'namespaces', 'required_annotations', 'plugin'],
  'detector.health_check': ['enabled', 'path', 'timeout', 'retries', 'tls_verify'],
  'detector.namespaces': ['include', 'exclude'],
  'detector.plugin': ['path', 'sha256', 'config'],
  'detector.required_annotations': ['all', 'any'],
};

function allowedKeysHint(keyPath: ReadonlyArray<PropertyKey>): string {
  const p = keyPath.map(String);
  const shape = p[0] === 'detectors' && p.length >= 2 ? ['detector', ...p.slice(2)].join('.') : p.join('.');
  const allowed = ALLOWED[shape];
  return allowed ? `; allowed here: ${allowed.join(', ')}` : '';
}

/**
 * Reads a config file: its size from stat before a byte is read, then at most the cap (plus one byte, for a file
 * that grew since), then parses it off the daemon's thread when large. A missing file yields the defaults (all
 * built-ins enabled in default order), marked `absent` so a reload keeps the running config instead.
 */
export async function loadConfigFile(file: string, options: LoadOptions = {}): Promise<ConfigResult> {
  let text: string;
  try {
    const read = await readBounded(file);
    if ('problem' in read) return { ok: false, errors: [read.problem] };
    text = read.text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ok: true, config: DEFAULT_CONFIG, absent: 'missing', warnings: [{ file, message: 'file not found: using the defaults (all built-in detectors enabled, default order)' }] };
    }
    return { ok: false, errors: [{ file, message: `cannot read: ${(err as Error).message}` }] };
  }
  return parseConfigOffThread(text, file, options);
}

/**
 * parseConfig without stalling the caller's event loop: a text above INLINE_PARSE_BYTES is parsed on a worker
 * thread (off-thread.ts), because the YAML parser's worst case at the size cap is seconds of CPU, not
 * milliseconds. Small texts, which is every hand-written config, are parsed in place: a worker costs more to start.
 */
export async function parseConfigOffThread(text: string, file: string, options: LoadOptions = {}): Promise<ConfigResult> {
  const tooLarge = textSizeProblem(text, file);
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  if (text.length <= INLINE_PARSE_BYTES) return parseConfig(text, file, options);
  const result = await parseOnWorker(text, file, options);
  if (result !== undefined) return result;
  // No worker bundle next to this one (a build that left it out): parse in place, and say so.
  const r = parseConfig(text, file, options);
  const note: ConfigProblem = { file, message: `parsed on the daemon's thread (${workerEntryDescription()} not found); a large config may delay other work while it is parsed` };
  return r.ok ? { ...r, warnings: [...r.warnings, note] } : r;
}

async function readBounded(file: string): Promise<{ text: string } | { problem: ConfigProblem }> {
  const handle = await open(file, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { problem: { file, message: 'not a regular file' } };
    const tooLarge = sizeProblem(stat.size, file);
    if (tooLarge) return { problem: tooLarge };
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_CONFIG_BYTES) return { problem: { file, message: `the config grew past the limit of ${formatBytes(MAX_CONFIG_BYTES)} while it was read: refused without parsing it` } };
    return { text: buffer.toString('utf8', 0, length) };
  } finally {
    await handle.close();
  }
}
