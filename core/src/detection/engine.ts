// Runs Services through the detectors: admission filters, then every admitted plugin in its sandbox (plugins
// run concurrently, each on its own isolate), then the first valid answer in priority order wins. A plugin's
// refusal, failure or malformed answer means "not mine": the next detector gets the Service.
import { interestMatches } from '@kubernaut/toolset-sdk';
import type { EvidenceUse, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';
import type { DetectorSlot } from '../plugins/registry.js';
import { detectPayload } from '../sandbox/plugin.js';
import type { DetectAnswer } from '../sandbox/plugin.js';
import { admission } from './filters.js';
import type { Skip, SkipReason } from './filters.js';
import { resolveDetection, DEFAULT_CLUSTER_DOMAIN } from './resolve.js';
import type { Endpoint } from './resolve.js';
import { serviceKey } from './view.js';

export type TraceStep =
  | { detector: string; outcome: 'skipped'; reason: SkipReason | 'evidence_unmatched'; detail: string }
  | { detector: string; outcome: 'none' }
  | { detector: string; outcome: 'rejected' | 'failed'; errorType: string; reason: string }
  | { detector: string; outcome: 'detected'; url: string }
  | { detector: string; outcome: 'not-reached'; claimedBy: string };

export interface DetectedService {
  key: string;
  namespace: string;
  name: string;
  detector: string;
  type: string;
  endpoint: Endpoint;
  headless: boolean;
  selector: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The detecting plugin's manifest description (the generic toolset's description). */
  description?: string;
  /**
   * The plugin's validated toolsets() answer, asked once right after detection (detection/found.ts) so the
   * reconcile side only reads it. `null`: no toolsets() or a failed/rejected answer → a generic toolset.
   * Absent: not asked (offline detection, which publishes nothing).
   */
  toolsets?: Record<string, ToolsetEntry> | null;
}

export interface ServiceResult {
  key: string;
  detected: DetectedService | null;
  /** Each detector in order, with what happened. */
  trace: TraceStep[];
  /** Some plugin looked at the namespace's other Services: a change there can change this result. */
  usedSiblings: boolean;
}

export interface EngineObserver {
  /** Time a detector spent on a batch. */
  detectorBatch?(detector: string, seconds: number, services: number): void;
  skipped?(detector: string, reason: SkipReason): void;
  rejected?(detector: string, service: string, errorType: string, reason: string): void;
}

export interface DetectOptions {
  /** All Services of a namespace (the sibling view a plugin may ask for). */
  namespaceServices: (namespace: string) => readonly ServiceView[];
  clusterDomain?: string;
  /** Services per sandbox call. */
  batchSize?: number;
  observer?: EngineObserver;
}

export const DEFAULT_BATCH_SIZE = 500;
/** Batches in flight at once (see detectServices). */
const PIPELINE_DEPTH = 3;

/** Detects a set of Services. Never throws because of a plugin. Results come back in input order. */
export async function detectServices(views: readonly ServiceView[], detectors: readonly DetectorSlot[], options: DetectOptions): Promise<ServiceResult[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  // The JSON of a namespace is made once per run and shared by every plugin that asks for it.
  const siblingJson = new Map<string, string>();
  const siblings = (ns: string): string => {
    let json = siblingJson.get(ns);
    if (json === undefined) {
      json = JSON.stringify(options.namespaceServices(ns));
      siblingJson.set(ns, json);
    }
    return json;
  };
  // Batches overlap: while the isolates work through one, this thread serialises the next and decides the one
  // before. Each plugin takes its batches in order (one call at a time per isolate), so a fast plugin moves on
  // without waiting for a slow one. A bounded window keeps memory flat however large the cluster.
  const results: ServiceResult[] = [];
  const inFlight: Array<Promise<ServiceResult[]>> = [];
  for (let start = 0; start < views.length || inFlight.length > 0; start += batchSize) {
    if (start < views.length) inFlight.push(detectBatch(views.slice(start, start + batchSize), detectors, siblings, options));
    if (inFlight.length >= PIPELINE_DEPTH || start + batchSize >= views.length) results.push(...(await inFlight.shift()!));
  }
  // After a large run (a resync), each isolate drops what it parsed rather than sitting on it until next time.
  if (views.length > batchSize) await Promise.all(detectors.map((d) => d.plugin.settle()));
  return results;
}

/** A Service with evidence that nothing of a detector's declared interest matches: "not mine", without asking. */
type Unmatched = { reason: 'evidence_unmatched'; detail: string };

const unmatchedSkips = new Map<string, Unmatched>();

function unmatched(view: ServiceView, detector: string, use: EvidenceUse | undefined): Unmatched | null {
  if (use === undefined || use === 'none' || interestMatches(view, use)) return null;
  let skip = unmatchedSkips.get(detector);
  if (skip === undefined) {
    if (unmatchedSkips.size >= 1024) unmatchedSkips.clear();
    skip = Object.freeze({ reason: 'evidence_unmatched', detail: 'nothing behind the Service is what this detector declares it claims (its evidence interest)' } as const);
    unmatchedSkips.set(detector, skip);
  }
  return skip;
}

/** The view without its evidence, for a detector that declares it never reads it (evidence: 'none'). */
function bare(view: ServiceView): ServiceView {
  if (view.evidence === undefined) return view;
  const { evidence: _dropped, ...rest } = view;
  return rest;
}

async function detectBatch(
  batch: readonly ServiceView[],
  detectors: readonly DetectorSlot[],
  siblings: (ns: string) => string,
  options: DetectOptions,
): Promise<ServiceResult[]> {
  // Per detector: which Services it may see (admission filters, then its declared evidence interest), and its
  // answers for them. The interest spares a detector the Services it would never claim: on a resync most Services
  // run none of the products, and copying their evidence into every isolate was most of the time.
  const admitted = detectors.map((d) => {
    const use = d.plugin.manifest.evidence;
    return batch.map((v): Skip | Unmatched | null => admission(v, d.settings) ?? unmatched(v, d.name, use));
  });
  // Serialised at most once for every plugin that sees the whole batch (no namespace filter, no declared interest),
  // and once without evidence for those that never read it; only when one needs it.
  let whole: ReturnType<typeof detectPayload> | undefined;
  let wholeBare: ReturnType<typeof detectPayload> | undefined;
  try {
    const answers = await Promise.all(
      detectors.map(async (d, di): Promise<Array<DetectAnswer | undefined>> => {
        const skips = admitted[di]!;
        const indexes = skips.flatMap((s, i) => (s === null ? [i] : []));
        if (indexes.length === 0) return batch.map(() => undefined);
        const subset = indexes.length === batch.length ? batch : indexes.map((i) => batch[i]!);
        const withoutEvidence = d.plugin.manifest.evidence === 'none';
        let payload: ReturnType<typeof detectPayload>;
        if (subset !== batch) payload = detectPayload(withoutEvidence ? subset.map(bare) : subset);
        else if (!withoutEvidence) payload = whole ??= detectPayload(batch);
        // Without evidence in the batch (evidence off, Services-only input) the bare batch is the whole batch.
        else payload = wholeBare ??= batch.some((v) => v.evidence !== undefined) ? detectPayload(batch.map(bare)) : (whole ??= detectPayload(batch));
        const started = process.hrtime.bigint();
        try {
          const got = await d.plugin.detect(subset, payload, siblings);
          options.observer?.detectorBatch?.(d.name, Number(process.hrtime.bigint() - started) / 1e9, subset.length);
          const out: Array<DetectAnswer | undefined> = batch.map(() => undefined);
          indexes.forEach((bi, k) => (out[bi] = got[k]));
          return out;
        } finally {
          if (payload !== whole && payload !== wholeBare) payload.release();
        }
      }),
    );
    return batch.map((view, i) => decide(view, i, detectors, admitted, answers, options));
  } finally {
    whole?.release();
    wholeBare?.release();
  }
}

// The steps every Service repeats are shared, frozen: a trace per Service is kept for `explain`, and with
// tens of thousands of Services fresh copies of the same few steps were a good part of the daemon's heap.
const sharedSteps = new Map<string, TraceStep>();

function noneStep(detector: string): TraceStep {
  return shared(`none\0${detector}`, () => ({ detector, outcome: 'none' }));
}

function notReachedStep(detector: string, claimedBy: string): TraceStep {
  return shared(`not-reached\0${detector}\0${claimedBy}`, () => ({ detector, outcome: 'not-reached', claimedBy }));
}

function shared(key: string, make: () => TraceStep): TraceStep {
  let step = sharedSteps.get(key);
  if (step === undefined) {
    // Bounded by detectors × detectors; plugin names come and go with the plugins directory, so start over
    // rather than keep every name ever seen.
    if (sharedSteps.size >= 4096) sharedSteps.clear();
    step = Object.freeze(make());
    sharedSteps.set(key, step);
  }
  return step;
}

function decide(
  view: ServiceView,
  i: number,
  detectors: readonly DetectorSlot[],
  admitted: ReadonlyArray<ReadonlyArray<Skip | Unmatched | null>>,
  answers: ReadonlyArray<ReadonlyArray<DetectAnswer | undefined>>,
  options: DetectOptions,
): ServiceResult {
  const key = serviceKey(view);
  const trace: TraceStep[] = [];
  let detected: DetectedService | null = null;
  let usedSiblings = false;
  for (let di = 0; di < detectors.length; di++) {
    const d = detectors[di]!;
    const skip = admitted[di]![i];
    const answer = answers[di]![i];
    if (answer?.usedSiblings) usedSiblings = true;
    if (detected) {
      trace.push(notReachedStep(d.name, detected.detector));
      continue;
    }
    if (skip) {
      if (skip.reason === 'evidence_unmatched') {
        // The common case on a resync (most Services run no product): one shared step, and no per-Service metric.
        trace.push(shared(`unmatched\0${d.name}`, () => ({ detector: d.name, outcome: 'skipped', reason: skip.reason, detail: skip.detail })));
        continue;
      }
      trace.push({ detector: d.name, outcome: 'skipped', reason: skip.reason, detail: skip.detail });
      options.observer?.skipped?.(d.name, skip.reason);
      continue;
    }
    if (!answer) continue; // unreachable: admitted Services always get an answer
    switch (answer.kind) {
      case 'none':
        trace.push(noneStep(d.name));
        break;
      case 'rejected':
      case 'failed':
        trace.push({ detector: d.name, outcome: answer.kind, errorType: answer.errorType, reason: answer.reason });
        break;
      case 'detected': {
        const r = resolveDetection(view, answer.detection, d.plugin.manifest.type, options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
        if (!r.ok) {
          trace.push({ detector: d.name, outcome: 'rejected', errorType: 'bad-result', reason: r.reason });
          options.observer?.rejected?.(d.name, key, 'bad-result', r.reason);
          break;
        }
        trace.push({ detector: d.name, outcome: 'detected', url: r.endpoint.url });
        detected = {
          key,
          namespace: view.metadata.namespace,
          name: view.metadata.name,
          detector: d.name,
          type: r.endpoint.type,
          endpoint: r.endpoint,
          headless: view.spec.clusterIP === 'None',
          selector: view.spec.selector ?? {},
          labels: view.metadata.labels,
          annotations: view.metadata.annotations,
          description: d.plugin.manifest.description,
        };
      }
    }
  }
  return { key, detected, trace, usedSiblings };
}
