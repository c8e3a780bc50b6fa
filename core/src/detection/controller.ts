// Keeps the model's detections current: informer events enqueue Service keys (plus the namespace's Services
// whose detection consulted their siblings), a worker drains the queue in batches, reads the *current* Services
// from the cache (missing = deleted) and runs them through the sandboxed detectors. Level-triggered throughout.
import type { ServiceEvidence, ServiceView } from '@kubernaut/toolset-sdk';
import type { Informer } from '../discovery/informer.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { WorkQueue } from '../queue/work-queue.js';
import { Worker, backoff, done } from '../queue/worker.js';
import type { Mutex } from '../queue/mutex.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { detectServices } from './engine.js';
import type { EngineObserver, ServiceResult } from './engine.js';
import { ToolsetsAnswers } from './found.js';

/**
 * Workload evidence as detection reads it (discovery/evidence.ts): each view's evidence (undefined: decide from
 * metadata), and the Services a Pod or EndpointSlice change affects: their keys, every Service of some namespaces (an
 * operator resource there changed), or 'all' (evidence was switched on or off).
 */
export interface EvidenceProvider {
  evidenceFor(view: ServiceView): ServiceEvidence | undefined;
  onChange(listener: (change: readonly string[] | { namespaces: readonly string[] } | 'all') => void): () => void;
  /** A Service is gone: drop what was remembered for it. */
  forgetService?(key: string): void;
}

/** What detection needs of its sink: record results (`undefined` = gone), and the keys it holds. */
export interface DetectionSink {
  apply(updates: ReadonlyArray<[string, ServiceResult | undefined]>): void;
  snapshot(): { results: ReadonlyMap<string, unknown> };
}

export interface DetectionControllerOptions {
  informer: Informer<ServiceView>;
  registry: PluginRegistry;
  /** Where results go (the model, handed in by the composition root: detection does not import its consumer). */
  model: DetectionSink;
  clock?: Clock;
  clusterDomain?: string;
  /** Keys per detection run (a full resync is split into runs of this size). */
  batchMax?: number;
  observer?: EngineObserver & { run?(services: number, seconds: number): void };
  log?: { error(message: string, meta?: Record<string, unknown>): void };
  /** Each detection run holds this lock, so a config swap (which takes it too) falls between runs. */
  lock?: Mutex;
  /** The workloads behind each Service, attached to the views plugins see (the Service's and its siblings'). */
  evidence?: EvidenceProvider;
}

function namespaceOf(key: string): string {
  return key.slice(0, key.indexOf('/'));
}

export class DetectionController {
  private readonly queue: WorkQueue;
  private readonly byNamespace = new Map<string, Map<string, ServiceView>>();
  /** Per namespace: keys whose last detection looked at siblings. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly worker: Worker;
  private running = false;
  /** Each detection's toolsets() answer, stored with it in the model. */
  private readonly toolsets = new ToolsetsAnswers();
  runs = 0;

  constructor(private readonly options: DetectionControllerOptions) {
    this.queue = new WorkQueue(options.clock ?? systemClock);
    const { lock } = options;
    this.worker = new Worker({
      queue: this.queue,
      batchMax: options.batchMax ?? 2000,
      process: async (keys) => {
        const unsure = await (lock ? lock.run(() => this.detect(keys)) : this.detect(keys));
        return (key) => (unsure.has(key) ? backoff() : done);
      },
      onError: (err, keys) => options.log?.error('detection run failed; retrying with backoff', { error: (err as Error).message, services: keys.length }),
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe.push(this.options.informer.onChange((keys) => this.onServicesChanged(keys)));
    // Plugins or their config changed: every Service is detected again and asks for its toolsets afresh.
    this.unsubscribe.push(
      this.options.registry.onChange(() => {
        this.toolsets.clear();
        this.enqueueAll();
      }),
    );
    // A Pod or EndpointSlice change re-detects the Services it backs, exactly as a change of those Services would.
    const { evidence } = this.options;
    if (evidence) {
      this.unsubscribe.push(
        evidence.onChange((change) => {
          if (change === 'all') this.enqueueAll();
          else if ('namespaces' in change) this.onServicesChanged(change.namespaces.flatMap((ns) => [...(this.byNamespace.get(ns)?.keys() ?? [])]));
          else this.onServicesChanged(change);
        }),
      );
    }
    for (const key of this.options.informer.keys()) this.index(key);
    this.enqueueAll();
    this.worker.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const u of this.unsubscribe.splice(0)) u();
    await this.worker.stop();
  }

  /** Re-detects every Service (resync, reload, POST /discover). */
  enqueueAll(): void {
    for (const key of this.options.informer.keys()) this.queue.add(key);
    for (const key of this.options.model.snapshot().results.keys()) this.queue.add(key);
  }

  /** Resolves when every queued Service has been detected. */
  whenIdle(): Promise<void> {
    return this.worker.whenIdle();
  }

  /** The Services of a namespace as the cache holds them now, each with its evidence. */
  namespaceServices(namespace: string): readonly ServiceView[] {
    const m = this.byNamespace.get(namespace);
    return m ? [...m.values()].map((v) => this.withEvidence(v)) : [];
  }

  /** The view a plugin sees: the cached Service plus its workload evidence, when there is any. */
  private withEvidence(view: ServiceView): ServiceView {
    const evidence = this.options.evidence?.evidenceFor(view);
    return evidence === undefined ? view : { ...view, evidence };
  }

  private index(key: string): void {
    const ns = namespaceOf(key);
    const view = this.options.informer.get(key);
    let m = this.byNamespace.get(ns);
    if (view) {
      if (!m) this.byNamespace.set(ns, (m = new Map()));
      m.set(key, view);
    } else if (m) {
      m.delete(key);
      if (m.size === 0) this.byNamespace.delete(ns);
    }
  }

  private onServicesChanged(keys: readonly string[]): void {
    for (const key of keys) {
      this.index(key);
      this.queue.add(key);
      // A sibling appeared, changed or left: re-detect those whose answer depended on the namespace.
      for (const dep of this.dependents.get(namespaceOf(key)) ?? []) if (dep !== key) this.queue.add(dep);
    }
  }

  /**
   * Detects `keys`; returns those to try again: a plugin failed on them (timed out on a busy node, ran out of
   * memory, threw), so the answer it would have given is unknown. Retried with backoff until a run goes
   * through; a plugin that keeps failing is quarantined (sandbox/plugin.ts), which ends the retries.
   */
  private async detect(keys: readonly string[]): Promise<Set<string>> {
    const started = process.hrtime.bigint();
    const views: ServiceView[] = [];
    const gone: string[] = [];
    for (const k of keys) {
      const v = this.options.informer.get(k);
      if (v) views.push(this.withEvidence(v));
      else gone.push(k);
    }
    const detectors = this.options.registry.detectors();
    const detected = await detectServices(views, detectors, {
      namespaceServices: (ns) => this.namespaceServices(ns),
      ...(this.options.clusterDomain ? { clusterDomain: this.options.clusterDomain } : {}),
      ...(this.options.observer ? { observer: this.options.observer } : {}),
    });
    // Right after detection, by the same plugins: what each detection publishes goes into the model with it.
    const results = await this.toolsets.attach(detected, detectors);
    for (const r of results) {
      const ns = namespaceOf(r.key);
      let deps = this.dependents.get(ns);
      if (r.usedSiblings) {
        if (!deps) this.dependents.set(ns, (deps = new Set()));
        deps.add(r.key);
      } else deps?.delete(r.key);
    }
    for (const k of gone) {
      this.dependents.get(namespaceOf(k))?.delete(k);
      this.toolsets.forget(k);
      this.options.evidence?.forgetService?.(k);
    }
    this.options.model.apply([...results.map((r): [string, typeof r] => [r.key, r]), ...gone.map((k): [string, undefined] => [k, undefined])]);
    this.runs += 1;
    this.options.observer?.run?.(keys.length, Number(process.hrtime.bigint() - started) / 1e9);
    return new Set(results.filter((r) => r.trace.some((step) => step.outcome === 'failed' && step.errorType !== 'quarantined')).map((r) => r.key));
  }
}
