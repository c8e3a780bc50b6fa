// Metrics: one Registry, every metric declared in registry.ts, label vocabulary in labels.ts.
export { Metrics, createMetrics, configMapBytes, countPublished, DEFAULT_PREFIX } from './registry.js';
export type { Counts, MetricSources, MetricsOptions, PluginLike, PublishedLike } from './registry.js';
export {
  CONFIG_RELOAD_RESULTS,
  FAILURE_KINDS,
  HEALTH_FAILURE_REASONS,
  HEALTH_STATES,
  KNOWN_UPDATE_ERRORS,
  PLUGIN_OPS,
  PLUGIN_STATUSES,
  PROBED_STATES,
  RECONCILE_RESULTS,
  SKIP_REASONS,
  UNMATCHED_ROUTE,
  detectorErrorType,
  healthFailureReason,
  httpMethod,
} from './labels.js';
export type { ConfigReloadResult, HealthFailureReason } from './labels.js';
