// Detection without a cluster: the daemon's own pipeline (the same registry, sandbox, order, filters and
// de-duplication) over a fixed set of Service objects, with no health checks. Serves `dynamic-toolset detect`,
// the SDK's test helper and the fixture tests. Pods and EndpointSlices, when given, become each Service's
// evidence through the same projection and index the daemon keeps (discovery/workloads.ts), with the operator
// resources tied to it (discovery/operators.ts).
import type { ServiceEvidence, ServiceView } from '@kubernaut/toolset-sdk';
import { DEFAULT_CONFIG } from '../config/schema.js';
import { withResources } from '../discovery/evidence.js';
import { OperatorResourceIndex, projectResource } from '../discovery/operators.js';
import { WorkloadIndex, projectEndpointSlice, projectPod } from '../discovery/workloads.js';
import type { Config } from '../config/schema.js';
import { builtinPluginsDir } from '../paths.js';
import { PluginRegistry } from '../plugins/registry.js';
import type { RegistryLogger } from '../plugins/registry.js';
import type { SandboxLimits } from '../sandbox/plugin.js';
import { dedupe } from './dedupe.js';
import { detectServices } from './engine.js';
import type { ServiceResult } from './engine.js';
import { serviceKey, toServiceView } from './view.js';

export interface DetectionRecord {
  namespace: string;
  name: string;
  type: string;
  detector: string;
  endpoint: string;
  healthPath: string | null;
}

export interface OfflineOptions {
  config?: Config;
  /** External plugin bundles, as the daemon's `--plugins-dir`. */
  pluginsDir?: string;
  /** Defaults to the repository's built-in bundles; `false` loads none (only external plugins). */
  builtinDir?: string | false;
  clusterDomain?: string;
  limits?: SandboxLimits;
  log?: RegistryLogger;
  /** The Pods and EndpointSlices behind the Services; without it the Services are decided from metadata alone. */
  evidence?: EvidenceSource;
}

/** A workload index and where it speaks for the cluster. */
export interface EvidenceSource {
  index: WorkloadIndex;
  /**
   * Namespaces whose Pods and EndpointSlices the index holds; Services elsewhere get no evidence (a dump of one
   * namespace's Pods says nothing about another's). Undefined: all (a live cluster, listed whole).
   */
  namespaces?: ReadonlySet<string>;
  /** Operator custom resources, tied to the Services that have workload evidence. */
  resources?: OperatorResourceIndex;
}

/** Indexes operator custom resources (from manifests or a list); objects that do not project are left out. */
export function resourceIndexFrom(resources: Iterable<unknown>): OperatorResourceIndex {
  const index = new OperatorResourceIndex();
  for (const r of resources) {
    const projected = projectResource(r);
    if (projected) index.upsert(projected);
  }
  return index;
}

/** Indexes Pod and EndpointSlice objects (from manifests), and operator resources; objects that do not project are left out. */
export function evidenceFrom(pods: Iterable<unknown>, endpointSlices: Iterable<unknown>, resources: Iterable<unknown> = []): EvidenceSource {
  const resourceIndex = resourceIndexFrom(resources);
  const index = new WorkloadIndex();
  const namespaces = new Set<string>();
  for (const p of pods) {
    const projected = projectPod(p);
    if (!projected) continue;
    index.upsertPod(projected);
    namespaces.add(projected.namespace);
  }
  for (const s of endpointSlices) {
    const projected = projectEndpointSlice(s);
    if (!projected) continue;
    index.upsertSlice(projected);
    namespaces.add(projected.namespace);
  }
  return { index, namespaces, ...(resourceIndex.size() > 0 ? { resources: resourceIndex } : {}) };
}

/** Each view with the evidence the source has for it (views outside the source's namespaces are left as they are). */
export function withEvidence(views: readonly ServiceView[], source: EvidenceSource): ServiceView[] {
  return views.map((v) => {
    if (source.namespaces !== undefined && !source.namespaces.has(v.metadata.namespace)) return v;
    const evidence: ServiceEvidence | undefined = withResources(v, source.index.evidenceFor(v), source.resources);
    return evidence === undefined ? v : { ...v, evidence };
  });
}

export interface OfflineReport {
  records: DetectionRecord[];
  results: ServiceResult[];
  /** Duplicate key → kept key. */
  duplicates: Map<string, string>;
  warnings: string[];
  plugins: ReturnType<PluginRegistry['list']>;
  /** The views as the detectors saw them (with their evidence), in the order of `results`. */
  views: ServiceView[];
}

/** Projects objects to views; a later object with the same namespace/name replaces an earlier one. */
export function uniqueViews(services: readonly unknown[]): ServiceView[] {
  const byKey = new Map<string, ServiceView>();
  for (const s of services) {
    const v = toServiceView(s);
    byKey.set(serviceKey(v), v);
  }
  return [...byKey.values()];
}

export async function detectOfflineReport(services: readonly unknown[], options: OfflineOptions = {}): Promise<OfflineReport> {
  const unique = uniqueViews(services);
  const views = options.evidence ? withEvidence(unique, options.evidence) : unique;
  const byNamespace = new Map<string, ServiceView[]>();
  for (const v of views) {
    const list = byNamespace.get(v.metadata.namespace) ?? [];
    list.push(v);
    byNamespace.set(v.metadata.namespace, list);
  }
  const registry = new PluginRegistry({
    builtinDir: options.builtinDir === false ? '/nonexistent' : (options.builtinDir ?? builtinPluginsDir()),
    ...(options.pluginsDir !== undefined ? { pluginsDir: options.pluginsDir } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  try {
    await registry.start(options.config ?? DEFAULT_CONFIG);
    const results = await detectServices(views, registry.detectors(), {
      namespaceServices: (ns) => byNamespace.get(ns) ?? [],
      ...(options.clusterDomain ? { clusterDomain: options.clusterDomain } : {}),
    });
    const { kept, duplicates } = dedupe(results.flatMap((r) => (r.detected ? [r.detected] : [])));
    const records = kept.map((d) => ({
      namespace: d.namespace,
      name: d.name,
      type: d.type,
      detector: d.detector,
      endpoint: d.endpoint.url,
      healthPath: d.endpoint.healthPath,
    }));
    return { records, results, duplicates, warnings: registry.warnings(), plugins: registry.list(), views };
  } finally {
    await registry.stop();
  }
}

/** The detected Services, sorted by namespace and name. */
export async function detectOffline(services: readonly unknown[], options: OfflineOptions = {}): Promise<DetectionRecord[]> {
  return (await detectOfflineReport(services, options)).records;
}
