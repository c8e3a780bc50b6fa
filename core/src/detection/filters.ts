// Per-detector admission rules, applied before a plugin ever sees a Service. Each rule returns the reason it
// refuses (fed to the log, the explain endpoint and the skipped-services metric), or null to admit.
import type { ServiceView } from '@kubernaut/toolset-sdk';
import type { DetectorSettings } from '../config/schema.js';

export type SkipReason = 'namespace_excluded' | 'namespace_not_included' | 'annotations_missing';

export interface Skip {
  reason: SkipReason;
  detail: string;
}

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` exactly one; everything else literally. */
export function globToRegExp(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    globCache.set(pattern, re);
  }
  return re;
}

export function matchesAny(value: string, patterns: readonly string[]): string | undefined {
  return patterns.find((p) => globToRegExp(p).test(value));
}

function namespaceRule(view: ServiceView, settings: DetectorSettings): Skip | null {
  const ns = view.metadata.namespace;
  const { include, exclude } = settings.namespaces ?? {};
  const excludedBy = exclude ? matchesAny(ns, exclude) : undefined;
  if (excludedBy !== undefined) return { reason: 'namespace_excluded', detail: `namespace "${ns}" matches exclude pattern "${excludedBy}"` };
  if (include && include.length > 0 && matchesAny(ns, include) === undefined) {
    return { reason: 'namespace_not_included', detail: `namespace "${ns}" matches no include pattern (${include.join(', ')})` };
  }
  return null;
}

function requirementMet(annotations: Readonly<Record<string, string>>, requirement: string): boolean {
  const eq = requirement.indexOf('=');
  if (eq < 0) return annotations[requirement] !== undefined;
  return annotations[requirement.slice(0, eq)] === requirement.slice(eq + 1);
}

function annotationRule(view: ServiceView, settings: DetectorSettings): Skip | null {
  const req = settings.required_annotations;
  if (!req) return null;
  const annotations = view.metadata.annotations;
  if ('all' in req) {
    const missing = req.all.filter((r) => !requirementMet(annotations, r));
    return missing.length === 0 ? null : { reason: 'annotations_missing', detail: `missing required annotation(s): ${missing.join(', ')}` };
  }
  return req.any.some((r) => requirementMet(annotations, r))
    ? null
    : { reason: 'annotations_missing', detail: `has none of the annotations: ${req.any.join(', ')}` };
}

const RULES = [namespaceRule, annotationRule];

/** The first rule that refuses the Service for this detector, or null. */
export function admission(view: ServiceView, settings: DetectorSettings): Skip | null {
  for (const rule of RULES) {
    const skip = rule(view, settings);
    if (skip) return skip;
  }
  return null;
}
