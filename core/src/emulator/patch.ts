// The three PATCH dialects the API server accepts for built-in types:
// RFC 7386 merge patch, strategic merge patch (map merge + list merge keys), RFC 6902 JSON patch.
import { errors } from './status.js';
import { deepClone, deepEqual, isJsonObject, type JsonObject, type JsonValue } from './types.js';

export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchType = keyof typeof PATCH_CONTENT_TYPES;

/** The order the real server lists them in its 415 message. */
export const ACCEPTED_PATCH_TYPES: readonly string[] = [
  PATCH_CONTENT_TYPES.json,
  PATCH_CONTENT_TYPES.merge,
  PATCH_CONTENT_TYPES.apply,
  PATCH_CONTENT_TYPES.strategic,
];

export function patchTypeFor(contentType: string | undefined): PatchType | undefined {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  for (const [k, v] of Object.entries(PATCH_CONTENT_TYPES)) if (v === mediaType) return k as PatchType;
  return undefined;
}

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return deepClone(patch);
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * How a list at a field path merges under strategic merge patch: by a key field
 * (patchStrategy=merge, patchMergeKey=...), as a set of primitives, or (default) replaced.
 * Paths are dot-joined field names with `[]` for list elements, e.g. `spec.template.spec.containers[].env`.
 */
export type ListStrategy = { mergeKey: string } | 'set';
export type ListStrategies = Readonly<Record<string, ListStrategy>>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER_PREFIX = '$setElementOrder/';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList/';

export function strategicMergePatch(original: JsonValue | undefined, patch: JsonValue, lists: ListStrategies): JsonValue {
  const out = smpValue(original, patch, lists, '');
  return out === undefined ? {} : out;
}

function smpValue(original: JsonValue | undefined, patch: JsonValue, lists: ListStrategies, path: string): JsonValue | undefined {
  if (!isJsonObject(patch)) return deepClone(patch);
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const copy = deepClone(patch);
    delete copy[DIRECTIVE];
    return stripDirectives(copy);
  }
  const out: JsonObject = isJsonObject(original) ? { ...original } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ORDER_PREFIX)) continue;
    if (k.startsWith(DELETE_PRIMITIVE_PREFIX)) {
      const field = k.slice(DELETE_PRIMITIVE_PREFIX.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    const childPath = path ? `${path}.${k}` : k;
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      out[k] = smpList(out[k], v, lists, childPath);
    } else {
      const merged = smpValue(out[k], v, lists, childPath);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
  }
  const retain = patch[RETAIN_KEYS];
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function smpList(original: JsonValue | undefined, patch: JsonValue[], lists: ListStrategies, path: string): JsonValue[] {
  const strategy = lists[path];
  const replaceAll = patch.some((e) => isJsonObject(e) && e[DIRECTIVE] === 'replace');
  if (replaceAll) return patch.filter((e) => !(isJsonObject(e) && e[DIRECTIVE] === 'replace')).map((e) => stripDirectives(deepClone(e)));
  const base = Array.isArray(original) ? original : [];
  if (strategy === 'set') {
    const out = [...base];
    for (const e of patch) if (!out.some((x) => deepEqual(x, e))) out.push(deepClone(e));
    return out;
  }
  if (strategy === undefined) return patch.map((e) => stripDirectives(deepClone(e)));
  const key = strategy.mergeKey;
  const out = [...base];
  for (const e of patch) {
    if (!isJsonObject(e)) {
      out.push(deepClone(e));
      continue;
    }
    const idx = out.findIndex((x) => isJsonObject(x) && deepEqual(x[key], e[key]));
    if (e[DIRECTIVE] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = smpValue(out[idx], e, lists, `${path}[]`);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(stripDirectives(deepClone(e)));
    }
  }
  return out;
}

function stripDirectives(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ORDER_PREFIX) || k.startsWith(DELETE_PRIMITIVE_PREFIX)) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

// ---- RFC 6902 -------------------------------------------------------------------------------

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: JsonValue;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Decoding problems are 400s; application problems are 422s, as in the real patch handler. */
export function decodeJsonPatch(body: JsonValue): Operation[] {
  if (!Array.isArray(body)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return body.map((raw) => {
    if (!isJsonObject(raw)) throw errors.badRequest('json: cannot unmarshal into Go value of type jsonpatch.Operation');
    const op = raw.op;
    const path = raw.path;
    if (typeof op !== 'string' || !OPS.has(op)) throw errors.badRequest(`Unexpected kind: ${String(op)}`);
    if (typeof path !== 'string') throw errors.badRequest(`${op} operation missing path`);
    const out: Operation = { op: op as Operation['op'], path };
    if (op === 'move' || op === 'copy') {
      if (typeof raw.from !== 'string') throw errors.badRequest(`${op} operation missing from`);
      out.from = raw.from;
    }
    if (op === 'add' || op === 'replace' || op === 'test') {
      if (!Object.hasOwn(raw, 'value')) throw errors.badRequest(`${op} operation missing value`);
      out.value = raw.value as JsonValue;
    }
    return out;
  });
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw unprocessable(`JSON pointer must be empty or start with a "/": ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function unprocessable(message: string): Error {
  return errors.generic(422, message);
}

type Container = JsonObject | JsonValue[];

function resolveParent(doc: JsonValue, segs: string[], opName: string, path: string): { parent: Container; last: string } {
  let cur: JsonValue | undefined = doc;
  for (const s of segs.slice(0, -1)) {
    cur = child(cur, s);
    if (cur === undefined) throw unprocessable(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  if (cur === null || typeof cur !== 'object') throw unprocessable(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  return { parent: cur, last: segs[segs.length - 1] as string };
}

function child(v: JsonValue | undefined, seg: string): JsonValue | undefined {
  if (Array.isArray(v)) {
    if (!/^(0|[1-9]\d*)$/.test(seg)) return undefined;
    return v[Number(seg)];
  }
  if (isJsonObject(v)) return Object.hasOwn(v, seg) ? v[seg] : undefined;
  return undefined;
}

function getAt(doc: JsonValue, path: string, opName: string): JsonValue {
  let cur: JsonValue | undefined = doc;
  for (const s of pointer(path)) {
    cur = child(cur, s);
    if (cur === undefined) throw unprocessable(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function arrayIndex(arr: JsonValue[], seg: string, allowEnd: boolean, path: string): number {
  if (allowEnd && seg === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(seg)) throw unprocessable(`Unable to access invalid index: ${seg}: invalid index referenced`);
  const i = Number(seg);
  if (i > arr.length || (!allowEnd && i >= arr.length)) throw unprocessable(`Unable to access invalid index: ${i}: invalid index referenced (${path})`);
  return i;
}

function addAt(doc: JsonValue, path: string, value: JsonValue): JsonValue {
  const segs = pointer(path);
  if (segs.length === 0) return value;
  const { parent, last } = resolveParent(doc, segs, 'add', path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, path), 0, value);
  else parent[last] = value;
  return doc;
}

function removeAt(doc: JsonValue, path: string, opName = 'remove'): JsonValue {
  const segs = pointer(path);
  if (segs.length === 0) throw unprocessable(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  const { parent, last } = resolveParent(doc, segs, opName, path);
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(parent, last, false, path), 1);
  } else {
    if (!Object.hasOwn(parent, last)) throw unprocessable(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
    delete parent[last];
  }
  return doc;
}

export function applyJsonPatch(original: JsonValue, ops: readonly Operation[]): JsonValue {
  let doc = deepClone(original);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, deepClone(op.value as JsonValue));
        break;
      case 'remove':
        doc = removeAt(doc, op.path);
        break;
      case 'replace': {
        const segs = pointer(op.path);
        if (segs.length === 0) {
          doc = deepClone(op.value as JsonValue);
          break;
        }
        const { parent, last } = resolveParent(doc, segs, 'replace', op.path);
        if (Array.isArray(parent)) {
          parent[arrayIndex(parent, last, false, op.path)] = deepClone(op.value as JsonValue);
        } else {
          if (!Object.hasOwn(parent, last)) throw unprocessable(`replace operation does not apply: doc is missing key: ${op.path}: missing value`);
          parent[last] = deepClone(op.value as JsonValue);
        }
        break;
      }
      case 'move': {
        const v = getAt(doc, op.from as string, 'move');
        doc = removeAt(doc, op.from as string, 'move');
        doc = addAt(doc, op.path, v);
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, deepClone(getAt(doc, op.from as string, 'copy')));
        break;
      case 'test': {
        let actual: JsonValue | undefined;
        try {
          actual = getAt(doc, op.path, 'test');
        } catch {
          actual = undefined;
        }
        if (!deepEqual(actual, op.value)) throw unprocessable(`testing value ${op.path} failed: test failed`);
        break;
      }
    }
  }
  return doc;
}
