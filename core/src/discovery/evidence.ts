// The live half of workload evidence: informers for Pods and EndpointSlices feeding one WorkloadIndex
// (workloads.ts), and the Services whose evidence a change may have changed. Evidence is served only while both
// informers have listed and may list: before their first list, or when RBAC forbids pods or endpointslices
// (403), Services are decided from their own metadata, as without evidence — an empty index would otherwise
// read as "no Pod serves this". A 403 is logged once, clearly; the informers keep retrying quietly, so a grant
// added later turns evidence on without a restart. Operator resources (operator-resources.ts), when given, ride on
// the same evidence: a Service with workload evidence gets the resources tied to it (operators.ts).
import type { ServiceEvidence, ServiceView } from '@kubernaut/toolset-sdk';
import { ownerReferencesOf } from './owners.js';
import type { Clock } from '../clock.js';
import { untilCalledOr } from '../clock.js';
import { Informer } from './informer.js';
import type { InformerSource, InformerStore } from './informer.js';
import { resourcesForService } from './operators.js';
import type { OperatorResourceIndex } from './operators.js';
import { WorkloadIndex, projectEndpointSlice, projectPod } from './workloads.js';
import type { PodProjection, SliceProjection } from './workloads.js';

/** Operator resources as evidence reads them: the index, and the namespaces a resource change affects. */
export interface OperatorEvidenceSource {
  readonly index: OperatorResourceIndex;
  onChange(listener: (namespaces: readonly string[]) => void): () => void;
}

type Log = {
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
};

export interface WorkloadEvidenceOptions {
  pods: InformerSource;
  slices: InformerSource;
  log: Log;
  clock?: Clock;
  backoff?: { baseMs: number; maxMs: number };
  staleAfterMs?: number;
  relistIntervalMs?: number;
  /** Operator resources to tie to each Service that has workload evidence. */
  resources?: OperatorEvidenceSource;
}

/**
 * Which Services to re-detect: these keys, every Service of these namespaces (an operator resource changed), or
 * every Service (evidence was switched on or off).
 */
export type EvidenceChange = readonly string[] | { namespaces: readonly string[] } | 'all';

export type EvidenceState = 'syncing' | 'active' | 'forbidden';

/**
 * Evidence cannot be had: 403 (RBAC forbids it) or 404 (the server does not serve the API, e.g. discovery.k8s.io/v1
 * EndpointSlices before Kubernetes 1.21). Either way the daemon must run on metadata, not wait for a list that never
 * comes (seen on a real v1.20 API server: the first sync never finished and no ConfigMap was written).
 */
function unavailable(err: unknown): boolean {
  const code = statusCode(err);
  return code === 403 || code === 404;
}

function statusCode(err: unknown): number | undefined {
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  if (e === null || typeof e !== 'object') return undefined;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return typeof e.code === 'number' ? e.code : undefined;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/**
 * The index as an informer's store. The Pods and EndpointSlices informers keep their projections only in the index
 * (each was held twice before: by the informer under a `namespace/name` key and in the index, ~5 MiB of keys and map
 * entries per 50,000 Pods). A write from the informer updates the index at once and collects the Services it
 * affects; the informer's change event, which follows its writes, takes them.
 */
class IndexStore<T> implements InformerStore<T> {
  private affected = new Set<string>();

  constructor(
    private readonly ops: {
      get(key: string): T | undefined;
      upsert(item: T): readonly string[];
      remove(key: string): readonly string[];
      keys(): Iterable<string>;
      values(): Iterable<T>;
      size(): number;
    },
  ) {}

  get(key: string): T | undefined {
    return this.ops.get(key);
  }

  set(_key: string, item: T): void {
    for (const s of this.ops.upsert(item)) this.affected.add(s);
  }

  delete(key: string): boolean {
    if (this.ops.get(key) === undefined) return false;
    for (const s of this.ops.remove(key)) this.affected.add(s);
    return true;
  }

  keys(): Iterable<string> {
    return this.ops.keys();
  }

  values(): Iterable<T> {
    return this.ops.values();
  }

  get size(): number {
    return this.ops.size();
  }

  /** The Services the writes since the last call affect. */
  take(): Set<string> {
    const out = this.affected;
    this.affected = new Set();
    return out;
  }
}

/**
 * Each Service's evidence, computed once and kept until the index says a change affects it (or the Service object
 * itself is replaced: the informer hands out a new view on every change). A resync re-detects every Service
 * without recomputing any evidence; a Pod change recomputes only the Services it backs.
 */
export class EvidenceCache {
  private readonly byKey = new Map<string, { view: ServiceView; evidence: ServiceEvidence | undefined }>();

  constructor(
    private readonly index: WorkloadIndex,
    private readonly resources?: OperatorResourceIndex,
  ) {}

  get(view: ServiceView): ServiceEvidence | undefined {
    const key = `${view.metadata.namespace}/${view.metadata.name}`;
    const hit = this.byKey.get(key);
    if (hit !== undefined && hit.view === view) return hit.evidence;
    const evidence = withResources(view, this.index.evidenceFor(view), this.resources);
    this.byKey.set(key, { view, evidence });
    return evidence;
  }

  invalidate(keys: Iterable<string>): void {
    for (const k of keys) this.byKey.delete(k);
  }

  /** Forgets every Service of these namespaces (an operator resource there changed). */
  invalidateNamespaces(namespaces: ReadonlySet<string>): void {
    for (const k of this.byKey.keys()) if (namespaces.has(k.slice(0, k.indexOf('/')))) this.byKey.delete(k);
  }

  clear(): void {
    this.byKey.clear();
  }
}

/**
 * The Service's workload evidence with the operator resources tied to it. Resources ride on workload evidence only:
 * without it (evidence off, or not listed yet) a plugin reads an empty workload list as "nothing serves this".
 */
export function withResources(view: ServiceView, evidence: ServiceEvidence | undefined, resources: OperatorResourceIndex | undefined): ServiceEvidence | undefined {
  if (evidence === undefined || resources === undefined || resources.countIn(view.metadata.namespace) === 0) return evidence;
  const { namespace, name, labels } = view.metadata;
  const tied = resourcesForService({ namespace, name, labels, ownerReferences: ownerReferencesOf(view) }, resources, evidence.workloads);
  return tied.length === 0 ? evidence : { ...evidence, resources: tied };
}

export class WorkloadEvidence {
  readonly index = new WorkloadIndex();
  private readonly cache: EvidenceCache;
  readonly pods: Informer<PodProjection>;
  readonly slices: Informer<SliceProjection>;
  private readonly podStore: IndexStore<PodProjection>;
  private readonly sliceStore: IndexStore<SliceProjection>;
  private readonly listeners = new Set<(change: EvidenceChange) => void>();
  /** Per resource: forbidden since its last 403, until a list succeeds. */
  private readonly forbidden = new Map<'pods' | 'endpointslices', boolean>();
  private readonly warned = new Set<string>();
  private active = false;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly options: WorkloadEvidenceOptions) {
    this.cache = new EvidenceCache(this.index, options.resources?.index);
    const timing = {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}),
      ...(options.relistIntervalMs !== undefined ? { relistIntervalMs: options.relistIntervalMs } : {}),
    };
    const index = this.index;
    this.podStore = new IndexStore<PodProjection>({
      get: (key) => index.pod(...splitKey(key)),
      upsert: (pod) => index.upsertPod(pod),
      remove: (key) => index.deletePod(...splitKey(key)),
      keys: () => index.podKeys(),
      values: () => index.podValues(),
      size: () => index.podCount,
    });
    this.sliceStore = new IndexStore<SliceProjection>({
      get: (key) => index.slice(key),
      upsert: (slice) => index.upsertSlice(slice),
      remove: (key) => index.deleteSlice(...splitKey(key)),
      keys: () => index.sliceKeys(),
      values: () => index.sliceValues(),
      size: () => index.sliceCount,
    });
    this.pods = new Informer<PodProjection>({
      source: this.guarded('pods', options.pods),
      store: this.podStore,
      project: projectPod,
      keyOf: (p) => `${p.namespace}/${p.name}`,
      // Interned parts compare by identity: a relist of 50,000 Pods serialises none of them to find what changed.
      same: (a, b) => a.workload === b.workload && a.ready === b.ready && a.labels === b.labels && a.terminal === b.terminal,
      log: this.quiet('pods'),
      ...timing,
    });
    this.slices = new Informer<SliceProjection>({
      source: this.guarded('endpointslices', options.slices),
      store: this.sliceStore,
      project: projectEndpointSlice,
      keyOf: (s) => `${s.namespace}/${s.name}`,
      log: this.quiet('endpointslices'),
      ...timing,
    });
    this.pods.onChange(() => this.indexChanged(this.podStore.take()));
    this.slices.onChange(() => this.indexChanged(this.sliceStore.take()));
    options.resources?.onChange((namespaces) => {
      this.cache.invalidateNamespaces(new Set(namespaces));
      if (this.active) this.emit({ namespaces });
    });
  }

  get state(): EvidenceState {
    if ([...this.forbidden.values()].some(Boolean)) return 'forbidden';
    return this.active ? 'active' : 'syncing';
  }

  /** Called with the Services to re-detect. */
  onChange(listener: (change: EvidenceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.pods.start();
    this.slices.start();
  }

  stop(): void {
    this.pods.stop();
    this.slices.stop();
    for (const w of this.waiters.splice(0)) w();
  }

  /**
   * Resolves once evidence is served, or is known not to be (forbidden), or after `timeoutMs` — startup waits for
   * the first lists so the first ConfigMap is not written without evidence and rewritten, but never hangs on them.
   */
  waitForFirstList(timeoutMs: number): Promise<void> {
    if (this.state !== 'syncing') return Promise.resolve();
    return untilCalledOr(timeoutMs, (done) => this.waiters.push(done));
  }

  /** The Service's evidence while evidence is served; undefined otherwise (decided from metadata). */
  evidenceFor(view: ServiceView): ServiceEvidence | undefined {
    return this.state === 'active' ? this.cache.get(view) : undefined;
  }

  /** A Service is gone: the index drops its selector. */
  forgetService(key: string): void {
    const [ns, name] = splitKey(key);
    this.index.forgetService(ns, name);
    this.cache.invalidate([key]);
  }

  /** Wraps a source so a 403 (or a 404: the API not served) is noticed (and the list that follows it clears it). */
  private guarded(resource: 'pods' | 'endpointslices', source: InformerSource): InformerSource {
    const fail = (err: unknown): never => {
      if (unavailable(err)) this.setForbidden(resource, true, err);
      throw err;
    };
    return {
      list: async (onPage) => {
        const result = await source.list(onPage).catch(fail);
        this.setForbidden(resource, false);
        // The informer stores the list and marks itself synced synchronously once this resolves: look after that.
        setImmediate(() => this.update());
        return result;
      },
      watch: (rv, onEvent, onDone) =>
        source.watch(rv, onEvent, (err) => {
          if (unavailable(err)) this.setForbidden(resource, true, err);
          onDone(err);
        }).catch(fail),
      ...(source.probe ? { probe: source.probe.bind(source) } : {}),
    };
  }

  private setForbidden(resource: 'pods' | 'endpointslices', value: boolean, err?: unknown): void {
    const was = this.forbidden.get(resource) === true;
    this.forbidden.set(resource, value);
    if (value && !was) {
      if (!this.warned.has(resource)) {
        this.warned.add(resource);
        const message = (err as Error | undefined)?.message ?? '403 Forbidden';
        this.options.log.warn(
          statusCode(err) === 404
            ? `workload evidence off: the API server does not serve ${resource === 'pods' ? 'pods' : 'discovery.k8s.io/v1 endpointslices (Kubernetes before 1.21 serves only v1beta1)'} (${message}); Services are decided from their own metadata, or run with --workload-evidence=false`
            : `workload evidence off: the daemon may not list ${resource} (${message}); Services are decided from their own metadata. Grant get, list and watch on ${resource === 'pods' ? 'pods' : 'endpointslices.discovery.k8s.io'} (deploy/rbac.yaml), or run with --workload-evidence=false`,
          { resource },
        );
      }
      this.update();
    } else if (!value && was) {
      this.options.log.info(`workload evidence: ${resource} can be listed again`, { resource });
    }
  }

  /** Drops the informers' retry warnings for a resource known to be forbidden (one warning says it all). */
  private quiet(resource: 'pods' | 'endpointslices'): Log {
    const { log } = this.options;
    return {
      warn: (message, meta) => {
        if (this.forbidden.get(resource) !== true) log.warn(message, { resource, ...meta });
      },
      info: (message, meta) => log.info(message, { resource, ...meta }),
    };
  }

  /** Switches evidence on or off as the informers' state changes; every Service is re-detected on a switch. */
  private update(): void {
    const now = this.pods.hasSynced && this.slices.hasSynced && this.state !== 'forbidden';
    if (this.state !== 'syncing' || now) for (const w of this.waiters.splice(0)) w();
    if (now === this.active) return;
    this.active = now;
    this.cache.clear();
    if (now) {
      const size = this.index.size();
      this.options.log.info('workload evidence on', { pods: size.pods, endpointSlices: size.slices, workloads: size.workloads });
    }
    this.emit('all');
  }

  private emit(change: EvidenceChange): void {
    if (Array.isArray(change) && change.length === 0) return;
    for (const l of [...this.listeners]) l(change);
  }

  /** The index changed (the informers wrote to it): the Services it affects are re-detected. */
  private indexChanged(affected: Set<string>): void {
    this.cache.invalidate(affected);
    if (this.active) this.emit([...affected]);
  }
}
