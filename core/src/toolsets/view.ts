// MergedToolset → ToolsetView for `GET /api/v1/toolsets`. The API may be read by anyone allowed to list
// toolsets, not only by whoever can read the ConfigMap, so secret-looking config values are redacted.
import type { Plain, PlainObject } from './data.js';
import { setOwn } from './data.js';
import type { MergedToolset } from './merge.js';
import type { ToolsetView } from './types.js';

export const REDACTED = '<redacted>';
/** Keys whose values are never shown: api_key, X-API-Key, password, token, secret, Authorization, cookies… */
export const SECRET_KEY = /pass(?:word|wd)?|secret|token|api[-_]?key|^key$|authorization|credential|cookie|private[-_]?key|bearer/i;

export function redact(value: Plain): Plain {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, SECRET_KEY.test(k) && v !== null ? REDACTED : redact(v));
  return out;
}

/** What a toolsets entry and an MCP server have in common for the API. */
interface EntryLike {
  name: string;
  entry: PlainObject;
  source: ToolsetView['source'];
  type: string | null;
  service?: string;
  overridden: boolean;
  notes: readonly string[];
}

/** The API view of one written entry: its config redacted, notes joined. `enabled` is the section's own rule. */
export function entryView(t: EntryLike, enabled: boolean): ToolsetView {
  const config = t.entry.config;
  return {
    name: t.name,
    type: t.type,
    enabled,
    source: t.source,
    overridden: t.overridden,
    config: config !== null && typeof config === 'object' && !Array.isArray(config) ? (redact(config) as Record<string, unknown>) : {},
    ...(t.service !== undefined ? { service: t.service } : {}),
    ...(t.notes.length > 0 ? { note: t.notes.join('; ') } : {}),
  };
}

/** A toolsets entry: HolmesGPT runs it only when it says `enabled: true`. */
export function toolsetView(t: MergedToolset): ToolsetView {
  return entryView(t, t.entry.enabled === true);
}
