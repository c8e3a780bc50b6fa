// Reads Service objects from files the way users have them: multi-document YAML, a `v1 List` (what
// `kubectl get svc -A -o yaml` prints), or JSON. Other kinds are counted and left out, never silently.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { isServiceObject } from './view.js';

export interface ManifestRead {
  services: unknown[];
  /** Objects that are not Services, by "file: kind". */
  ignored: string[];
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
  if (isServiceObject(o)) out.services.push(o);
  else out.ignored.push(`${file}: ${typeof o.kind === 'string' ? o.kind : 'object without kind'}`);
}

/** Parses one file's text (YAML or JSON; JSON is YAML). */
export function parseManifests(text: string, file: string, out: ManifestRead = { services: [], ignored: [] }): ManifestRead {
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

/** Reads a file, or every .yaml/.yml/.json file under a directory (sorted, recursive). `-` reads stdin text given as `stdin`. */
export async function readManifests(target: string, stdin?: () => Promise<string>): Promise<ManifestRead> {
  const out: ManifestRead = { services: [], ignored: [] };
  if (target === '-') {
    if (!stdin) throw new ManifestError('no standard input');
    return parseManifests(await stdin(), '<stdin>', out);
  }
  let files: string[];
  try {
    files = await filesUnder(target);
  } catch (err) {
    throw new ManifestError(`cannot read ${target}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  for (const file of files) parseManifests(await readFile(file, 'utf8'), file, out);
  return out;
}
