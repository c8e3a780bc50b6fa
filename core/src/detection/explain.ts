// One step of a detection trace as explain shows it, to people and scripts: the same words from the HTTP API's
// explain and from `detect --explain`.
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
