// One step of a detection trace as explain shows it, to people and scripts: the same words from the HTTP API's
// explain and from `detect --explain`.
import type { ServiceEvidence } from '@kubernaut/toolset-sdk';
import type { TraceStep } from './engine.js';

export function explainStep(step: TraceStep): Record<string, unknown> {
  switch (step.outcome) {
    case 'skipped':
      return { detector: step.detector, outcome: 'skipped', reason: step.reason, detail: step.detail };
    case 'rejected':
    case 'failed':
      return {
        detector: step.detector,
        outcome: step.outcome,
        error_type: step.errorType,
        reason: step.reason,
        // The Service's own text made the answer invalid (sandbox/validate.ts): the fix is in the Service.
        ...(step.errorType === 'input' ? { detail: "the Service's own annotations or labels made this answer invalid (see reason): fix the Service; this does not count against the detector" } : {}),
      };
    case 'detected':
      return { detector: step.detector, outcome: 'detected', endpoint: step.url };
    case 'not-reached':
      return { detector: step.detector, outcome: 'not-reached', detail: `claimed first by ${step.claimedBy}` };
    default:
      return { detector: step.detector, outcome: 'none', detail: 'answered "not mine"' };
  }
}

// At most this many workloads (and operator resources) per Service in an explain: a Service selecting hundreds of
// owners stays a readable, bounded answer; `omitted` says how many more there were.
export const EXPLAIN_MAX_WORKLOADS = 20;
export const EXPLAIN_MAX_RESOURCES = 8;

/** One container as explain shows it: ports as `name:number[/protocol]`, args and env only when kept. */
export interface ExplainedContainer {
  name: string;
  image: string;
  sidecar?: true;
  ports: string[];
  args?: string[];
  env?: Record<string, string>;
}

/** One backing workload: `Kind/name`, `ready/pods`. */
export interface ExplainedWorkload {
  owner: string;
  ready: string;
  containers: ExplainedContainer[];
  labels?: Record<string, string>;
}

export interface ExplainedResource {
  resource: string;
  apiVersion: string;
  via: string;
  spec: Record<string, unknown>;
}

/**
 * The evidence a Service was decided with, compact: per workload its owner, ready/pods, each container's image,
 * ports, kept args and env; the operator resources behind it. `note` instead when there was none (decided from the
 * Service's own metadata). The same shape for `detect --explain` and the HTTP API's explain.
 */
export type ExplainedEvidence =
  | { note: string }
  | { workloads: ExplainedWorkload[]; resources: ExplainedResource[]; omitted?: { workloads: number; resources: number }; note?: string };

export function explainEvidence(e: ServiceEvidence | undefined, none = "none: decided from the Service's own metadata (no Pods or EndpointSlices for it in the input)"): ExplainedEvidence {
  if (e === undefined) return { note: none };
  const workloads = e.workloads.slice(0, EXPLAIN_MAX_WORKLOADS).map(
    (w): ExplainedWorkload => ({
      owner: `${w.owner.kind}/${w.owner.name}`,
      ready: `${w.ready}/${w.pods}`,
      containers: w.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.sidecar ? { sidecar: true as const } : {}),
        ports: c.ports.map((p) => `${p.name !== undefined ? `${p.name}:` : ''}${p.containerPort}${p.protocol !== undefined ? `/${p.protocol}` : ''}`),
        ...(c.args.length > 0 ? { args: [...c.args] } : {}),
        ...(Object.keys(c.env).length > 0 ? { env: { ...c.env } } : {}),
      })),
      ...(Object.keys(w.labels).length > 0 ? { labels: { ...w.labels } } : {}),
    }),
  );
  const resources = e.resources.slice(0, EXPLAIN_MAX_RESOURCES).map((r): ExplainedResource => ({ resource: `${r.kind}/${r.name}`, apiVersion: r.apiVersion, via: r.via, spec: r.spec }));
  const omitted = { workloads: e.workloads.length - workloads.length, resources: e.resources.length - resources.length };
  return {
    workloads,
    resources,
    ...(omitted.workloads > 0 || omitted.resources > 0 ? { omitted } : {}),
    // Evidence that nothing runs behind the Service is evidence too: the built-in detectors make it no entry.
    ...(e.workloads.length === 0 ? { note: 'no Pod backs this Service (its EndpointSlices and selector reach none)' } : {}),
  };
}
