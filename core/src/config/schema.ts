// The detector config (config/detector-config.yaml): its schema, its defaults, and the built-in order.
// The types mirror the file's own snake_case keys, so what a user reads in the file is what the code reads.
import { z } from 'zod';
import { DNS_LABEL } from '@kubernaut/toolset-sdk';

/** The built-in detectors and their default priorities (lower runs first; first match wins). */
export const BUILTIN_PRIORITIES: Readonly<Record<string, number>> = {
  custom: 10, // an explicit annotation beats any inference
  prometheus: 20,
  alertmanager: 30,
  grafana: 40,
  loki: 50,
  tempo: 60, // before jaeger: Tempo may expose Jaeger's query port
  jaeger: 70,
  elasticsearch: 80,
  victorialogs: 90,
};

/**
 * A detector's priority when the config gives it none: a built-in's from the table above (1000 for a built-in
 * bundle the table does not know), an external plugin's after every built-in.
 */
export function defaultPriority(name: string, builtin: boolean): number {
  return builtin ? (BUILTIN_PRIORITIES[name] ?? 1000) : Number.POSITIVE_INFINITY;
}

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go-style duration ("30s", "5m", "1m30s", "500ms") into milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(DURATION_PART)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

const duration = (what: string, minMs: number, maxMs: number) =>
  z
    .string({ message: `${what} must be a duration string such as "30s", "5m" or "500ms"` })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; use e.g. "30s", "5m", "1m30s" or "500ms"` });
        return z.NEVER;
      }
      if (ms < minMs || ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: `${text} is out of range (${minMs}ms to ${maxMs / 1000}s)` });
        return z.NEVER;
      }
      return ms;
    });

/** Namespace patterns: namespace characters plus `*` (any run) and `?` (one character). */
export const NAMESPACE_PATTERN = /^[a-z0-9*?]([-a-z0-9*?]{0,62})$/;
const namespacePattern = z
  .string()
  .regex(NAMESPACE_PATTERN, 'must be a namespace name or a pattern using "*" and "?" (lower-case letters, digits, "-")');

/** `key` (must be present) or `key=value` (must have that value); keys follow Kubernetes' qualified-name rules. */
export const ANNOTATION_REQUIREMENT = /^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?(?:=.*)?$/;
const annotationRequirement = z
  .string()
  .regex(ANNOTATION_REQUIREMENT, 'must be an annotation key ("example.com/name") or "key=value"');

const sha256 = z.string().regex(/^[a-f0-9]{64}$/, 'must be 64 lower-case hex characters (sha256sum of the bundle)');

const healthCheckFields = {
  enabled: z.boolean().optional(),
  timeout: duration('timeout', 50, 60_000).optional(),
  retries: z.number().int().min(0).max(10).optional(),
  tls_verify: z.boolean().optional(),
};

const globalHealthCheck = z.strictObject({
  ...healthCheckFields,
  concurrency: z.number().int().min(1).max(256).optional(),
  interval: duration('interval', 1000, 86_400_000).optional(),
});

const detectorHealthCheck = z.strictObject({
  ...healthCheckFields,
  path: z.string().regex(/^\/[^\s#]*$/, 'must start with "/"').optional(),
});

const requiredAnnotations = z.union(
  [z.strictObject({ all: z.array(annotationRequirement).min(1) }), z.strictObject({ any: z.array(annotationRequirement).min(1) })],
  { message: 'must be {all: [...]} or {any: [...]} (exactly one of them)' },
);

const detector = z.strictObject({
  enabled: z.boolean().optional(),
  priority: z.number({ message: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').max(1_000_000).optional(),
  health_check: detectorHealthCheck.optional(),
  namespaces: z
    .strictObject({
      include: z.array(namespacePattern).optional(),
      exclude: z.array(namespacePattern).optional(),
    })
    .optional(),
  required_annotations: requiredAnnotations.optional(),
  plugin: z
    .strictObject({
      path: z
        .string()
        .min(1)
        .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'must be relative to the plugins directory, without ".."')
        .optional(),
      sha256: sha256.optional(),
      config: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  resync_interval: duration('resync_interval', 10_000, 86_400_000).optional(),
  health_check: globalHealthCheck.optional(),
  primary: z
    .record(z.string().regex(DNS_LABEL, 'a service type (lower-case DNS label)'), z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, 'must be "<namespace>/<service name>"'))
    .optional(),
  holmesgpt: z.strictObject({ multi_instance: z.boolean().optional() }).optional(),
  // Names are checked in load.ts, where the error can point at the key's line.
  detectors: z.record(z.string(), detector.nullable()).optional(),
});

export type ConfigFile = z.output<typeof configSchema>;
export type DetectorSettings = z.output<typeof detector>;

export interface HealthCheckSettings {
  enabled: boolean;
  timeoutMs: number;
  retries: number;
  tlsVerify: boolean;
}

/** A validated config with every default applied. */
export interface Config {
  resyncIntervalMs: number;
  healthCheck: HealthCheckSettings & { concurrency: number; intervalMs: number };
  primary: Record<string, string>;
  holmesgpt: { multiInstance: boolean };
  detectors: Record<string, DetectorSettings>;
}

export const DEFAULT_HEALTH_CHECK: Config['healthCheck'] = {
  enabled: true,
  timeoutMs: 2000,
  retries: 1,
  tlsVerify: false,
  concurrency: 16,
  intervalMs: 60_000,
};

export function withDefaults(file: ConfigFile): Config {
  const hc = file.health_check ?? {};
  const detectors: Record<string, DetectorSettings> = {};
  for (const [name, d] of Object.entries(file.detectors ?? {})) detectors[name] = d ?? {};
  return {
    resyncIntervalMs: file.resync_interval ?? 300_000,
    healthCheck: {
      enabled: hc.enabled ?? DEFAULT_HEALTH_CHECK.enabled,
      timeoutMs: hc.timeout ?? DEFAULT_HEALTH_CHECK.timeoutMs,
      retries: hc.retries ?? DEFAULT_HEALTH_CHECK.retries,
      tlsVerify: hc.tls_verify ?? DEFAULT_HEALTH_CHECK.tlsVerify,
      concurrency: hc.concurrency ?? DEFAULT_HEALTH_CHECK.concurrency,
      intervalMs: hc.interval ?? DEFAULT_HEALTH_CHECK.intervalMs,
    },
    primary: { ...(file.primary ?? {}) },
    holmesgpt: { multiInstance: file.holmesgpt?.multi_instance ?? false },
    detectors,
  };
}

export const DEFAULT_CONFIG: Config = withDefaults({});
