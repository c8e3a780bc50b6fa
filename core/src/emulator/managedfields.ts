// A small but realistic metadata.managedFields: one entry per (manager, operation, subresource)
// with a FieldsV1 set of the fields that manager touched. Not a full structured-merge-diff; it
// exists so clients see (and learn to drop) the same noise the real server adds.
import type { ListStrategies } from './patch.js';
import { deepEqual, isJsonObject, type JsonObject, type JsonValue, type KubeObject } from './types.js';

const SERVER_META = new Set(['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'name', 'namespace', 'generateName']);
const TOP_STRUCTS = new Set(['metadata', 'spec', 'status']);

/** Fields set in `value` as FieldsV1 (`f:name`, `k:{...}` for keyed list items, `v:` for sets). */
export function fieldsOf(value: JsonValue | undefined, lists: ListStrategies, path = ''): JsonObject {
  return sortedFields(collectFields(value, lists, path));
}

// The sets below are built unsorted and sorted once, at the end (nextManagedFields, fieldsOf): sorting every level
// as it is built re-sorted each nested level once per level above it.

/** FieldsV1 serialises its set in sorted order, with the "." self-marker first. */
function sortedFields(set: JsonObject): JsonObject {
  const out: JsonObject = {};
  const keys = Object.keys(set).sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) {
    const v = set[k] as JsonValue;
    out[k] = isJsonObject(v) ? sortedFields(v) : v;
  }
  return out;
}

/** Adds the fields set in `value` to `out` (a new set by default) and returns it. */
function collectFields(value: JsonValue | undefined, lists: ListStrategies, path: string, out: JsonObject = {}): JsonObject {
  if (!isJsonObject(value)) return out;
  for (const k of Object.keys(value)) {
    if (path === '' && (k === 'kind' || k === 'apiVersion')) continue;
    if (path === 'metadata' && SERVER_META.has(k)) continue;
    const childPath = path ? `${path}.${k}` : k;
    const node = fieldNode(value[k] as JsonValue, lists, childPath, path === '' && TOP_STRUCTS.has(k));
    if (node !== undefined) out[`f:${k}`] = node;
  }
  return out;
}

function fieldNode(v: JsonValue, lists: ListStrategies, path: string, struct: boolean): JsonObject | undefined {
  if (isJsonObject(v)) {
    if (struct) {
      const inner = collectFields(v, lists, path);
      return path === 'metadata' && Object.keys(inner).length === 0 ? undefined : inner;
    }
    return collectFields(v, lists, path, { '.': {} });
  }
  if (Array.isArray(v)) {
    const strategy = lists[path];
    if (strategy === undefined) return {};
    const out: JsonObject = { '.': {} };
    for (const item of v) {
      if (strategy === 'set') out[`v:${JSON.stringify(item)}`] = {};
      else if (isJsonObject(item)) {
        const key = JSON.stringify({ [strategy.mergeKey]: item[strategy.mergeKey] ?? null });
        out[`k:${key}`] = collectFields(item, lists, `${path}[]`, { '.': {} });
      }
    }
    return out;
  }
  return {};
}

/** Fields whose value differs between `a` and `b` (added, changed or removed), as FieldsV1. */
function changedFields(a: JsonValue | undefined, b: JsonValue | undefined, lists: ListStrategies, path = ''): JsonObject {
  const out: JsonObject = {};
  const ao = isJsonObject(a) ? a : {};
  const bo = isJsonObject(b) ? b : {};
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    if (path === '' && (k === 'kind' || k === 'apiVersion')) continue;
    if (path === 'metadata' && SERVER_META.has(k)) continue;
    const av = ao[k];
    const bv = bo[k];
    if (deepEqual(av, bv) || bv === undefined) continue;
    const childPath = path ? `${path}.${k}` : k;
    if (isJsonObject(av) && isJsonObject(bv)) {
      const inner = changedFields(av, bv, lists, childPath);
      if (Object.keys(inner).length > 0) out[`f:${k}`] = path === '' && TOP_STRUCTS.has(k) ? inner : { ...inner };
    } else {
      const node = fieldNode(bv, lists, childPath, path === '' && TOP_STRUCTS.has(k));
      if (node !== undefined) out[`f:${k}`] = node;
    }
  }
  return out;
}

function unionFields(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isJsonObject(cur) && isJsonObject(v) ? unionFields(cur, v) : v;
  }
  return out;
}

export interface ManagerInfo {
  manager: string;
  operation: 'Update' | 'Apply';
  apiVersion: string;
  time: string;
  subresource?: string;
}

/**
 * The managedFields for `next`: the writer's entry gains what it set (whole object on create,
 * the changed fields on update); other managers' entries are kept.
 */
export function nextManagedFields(old: KubeObject | undefined, next: KubeObject, lists: ListStrategies, who: ManagerInfo): JsonValue[] {
  const oldMeta = old && isJsonObject(old.metadata) ? old.metadata : {};
  const entries = Array.isArray(oldMeta.managedFields) ? oldMeta.managedFields.filter(isJsonObject) : [];
  const touched = old === undefined ? collectFields(next, lists, '') : changedFields(old, next, lists);
  const idx = entries.findIndex(
    (e) => e.manager === who.manager && e.operation === who.operation && (e.subresource ?? undefined) === who.subresource,
  );
  const prevFields = idx >= 0 && isJsonObject(entries[idx]?.fieldsV1) ? (entries[idx]?.fieldsV1 as JsonObject) : {};
  const fields = sortedFields(unionFields(prevFields, touched));
  if (Object.keys(fields).length === 0) return entries;
  const entry: JsonObject = { manager: who.manager, operation: who.operation, apiVersion: who.apiVersion, time: who.time, fieldsType: 'FieldsV1', fieldsV1: fields };
  if (who.subresource) entry.subresource = who.subresource;
  const out = [...entries];
  if (idx >= 0) out[idx] = entry;
  else out.push(entry);
  return out;
}
