// Manifest loading for seeding: multi-document YAML (or JSON), with `kind: List` / `*List`
// documents flattened, as `kubectl apply -f` reads them.
import { parseAllDocuments } from 'yaml';
import { isJsonObject, type JsonValue, type KubeObject } from './types.js';

function flatten(doc: JsonValue, where: string, out: KubeObject[]): void {
  if (doc === null) return;
  if (!isJsonObject(doc)) throw new Error(`${where}: not a Kubernetes object`);
  const kind = doc.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(doc.items)) {
    doc.items.forEach((item, i) => flatten(item, `${where}.items[${i}]`, out));
    return;
  }
  if (typeof doc.apiVersion !== 'string' || typeof kind !== 'string') throw new Error(`${where}: apiVersion and kind are required`);
  out.push(doc);
}

export function parseManifests(text: string, source = 'manifest'): KubeObject[] {
  const out: KubeObject[] = [];
  parseAllDocuments(text).forEach((d, i) => {
    if (d.errors.length > 0) throw new Error(`${source} document ${i + 1}: ${d.errors[0]?.message ?? 'invalid YAML'}`);
    flatten(d.toJSON() as JsonValue, `${source} document ${i + 1}`, out);
  });
  return out;
}
