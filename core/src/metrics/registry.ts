// Every metric of the daemon, declared in one place (`declareMetrics`), on a Registry this module owns — never
// prom-client's global one, so two daemons (or two tests) in one process never share a series.
//
// Events reach the metrics through the observer hooks the other modules already define: `pluginObserver()`,
// `engineObserver()`, `healthObserver()` and `reconcilerObserver()` return objects of exactly those shapes.
// Current-state gauges are either pushed (`setPublished`, `setHealthStates`, `setPlugins`, `setLeader`, …) or
// pulled at scrape time from the sources given to `track()`; both may be used, a tracked source wins.
//
// As in controller-runtime's `initMetrics`, every label combination known in advance exists at 0 from the
// start (results, reasons, states, and per detector once it is registered), so a dashboard has series, and
// `rate()` a baseline, before the first event.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Middleware } from 'koa';
import type { SkipReason } from '../detection/filters.js';
import type { EngineObserver } from '../detection/engine.js';
import type { InformerStats } from '../discovery/informer.js';
import type { HealthObserver } from '../health/checker.js';
import type { HealthResult, HealthState } from '../health/types.js';
import type { PluginStatus } from '../plugins/registry.js';
import type { ReconcileResult, ReconcilerObserver } from '../reconcile/reconciler.js';
import type { ConfigMapShape } from '../discovery/configmap.js';
import { HOLMES_RELOAD_RESULTS, HOLMES_TOOLSET_STATUSES } from '../reconcile/holmes-reload.js';
import type { HolmesReloadObserver } from '../reconcile/holmes-reload.js';
import type { PluginObserver } from '../sandbox/plugin.js';
import { LEFT_OUT_REASONS } from '../toolsets/budget.js';
import type { LeftOutReason } from '../toolsets/budget.js';
import {
  CONFIG_RELOAD_RESULTS,
  FAILURE_KINDS,
  HEALTH_FAILURE_REASONS,
  HEALTH_STATES,
  BoundedLabel,
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
import type { ConfigReloadResult, HealthFailureReason } from './labels.js';

export const DEFAULT_PREFIX = 'dynamic_toolset_';

export interface MetricsOptions {
  /** Register prom-client's process and Node.js metrics (process_*, nodejs_*; unprefixed). Default true. */
  collectDefaults?: boolean;
  /** Prefix of the daemon's own metrics. Default `dynamic_toolset_` (the names the dashboard and docs use). */
  prefix?: string;
  /** The `version` label of build_info. */
  version?: string;
  /** Milliseconds since the epoch, for the *_timestamp_seconds gauges (tests pass a fake). */
  now?: () => number;
}

/** What `setPlugins` needs of a PluginInfo (plugins/registry.ts): a bundle with `stats` is running. */
export interface PluginLike {
  name: string;
  status: PluginStatus;
  stats?: { quarantined: boolean };
}

/** What `setDetected` needs of a DetectedService (detection/engine.ts). */
export interface PublishedLike {
  detector: string;
  namespace: string;
}

export type Counts = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

/** Live sources read at every scrape (see `track`). */
export interface MetricSources {
  /** e.g. `() => daemon.registry.list()`. */
  plugins?: () => readonly PluginLike[];
  /** The published (de-duplicated) Services, e.g. `() => daemon.model.snapshot().detected`. */
  detected?: () => readonly PublishedLike[];
  /** Current health results, e.g. `() => daemon.health.snapshot().values()`. */
  health?: () => Iterable<HealthResult>;
  /** e.g. `() => leadership.isLeader()`. */
  leader?: () => boolean;
  /** Informers by the `informer` label, e.g. `{ services: daemon.services, configmap: daemon.configMaps }`. */
  informers?: Readonly<Record<string, { readonly stats: InformerStats }>>;
  /** What the last rendered output leaves out, e.g. `() => daemon.desired.last?.render.leftOut ?? []`. */
  leftOut?: () => ReadonlyArray<{ reason: LeftOutReason }>;
}

// Buckets: each family has a bucket at its service-level target (discovery 10 s, reconcile 5 s, API 200 ms).
const PLUGIN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RUN_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const PROBE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RECONCILE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5];

/** Namespaces with their own series in service_input_rejected_total (see BoundedLabel), and the label of the rest. */
export const INPUT_NAMESPACES_MAX = 100;
export const INPUT_NAMESPACES_OVERFLOW = '_other';

/** The one declaration of every metric: name, type, help and label names. */
function declareMetrics(registry: Registry, prefix: string, collectors: { plugins(): void; detected(): void; health(): void; leader(): void; informers(): void; leftOut(): void }) {
  const registers = [registry];
  const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], collect?: () => void) =>
    new Counter<L>({ name: prefix + name, help, labelNames, registers, ...(collect ? { collect } : {}) });
  const gauge = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], collect?: () => void) =>
    new Gauge<L>({ name: prefix + name, help, labelNames, registers, ...(collect ? { collect } : {}) });
  const histogram = <L extends string = never>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) =>
    new Histogram<L>({ name: prefix + name, help, buckets, labelNames, registers });

  return {
    // Discovery (BR-041)
    detectorDuration: histogram('detector_duration_seconds', 'Time one detector spent on one batch of Services, including its sandbox calls.', PLUGIN_BUCKETS, ['detector']),
    detectorServicesExamined: counter('detector_services_examined_total', 'Services handed to a detector (admitted by its filters).', ['detector']),
    detectorServicesFound: gauge('detector_services_found', 'Services currently published (after de-duplication) with this detector as their detector.', ['detector'], collectors.detected),
    detectorErrors: counter(
      'detector_errors_total',
      'Detector failures per Service or call, by kind: timeout, memory, thrown, bad-result (malformed or unresolvable answer), crashed, load; and input (an answer the Service\'s own text made invalid, not counted against the detector).',
      ['detector', 'error_type'],
    ),
    serviceInputRejected: counter(
      'service_input_rejected_total',
      `Detector answers rejected because of what the Service says (its annotations, labels, ports), by namespace, detector and the answer's field (path, health_path, endpoint); the Service is not published by that detector, and the detector is not blamed. The first ${INPUT_NAMESPACES_MAX} namespaces seen get their own series, later ones count under namespace="${INPUT_NAMESPACES_OVERFLOW}".`,
      ['namespace', 'detector', 'reason'],
    ),
    discoveryServices: gauge(
      'discovery_services_total',
      'Services currently published (detected, after de-duplication) per namespace. A gauge despite the _total suffix: the name is fixed by BR-041. Scraped with honor_labels, or the label arrives as exported_namespace.',
      ['namespace'],
      collectors.detected,
    ),
    discoverySkipped: counter('discovery_skipped_total', "Services a detector's admission filters refused, by reason.", ['reason']),
    discoveryRuns: counter('discovery_runs_total', 'Detection runs (each over the Services that changed, or all of them).'),
    discoveryRunDuration: histogram('discovery_run_duration_seconds', 'Duration of one detection run, all detectors included.', RUN_BUCKETS),
    discoveryServicesExamined: counter('discovery_services_examined_total', 'Services put through detection runs.'),
    discoveryLastRun: gauge('discovery_last_run_timestamp_seconds', 'Unix time the last detection run finished.'),

    // Health checks
    healthChecks: counter('health_checks_total', 'Health probes completed, by resulting state.', ['state']),
    healthCheckDuration: histogram('health_check_duration_seconds', 'Duration of one health check (all its attempts), by resulting state.', PROBE_BUCKETS, ['state']),
    healthCheckFailures: counter('health_check_failures_total', 'Health probes that found the target unhealthy, by reason class.', ['reason']),
    healthEndpoints: gauge('health_endpoints', 'Published endpoints by current health state.', ['state'], collectors.health),
    healthUnhealthyEndpoints: gauge('health_unhealthy_endpoints', 'Endpoints currently unhealthy, by reason class.', ['reason'], collectors.health),
    healthListenerErrors: counter('health_listener_errors_total', 'Health change listeners that threw (the checker carried on).'),

    // Plugins
    pluginCalls: counter('plugin_calls_total', 'Calls into a plugin sandbox, by plugin and operation.', ['plugin', 'op']),
    pluginCallFailures: counter('plugin_call_failures_total', 'Sandbox calls that failed as a whole (threw, timed out, ran out of memory, crashed).', ['plugin', 'op']),
    pluginCallDuration: histogram('plugin_call_duration_seconds', 'Duration of one sandbox call.', PLUGIN_BUCKETS, ['plugin', 'op']),
    pluginQuarantines: counter('plugin_quarantines_total', 'Times a plugin was quarantined (not called again until reloaded).', ['plugin']),
    pluginQuarantined: gauge('plugin_quarantined', '1 while the running version of a plugin is quarantined, else 0.', ['plugin'], collectors.plugins),
    pluginsLoaded: gauge('plugins_loaded', 'Plugin bundles by load status (active, failed, refused).', ['status'], collectors.plugins),

    // ConfigMap reconciliation (BR-042)
    reconciliations: counter('configmap_reconciliations_total', 'ConfigMap reconcile passes, by result.', ['result']),
    reconcileDuration: histogram('configmap_reconcile_duration_seconds', 'Duration of one reconcile pass (not_leader passes excluded).', RECONCILE_BUCKETS),
    driftDetections: counter('configmap_drift_detections_total', 'Reconcile passes that found generated keys edited in the live ConfigMap (and repaired them).'),
    updateErrors: counter('configmap_update_errors_total', 'Failed or refused ConfigMap writes, by type: http_<code>, a Node error code, too-large, invalid-toolsets.', ['error_type']),
    configMapBytes: gauge('configmap_size_bytes', 'Size of the data of the ConfigMap last written (keys and values).'),
    configMapTooLarge: counter('configmap_too_large_total', 'Reconcile passes that refused to write because the desired ConfigMap exceeds the size budget.'),
    toolsetsInvalid: counter(
      'toolsets_invalid_total',
      'Reconcile passes that refused to write because the generated custom_toolset.yaml would not load in HolmesGPT (the last good ConfigMap stays).',
    ),
    outputLeftOut: gauge(
      'output_left_out',
      'Discovered Services the current output leaves out, by reason: too-long (a URL, path, description or toolsets answer over its per-Service limit), over-budget (left out to keep the ConfigMap under its size budget: the output is degraded but written). GET /api/v1/toolsets lists them.',
      ['reason'],
      collectors.leftOut,
    ),

    // HolmesGPT reload (--holmesgpt-reload): what happened after each change, and HolmesGPT's own verdict
    holmesgptReloads: counter(
      'holmesgpt_reloads_total',
      'Changes of custom_toolset.yaml handed to HolmesGPT, by result: reloaded (admin API, confirmed), fallback_restart (reload refused or never confirmed; rollout restart), failed.',
      ['result'],
    ),
    holmesgptToolsetStatus: gauge(
      'holmesgpt_toolset_status',
      "1 for the status HolmesGPT reports for each toolset the daemon wrote (its /api/info: enabled, disabled, failed; missing: not listed), 0 for the others; from the last reload.",
      ['toolset', 'status'],
    ),

    // Config, leadership, informers, HTTP, build
    configReloads: counter('config_reloads_total', 'Config file reloads, by result (success, invalid: the old config stays).', ['result']),
    configLastReloadSuccess: gauge('config_last_reload_success_timestamp_seconds', 'Unix time the config was last loaded successfully (startup included).'),
    leader: gauge('leader', '1 while this replica holds the leader lease (and writes the ConfigMap), else 0.', [], collectors.leader),
    informerLists: counter('informer_lists_total', 'Full lists by an informer (the first sync, relists after 410 Gone, and periodic relists).', ['informer'], collectors.informers),
    informerRestarts: counter('informer_restarts_total', 'Watch restarts by an informer (clean closes, 410 Gone, and after errors).', ['informer'], collectors.informers),
    informerStaleRestarts: counter('informer_stale_restarts_total', 'Watches restarted because they delivered nothing for too long.', ['informer'], collectors.informers),
    informerErrors: counter('informer_errors_total', 'List or watch failures by an informer (each retried with backoff).', ['informer'], collectors.informers),
    informerLastEvent: gauge('informer_last_event_timestamp_seconds', 'Unix time an informer last received a watch event or bookmark.', ['informer'], collectors.informers),
    httpRequests: counter('http_requests_total', 'HTTP requests, by route template, method and status code.', ['route', 'method', 'code']),
    httpDuration: histogram('http_request_duration_seconds', 'HTTP request duration, by route template and method.', HTTP_BUCKETS, ['route', 'method']),
    buildInfo: gauge('build_info', 'Always 1; the labels carry the daemon and Node.js versions.', ['version', 'node_version']),
  };
}

type Declared = ReturnType<typeof declareMetrics>;

type InformerCounts = Pick<InformerStats, 'lists' | 'watchRestarts' | 'staleRestarts' | 'errors'>;

function entries(counts: Counts): Array<[string, number]> {
  return counts instanceof Map ? [...counts.entries()] : Object.entries(counts as Readonly<Record<string, number>>);
}

/** Bytes of a ConfigMap's data and binaryData (keys and values), the part its size budget is about. */
export function configMapBytes(cm: Pick<ConfigMapShape, 'data' | 'binaryData'>): number {
  let n = 0;
  for (const part of [cm.data, cm.binaryData]) {
    for (const [k, v] of Object.entries(part ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  return n;
}

/** Counts of published Services per detector and per namespace. */
export function countPublished(detected: readonly PublishedLike[]): { byDetector: Map<string, number>; byNamespace: Map<string, number> } {
  const byDetector = new Map<string, number>();
  const byNamespace = new Map<string, number>();
  for (const d of detected) {
    byDetector.set(d.detector, (byDetector.get(d.detector) ?? 0) + 1);
    byNamespace.set(d.namespace, (byNamespace.get(d.namespace) ?? 0) + 1);
  }
  return { byDetector, byNamespace };
}

export class Metrics {
  /** Owned by this object; serve it with `render()` and `contentType`. */
  readonly registry = new Registry();
  readonly prefix: string;
  private readonly m: Declared;
  private readonly now: () => number;
  private sources: MetricSources = {};
  /** Detectors whose label sets exist (pre-created once). */
  private readonly initialized = new Set<string>();
  /** Running detectors, kept at 0 in detector_services_found when they publish nothing. */
  private detectors: readonly string[] = [];
  private found: ReadonlyArray<[string, number]> = [];
  private readonly informerSeen = new Map<string, InformerCounts>();
  private readonly inputNamespaces = new BoundedLabel(INPUT_NAMESPACES_MAX, INPUT_NAMESPACES_OVERFLOW);

  constructor(options: MetricsOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.now = options.now ?? Date.now;
    this.m = declareMetrics(this.registry, this.prefix, {
      plugins: () => this.pullPlugins(),
      detected: () => this.pullDetected(),
      health: () => this.pullHealth(),
      leader: () => this.pullLeader(),
      informers: () => this.pullInformers(),
      leftOut: () => this.pullLeftOut(),
    });
    if (options.collectDefaults ?? true) collectDefaultMetrics({ register: this.registry });
    this.initialize(options.version ?? 'unknown');
  }

  /** Every label set known at startup, at 0. */
  private initialize(version: string): void {
    const m = this.m;
    for (const reason of SKIP_REASONS) m.discoverySkipped.inc({ reason }, 0);
    for (const state of PROBED_STATES) {
      m.healthChecks.inc({ state }, 0);
      m.healthCheckDuration.zero({ state });
    }
    for (const reason of HEALTH_FAILURE_REASONS) m.healthCheckFailures.inc({ reason }, 0);
    this.setHealthStates({}, {});
    for (const status of PLUGIN_STATUSES) m.pluginsLoaded.set({ status }, 0);
    for (const result of RECONCILE_RESULTS) m.reconciliations.inc({ result }, 0);
    for (const error_type of KNOWN_UPDATE_ERRORS) m.updateErrors.inc({ error_type }, 0);
    for (const result of CONFIG_RELOAD_RESULTS) m.configReloads.inc({ result }, 0);
    for (const result of HOLMES_RELOAD_RESULTS) m.holmesgptReloads.inc({ result }, 0);
    this.setLeftOut([]);
    m.leader.set(0);
    m.buildInfo.set({ version, node_version: process.version }, 1);
  }

  // ---- adapters for the observer hooks ----

  /** For `PluginRegistry({observer})`: sandbox calls, failures (detector_errors_total) and quarantines. */
  pluginObserver(): PluginObserver {
    return {
      failure: (f) => {
        this.registerDetectors([f.plugin]);
        this.m.detectorErrors.inc({ detector: f.plugin, error_type: detectorErrorType(f.kind) });
        if (f.input) this.m.serviceInputRejected.inc({ namespace: this.inputNamespaces.of(f.input.namespace), detector: f.plugin, reason: f.input.field });
      },
      quarantined: (plugin) => {
        this.m.pluginQuarantines.inc({ plugin });
        this.m.pluginQuarantined.set({ plugin }, 1);
      },
      call: (plugin, op, seconds, ok) => {
        this.m.pluginCalls.inc({ plugin, op });
        this.m.pluginCallDuration.observe({ plugin, op }, seconds);
        if (!ok) this.m.pluginCallFailures.inc({ plugin, op });
      },
    };
  }

  /** For `DetectionController({observer})`: per-detector batches, skips, rejections, and whole runs. */
  engineObserver(): EngineObserver & { run(services: number, seconds: number): void } {
    return {
      detectorBatch: (detector, seconds, services) => {
        this.registerDetectors([detector]);
        this.m.detectorDuration.observe({ detector }, seconds);
        this.m.detectorServicesExamined.inc({ detector }, services);
      },
      skipped: (_detector, reason: SkipReason) => {
        this.m.discoverySkipped.inc({ reason });
      },
      // A plugin's own failures arrive through pluginObserver().failure; these are answers the host refused.
      rejected: (detector, _service, errorType) => {
        this.registerDetectors([detector]);
        this.m.detectorErrors.inc({ detector, error_type: detectorErrorType(errorType) });
      },
      run: (services, seconds) => {
        this.m.discoveryRuns.inc();
        this.m.discoveryRunDuration.observe(seconds);
        this.m.discoveryServicesExamined.inc(services);
        this.m.discoveryLastRun.set(this.now() / 1000);
      },
    };
  }

  /** For `HealthChecker({observer})`: every completed probe, its duration, and why it failed. */
  healthObserver(): HealthObserver {
    return {
      probed: (_key, result, seconds) => {
        this.m.healthChecks.inc({ state: result.state });
        this.m.healthCheckDuration.observe({ state: result.state }, seconds);
        const reason = healthFailureReason(result);
        if (reason) this.m.healthCheckFailures.inc({ reason });
      },
      listenerFailed: () => {
        this.m.healthListenerErrors.inc();
      },
    };
  }

  /** For `ConfigMapReconciler({observer})`: outcomes, drift, write errors and the size written. */
  reconcilerObserver(): ReconcilerObserver {
    let refusal: string | undefined;
    return {
      reconciled: (result: ReconcileResult, seconds) => {
        this.m.reconciliations.inc({ result });
        if (result !== 'not_leader') this.m.reconcileDuration.observe(seconds);
        // 'invalid' is the reconciler's result for a DesiredError: 'too-large' unless refused() said otherwise
        // ('invalid-toolsets', toolsets/render.ts).
        if (result === 'invalid') {
          const reason = refusal ?? 'too-large';
          refusal = undefined;
          if (reason === 'invalid-toolsets') {
            this.m.toolsetsInvalid.inc();
            this.m.updateErrors.inc({ error_type: 'invalid-toolsets' });
          } else {
            this.m.configMapTooLarge.inc();
            this.m.updateErrors.inc({ error_type: 'too-large' });
          }
        }
      },
      refused: (reason: string) => {
        refusal = reason;
      },
      drift: () => {
        this.m.driftDetections.inc();
      },
      updateError: (errorType) => {
        // Counted above from the 'invalid' result; ignored here so a reconciler reporting both counts once.
        if (errorType === 'too-large' || errorType === 'invalid-toolsets') return;
        this.m.updateErrors.inc({ error_type: errorType });
      },
      written: (cm) => {
        this.m.configMapBytes.set(configMapBytes(cm));
      },
    };
  }

  /** For `HolmesReloader({observer})`: reload outcomes, and HolmesGPT's status per toolset (the set is replaced). */
  holmesReloadObserver(): HolmesReloadObserver {
    return {
      reload: (result) => {
        this.m.holmesgptReloads.inc({ result });
      },
      verdict: (toolsets) => {
        this.m.holmesgptToolsetStatus.reset();
        for (const [toolset, v] of toolsets) {
          for (const status of HOLMES_TOOLSET_STATUSES) this.m.holmesgptToolsetStatus.set({ toolset, status }, status === v.status ? 1 : 0);
        }
      },
    };
  }

  // ---- plain recorders ----

  /** A config file reload: `success` (applied) or `invalid` (rejected, the old config stays). */
  configReload(result: ConfigReloadResult): void {
    this.m.configReloads.inc({ result });
    if (result === 'success') this.configLoaded();
  }

  /** The config was loaded (at startup): sets the last-success time without counting a reload. */
  configLoaded(): void {
    this.m.configLastReloadSuccess.set(this.now() / 1000);
  }

  /** Published Services per detector (detector_services_found) and per namespace (discovery_services_total). */
  setPublished(byDetector: Counts, byNamespace: Counts): void {
    this.found = entries(byDetector);
    this.writeFound();
    this.m.discoveryServices.reset();
    for (const [namespace, n] of entries(byNamespace)) this.m.discoveryServices.set({ namespace }, n);
  }

  /** `setPublished` from the published Services themselves (e.g. `model.snapshot().detected`). */
  setDetected(detected: readonly PublishedLike[]): void {
    const { byDetector, byNamespace } = countPublished(detected);
    this.setPublished(byDetector, byNamespace);
  }

  /** Endpoints per health state (missing states are 0) and, optionally, unhealthy ones per reason class. */
  setHealthStates(counts: Partial<Record<HealthState, number>>, unhealthyByReason?: Partial<Record<HealthFailureReason, number>>): void {
    for (const state of HEALTH_STATES) this.m.healthEndpoints.set({ state }, counts[state] ?? 0);
    if (unhealthyByReason) for (const reason of HEALTH_FAILURE_REASONS) this.m.healthUnhealthyEndpoints.set({ reason }, unhealthyByReason[reason] ?? 0);
  }

  /** `setHealthStates` from the current results (e.g. `checker.snapshot().values()`). */
  setHealthResults(results: Iterable<HealthResult>): void {
    const states: Partial<Record<HealthState, number>> = {};
    const reasons: Partial<Record<HealthFailureReason, number>> = {};
    for (const r of results) {
      states[r.state] = (states[r.state] ?? 0) + 1;
      const reason = healthFailureReason(r);
      if (reason) reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    this.setHealthStates(states, reasons);
  }

  /**
   * The plugin bundles (e.g. `registry.list()`): counts by status, the quarantine gauge of every running plugin,
   * and every running plugin registered as a detector (its label sets created at 0).
   */
  setPlugins(list: readonly PluginLike[]): void {
    for (const status of PLUGIN_STATUSES) this.m.pluginsLoaded.set({ status }, list.filter((p) => p.status === status).length);
    const running = list.filter((p) => p.stats !== undefined);
    this.m.pluginQuarantined.reset();
    for (const p of running) this.m.pluginQuarantined.set({ plugin: p.name }, p.stats?.quarantined ? 1 : 0);
    this.detectors = running.map((p) => p.name);
    this.registerDetectors(this.detectors);
    this.writeFound();
  }

  /** Creates every label set of these detectors (plugins) at 0; a name seen before is left alone. */
  registerDetectors(names: Iterable<string>): void {
    for (const detector of names) {
      if (this.initialized.has(detector)) continue;
      this.initialized.add(detector);
      const m = this.m;
      for (const error_type of FAILURE_KINDS) m.detectorErrors.inc({ detector, error_type }, 0);
      m.detectorServicesExamined.inc({ detector }, 0);
      m.detectorDuration.zero({ detector });
      m.pluginQuarantines.inc({ plugin: detector }, 0);
      for (const op of PLUGIN_OPS) {
        m.pluginCalls.inc({ plugin: detector, op }, 0);
        m.pluginCallFailures.inc({ plugin: detector, op }, 0);
        m.pluginCallDuration.zero({ plugin: detector, op });
      }
    }
  }

  setLeader(leading: boolean): void {
    this.m.leader.set(leading ? 1 : 0);
  }

  /** What the output leaves out (toolsets/budget.ts LeftOut, or anything with its `reason`), counted by reason. */
  setLeftOut(leftOut: ReadonlyArray<{ reason: LeftOutReason }>): void {
    for (const reason of LEFT_OUT_REASONS) this.m.outputLeftOut.set({ reason }, leftOut.filter((l) => l.reason === reason).length);
  }

  setConfigMapBytes(bytes: number): void {
    this.m.configMapBytes.set(bytes);
  }

  /**
   * An informer's cumulative stats: the counters advance by the difference from the last call for `name`
   * (a smaller value means a new informer under the same name, counted from 0).
   */
  informerStats(name: string, stats: InformerStats): void {
    const before = this.informerSeen.get(name) ?? { lists: 0, watchRestarts: 0, staleRestarts: 0, errors: 0 };
    const delta = (k: keyof InformerCounts): number => (stats[k] >= before[k] ? stats[k] - before[k] : stats[k]);
    const labels = { informer: name };
    this.m.informerLists.inc(labels, delta('lists'));
    this.m.informerRestarts.inc(labels, delta('watchRestarts'));
    this.m.informerStaleRestarts.inc(labels, delta('staleRestarts'));
    this.m.informerErrors.inc(labels, delta('errors'));
    if (stats.lastEventAt > 0) this.m.informerLastEvent.set(labels, stats.lastEventAt / 1000);
    this.informerSeen.set(name, { lists: stats.lists, watchRestarts: stats.watchRestarts, staleRestarts: stats.staleRestarts, errors: stats.errors });
  }

  /**
   * Live sources read at every scrape, so current-state gauges need no push from the daemon. Replaces the
   * sources given before; an informer's series exist (at 0) from this call on.
   */
  track(sources: MetricSources): this {
    this.sources = { ...sources };
    this.sync();
    return this;
  }

  /** Koa middleware: requests by route template (bounded), method and code; errors are counted as they map to a status. */
  httpMetrics(): Middleware {
    return async (ctx, next) => {
      const started = process.hrtime.bigint();
      let failed: unknown;
      let threw = false;
      try {
        await next();
      } catch (err) {
        threw = true;
        failed = err;
        throw err;
      } finally {
        const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
        const route = matched === undefined ? UNMATCHED_ROUTE : String(matched);
        const method = httpMethod(ctx.method);
        const code = String(threw ? errorStatus(failed) : ctx.status);
        this.m.httpRequests.inc({ route, method, code });
        this.m.httpDuration.observe({ route, method }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
  }

  /** The exposition text (tracked sources read first). */
  async render(): Promise<string> {
    this.sync();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  // ---- scrape-time pulls (no-ops without a tracked source) ----

  private sync(): void {
    this.pullPlugins();
    this.pullDetected();
    this.pullHealth();
    this.pullLeader();
    this.pullInformers();
    this.pullLeftOut();
  }

  private pullLeftOut(): void {
    if (this.sources.leftOut) this.setLeftOut(this.sources.leftOut());
  }

  private pullPlugins(): void {
    if (this.sources.plugins) this.setPlugins(this.sources.plugins());
  }

  private pullDetected(): void {
    if (this.sources.detected) this.setDetected(this.sources.detected());
  }

  private pullHealth(): void {
    if (this.sources.health) this.setHealthResults(this.sources.health());
  }

  private pullLeader(): void {
    if (this.sources.leader) this.setLeader(this.sources.leader());
  }

  private pullInformers(): void {
    for (const [name, informer] of Object.entries(this.sources.informers ?? {})) this.informerStats(name, informer.stats);
  }

  private writeFound(): void {
    this.m.detectorServicesFound.reset();
    for (const detector of this.detectors) this.m.detectorServicesFound.set({ detector }, 0);
    for (const [detector, n] of this.found) this.m.detectorServicesFound.set({ detector }, n);
  }
}

/** The status koa will answer for a thrown error (the problem middleware maps it the same way). */
function errorStatus(err: unknown): number {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  return new Metrics(options);
}
