// The ConfigMap reconciler: observe desired (from the model) and actual (the watched ConfigMap), converge, requeue.
// Every trigger — a detection or health change, a watch event on the ConfigMap (drift), the periodic resync —
// enqueues the same single key after a short debounce, so a burst of Service events yields one write.
// Writes carry the resourceVersion they were computed from; a 409 means someone else wrote first: re-read,
// re-merge, retry. Other API errors back off exponentially. Only the leader writes, fenced at the write itself.
//
// Drift is someone else's edit of a generated key (merge.ts compares the live keys with the hashes the daemon
// recorded when it wrote them), reported once per edited revision. The daemon's own writes never read as
// drift, and it merges against its own last write while the watch has not delivered it yet.
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import type { Informer } from '../discovery/informer.js';
import { WorkQueue } from '../queue/work-queue.js';
import { Worker, backoff, requeueAfter } from '../queue/worker.js';
import type { Outcome } from '../queue/worker.js';
import { describeError } from '../kube/errors.js';
import { withSignal } from '../kube/abort.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { mergeConfigMap } from './merge.js';
import type { Desired } from './merge.js';
import { projectConfigMap } from '../discovery/configmap.js';
import type { ConfigMapShape } from '../discovery/configmap.js';

export type ReconcileResult = 'created' | 'updated' | 'unchanged' | 'conflict' | 'error' | 'not_leader' | 'invalid';

export interface ReconcilerObserver {
  reconciled?(result: ReconcileResult, seconds: number): void;
  drift?(keys: readonly string[]): void;
  updateError?(errorType: string): void;
  /** The desired state could not be written (DesiredError): its reason (`too-large`, `invalid-toolsets`), before `reconciled('invalid')`. */
  refused?(reason: string): void;
  written?(configMap: ConfigMapShape, checksumChanged: boolean): void;
}

export interface ReconcilerOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  /** Builds the desired state now; throwing `DesiredError` means "cannot write" (e.g. over 1 MiB). */
  desired: () => Desired | Promise<Desired>;
  /** Watches the one ConfigMap; its cache is the "actual" side. */
  informer: Informer<ConfigMapShape>;
  /** Cheap check before a pass: a follower builds nothing and reports nothing. */
  isLeader?: () => boolean;
  /**
   * Write fencing: runs the write only while this replica leads, checked right at the write, and aborts it
   * when leadership is lost meanwhile (the elector's guard); rejects otherwise. Without it, isLeader() is
   * checked right before the write.
   */
  fence?: <T>(write: (signal: AbortSignal) => Promise<T>) => Promise<T>;
  clock?: Clock;
  debounceMs?: number;
  resyncMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  observer?: ReconcilerObserver;
  log?: { info(m: string, meta?: Record<string, unknown>): void; warn(m: string, meta?: Record<string, unknown>): void; error(m: string, meta?: Record<string, unknown>): void };
}

/** A desired state that must not be written (too large, …): logged and counted, the live ConfigMap is kept. */
export class DesiredError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'DesiredError';
  }
}

const KEY = 'configmap';
const MAX_CONFLICT_RETRIES = 5;

function errorType(err: unknown): string {
  if (err instanceof ApiException) return `http_${err.code}`;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code.toLowerCase() : 'unknown';
}

export class ConfigMapReconciler {
  private readonly queue: WorkQueue;
  private readonly worker: Worker;
  private readonly api: CoreV1Api;
  private readonly clock: Clock;
  private running = false;
  private lastChecksum: string | undefined;
  private offInformer: (() => void) | undefined;
  /** The ConfigMap as this reconciler last wrote it, and the resourceVersions its writes replaced. */
  private own: { written: ConfigMapShape; replaced: Set<string> } | undefined;
  /** The resourceVersion whose drift was last reported: a retried repair does not count the same edit again. */
  private driftReportedAt: string | undefined;
  /** The last outcome, for readiness and the API. */
  last: { result: ReconcileResult; at: number; error?: string } | undefined;

  private resyncMs: number;

  /** Changes the resync period (a config reload); it applies from the next reconcile on. */
  setResyncInterval(ms: number): void {
    this.resyncMs = ms;
  }

  constructor(private readonly options: ReconcilerOptions) {
    this.resyncMs = options.resyncMs ?? 300_000;
    this.clock = options.clock ?? systemClock;
    this.queue = new WorkQueue(this.clock, options.backoff ?? { baseMs: 500, maxMs: 60_000 });
    this.api = options.kc.makeApiClient(CoreV1Api);
    this.worker = new Worker({
      queue: this.queue,
      process: () => this.handle(),
      onBackoff: (_key, delay, err) => this.options.log?.warn('ConfigMap reconcile failed; retrying', { error: this.last?.error ?? String(err), retryInMs: delay }),
      // The resync timer is always pending: idle means nothing queued and nothing running.
      idle: (q) => q.length === 0,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Drift: any change to the ConfigMap (including its deletion) is checked against the desired state.
    this.offInformer = this.options.informer.onChange(() => {
      this.observe(this.options.informer.get(`${this.options.namespace}/${this.options.name}`));
      this.trigger();
    });
    this.queue.add(KEY);
    this.worker.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.offInformer?.();
    await this.worker.stop(); // an in-flight write finishes
  }

  /** Something changed: reconcile soon (bursts within the debounce collapse into one run). */
  trigger(): void {
    if (!this.running) return;
    this.queue.addAfter(KEY, this.options.debounceMs ?? 200);
  }

  /** Resolves when no reconcile is queued or running (resync timers aside). */
  whenIdle(): Promise<void> {
    return this.worker.whenIdle();
  }

  /** One pass as the worker runs it: the result is recorded and observed, the outcome decides the requeue. */
  private async handle(): Promise<Outcome> {
    const started = process.hrtime.bigint();
    let result: ReconcileResult;
    let outcome: Outcome;
    try {
      result = await this.reconcileOnce();
      this.last = { result, at: this.clock.now() };
      outcome = requeueAfter(this.resyncMs);
    } catch (err) {
      result = err instanceof DesiredError ? 'invalid' : 'error';
      const message = err instanceof ApiException ? describeError(err) : (err as Error).message;
      this.last = { result, at: this.clock.now(), error: message };
      if (err instanceof DesiredError) {
        // Only a new input can fix it, not a retry: the next change or resync looks again.
        this.options.observer?.refused?.(err.reason);
        this.options.log?.error('not writing the ConfigMap', { reason: err.reason, error: err.message });
        outcome = requeueAfter(this.resyncMs);
      } else {
        this.options.observer?.updateError?.(errorType(err));
        outcome = backoff(err);
      }
    }
    this.options.observer?.reconciled?.(result, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }

  /**
   * The live ConfigMap to merge against: the informer's copy, unless that copy is one this reconciler's own
   * write replaced (the watch has not delivered the write yet) — then that write. Merging against the older
   * copy would only earn a 409 and a re-read. No copy at all stays "none": it may be a deletion.
   */
  private actual(): ConfigMapShape | undefined {
    const cached = this.options.informer.get(`${this.options.namespace}/${this.options.name}`);
    this.observe(cached);
    const rv = cached?.metadata.resourceVersion;
    return this.own && rv !== undefined && this.own.replaced.has(rv) ? this.own.written : cached;
  }

  /** The watch delivered our own last write: the versions it replaced cannot show up any more. */
  private observe(cached: ConfigMapShape | undefined): void {
    const rv = cached?.metadata.resourceVersion;
    if (this.own && rv !== undefined && rv === this.own.written.metadata.resourceVersion) this.own.replaced.clear();
  }

  private remember(written: ConfigMapShape, replaced: string | undefined): void {
    const set = this.own?.replaced ?? new Set<string>();
    if (replaced !== undefined) set.add(replaced);
    // Bounded: only a watch that lags by this many of our own writes costs a 409.
    if (set.size > 64) set.delete(set.values().next().value!);
    this.own = { written, replaced: set };
  }

  private reportDrift(actual: ConfigMapShape | undefined, keys: readonly string[]): void {
    if (keys.length === 0) return;
    const rv = actual?.metadata.resourceVersion;
    if (rv !== undefined && rv === this.driftReportedAt) return;
    this.driftReportedAt = rv;
    this.options.observer?.drift?.(keys);
    this.options.log?.warn('generated keys were edited in the ConfigMap; repairing them', { keys, resourceVersion: rv });
  }

  /** Runs the write only while leading (see `fence`); undefined when this replica does not lead. */
  private async fenced<T>(write: (signal?: AbortSignal) => Promise<T>): Promise<T | undefined> {
    const { fence, isLeader } = this.options;
    if (!fence) return isLeader && !isLeader() ? undefined : write();
    let signal: AbortSignal | undefined;
    try {
      return await fence((s) => {
        signal = s;
        return write(s);
      });
    } catch (err) {
      // Refused by the fence (not leading), or aborted because leadership was lost during the write.
      if (signal === undefined || signal.aborted) return undefined;
      throw err;
    }
  }

  /** One level-triggered pass. Throws for errors that should back off. */
  async reconcileOnce(): Promise<ReconcileResult> {
    if (this.options.isLeader && !this.options.isLeader()) return 'not_leader';
    const { namespace, name } = this.options;
    const desired = await this.options.desired();
    let actual = this.actual();
    for (let attempt = 0; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
      const merged = mergeConfigMap(actual, desired, { namespace, name });
      this.reportDrift(actual, merged.drifted);
      if (merged.conflicts.length > 0) {
        this.options.log?.warn('keys the daemon would generate already exist and belong to an admin; left alone', { keys: merged.conflicts });
      }
      if (!merged.write) return 'unchanged';
      try {
        const body = merged.write as unknown as V1ConfigMap;
        const written = await this.fenced((signal) =>
          merged.action === 'create'
            ? this.api.createNamespacedConfigMap({ namespace, body }, withSignal(signal))
            : this.api.replaceNamespacedConfigMap({ namespace, name, body }, withSignal(signal)),
        );
        if (written === undefined) return 'not_leader';
        const projected = projectConfigMap(written)!;
        this.remember(projected, merged.action === 'update' ? actual?.metadata.resourceVersion : undefined);
        const checksumChanged = this.lastChecksum !== undefined && this.lastChecksum !== desired.checksum;
        const first = this.lastChecksum === undefined;
        this.lastChecksum = desired.checksum;
        this.options.observer?.written?.(projected, checksumChanged || (first && merged.action === 'create'));
        this.options.log?.info(merged.action === 'create' ? 'ConfigMap created' : 'ConfigMap updated', { namespace, name, resourceVersion: written.metadata?.resourceVersion });
        return merged.action === 'create' ? 'created' : 'updated';
      } catch (err) {
        const code = err instanceof ApiException ? err.code : undefined;
        // 409: someone wrote since we read (or it was created meanwhile). 404 on update: it was deleted. Re-read, re-merge.
        if (code === 409 || (code === 404 && merged.action === 'update')) {
          this.options.observer?.updateError?.(`http_${code}`);
          actual = await this.read();
          continue;
        }
        throw err;
      }
    }
    return 'conflict';
  }

  private async read(): Promise<ConfigMapShape | undefined> {
    try {
      return projectConfigMap(await this.api.readNamespacedConfigMap({ namespace: this.options.namespace, name: this.options.name }));
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }
}
