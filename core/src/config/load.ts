// Detector config text → Config, or every problem with file, line and key path. Never half-applied:
// the caller gets either a complete Config or the list of errors, and keeps its running config on errors.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { DNS_LABEL } from '@kubernaut/toolset-sdk';
import { configSchema, withDefaults, DEFAULT_CONFIG } from './schema.js';
import type { Config } from './schema.js';

export interface ConfigProblem {
  file: string;
  line?: number;
  /** Dotted key path, e.g. `detectors.prometheus.priority`. */
  key?: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Config; warnings: ConfigProblem[] } | { ok: false; errors: ConfigProblem[] };

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

/** Parses and validates config text. `file` is only used in messages. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): ConfigResult {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const errors: ConfigProblem[] = [];
  for (const e of doc.errors) {
    errors.push({ file, line: counter.linePos(e.pos[0]).line, message: `invalid YAML: ${e.message.split('\n')[0]}` });
  }
  if (errors.length > 0) return { ok: false, errors };
  const data: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, errors: [{ file, line: 1, message: 'the config must be a mapping (e.g. "detectors: {...}")' }] };
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const keyPath = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          errors.push({
            file,
            line: lineOf(doc, counter, keyPath, k),
            key: [...keyPath, k].join('.'),
            message: `unknown key "${k}"${allowedKeysHint(keyPath)}`,
          });
        }
      } else {
        errors.push({ file, line: lineOf(doc, counter, keyPath), key: keyPath.join('.') || undefined, message: issue.message });
      }
    }
    return { ok: false, errors: errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) };
  }
  const config = withDefaults(parsed.data);
  // Cross-field rules the schema cannot express.
  const byPriority = new Map<number, string>();
  for (const [name, d] of Object.entries(config.detectors)) {
    if (!DNS_LABEL.test(name)) {
      errors.push({
        file,
        line: lineOf(doc, counter, ['detectors'], name),
        key: `detectors.${name}`,
        message: 'detector names are lower-case DNS labels (a-z, 0-9, "-"), as in the plugin manifest',
      });
    }
    const other = d.priority === undefined ? undefined : byPriority.get(d.priority);
    if (other !== undefined) {
      errors.push({
        file,
        line: lineOf(doc, counter, ['detectors', name, 'priority']),
        key: `detectors.${name}.priority`,
        message: `priority ${d.priority} is already used by detector "${other}"; priorities must be unique so the order is unambiguous`,
      });
    } else if (d.priority !== undefined) byPriority.set(d.priority, name);
    const rel = d.plugin?.path;
    if (rel !== undefined && options.pluginsDir !== undefined && !existsSync(path.join(options.pluginsDir, rel))) {
      errors.push({
        file,
        line: lineOf(doc, counter, ['detectors', name, 'plugin', 'path']),
        key: `detectors.${name}.plugin.path`,
        message: `plugin file ${path.join(options.pluginsDir, rel)} does not exist`,
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors: errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) };
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

/** Reads a config file. A missing file yields the defaults (all built-ins enabled in default order). */
export async function loadConfigFile(file: string, options: LoadOptions = {}): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ok: true, config: DEFAULT_CONFIG, warnings: [{ file, message: 'file not found: using the defaults (all built-in detectors enabled, default order)' }] };
    }
    return { ok: false, errors: [{ file, message: `cannot read: ${(err as Error).message}` }] };
  }
  return parseConfig(text, file, options);
}
