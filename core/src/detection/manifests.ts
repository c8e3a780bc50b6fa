// Reads the objects detection uses from files the way users have them: multi-document YAML, a `v1 List` (what
// `kubectl get svc,endpointslices,pods -A -o yaml` prints), or JSON. Services are what is detected; Pods and
// EndpointSlices are the evidence behind them, and so are the custom resources of the operators that made them
// (discovery/operators.ts). Other kinds are counted and left out, never silently.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { operatorKindFor } from '../discovery/operators.js';
import { isServiceObject } from './view.js';

export interface ManifestRead {
  services: unknown[];
  /** Pods (core/v1): the workloads behind the Services. */
  pods: unknown[];
  /** EndpointSlices (discovery.k8s.io/v1 or v1beta1): which Pods back which Service. */
  endpointSlices: unknown[];
  /** Custom resources of the operator kinds detection knows (Prometheus, LokiStack, Elasticsearch…). */
  resources: unknown[];
  /** Objects of other kinds, by "file: kind". */
  ignored: string[];
}

/**
 * Input read before parsing, all files together: a YAML parser holds many times its text, so a dump is refused
 * past this rather than exhausting memory. JSON (`-o json`) is parsed natively and may be four times larger.
 */
export const MAX_YAML_BYTES = 64 * 1024 * 1024;
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

function emptyRead(): ManifestRead {
  return { services: [], pods: [], endpointSlices: [], resources: [], ignored: [] };
}

/** `3 ConfigMap, 1 Deployment`: the ignored kinds, most frequent first. */
export function ignoredSummary(ignored: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const i of ignored) {
    const kind = i.slice(i.lastIndexOf(': ') + 2);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
}

function kindIs(o: Record<string, unknown>, kind: string, group: string): boolean {
  return o.kind === kind && typeof o.apiVersion === 'string' && (group === '' ? o.apiVersion === 'v1' : o.apiVersion.startsWith(`${group}/`));
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

function collect(value: unknown, file: string, out: ManifestRead): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) collect(v, file, out);
    return;
  }
  if (typeof value !== 'object') {
    out.ignored.push(`${file}: a ${typeof value} instead of an object`);
    return;
  }
  const o = value as Record<string, unknown>;
  if (Array.isArray(o.items) && (o.kind === 'List' || (typeof o.kind === 'string' && o.kind.endsWith('List')))) {
    for (const item of o.items) collect(item, file, out);
    return;
  }
  if (kindIs(o, 'Pod', '')) out.pods.push(o);
  else if (kindIs(o, 'EndpointSlice', 'discovery.k8s.io')) out.endpointSlices.push(o);
  else if (isServiceObject(o)) out.services.push(o);
  else if (typeof o.apiVersion === 'string' && typeof o.kind === 'string' && operatorKindFor(o.apiVersion, o.kind)) out.resources.push(o);
  else out.ignored.push(`${file}: ${typeof o.kind === 'string' ? o.kind : 'object without kind'}`);
}

/** Parses one file's text (YAML or JSON; JSON is YAML, but a JSON document is parsed natively: faster, smaller). */
export function parseManifests(text: string, file: string, out: ManifestRead = emptyRead()): ManifestRead {
  const first = /\S/.exec(text)?.[0];
  if (first === '{' || first === '[') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // not one JSON document (JSON lines, YAML flow style): the YAML parser says where
    }
    if (value !== undefined) {
      collect(value, file, out);
      return out;
    }
  }
  if (text.length > MAX_YAML_BYTES) throw new ManifestError(`${file}: YAML input over ${MAX_YAML_BYTES / 1048576} MiB; split it, or give JSON (kubectl get … -o json, up to ${MAX_JSON_BYTES / 1048576} MiB)`);
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { prettyErrors: false, lineCounter: counter });
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const err = doc.errors[0];
    if (err) {
      const line = counter.linePos(err.pos[0]).line;
      throw new ManifestError(`${file}:${line}: invalid YAML/JSON: ${err.message.split('\n')[0]}`);
    }
    collect(doc.toJS({ maxAliasCount: 1000 }), file, out);
  }
  return out;
}

async function filesUnder(p: string): Promise<string[]> {
  const s = await stat(p);
  if (!s.isDirectory()) return [p];
  const out: string[] = [];
  for (const entry of (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(p, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (/\.(ya?ml|json)$/i.test(entry.name)) out.push(full);
  }
  return out;
}

/**
 * Reads a file, or every .yaml/.yml/.json file under a directory (sorted, recursive). `-` reads stdin text given as
 * `stdin`, which is handed the byte limit (it should stop reading past it and throw). Sizes are checked before
 * anything is read or parsed.
 */
export async function readManifests(target: string, stdin?: (maxBytes: number) => Promise<string>): Promise<ManifestRead> {
  const out = emptyRead();
  if (target === '-') {
    if (!stdin) throw new ManifestError('no standard input');
    return parseManifests(await stdin(MAX_JSON_BYTES), '<stdin>', out);
  }
  let files: string[];
  try {
    files = await filesUnder(target);
  } catch (err) {
    throw new ManifestError(`cannot read ${target}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  let total = 0;
  for (const file of files) {
    total += (await stat(file)).size;
    if (total > MAX_JSON_BYTES) throw new ManifestError(`${target}: input over ${MAX_JSON_BYTES / 1048576} MiB (at ${file}); give fewer files or namespaces`);
  }
  for (const file of files) parseManifests(await readFile(file, 'utf8'), file, out);
  return out;
}
