// The label vocabulary of the metrics: every bounded set of label values, each derived from the union type it
// mirrors (a `Record<Union, true>` does not compile when the union gains or loses a member), plus the small pure
// functions that map open-ended inputs (health reasons, HTTP methods, error types) onto bounded sets.
import type { SkipReason } from '../detection/filters.js';
import { HEALTH_STATES } from '../health/types.js';
import type { HealthResult, HealthState } from '../health/types.js';
import type { PluginStatus } from '../plugins/registry.js';
import type { ReconcileResult } from '../reconcile/reconciler.js';
import { FAILURE_KINDS, isFailureKind } from '../sandbox/protocol.js';
import type { FailureKind } from '../sandbox/protocol.js';
import { INPUT_FIELDS } from '../sandbox/validate.js';

function keysOf<K extends string>(record: Record<K, true>): readonly K[] {
  return Object.freeze(Object.keys(record) as K[]);
}

/** `error_type` of dynamic_toolset_detector_errors_total: the sandbox's failure kinds (sandbox/protocol.ts). */
export { FAILURE_KINDS };

/** `reason` of dynamic_toolset_service_input_rejected_total: the field of the answer the Service's text made invalid. */
export const INPUT_REJECT_REASONS = INPUT_FIELDS;

/**
 * A label fed by open-ended values (e.g. the namespace of a Service) kept to a bounded number of series: the first
 * `limit` values seen keep their own, later ones share `overflow`. A counter's series live as long as the
 * process, and namespaces come and go; this caps what a cluster with many (or churning) namespaces costs Prometheus
 * while the common case (a few namespaces at fault) stays exact.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(
    readonly limit: number,
    /** Not a valid value of the label itself (a namespace has no "_"), so it cannot be mistaken for one. */
    readonly overflow: string,
  ) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return this.overflow;
    this.seen.add(value);
    return value;
  }
}

/** `reason` of dynamic_toolset_discovery_skipped_total. */
export const SKIP_REASONS = keysOf<SkipReason>({ namespace_excluded: true, namespace_not_included: true, annotations_missing: true });

/** `result` of dynamic_toolset_configmap_reconciliations_total. */
export const RECONCILE_RESULTS = keysOf<ReconcileResult>({
  created: true,
  updated: true,
  unchanged: true,
  conflict: true,
  error: true,
  not_leader: true,
  invalid: true,
});

/** `state` of dynamic_toolset_health_endpoints: every health state. */
export { HEALTH_STATES };

/** `state` of dynamic_toolset_health_checks_total: a probe always ends in an answered state. */
export const PROBED_STATES: readonly HealthState[] = HEALTH_STATES.filter((s) => s !== 'unchecked');

/** `status` of dynamic_toolset_plugins_loaded. */
export const PLUGIN_STATUSES = keysOf<PluginStatus>({ active: true, failed: true, refused: true });

/** `op` of the plugin call metrics: the sandbox calls that report through PluginObserver.call. */
export const PLUGIN_OPS = ['detect', 'toolsets'] as const;

export type ConfigReloadResult = 'success' | 'invalid';
/** `result` of dynamic_toolset_config_reloads_total. */
export const CONFIG_RELOAD_RESULTS = keysOf<ConfigReloadResult>({ success: true, invalid: true });

/**
 * `error_type` values of dynamic_toolset_configmap_update_errors_total known in advance (the rest are
 * `http_<code>` or a lower-cased Node error code, a small set too): a lost write race (409), an update whose
 * target vanished (404), and a desired state over the size budget.
 */
export const KNOWN_UPDATE_ERRORS = ['http_409', 'http_404', 'too-large', 'invalid-toolsets'] as const;

/** Detector error types: a FailureKind as is, anything else (should not happen) as "other". */
export function detectorErrorType(errorType: string): FailureKind | 'other' {
  return isFailureKind(errorType) ? errorType : 'other';
}

/** Why a probe found a target unhealthy, in a bounded set (the reason text itself names hosts and paths). */
export type HealthFailureReason =
  | 'http_404'
  | 'http_5xx'
  | 'http_other'
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'dns'
  | 'tls'
  | 'unreachable'
  | 'not_http'
  | 'no_endpoints'
  | 'proxy'
  | 'aborted'
  | 'other';

export const HEALTH_FAILURE_REASONS = keysOf<HealthFailureReason>({
  http_404: true,
  http_5xx: true,
  http_other: true,
  timeout: true,
  connection_refused: true,
  connection_reset: true,
  dns: true,
  tls: true,
  unreachable: true,
  not_http: true,
  no_endpoints: true,
  proxy: true,
  aborted: true,
  other: true,
});

// Ordered: the first match wins. Texts come from health/http-get.ts, health/proxy.ts and health/attempts.ts.
const REASON_RULES: ReadonlyArray<[RegExp, HealthFailureReason]> = [
  [/^timed out|timeout/i, 'timeout'],
  [/connection refused|ECONNREFUSED/i, 'connection_refused'],
  [/connection reset|ECONNRESET/i, 'connection_reset'],
  [/^DNS:/, 'dns'],
  [/^TLS:/, 'tls'],
  [/unreachable/i, 'unreachable'],
  [/not an HTTP answer/i, 'not_http'],
  [/no ready endpoints/i, 'no_endpoints'],
  [/API server/i, 'proxy'],
  [/^aborted$/, 'aborted'],
];

/** The bounded reason class of an unhealthy result (undefined for any other state). */
export function healthFailureReason(result: Pick<HealthResult, 'state' | 'status' | 'reason'>): HealthFailureReason | undefined {
  if (result.state !== 'unhealthy') return undefined;
  if (typeof result.status === 'number' && result.status > 0) {
    if (result.status === 404) return 'http_404';
    if (result.status >= 500) return 'http_5xx';
    return 'http_other';
  }
  const text = result.reason ?? '';
  for (const [re, reason] of REASON_RULES) if (re.test(text)) return reason;
  return 'other';
}

const HTTP_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The `method` label: the usual methods as is, anything else (node accepts ~35) as "OTHER". */
export function httpMethod(method: string): string {
  const m = method.toUpperCase();
  return HTTP_METHODS.has(m) ? m : 'OTHER';
}

/** The `route` label of a request no router matched. */
export const UNMATCHED_ROUTE = 'unmatched';
