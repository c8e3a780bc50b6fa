// Just enough of kustomize to render deploy/ without the kustomize binary: resources (files and directories),
// components, configMapGenerator (without hash suffixes), the namespace and image transformers, and patches
// (strategic merge with the Kubernetes merge keys the manifests use, and JSON 6902). Anything else kustomize
// would act on is an error here, never silently ignored — and where kubectl is installed, a test compares this
// renderer's output with `kubectl kustomize`.
import { readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonMap = { [key: string]: Json };

export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export class KustomizeError extends Error {
  override name = 'KustomizeError';
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'namespace', 'resources', 'components', 'configMapGenerator', 'generatorOptions', 'images', 'patches']);

/** Cluster-scoped kinds the namespace transformer leaves alone. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'Node',
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Every YAML document of a text, as plain data; empty documents are dropped. */
export function parseYamlDocuments(text: string, where: string): Json[] {
  const out: Json[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new KustomizeError(`${where}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Json;
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function asObject(value: Json, where: string): KObject {
  if (!isMap(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || !isMap(value.metadata) || typeof value.metadata.name !== 'string') {
    throw new KustomizeError(`${where}: not a Kubernetes object with apiVersion, kind and metadata.name`);
  }
  return value as unknown as KObject;
}

export function readObjects(file: string): KObject[] {
  return parseYamlDocuments(readFileSync(file, 'utf8'), file).map((d) => asObject(d, file));
}

function kustomizationFile(dir: string): string {
  for (const name of KUSTOMIZATION_FILES) {
    const f = path.join(dir, name);
    if (existsSync(f)) return f;
  }
  throw new KustomizeError(`${dir}: no kustomization.yaml`);
}

function readKustomization(dir: string): JsonMap {
  const file = kustomizationFile(dir);
  const docs = parseYamlDocuments(readFileSync(file, 'utf8'), file);
  const k = docs[0];
  if (docs.length !== 1 || !isMap(k)) throw new KustomizeError(`${file}: expected one mapping`);
  for (const key of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(key)) throw new KustomizeError(`${file}: field "${key}" is not supported by the test renderer`);
  }
  return k;
}

function strings(v: Json | undefined, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new KustomizeError(`${where}: expected a list of strings`);
  return v as string[];
}

function maps(v: Json | undefined, where: string): JsonMap[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isMap)) throw new KustomizeError(`${where}: expected a list of mappings`);
  return v as JsonMap[];
}

/** Renders the kustomization in `dir` (a Kustomization, not a Component). */
export function render(directory: string): KObject[] {
  const dir = path.resolve(directory);
  const k = readKustomization(dir);
  if ((k.kind ?? 'Kustomization') !== 'Kustomization') throw new KustomizeError(`${dir}: kind ${String(k.kind)} cannot be built on its own`);
  return build(dir, k, []);
}

/**
 * kustomize's AccumulateTarget: resources, then components (each transforming everything accumulated so far),
 * then this level's generators, then its transformers (patches, namespace, images — kustomize's order).
 */
function build(dir: string, k: JsonMap, accumulated: KObject[]): KObject[] {
  const where = kustomizationFile(dir);
  let objects = accumulated;
  for (const r of strings(k.resources, `${where} resources`)) {
    const p = path.resolve(dir, r);
    if (!existsSync(p)) throw new KustomizeError(`${where}: resource ${r} does not exist`);
    if (statSync(p).isDirectory()) {
      const sub = readKustomization(p);
      if ((sub.kind ?? 'Kustomization') !== 'Kustomization') throw new KustomizeError(`${where}: ${r} is a ${String(sub.kind)}, list it under components`);
      objects = [...objects, ...build(p, sub, [])];
    } else {
      objects = [...objects, ...readObjects(p)];
    }
  }
  for (const c of strings(k.components, `${where} components`)) {
    const p = path.resolve(dir, c);
    const comp = readKustomization(p);
    if (comp.kind !== 'Component') throw new KustomizeError(`${where}: ${c} is not a Component`);
    objects = build(p, comp, objects);
  }
  objects = generateConfigMaps(dir, k, objects);
  objects = applyPatches(dir, k, objects);
  if (k.namespace !== undefined) {
    if (typeof k.namespace !== 'string') throw new KustomizeError(`${where}: namespace must be a string`);
    objects = objects.map((o) => setNamespace(o, k.namespace as string));
  }
  objects = setImages(k, objects, where);
  assertUnique(objects, where);
  return objects;
}

export function idOf(o: KObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function assertUnique(objects: KObject[], where: string): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.apiVersion.split('/')[0]}:${idOf(o)}`;
    if (seen.has(id)) throw new KustomizeError(`${where}: ${idOf(o)} is defined twice`);
    seen.add(id);
  }
}

// ---- configMapGenerator -------------------------------------------------------------------------------------

function generateConfigMaps(dir: string, k: JsonMap, objects: KObject[]): KObject[] {
  const where = kustomizationFile(dir);
  const globalOptions = isMap(k.generatorOptions) ? k.generatorOptions : {};
  let out = objects;
  for (const g of maps(k.configMapGenerator, `${where} configMapGenerator`)) {
    const known = new Set(['name', 'namespace', 'behavior', 'files', 'literals', 'options']);
    for (const key of Object.keys(g)) if (!known.has(key)) throw new KustomizeError(`${where}: configMapGenerator field "${key}" is not supported`);
    const name = g.name;
    if (typeof name !== 'string') throw new KustomizeError(`${where}: configMapGenerator without a name`);
    const options = { ...globalOptions, ...(isMap(g.options) ? g.options : {}) };
    if (options.disableNameSuffixHash !== true) throw new KustomizeError(`${where}: ConfigMap ${name}: hash suffixes are not supported by the test renderer`);
    const data: Record<string, string> = {};
    for (const f of strings(g.files, `${where} ${name} files`)) {
      const [key, rel] = f.includes('=') ? (f.split('=', 2) as [string, string]) : [path.basename(f), f];
      const file = path.resolve(dir, rel);
      if (!file.startsWith(dir + path.sep)) throw new KustomizeError(`${where}: ${f} is outside the kustomization root (kustomize refuses it)`);
      data[key] = readFileSync(file, 'utf8');
    }
    for (const l of strings(g.literals, `${where} ${name} literals`)) {
      const i = l.indexOf('=');
      if (i <= 0) throw new KustomizeError(`${where}: literal "${l}" is not key=value`);
      data[l.slice(0, i)] = l.slice(i + 1);
    }
    const metadata: KObject['metadata'] = { name };
    if (typeof g.namespace === 'string') metadata.namespace = g.namespace;
    if (isMap(options.labels)) metadata.labels = clone(options.labels) as Record<string, string>;
    if (isMap(options.annotations)) metadata.annotations = clone(options.annotations) as Record<string, string>;
    const behavior = g.behavior ?? 'create';
    if (behavior === 'create') {
      const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata };
      if (Object.keys(data).length > 0) cm.data = data;
      out = [...out, cm];
    } else if (behavior === 'merge' || behavior === 'replace') {
      const i = out.findIndex((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
      if (i < 0) throw new KustomizeError(`${where}: ConfigMap ${name} to ${behavior} does not exist`);
      const old = out[i]!;
      const merged: KObject = clone(old);
      merged.metadata.labels = { ...(behavior === 'merge' ? old.metadata.labels : {}), ...metadata.labels };
      if (Object.keys(merged.metadata.labels).length === 0) delete merged.metadata.labels;
      const mergedData = { ...(behavior === 'merge' ? (old.data as Record<string, string> | undefined) : {}), ...data };
      if (Object.keys(mergedData).length > 0) merged.data = mergedData;
      else delete merged.data;
      out = out.map((o, j) => (j === i ? merged : o));
    } else {
      throw new KustomizeError(`${where}: unknown behavior ${String(behavior)}`);
    }
  }
  return out;
}

// ---- namespace and images -------------------------------------------------------------------------------------

function setNamespace(o: KObject, namespace: string): KObject {
  if (isClusterScoped(o.kind)) return o;
  const copy = clone(o);
  copy.metadata.namespace = namespace;
  if (copy.kind === 'RoleBinding' || copy.kind === 'ClusterRoleBinding') {
    // kustomize's default (setRoleBindingSubjects: defaultOnly): ServiceAccount subjects in "default" follow.
    for (const s of (copy.subjects as JsonMap[] | undefined) ?? []) {
      if (s.kind === 'ServiceAccount' && (s.namespace === undefined || s.namespace === 'default')) s.namespace = namespace;
    }
  }
  return copy;
}

/** Splits "registry/name:tag@sha256:…" into name, tag and digest. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The pod spec of a workload, if it has one. */
export function podSpecOf(o: KObject): JsonMap | undefined {
  const spec = o.spec as JsonMap | undefined;
  if (!isMap(spec)) return undefined;
  if (o.kind === 'Pod') return spec;
  if (o.kind === 'CronJob') {
    const job = spec.jobTemplate;
    return isMap(job) && isMap(job.spec) && isMap(job.spec.template) && isMap(job.spec.template.spec) ? job.spec.template.spec : undefined;
  }
  return isMap(spec.template) && isMap(spec.template.spec) ? spec.template.spec : undefined;
}

export function containersOf(pod: JsonMap): JsonMap[] {
  return [...((pod.initContainers as JsonMap[] | undefined) ?? []), ...((pod.containers as JsonMap[] | undefined) ?? [])];
}

function setImages(k: JsonMap, objects: KObject[], where: string): KObject[] {
  const entries = maps(k.images, `${where} images`);
  if (entries.length === 0) return objects;
  return objects.map((o) => {
    const copy = clone(o);
    const pod = podSpecOf(copy);
    if (!pod) return o;
    for (const c of containersOf(pod)) {
      if (typeof c.image !== 'string') continue;
      const img = parseImage(c.image);
      const e = entries.find((x) => x.name === img.name);
      if (!e) continue;
      const name = typeof e.newName === 'string' ? e.newName : img.name;
      let tag = img.tag;
      let digest = img.digest;
      if (typeof e.newTag === 'string') tag = e.newTag;
      if (typeof e.digest === 'string') {
        digest = e.digest;
        tag = undefined;
      }
      c.image = `${name}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
    }
    return copy;
  });
}

// ---- patches --------------------------------------------------------------------------------------------------

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

function matches(o: KObject, t: Target): boolean {
  const [group, version] = o.apiVersion.includes('/') ? (o.apiVersion.split('/') as [string, string]) : ['', o.apiVersion];
  const re = (pattern: string, value: string | undefined) => new RegExp(`^(?:${pattern})$`).test(value ?? '');
  if (t.group !== undefined && t.group !== group) return false;
  if (t.version !== undefined && t.version !== version) return false;
  if (t.kind !== undefined && !re(t.kind, o.kind)) return false;
  if (t.name !== undefined && !re(t.name, o.metadata.name)) return false;
  if (t.namespace !== undefined && !re(t.namespace, o.metadata.namespace)) return false;
  return true;
}

function applyPatches(dir: string, k: JsonMap, objects: KObject[]): KObject[] {
  const where = kustomizationFile(dir);
  let out = objects;
  for (const p of maps(k.patches, `${where} patches`)) {
    for (const key of Object.keys(p)) {
      if (!['path', 'patch', 'target'].includes(key)) throw new KustomizeError(`${where}: patch field "${key}" is not supported`);
    }
    let text: string;
    let origin: string;
    if (typeof p.path === 'string') {
      origin = path.resolve(dir, p.path);
      text = readFileSync(origin, 'utf8');
    } else if (typeof p.patch === 'string') {
      origin = `${where} (inline patch)`;
      text = p.patch;
    } else {
      throw new KustomizeError(`${where}: a patch needs path or patch`);
    }
    let target: Target | undefined;
    if (p.target !== undefined) {
      if (!isMap(p.target)) throw new KustomizeError(`${where}: patch target must be a mapping`);
      for (const key of Object.keys(p.target)) {
        if (!['group', 'version', 'kind', 'name', 'namespace'].includes(key)) throw new KustomizeError(`${where}: target selector "${key}" is not supported`);
      }
      target = p.target as Target;
    }
    out = applyPatch(out, text, origin, target);
  }
  return out;
}

export function applyPatch(objects: KObject[], text: string, origin: string, target?: Target): KObject[] {
  const docs = parseYamlDocuments(text, origin);
  if (docs.length === 1 && Array.isArray(docs[0])) {
    if (!target) throw new KustomizeError(`${origin}: a JSON 6902 patch needs a target`);
    const ops = docs[0] as JsonMap[];
    const hits = objects.filter((o) => matches(o, target));
    if (hits.length === 0) throw new KustomizeError(`${origin}: no resource matches the patch target ${JSON.stringify(target)}`);
    return objects.map((o) => (matches(o, target) ? (jsonPatch(o as unknown as Json, ops, origin) as unknown as KObject) : o));
  }
  let out = objects;
  for (const doc of docs) {
    if (!isMap(doc)) throw new KustomizeError(`${origin}: a strategic merge patch must be a mapping`);
    const sel: Target = target ?? {
      kind: String(doc.kind),
      name: String((doc.metadata as JsonMap | undefined)?.name),
      ...(isMap(doc.metadata) && typeof doc.metadata.namespace === 'string' ? { namespace: doc.metadata.namespace } : {}),
    };
    const hits = out.filter((o) => matches(o, sel));
    if (hits.length === 0) throw new KustomizeError(`${origin}: no resource matches ${JSON.stringify(sel)}`);
    out = out.map((o) => {
      if (!matches(o, sel)) return o;
      const patch = clone(doc);
      // The patch's own identity is used to find the target, not to rename it.
      delete patch.apiVersion;
      delete patch.kind;
      if (isMap(patch.metadata)) {
        delete patch.metadata.name;
        delete patch.metadata.namespace;
      }
      return strategicMerge(o as unknown as Json, patch, []) as unknown as KObject;
    });
  }
  return out;
}

/** The merge key of a list, from its field name (and, for ports, what its items carry). */
function mergeKeyOf(field: string, items: Json[]): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'ports':
      return items.some((i) => isMap(i) && 'containerPort' in i) ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

/** Kubernetes' strategic merge: maps merge, null deletes, lists with a merge key merge by it, others replace. */
export function strategicMerge(base: Json, patch: Json, at: string[]): Json {
  if (!isMap(patch)) return clone(patch);
  if (!isMap(base)) base = {};
  const out: JsonMap = clone(base);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new KustomizeError(`strategic merge directive ${key} at ${[...at, key].join('.')} is not supported by the test renderer`);
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    if (Array.isArray(value)) {
      const mergeKey = mergeKeyOf(key, [...value, ...(Array.isArray(current) ? current : [])]);
      if (mergeKey && Array.isArray(current)) {
        const merged = clone(current);
        for (const item of value) {
          const id = isMap(item) ? item[mergeKey] : undefined;
          const i = merged.findIndex((m) => isMap(m) && id !== undefined && m[mergeKey] === id);
          if (i >= 0) merged[i] = strategicMerge(merged[i]!, item, [...at, key, String(id)]);
          else merged.push(clone(item));
        }
        out[key] = merged;
      } else {
        out[key] = clone(value);
      }
    } else if (isMap(value)) {
      out[key] = strategicMerge(current ?? {}, value, [...at, key]);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function pointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new KustomizeError(`bad JSON pointer ${p}`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 add, remove, replace and test. */
export function jsonPatch(doc: Json, ops: JsonMap[], origin: string): Json {
  const root: JsonMap = { root: clone(doc) };
  for (const op of ops) {
    const segs = ['root', ...pointer(String(op.path))];
    const last = segs.pop()!;
    let parent: Json = root;
    for (const s of segs) {
      const next: Json | undefined = Array.isArray(parent) ? parent[Number(s)] : isMap(parent) ? parent[s] : undefined;
      if (next === undefined) throw new KustomizeError(`${origin}: ${String(op.op)} ${String(op.path)}: missing path`);
      parent = next;
    }
    const value = clone(op.value as Json);
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new KustomizeError(`${origin}: ${String(op.path)}: bad index`);
      if (op.op === 'add') parent.splice(i, 0, value);
      else if (op.op === 'replace' && i < parent.length) parent[i] = value;
      else if (op.op === 'remove' && i < parent.length) parent.splice(i, 1);
      else if (op.op === 'test' && JSON.stringify(parent[i]) === JSON.stringify(value)) continue;
      else throw new KustomizeError(`${origin}: ${String(op.op)} ${String(op.path)} does not apply`);
    } else if (isMap(parent)) {
      const has = Object.hasOwn(parent, last);
      if (op.op === 'add') parent[last] = value;
      else if (op.op === 'replace' && has) parent[last] = value;
      else if (op.op === 'remove' && has) delete parent[last];
      else if (op.op === 'test' && has && JSON.stringify(parent[last]) === JSON.stringify(value)) continue;
      else throw new KustomizeError(`${origin}: ${String(op.op)} ${String(op.path)} does not apply`);
    } else {
      throw new KustomizeError(`${origin}: ${String(op.path)}: parent is not a container`);
    }
  }
  return root.root!;
}
