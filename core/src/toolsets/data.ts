// Plain-data helpers shared by build, overrides and render: JSON-like copies, own-key writes that cannot touch a
// prototype (`__proto__` is an ordinary key here), canonical key order, and defusing of HolmesGPT templates.

export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };
export type PlainObject = { [key: string]: Plain };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Sets an own, enumerable property, even for `__proto__`. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Reads an own property only (never the prototype chain). */
export function getOwn(target: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
}

/**
 * A JSON-like deep copy: strings (made well-formed: lone surrogates become U+FFFD), finite numbers (-0 becomes 0), booleans,
 * null, arrays and plain objects. Anything else (undefined, functions, NaN, Dates, cycles) is dropped, or
 * becomes null inside arrays.
 */
export function plainCopy(value: unknown, seen: Set<object> = new Set()): Plain | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      return wellFormed(value);
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : undefined;
    case 'object':
      break;
    default:
      return undefined;
  }
  const obj = value as object;
  if (seen.has(obj)) return undefined;
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v) => plainCopy(v, seen) ?? null);
    if (!isPlainObject(obj)) return undefined;
    const out: PlainObject = {};
    for (const [k, v] of Object.entries(obj)) {
      const c = plainCopy(v, seen);
      if (c !== undefined) setOwn(out, wellFormed(k), c);
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/** Lone UTF-16 surrogates (not encodable as UTF-8) become U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(/\p{Cs}/gu, '\uFFFD');
}

/** Byte-wise (UTF-16 code unit) comparison: the same everywhere, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy with every mapping's keys in `order(keys)` (default: sorted), recursively. Arrays keep their order. */
export function canonical(value: Plain, order: (keys: string[], depth: number) => string[] = sortedKeys, depth = 0): Plain {
  if (Array.isArray(value)) return value.map((v) => canonical(v, order, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: PlainObject = {};
  for (const k of order(Object.keys(value), depth)) setOwn(out, k, canonical(value[k] as Plain, order, depth + 1));
  return out;
}

export function sortedKeys(keys: string[]): string[] {
  return [...keys].sort(compareStrings);
}

/**
 * HolmesGPT replaces `{{ env.NAME }}` from its own pod's environment (and drops the toolset when NAME is unset):
 * text the daemon did not get from an admin must never carry one, or a plugin description could pull a secret
 * from HolmesGPT's environment into the prompt. `{{` becomes `{ {` in every string (keys included).
 */
export function defuseTemplates(value: Plain): Plain {
  if (typeof value === 'string') return defuse(value);
  if (Array.isArray(value)) return value.map(defuseTemplates);
  if (value === null || typeof value !== 'object') return value;
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, defuse(k), defuseTemplates(v));
  return out;
}

function defuse(s: string): string {
  // Repeat until stable: "{{{" → "{ {{" would still hold a "{{".
  let out = s;
  while (out.includes('{{')) out = out.replaceAll('{{', '{ {');
  return out;
}

/**
 * JSON Merge Patch (RFC 7386) semantics: a mapping in `patch` merges key by key into the target's mapping,
 * `null` removes the key, anything else (a scalar or a list) replaces the target's value.
 */
export function mergePatch(target: Plain | undefined, patch: Plain): Plain | undefined {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: PlainObject = {};
  if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
    for (const [k, v] of Object.entries(target)) setOwn(out, k, v);
  }
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete out[k];
      continue;
    }
    const merged = mergePatch(getOwn(out, k) as Plain | undefined, v);
    if (merged !== undefined) setOwn(out, k, merged);
  }
  return out;
}

/** One line, no control characters, at most `max` characters: safe to put in a comment or a log line. */
export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = wellFormed(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
