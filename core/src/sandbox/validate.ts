// Schemas for everything that comes out of a plugin. Nothing a plugin says is used before it passed here;
// a failure is a reason string, never an exception, so a bad answer becomes "not mine" with that reason.
import { z } from 'zod';
import { DNS_LABEL, SEMVER, SDK_API_VERSION } from '@kubernaut/toolset-sdk';
import type { Detection, PluginManifest, ToolsetEntry } from '@kubernaut/toolset-sdk';

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The SDK API versions this host can run. */
export const SUPPORTED_API_VERSIONS: readonly number[] = [SDK_API_VERSION];

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

const manifestSchema = z.object({
  name: dnsLabel,
  version: z.string().regex(SEMVER, 'must be a semantic version like 1.2.0'),
  description: z.string().min(1, 'must not be empty').max(1000),
  type: dnsLabel,
  apiVersion: z.number().int(),
  hasToolsets: z.boolean(),
  hasDetect: z.literal(true, { message: 'the detector has no detect() function' }),
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

const detectionSchema = z
  .strictObject({
    port: z.union([z.string().min(1).max(63), z.number().int().min(1).max(65535)]).optional(),
    scheme: z.enum(['http', 'https']).optional(),
    path: apiPath.optional(),
    type: dnsLabel.optional(),
    health: z.union([z.null(), z.strictObject({ path: healthPath })]).optional(),
    endpoint: httpUrl.optional(),
  })
  .refine((d) => d.port !== undefined || d.endpoint !== undefined, { message: 'a detection needs a port (or a full endpoint URL)' });

export function validateDetection(value: unknown): Validated<Detection> {
  return check(detectionSchema, value);
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
