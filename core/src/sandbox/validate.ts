// Schemas for everything that comes out of a plugin. Nothing a plugin says is used before it passed here;
// a failure is a reason string, never an exception, so a bad answer becomes "not mine" with that reason.
import { z } from 'zod';
import { DNS_LABEL, SEMVER, SUPPORTED_SDK_API_VERSIONS } from '@kubernaut/toolset-sdk';
import type { Detection, PluginManifest, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The SDK API versions this host can run. */
export const SUPPORTED_API_VERSIONS: readonly number[] = SUPPORTED_SDK_API_VERSIONS;

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

function check<T>(schema: z.ZodType<T>, value: unknown): Validated<T> {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : { ok: false, reason: describe(r.error) };
}

const dnsLabel = z.string().regex(DNS_LABEL, 'must be a lower-case DNS label (a-z, 0-9, "-", at most 63 characters)');

// A declared use of evidence (EvidenceUse): bounded lists of short strings, nothing else.
const words = z.array(z.string().min(1).max(256)).max(64);
const evidenceUse = z.union([
  z.literal('none'),
  z
    .object({
      images: words.optional(),
      imageWords: words.optional(),
      containers: words.optional(),
      resourceKinds: words.optional(),
      labels: z
        .record(z.string().min(1).max(317), words)
        .refine((r) => Object.keys(r).length <= 32, 'at most 32 label keys')
        .optional(),
    })
    .strict(),
]);

const manifestSchema = z.object({
  name: dnsLabel,
  version: z.string().regex(SEMVER, 'must be a semantic version like 1.2.0'),
  description: z.string().min(1, 'must not be empty').max(1000),
  type: dnsLabel,
  apiVersion: z.number().int(),
  hasToolsets: z.boolean(),
  hasDetect: z.literal(true, { message: 'the detector has no detect() function' }),
  evidence: evidenceUse.optional(),
});

export function validateManifest(value: unknown): Validated<PluginManifest> {
  const r = check(manifestSchema, value);
  if (!r.ok) return { ok: false, reason: `invalid manifest: ${r.reason}` };
  if (!SUPPORTED_API_VERSIONS.includes(r.value.apiVersion)) {
    return {
      ok: false,
      reason: `incompatible SDK API version ${r.value.apiVersion}: this host runs version(s) ${SUPPORTED_API_VERSIONS.join(', ')}; rebuild the plugin with a matching @kubernaut/toolset-sdk`,
    };
  }
  const { hasDetect: _unused, ...manifest } = r.value;
  return { ok: true, value: manifest };
}

// A path prefix: absolute, no query, fragment, whitespace or dot segments.
const apiPath = z
  .string()
  .max(1024)
  .regex(/^\/[^\s?#]*$/, 'must start with "/" and contain no query, fragment or whitespace')
  .refine((p) => !p.split('/').some((seg) => seg === '..' || seg === '.'), 'must not contain "." or ".." segments');
// A health path may carry a query (e.g. /api/v1/query?query=up).
const healthPath = z
  .string()
  .max(1024)
  .regex(/^\/[^\s#]*$/, 'must start with "/" and contain no fragment or whitespace')
  .refine((p) => !p.split('?')[0]!.split('/').some((seg) => seg === '..' || seg === '.'), 'must not contain "." or ".." segments');

const httpUrl = z
  .string()
  .max(2048)
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without credentials');

// A dotted path into a JSON answer ("version.number"): plain segments only, so it can be named in explain as is.
const jsonPath = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/, 'must be a dotted JSON path of letters, digits, "_" and "-", e.g. "version.number"');

// What the host must verify an endpoint is (Detection.identity). Bounded: the host evaluates it on every probe.
const identitySchema = z
  .strictObject({
    path: healthPath,
    contains: z.array(z.string().min(1).max(256)).max(8, 'at most 8 strings').optional(),
    json: z
      .record(jsonPath, z.union([z.string().max(256), z.number(), z.boolean()]))
      .refine((r) => Object.keys(r).length <= 8, 'at most 8 conditions')
      .optional(),
    key: jsonPath.optional(),
    what: z.string().min(1).max(64).optional(),
  })
  .refine((i) => (i.contains?.length ?? 0) > 0 || Object.keys(i.json ?? {}).length > 0, {
    message: 'an identity check needs something to check: "contains" or "json"',
  });

const detectionSchema = z
  .strictObject({
    port: z.union([z.string().min(1).max(63), z.number().int().min(1).max(65535)]).optional(),
    // 'auto' (API version 2): the host settles it by probing, https first (health/checker.ts).
    scheme: z.enum(['http', 'https', 'auto']).optional(),
    path: apiPath.optional(),
    type: dnsLabel.optional(),
    health: z.union([z.null(), z.strictObject({ path: healthPath })]).optional(),
    endpoint: httpUrl.optional(),
    // Any short text here: detection/resolve.ts checks the mode, so a Service's wrong annotation is its fault.
    mcp: z.strictObject({ mode: z.string().min(1).max(256) }).optional(),
    identity: identitySchema.optional(),
  })
  .refine((d) => d.port !== undefined || d.endpoint !== undefined, { message: 'a detection needs a port (or a full endpoint URL)' });

export function validateDetection(value: unknown): Validated<Detection> {
  return check(detectionSchema, value);
}

// ---- Whose fault is a rejected detection: the Service's, or the plugin's? ----
//
// A plugin passes along what a Service says (the custom detector's kubernaut.io/toolset-path, say). When that is
// invalid ("/a b"), the answer is rejected, but the plugin is not broken: counting it towards quarantine would let
// one namespace switch a detector off for every other one. The rule, which a plugin cannot game into hiding its own
// faults:
//   1. Only the fields that carry free text a Service's owner may have written can be the input's fault: `path`,
//      `health.path` and `endpoint`. Any other problem in the answer (a wrong type, an unknown key, a bad port,
//      scheme or type, no port nor endpoint, an identity check — the plugin's own knowledge of its product) is the
//      plugin's, and so is any answer with such a problem besides.
//   2. The defect must lie in text the plugin received from the Service: replace (once, case-insensitively, a
//      leading "/" and surrounding blanks aside) one of the Service's own strings — annotation and label values,
//      its name, port names, externalName — found in the rejected value by a harmless "x", or failing that all of
//      them (longest first); if the value then passes, every defect was the Service's. A plugin's own mistakes
//      survive the replacement: a constant "/a b", a name echoed without its "/" ("x" is no path either),
//      "/" + name × 200 (only one occurrence is replaced).
//   3. An endpoint that is the Service's string as a whole ("x" is never a URL) is the input's only when that
//      string was meant as one: it names an http(s) scheme, or is longer than any endpoint may be. An annotation
//      that says "true", echoed as an endpoint, is the plugin's mistake.
// What a plugin can still do is echo a Service's own broken text ("/" + an annotation holding a space) and so
// decline that Service with the Service blamed. It could decline it anyway by answering null, and it gets no
// credit for it: an input rejection is neutral, it neither counts towards quarantine nor resets the count.

/** The fields of a detection whose value may be a Service's own text (the `reason` of the input metric). */
export const INPUT_FIELDS = Object.freeze(['path', 'health_path', 'endpoint'] as const);
export type InputField = (typeof INPUT_FIELDS)[number];

/** A detection rejected because of what the Service says. */
export interface InputFault {
  field: InputField;
  /** Where the offending text came from, e.g. `annotation kubernaut.io/toolset-path`. */
  source: string;
  /** For explain: the field, its value (shortened), where it came from and what is wrong with it. */
  reason: string;
}

export type DetectionCheck = { ok: true; value: Detection } | { ok: false; reason: string; input?: InputFault };

const FIELD_OF: Readonly<Record<string, { field: InputField; schema: z.ZodType<string>; label: string }>> = {
  path: { field: 'path', schema: apiPath, label: 'path' },
  'health.path': { field: 'health_path', schema: healthPath, label: 'health path' },
  endpoint: { field: 'endpoint', schema: httpUrl, label: 'endpoint' },
};
const ENDPOINT_MAX = 2048;
const PLACEHOLDER = 'x';

interface ServiceText {
  /** Lower-cased, trimmed, a leading "/" dropped: how it is searched for. */
  text: string;
  source: string;
}

/** The strings of a Service a plugin may have put into its answer, with where each came from. */
function serviceTexts(view: ServiceView): ServiceText[] {
  const out: ServiceText[] = [];
  const add = (value: unknown, source: string): void => {
    if (typeof value !== 'string') return;
    const text = value.trim().replace(/^\/+/, '').toLowerCase();
    if (text !== '') out.push({ text, source });
  };
  for (const [k, v] of Object.entries(view.metadata.annotations ?? {})) add(v, `annotation ${k}`);
  for (const [k, v] of Object.entries(view.metadata.labels ?? {})) add(v, `label ${k}`);
  add(view.metadata.name, 'name');
  for (const p of view.spec.ports ?? []) add(p.name, 'port name');
  add(view.spec.externalName, 'externalName');
  return out.sort((a, b) => b.text.length - a.text.length);
}

function shorten(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Rule 2 and 3 for one rejected string: the Service text to blame, or undefined when the plugin is to blame. */
function blame(value: string, field: InputField, schema: z.ZodType<string>, texts: readonly ServiceText[]): ServiceText | undefined {
  const norm = value.trim().toLowerCase();
  const without = (s: string, t: ServiceText): string => {
    const at = s.indexOf(t.text);
    return at < 0 ? s : s.slice(0, at) + PLACEHOLDER + s.slice(at + t.text.length);
  };
  const passes = (rest: string, t: ServiceText): boolean =>
    // Rule 3: a whole endpoint that is one Service string.
    field === 'endpoint' && rest === PLACEHOLDER ? /^https?:\/\//.test(t.text) || t.text.length > ENDPOINT_MAX : schema.safeParse(rest).success;
  const found = texts.filter((t) => norm.includes(t.text));
  // One text carries every defect (the usual case); else all of them together (a value built from several).
  // Each alone first: replacing a harmless text too (a port named "http" in "http://…") could spoil the value.
  const single = found.find((t) => passes(without(norm, t), t));
  if (single) return single;
  if (found.length < 2) return undefined;
  const rest = found.reduce(without, norm);
  return rest !== PLACEHOLDER && schema.safeParse(rest).success ? found[0] : undefined;
}

/**
 * validateDetection for an answer about `view`, telling (in `input`) when the rejection is the Service's fault
 * and not the plugin's (see the rule above).
 */
export function checkDetection(value: unknown, view: ServiceView): DetectionCheck {
  const r = detectionSchema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const reason = describe(r.error);
  const input = inputFault(value, r.error, view);
  return input ? { ok: false, reason, input } : { ok: false, reason };
}

function inputFault(value: unknown, error: z.ZodError, view: ServiceView): InputFault | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const fields = new Map<string, string>();
  for (const issue of error.issues) {
    const at = issue.path.join('.');
    if (!(at in FIELD_OF)) return undefined; // rule 1
    fields.set(at, issue.message);
  }
  if (fields.size === 0) return undefined;
  const texts = serviceTexts(view);
  const faults: InputFault[] = [];
  for (const [at, message] of fields) {
    const { field, schema, label } = FIELD_OF[at]!;
    const raw = at === 'health.path' ? (value as { health?: { path?: unknown } }).health?.path : (value as Record<string, unknown>)[at];
    if (typeof raw !== 'string') return undefined;
    const source = blame(raw, field, schema, texts);
    if (!source) return undefined;
    faults.push({ field, source: source.source, reason: `${label} ${shorten(raw)} from the Service's ${source.source}: ${message}` });
  }
  const [head, ...others] = faults;
  return { ...head!, reason: [head!, ...others].map((f) => f.reason).join('; ') };
}

// HolmesGPT drops a whole entry over one unknown key next to `enabled`/`config`, so the host refuses them first.
const toolsetName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9][a-z0-9_.\/-]*(:[a-z0-9][a-z0-9_.-]*)?$/, 'must look like a HolmesGPT toolset name, e.g. "prometheus/metrics"');

const toolsetEntrySchema = z.strictObject({
  enabled: z.boolean().optional(),
  type: z.string().max(64).optional(),
  description: z.string().max(4000).optional(),
  llm_instructions: z.string().max(20000).optional(),
  additional_instructions: z.string().max(20000).optional(),
  docs_url: z.string().max(2048).optional(),
  icon_url: z.string().max(2048).optional(),
  installation_instructions: z.string().max(4000).optional(),
  tags: z.array(z.string().max(64)).max(32).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  tools: z.array(z.unknown()).max(200).optional(),
  prerequisites: z.array(z.unknown()).max(50).optional(),
});

const toolsetsSchema = z.record(toolsetName, toolsetEntrySchema).refine((r) => Object.keys(r).length <= 32, 'at most 32 toolsets per service');

/** `{{ env.X }}` is resolved by HolmesGPT from its own pod; an unknown X drops the toolset, so plugins may not emit them. */
function findTemplate(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('{{') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findTemplate(value[i], `${path}[${i}]`);
      if (hit) return hit;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findTemplate(v, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return undefined;
}

export function validateToolsets(value: unknown): Validated<Record<string, ToolsetEntry>> {
  const r = check(toolsetsSchema, value);
  if (!r.ok) return r;
  const template = findTemplate(r.value, '');
  if (template) return { ok: false, reason: `${template}: template expressions ("{{ … }}") are not allowed in plugin output` };
  return r as Validated<Record<string, ToolsetEntry>>;
}
