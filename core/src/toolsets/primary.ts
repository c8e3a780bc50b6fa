// One primary instance per service type: it feeds the base toolset names and the `<type>-toolset.yaml` key.
//
// Among the type's publishable Services (every health state but `unhealthy`), in this order:
//   1. annotation — the Service carries `kubernaut.io/toolset-primary: "true"` (several: the rule picks among them);
//   2. config     — `primary: {<type>: <namespace>/<name>}` in the detector config;
//   3. rule       — healthy before unchecked before needs-credentials (an endpoint known to answer without
//                   credentials first), then the lowest namespace, then the lowest name (code-unit order,
//                   independent of locale and of input order).
// A single publishable Service is the primary with reason `only`. Annotation or config naming an unhealthy or
// unknown Service falls through to the next step, with a warning.
import { compareStrings } from './data.js';
import type { HealthState, PublishedService } from './types.js';

export type PrimaryReason = 'only' | 'annotation' | 'config' | 'rule';

export interface PrimaryChoice {
  type: string;
  /** The chosen Service, `<namespace>/<name>`. */
  key: string;
  reason: PrimaryReason;
  /** One sentence for people (API, logs). */
  detail: string;
  /** Every publishable instance of the type: the primary first, then the others in rule order. */
  instances: string[];
  /** Annotation or config that could not be honoured. */
  warnings: string[];
}

const HEALTH_RANK: Record<HealthState, number> = { healthy: 0, unchecked: 1, 'needs-credentials': 2, unhealthy: 3 };

export function isPublishable(s: PublishedService): boolean {
  return s.health.state !== 'unhealthy';
}

/** The rule: health rank, then namespace, then name. A total order, so any input order gives the same result. */
export function compareByRule(a: PublishedService, b: PublishedService): number {
  return HEALTH_RANK[a.health.state] - HEALTH_RANK[b.health.state] || compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

const ref = (s: PublishedService): string => `${s.namespace}/${s.name}`;

/** Chooses the primary of every type that has a publishable Service. Sorted by type. */
export function choosePrimaries(services: readonly PublishedService[], configPrimary: Readonly<Record<string, string>> = {}): PrimaryChoice[] {
  const byType = new Map<string, PublishedService[]>();
  const all = new Map<string, PublishedService[]>();
  for (const s of services) {
    let list = all.get(s.type);
    if (!list) all.set(s.type, (list = []));
    list.push(s);
    if (!isPublishable(s)) continue;
    let pub = byType.get(s.type);
    if (!pub) byType.set(s.type, (pub = []));
    pub.push(s);
  }
  const choices: PrimaryChoice[] = [];
  for (const type of [...byType.keys()].sort(compareStrings)) {
    const candidates = [...byType.get(type)!].sort(compareByRule);
    choices.push(chooseOne(type, candidates, all.get(type)!, Object.prototype.hasOwnProperty.call(configPrimary, type) ? configPrimary[type] : undefined));
  }
  return choices;
}

function chooseOne(type: string, candidates: PublishedService[], everyInstance: PublishedService[], configured: string | undefined): PrimaryChoice {
  const warnings: string[] = [];
  const unhealthyAnnotated = everyInstance.filter((s) => s.primaryAnnotation && !isPublishable(s)).map(ref).sort(compareStrings);
  if (unhealthyAnnotated.length > 0) {
    warnings.push(`${unhealthyAnnotated.join(', ')} ${unhealthyAnnotated.length === 1 ? 'is' : 'are'} annotated primary but unhealthy`);
  }
  const done = (chosen: PublishedService, reason: PrimaryReason, detail: string): PrimaryChoice => ({
    type,
    key: chosen.key,
    reason,
    detail,
    instances: [chosen.key, ...candidates.filter((c) => c !== chosen).map((c) => c.key)],
    warnings,
  });
  const ruleText = 'healthy before unchecked before needs-credentials, then lowest namespace/name';

  const annotated = candidates.filter((s) => s.primaryAnnotation);
  if (annotated.length > 0) {
    const chosen = annotated[0]!;
    if (configured !== undefined && configured !== ref(chosen)) warnings.push(`config primary ${configured} ignored: the annotation wins`);
    if (annotated.length > 1) {
      warnings.push(`${annotated.length} Services are annotated primary (${annotated.map(ref).join(', ')}); chose ${ref(chosen)} by the rule`);
    }
    return done(chosen, 'annotation', `${ref(chosen)} carries kubernaut.io/toolset-primary: "true"`);
  }
  if (configured !== undefined) {
    const chosen = candidates.find((s) => ref(s) === configured);
    if (chosen) return done(chosen, 'config', `the detector config names ${configured} as primary for ${type}`);
    const known = everyInstance.some((s) => ref(s) === configured);
    warnings.push(`config primary ${configured} for ${type} ${known ? 'is unhealthy' : 'is not a detected Service of this type'}`);
  }
  const chosen = candidates[0]!;
  if (candidates.length === 1) return done(chosen, 'only', `${ref(chosen)} is the only publishable ${type} instance`);
  return done(chosen, 'rule', `${ref(chosen)} chosen among ${candidates.length} instances by the rule (${ruleText})`);
}
