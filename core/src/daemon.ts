// The composition root of the cluster loop. It builds every part from explicit options, wires producers to
// consumers, starts them in order and stops them in reverse. No part reaches back upstream:
//
//   Services (informer) → detection controller (sandboxed plugins: detect, then toolsets) → model → health checker ─┐
//                                                                                          └──────────────────┴→ reconciler → ConfigMap
//   Pods + EndpointSlices (informers → workload index: the evidence on each view; a change re-detects the Services it backs)
//   operator custom resources (API discovery → an informer per served kind → resource index: tied to each view's evidence)
//   ConfigMap (informer: drift) ─────────────────────────────────────────────────────────────────────────────────┘
//
// The reconcile side runs no plugin: each detection reaches the model with its plugin's toolsets() answer.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ServiceView } from '@kubernaut/toolset-sdk';
import { systemClock } from './clock.js';
import { afterRun, limitHeapGrowth } from './heap.js';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import { DetectionController } from './detection/controller.js';
import type { EngineObserver } from './detection/engine.js';
import { sameServiceView, serviceKey, toServiceView } from './detection/view.js';
import { Informer } from './discovery/informer.js';
import { WorkloadEvidence } from './discovery/evidence.js';
import { configMapSource, customResourceSource, discoverGroupVersions, endpointSliceSource, podSource, serviceSource } from './discovery/kube-source.js';
import { OperatorResources } from './discovery/operator-resources.js';
import { HealthChecker, createProber, probeSettings, probeTarget } from './health/index.js';
import type { HealthObserver, HealthTarget, ProbeMode } from './health/index.js';
import type { DetectedService } from './detection/engine.js';
import type { Logger } from './log.js';
import { ServiceModel } from './model/store.js';
import { PluginRegistry } from './plugins/registry.js';
import { PluginWatcher } from './plugins/watcher.js';
import { Mutex } from './queue/mutex.js';
import { DesiredBuilder } from './reconcile/desired.js';
import { projectConfigMap } from './discovery/configmap.js';
import type { ConfigMapShape } from './discovery/configmap.js';
import { CHECKSUM_ANNOTATION } from './reconcile/merge.js';
import { ConfigMapReconciler } from './reconcile/reconciler.js';
import type { ReconcilerObserver, ReconcilerOptions } from './reconcile/reconciler.js';
import { restartDeployment } from './reconcile/restart.js';
import { HolmesReloader } from './reconcile/holmes-reload.js';
import type { HolmesReloadObserver, HolmesReloadTiming } from './reconcile/holmes-reload.js';
import type { PluginObserver, SandboxLimits } from './sandbox/plugin.js';

/** Leadership as the daemon needs it; leader/ provides the Lease-based one. */
export interface Leadership {
  start(): void;
  stop(): Promise<void>;
  isLeader(): boolean;
  onChange(listener: (leading: boolean) => void): () => void;
  /**
   * Write fencing: runs `write` only while leading, checked right at the call, and aborts its signal when
   * leadership is lost during it; rejects otherwise. Absent: isLeader() is checked right before each write.
   */
  guard?<T>(write: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export interface DaemonOptions {
  kc: KubeConfig;
  config: Config;
  /** Where the output ConfigMap lives. */
  namespace: string;
  configMap: string;
  builtinDir: string;
  pluginsDir: string;
  probeMode: ProbeMode;
  clusterDomain?: string;
  limits?: SandboxLimits;
  leadership?: Leadership;
  restart?: { namespace: string; name: string };
  /** Reload HolmesGPT through its admin API after a change (reconcile/holmes-reload.ts); `restart` is the fallback. */
  holmesgpt?: { url: URL; apiKey?: () => Promise<string | undefined>; clock?: Clock; timing?: HolmesReloadTiming; fetch?: typeof fetch };
  log: Logger;
  clock?: Clock;
  observers?: { plugins?: PluginObserver; engine?: EngineObserver & { run?(services: number, seconds: number): void }; health?: HealthObserver; reconciler?: ReconcilerObserver; holmesReload?: HolmesReloadObserver };
  /** Budget of the ConfigMap's data (default MAX_DATA_BYTES, toolsets/render.ts); tests lower it. */
  maxDataBytes?: number;
  /**
   * Watch Pods and EndpointSlices and hand each Service's workloads to the plugins (default true). Off: Services
   * are decided from their own metadata only, and the daemon needs no access to Pods or EndpointSlices.
   */
  workloadEvidence?: boolean;
  /**
   * Read the custom resources of the operators in discovery/operators.ts, where their CRDs are served, and tie them
   * to the Services' evidence (default true; needs workload evidence, which they ride on).
   */
  operatorResources?: boolean;
  /** Timings, shortened by tests. */
  timing?: {
    debounceMs?: number;
    staleAfterMs?: number;
    pluginSettleMs?: number;
    informerBackoff?: { baseMs: number; maxMs: number };
    /** Longest wait at startup for the first Pod and EndpointSlice lists (default 60 s); detection then starts without. */
    evidenceWaitMs?: number;
    /** How often API discovery is asked which operator CRDs are served (default 60 s). */
    operatorDiscoveryMs?: number;
  };
}

/** The reconciler's leadership checks: a cheap one before a pass, and the fence at the write itself. */
function leadershipFence(leadership: Leadership): Pick<ReconcilerOptions, 'isLeader' | 'fence'> {
  return {
    isLeader: () => leadership.isLeader(),
    ...(leadership.guard ? { fence: <T>(write: (signal: AbortSignal) => Promise<T>) => leadership.guard!(write) } : {}),
  };
}

/** Model changes this close together update the health targets once (see scheduleHealthTargets). */
const HEALTH_TARGETS_COALESCE_MS = 250;

export class Daemon {
  readonly registry: PluginRegistry;
  readonly model = new ServiceModel();
  readonly services: Informer<ServiceView>;
  readonly configMaps: Informer<ConfigMapShape>;
  /** Pods and EndpointSlices behind the Services; absent with workloadEvidence: false. */
  readonly evidence: WorkloadEvidence | undefined;
  /** Operator custom resources; absent with operatorResources: false or without workload evidence. */
  readonly operators: OperatorResources | undefined;
  readonly detection: DetectionController;
  readonly health: HealthChecker;
  readonly desired: DesiredBuilder;
  readonly reconciler: ConfigMapReconciler;
  /** Present with --holmesgpt-reload: reloads HolmesGPT after a change and holds its verdict per toolset. */
  readonly holmesgpt: HolmesReloader | undefined;
  private readonly watcher: PluginWatcher;
  private config: Config;
  /** Detection runs and config swaps take turns: in-flight runs finish under the old config. */
  private readonly configLock = new Mutex();
  private readonly unsubscribe: Array<() => void> = [];
  private started = false;
  private stopping = false;
  private healthTargetsTimer: NodeJS.Timeout | undefined;
  /** When health targets were last applied (performance.now()): the start of the coalescing window. */
  private healthTargetsAt = Number.NEGATIVE_INFINITY;
  private targets = new WeakMap<DetectedService, HealthTarget>();
  private targetsConfig: Config | undefined;

  constructor(private readonly options: DaemonOptions) {
    const { kc, log } = options;
    // Before the first lists: the heap grows less between collections, so a large first sync does not leave
    // hundreds of MiB committed for tens of MiB live (heap.ts).
    limitHeapGrowth();
    const clock = options.clock ?? systemClock;
    this.config = options.config;
    const childLog = (component: string) => log.child({ component });
    this.registry = new PluginRegistry({
      builtinDir: options.builtinDir,
      pluginsDir: options.pluginsDir,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.observers?.plugins ? { observer: options.observers.plugins } : {}),
      log: childLog('plugins'),
    });
    this.watcher = new PluginWatcher({
      dir: options.pluginsDir,
      rescan: () => this.registry.rescan(),
      ...(options.timing?.pluginSettleMs !== undefined ? { settleMs: options.timing.pluginSettleMs } : {}),
      onError: (err) => log.warn('plugins directory watch error', { error: (err as Error).message }),
    });
    const informerTiming = {
      clock,
      ...(options.timing?.informerBackoff ? { backoff: options.timing.informerBackoff } : {}),
      staleAfterMs: options.timing?.staleAfterMs ?? 120_000,
      relistIntervalMs: this.config.resyncIntervalMs,
    };
    this.services = new Informer<ServiceView>({
      source: serviceSource(kc),
      project: (raw) => toServiceView(raw),
      keyOf: serviceKey,
      same: sameServiceView,
      log: childLog('services-informer'),
      ...informerTiming,
    });
    this.configMaps = new Informer<ConfigMapShape>({
      source: configMapSource(kc, options.namespace, options.configMap),
      project: projectConfigMap,
      keyOf: (cm) => `${cm.metadata.namespace}/${cm.metadata.name}`,
      log: childLog('configmap-informer'),
      ...informerTiming,
    });
    this.operators =
      options.workloadEvidence === false || options.operatorResources === false
        ? undefined
        : new OperatorResources({
            discover: (groupVersions) => discoverGroupVersions(kc, groupVersions),
            sourceFor: (kind, version) => customResourceSource(kc, kind.group, version, kind.plural),
            log: childLog('operator-resources'),
            ...informerTiming,
            ...(options.timing?.operatorDiscoveryMs !== undefined ? { rediscoverMs: options.timing.operatorDiscoveryMs } : {}),
          });
    this.evidence =
      options.workloadEvidence === false
        ? undefined
        : new WorkloadEvidence({
            pods: podSource(kc),
            slices: endpointSliceSource(kc),
            log: childLog('workload-evidence'),
            ...informerTiming,
            ...(this.operators ? { resources: this.operators } : {}),
          });
    this.detection = new DetectionController({
      informer: this.services,
      registry: this.registry,
      model: this.model,
      clock,
      ...(options.clusterDomain ? { clusterDomain: options.clusterDomain } : {}),
      observer: withHeapSettling(options.observers?.engine),
      log: childLog('detection'),
      lock: this.configLock,
      ...(this.evidence ? { evidence: this.evidence } : {}),
    });
    this.health = new HealthChecker({
      prober: createProber(options.probeMode, kc),
      concurrency: this.config.healthCheck.concurrency,
      intervalMs: this.config.healthCheck.intervalMs,
      clock,
      ...(options.observers?.health ? { observer: options.observers.health } : {}),
    });
    this.desired = new DesiredBuilder({
      snapshot: () => this.model.snapshot(),
      health: (key) => this.health.get(key),
      config: () => this.config,
      live: () => this.configMaps.get(`${options.namespace}/${options.configMap}`),
      ...(options.maxDataBytes !== undefined ? { maxBytes: options.maxDataBytes } : {}),
      log: childLog('toolsets'),
    });
    const reconcilerObserver = options.observers?.reconciler;
    this.holmesgpt = options.holmesgpt ? this.holmesReloader(options.holmesgpt, clock) : undefined;
    this.reconciler = new ConfigMapReconciler({
      kc,
      namespace: options.namespace,
      name: options.configMap,
      desired: () => this.desired.desiredOffThread(),
      informer: this.configMaps,
      clock,
      resyncMs: this.config.resyncIntervalMs,
      ...(options.timing?.debounceMs !== undefined ? { debounceMs: options.timing.debounceMs } : {}),
      ...(options.leadership ? leadershipFence(options.leadership) : {}),
      log: childLog('reconciler'),
      observer: {
        ...reconcilerObserver,
        written: (cm, checksumChanged) => {
          reconcilerObserver?.written?.(cm, checksumChanged);
          if (this.holmesgpt) this.holmesgpt.written(cm, checksumChanged);
          else if (checksumChanged && options.restart) void this.restartHolmes(cm);
        },
      },
    });
  }

  get currentConfig(): Config {
    return this.config;
  }

  async start(): Promise<void> {
    const { log } = this.options;
    await this.registry.start(this.config);
    if (this.stopping) return;
    this.watcher.start();
    const enabled = this.registry.detectors().map((d) => `${d.name}(${d.priority === Number.POSITIVE_INFINITY ? 'last' : d.priority})`);
    log.info('detectors enabled', { detectors: enabled });
    for (const w of this.registry.warnings()) log.warn(w);

    // Detections feed health targets; detections and health results feed the reconciler.
    this.unsubscribe.push(
      this.model.onChange(() => {
        this.scheduleHealthTargets();
        this.reconciler.trigger();
      }),
    );
    this.unsubscribe.push(this.health.onChange(() => this.reconciler.trigger()));
    if (this.options.leadership) {
      this.unsubscribe.push(this.options.leadership.onChange((leading) => {
        log.info(leading ? 'became leader: writing the ConfigMap' : 'lost leadership: no longer writing');
        if (leading) this.reconciler.trigger();
      }));
    }

    this.services.start();
    this.configMaps.start();
    this.evidence?.start();
    this.operators?.start();
    await Promise.all([this.services.waitForSync(), this.configMaps.waitForSync()]);
    // The first detection waits for the Pods and EndpointSlices (and the operator resources) too, so the first
    // ConfigMap is not written without their evidence and rewritten a moment later; bounded, and at once when they
    // are forbidden.
    const evidenceWaitMs = this.options.timing?.evidenceWaitMs ?? 60_000;
    await Promise.all([this.evidence?.waitForFirstList(evidenceWaitMs), this.operators?.waitForFirstList(evidenceWaitMs)]);
    if (this.evidence?.state === 'syncing') log.warn('workload evidence: Pods and EndpointSlices not listed yet; detecting from Service metadata until they are');
    if (this.stopping) return; // stopped during the first sync
    this.detection.start();
    this.health.start();
    this.reconciler.start();
    this.options.leadership?.start();
    this.started = true;
  }

  /**
   * First sync done and the API server reachable (the informers' last list or watch worked). An output that leaves
   * Services out to fit the ConfigMap's budget is `degraded` but still ready: it is written and serving, changes
   * still get through, and a probe failing would only pull a working replica out of its Service.
   */
  readiness(): { ready: boolean; reason?: string; degraded?: string } {
    if (this.stopping) return { ready: false, reason: 'shutting down' };
    if (!this.started) return { ready: false, reason: 'starting: first sync not done' };
    if (!this.services.hasSynced) return { ready: false, reason: 'Service cache not synced' };
    if (this.services.lastError !== undefined) return { ready: false, reason: `API server unreachable: ${this.services.lastError}` };
    const last = this.reconciler.last;
    if (last && last.result === 'error') return { ready: false, reason: `API server: ${last.error ?? 'error'}` };
    const degraded = this.desired.last?.render.degraded;
    return degraded ? { ready: true, degraded: degraded.message } : { ready: true };
  }

  /**
   * Applies a validated config atomically between detection runs: order, enablement, plugin config, health
   * settings. Then every Service is re-detected under it, so no detection is lost across the swap.
   */
  async applyConfig(config: Config): Promise<{ enabled: number; disabled: number; warnings: string[] }> {
    await this.configLock.run(async () => {
      this.config = config;
      await this.registry.applyConfig(config);
    });
    this.health.configure({ concurrency: config.healthCheck.concurrency, intervalMs: config.healthCheck.intervalMs });
    this.services.setRelistInterval(config.resyncIntervalMs);
    this.configMaps.setRelistInterval(config.resyncIntervalMs);
    this.evidence?.pods.setRelistInterval(config.resyncIntervalMs);
    this.evidence?.slices.setRelistInterval(config.resyncIntervalMs);
    this.reconciler.setResyncInterval(config.resyncIntervalMs);
    this.detection.enqueueAll();
    this.updateHealthTargets();
    this.reconciler.trigger();
    const ordering = this.registry.ordering();
    const enabled = ordering.detectors.filter((d) => d.enabled).length;
    const warnings = [...ordering.warnings];
    return { enabled, disabled: ordering.detectors.length - enabled, warnings };
  }

  /** Runs a full discovery now and resolves when the model reflects it. */
  async discover(): Promise<void> {
    await this.services.relist();
    this.detection.enqueueAll();
    await this.detection.whenIdle();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const u of this.unsubscribe.splice(0)) u();
    clearTimeout(this.healthTargetsTimer);
    await this.options.leadership?.stop();
    await this.reconciler.stop(); // finishes an in-flight write
    await this.desired.stop();
    await this.holmesgpt?.stop();
    await this.health.stop();
    await this.detection.stop();
    this.services.stop();
    this.configMaps.stop();
    this.evidence?.stop();
    this.operators?.stop();
    await this.watcher.stop();
    await this.registry.stop();
  }

  /**
   * Model changes come once per detection run, and a burst of 2,000 Services is hundreds of runs: recomputing every
   * health target (the model's snapshot, then each target's fingerprint) for each was quadratic and held the event
   * loop for seconds (issue 12). Changes within HEALTH_TARGETS_COALESCE_MS are applied together.
   */
  private scheduleHealthTargets(): void {
    if (this.healthTargetsTimer !== undefined || this.stopping) return;
    // Leading edge: a change after a quiet spell is applied at once (one Pod or Service change reaches its probe and
    // the ConfigMap without waiting); only changes that follow it closely wait, together, for the rest of the window.
    const since = performance.now() - this.healthTargetsAt;
    if (since >= HEALTH_TARGETS_COALESCE_MS) {
      this.updateHealthTargets();
      return;
    }
    this.healthTargetsTimer = setTimeout(() => {
      this.healthTargetsTimer = undefined;
      if (!this.stopping) this.updateHealthTargets();
    }, HEALTH_TARGETS_COALESCE_MS - since);
    this.healthTargetsTimer.unref();
  }

  /** Applies a pending (coalesced) health-target update now: for callers that check health right after detection. */
  flushHealthTargets(): void {
    this.updateHealthTargets();
  }

  private updateHealthTargets(): void {
    clearTimeout(this.healthTargetsTimer);
    this.healthTargetsTimer = undefined;
    this.healthTargetsAt = performance.now();
    const snapshot = this.model.snapshot();
    // An unchanged detection (the model keeps its object) under the same config keeps its target object, which the
    // checker then recognises without recomputing anything.
    if (this.targetsConfig !== this.config) {
      this.targetsConfig = this.config;
      this.targets = new WeakMap();
    }
    this.health.set(
      snapshot.detected.map((d) => {
        let t = this.targets.get(d);
        if (t === undefined) {
          t = { target: probeTarget(d, d.endpoint), settings: probeSettings(this.config.healthCheck, this.config.detectors[d.detector]?.health_check) };
          this.targets.set(d, t);
        }
        return t;
      }),
    );
  }

  private holmesReloader(opts: NonNullable<DaemonOptions['holmesgpt']>, clock: Clock): HolmesReloader {
    const { kc, log, restart: target } = this.options;
    return new HolmesReloader({
      url: opts.url,
      ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.timing ? { timing: opts.timing } : {}),
      clock: opts.clock ?? clock,
      log: log.child({ component: 'holmesgpt' }),
      ...(this.options.observers?.holmesReload ? { observer: this.options.observers.holmesReload } : {}),
      // The fallback: the same rollout restart as --restart-deployment alone.
      ...(target
        ? {
            restart: async (checksum: string) => {
              await restartDeployment(kc, target, checksum);
              log.info('HolmesGPT deployment restarted for the new toolsets', { deployment: `${target.namespace}/${target.name}` });
            },
          }
        : {}),
    });
  }

  private async restartHolmes(cm: ConfigMapShape): Promise<void> {
    const target = this.options.restart!;
    const checksum = cm.metadata.annotations?.[CHECKSUM_ANNOTATION] ?? '';
    try {
      await restartDeployment(this.options.kc, target, checksum);
      this.options.log.info('HolmesGPT deployment restarted for the new toolsets', { deployment: `${target.namespace}/${target.name}` });
    } catch (err) {
      this.options.log.error('could not restart the HolmesGPT deployment', { deployment: `${target.namespace}/${target.name}`, error: (err as Error).message });
    }
  }
}

/** The engine's observer, plus the daemon's own heap collected after a burst of detection (heap.ts). */
function withHeapSettling(observer: (EngineObserver & { run?(services: number, seconds: number): void }) | undefined): EngineObserver & { run(services: number, seconds: number): void } {
  // Delegates method by method: the observer may be a class instance, whose methods a spread would not copy.
  return {
    detectorBatch: (detector, seconds, services) => observer?.detectorBatch?.(detector, seconds, services),
    skipped: (detector, reason) => observer?.skipped?.(detector, reason),
    rejected: (detector, service, errorType, reason) => observer?.rejected?.(detector, service, errorType, reason),
    run(services, seconds) {
      observer?.run?.(services, seconds);
      afterRun(services);
    },
  };
}
