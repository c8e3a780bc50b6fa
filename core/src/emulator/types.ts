// Plain-JSON shapes shared by every emulator module. Objects are kept as JSON trees (not typed
// models) because the emulator must round-trip whatever fields a client sends, like etcd does.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A Kubernetes object as stored: a JSON object with a `metadata` map. */
export type KubeObject = JsonObject;

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A copy of a JSON tree. A plain recursive copy, several times faster than structuredClone on the small trees the
 * emulator copies on every write (structuredClone serialises and deserialises); same result for JSON values.
 */
export function deepClone<T extends JsonValue>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: JsonValue[] = new Array<JsonValue>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneValue(value[i] as JsonValue);
    return out;
  }
  const out: JsonObject = {};
  for (const k of Object.keys(value)) {
    const v = cloneValue(value[k] as JsonValue);
    // A "__proto__" key from JSON.parse is an own property; assigning it would set the prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

/** Structural equality of JSON trees; key order is irrelevant, array order is not. */
export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

/** The object's metadata map, created when missing (callers own the object). */
export function metaOf(obj: KubeObject): JsonObject {
  const md = obj.metadata;
  if (isJsonObject(md)) return md;
  const fresh: JsonObject = {};
  obj.metadata = fresh;
  return fresh;
}

export function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function stringMap(value: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * What the object helpers accept: any JSON-serialisable Kubernetes object, including
 * @kubernetes/client-node models (their Dates become RFC 3339 strings via a JSON round trip).
 */
export interface ObjectInput {
  apiVersion?: string;
  kind?: string;
  metadata?: object;
  [key: string]: unknown;
}

/** JSON round trip: drops undefined, turns Dates into strings, yields plain JSON. */
export function toJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

/** Identity of the caller, as authentication produced it. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}
