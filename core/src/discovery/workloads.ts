// Workload evidence: what the Pods behind a Service say about it (image, container ports, the mode-deciding args
// and env, the owner), reduced to a small projection and indexed Service → EndpointSlices → Pods → workload.
// Pods outnumber Services several times, so nothing of a Pod spec is kept beyond the projection, and identical
// projections are one shared frozen object (one per owner and spec, not one per Pod).
import type { ContainerEvidence, ServiceEvidence, ServiceView, WorkloadEvidence } from '@kubernaut/toolset-sdk';

// ---------------------------------------------------------------------------------------------------------------
// Bounds: applied before anything is kept, so a hostile Pod (or a hand-made manifest) cannot make the index large.

export const LIMITS = {
  containers: 16,
  portsPerContainer: 32,
  /** Mode-deciding words kept per container (after filtering). */
  args: 16,
  /** Command-line words looked at per container (before filtering). */
  argsScanned: 512,
  envPerContainer: 8,
  labels: 32,
  /** Characters of one kept arg or env value; longer ones are cut. */
  text: 256,
  /** Characters of kept args and env values over all containers of a Pod; past it, no more are kept. */
  textPerPod: 16_384,
  image: 512,
  name: 253,
  /** Pod label values and keys (Kubernetes allows 63 and 253+1+63). */
  labelValue: 63,
  labelKey: 317,
  /** Endpoints looked at per EndpointSlice (Kubernetes caps a slice at 1000). */
  endpointsPerSlice: 1000,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// What is kept from a container's command line and environment. Only words that change what the product serves,
// where (a URL prefix) or how (TLS); everything else (secrets, paths, tuning) is dropped.

/**
 * Sub-commands that pick a component of a multi-role binary. Thanos (cmd/thanos/main.go registers `query`,
 * `query-frontend`, `receive`, `sidecar`, `store`, `rule`, `compact`); Grafana's `grafana server`
 * (pkg/cmd/grafana/main.go); Jaeger v2's `jaeger` takes a config, not a sub-command.
 */
const SUBCOMMANDS = new Set(['query', 'query-frontend', 'receive', 'sidecar', 'store', 'rule', 'compact', 'server']);

/**
 * Flags (name without leading dashes) → whether they take a value. Matched as `--name=value`, `--name value`,
 * `-name=value` or `-name value` (Go's flag package accepts one or two dashes; kingpin takes two).
 */
const FLAGS = new Map<string, boolean>([
  // Prometheus and Alertmanager (cmd/prometheus/main.go, cmd/alertmanager/main.go): the URL prefix, TLS through
  // the exporter-toolkit web config, and agent mode (no query API).
  ['web.route-prefix', true],
  ['web.external-url', true],
  ['web.config.file', true],
  ['web.listen-address', true],
  ['agent', false],
  ['enable-feature', true],
  // Thanos (cmd/thanos/query.go, http flags in pkg/extkingpin): prefix and the HTTP server's TLS config.
  ['web.external-prefix', true],
  ['http-address', true],
  ['http.config', true],
  // Loki, Tempo, Mimir, Cortex (dskit's server.Config and the `-target` module flag): the role and the prefix.
  ['target', true],
  ['server.http-listen-port', true],
  ['server.path-prefix', true],
  ['server.http-tls-cert-path', true],
  // Jaeger v1 query (cmd/query/app/flags.go): the UI/API base path and TLS.
  ['query.base-path', true],
  ['query.http-server.host-port', true],
  ['query.http.tls.enabled', false],
  // VictoriaMetrics and VictoriaLogs (lib/httpserver/httpserver.go): the prefix, the listen address and TLS.
  ['http.pathPrefix', true],
  ['httpListenAddr', true],
]);

/** VictoriaMetrics' `-tls`, `-tlsCertFile`…, and `--tls*` of other servers: TLS on, whatever the exact name. */
function isTlsFlag(name: string): boolean {
  return name.startsWith('tls');
}

/**
 * Environment variables (literal values only) that decide a prefix or TLS. Grafana maps `GF_<SECTION>_<KEY>` onto
 * its ini (pkg/setting/setting.go); the OpenSearch image reads DISABLE_SECURITY_PLUGIN in its entrypoint
 * (opensearch-build docker/release/config/opensearch/opensearch-docker-entrypoint-*.sh) and, like Elasticsearch's
 * image (distribution/docker/src/docker/bin/docker-entrypoint.sh), takes dotted settings as env; Jaeger v1 maps
 * flags to env (viper: dots and dashes to underscores, upper-case).
 */
const ENV = new Set([
  'GF_SERVER_ROOT_URL',
  'GF_SERVER_SERVE_FROM_SUB_PATH',
  'GF_SERVER_PROTOCOL',
  'GF_SERVER_HTTP_PORT',
  'DISABLE_SECURITY_PLUGIN',
  'plugins.security.disabled',
  'plugins.security.ssl.http.enabled',
  'xpack.security.enabled',
  'xpack.security.http.ssl.enabled',
  // Which cluster a node belongs to: elastic/helm-charts and opensearch-project/helm-charts set it from clusterName
  // on every node group's StatefulSet (templates/statefulset.yaml), as hand-written manifests usually do.
  'cluster.name',
  'QUERY_BASE_PATH',
  'QUERY_HTTP_TLS_ENABLED',
]);

/**
 * Pod labels that name the product, its install or its operator. `app.kubernetes.io/*` (the recommended labels),
 * the older `app`/`k8s-app`/`component`/`release`, and what operators set on the Pods they create: Prometheus
 * Operator (`operator.prometheus.io/name`, `prometheus`, `alertmanager`; pkg/prometheus/statefulset.go), ECK
 * (`common.k8s.elastic.co/type`, `elasticsearch.k8s.elastic.co/cluster-name`; pkg/controller/elasticsearch/label),
 * the OpenSearch operator (`opster.io/opensearch-cluster`, `opster.io/opensearch-nodepool`; pkg/builders).
 */
const LABELS = new Set([
  'app',
  'k8s-app',
  'component',
  'release',
  'operator.prometheus.io/name',
  'prometheus',
  'alertmanager',
  'common.k8s.elastic.co/type',
  'elasticsearch.k8s.elastic.co/cluster-name',
  'opster.io/opensearch-cluster',
  'opster.io/opensearch-nodepool',
]);

function keptLabel(key: string): boolean {
  return LABELS.has(key) || key.startsWith('app.kubernetes.io/');
}

// ---------------------------------------------------------------------------------------------------------------
// Interning: identical projections are one frozen object while any Pod holds it, and an entry goes after the last
// holder does (the daemon runs for months). Buckets are keyed by a 32-bit hash of the canonical JSON rather than
// the JSON itself, so the table costs a few words per entry; a hit is confirmed by comparing the JSON.

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Interner<T extends object> {
  private readonly buckets = new Map<number, WeakRef<T> | Array<WeakRef<T>>>();
  private count = 0;
  /** Entries at the last sweep: dead entries are dropped when the table has doubled since (amortised O(1)). */
  private swept = 1024;

  intern(canonical: string, make: () => T): T {
    const hash = fnv1a(canonical);
    const bucket = this.buckets.get(hash);
    for (const ref of bucket === undefined ? [] : Array.isArray(bucket) ? bucket : [bucket]) {
      const v = ref.deref();
      if (v !== undefined && JSON.stringify(v) === canonical) return v;
    }
    const value = make();
    const ref = new WeakRef(value);
    if (bucket === undefined) this.buckets.set(hash, ref);
    else if (Array.isArray(bucket)) bucket.push(ref);
    else this.buckets.set(hash, [bucket, ref]);
    this.count += 1;
    // No FinalizationRegistry: its cell per entry would cost more than the entry.
    if (this.count >= this.swept * 2) this.sweep();
    return value;
  }

  private sweep(): void {
    for (const [hash, bucket] of this.buckets) {
      const live = (Array.isArray(bucket) ? bucket : [bucket]).filter((r) => r.deref() !== undefined);
      if (live.length === 0) this.buckets.delete(hash);
      else if (Array.isArray(bucket) || live.length !== 1) this.buckets.set(hash, live.length === 1 ? live[0]! : live);
    }
    this.count = 0;
    for (const bucket of this.buckets.values()) this.count += Array.isArray(bucket) ? bucket.length : 1;
    this.swept = Math.max(1024, this.count);
  }

  /** Entries, live or not yet swept. */
  get size(): number {
    return this.count;
  }
}

/** The interned per-owner projection a Pod points to; shared by every Pod of the same owner and spec. */
export type WorkloadEvidenceRef = Readonly<{
  owner: Readonly<{ kind: string; name: string }>;
  containers: ReadonlyArray<Readonly<ContainerEvidence>>;
  labels: Readonly<Record<string, string>>;
}>;

export interface PodProjection {
  namespace: string;
  name: string;
  workload: WorkloadEvidenceRef;
  /** The Pod's Ready condition is True. */
  ready: boolean;
  /**
   * The Pod's labels for selector matching (interned; a StatefulSet's per-Pod name and index labels are left out
   * when they merely repeat the Pod's name, and matched against it instead — see podLabel).
   */
  labels: Readonly<Record<string, string>>;
  /** Succeeded or Failed: no Service sends traffic to it (the EndpointSlice controller leaves such Pods out). */
  terminal?: true;
}

const workloads = new Interner<WorkloadEvidenceRef>();
const labelSets = new Interner<Readonly<Record<string, string>>>();
const names = new Map<string, string>();

/** One string per namespace name, not one per Pod (a parsed object brings its own copy). */
function internName(s: string): string {
  const had = names.get(s);
  if (had !== undefined) return had;
  if (names.size >= 65_536) names.clear();
  names.set(s, s);
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Pod projection (pure apart from interning).

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function str(v: unknown, max: number = LIMITS.name): string | undefined {
  return typeof v === 'string' && v !== '' && v.length <= max ? v : undefined;
}

function cut(s: string, max: number = LIMITS.text): string {
  return s.length <= max ? s : s.slice(0, max);
}

function list(v: unknown, max: number): unknown[] {
  return Array.isArray(v) ? v.slice(0, max) : [];
}

/** Kubernetes' StatefulSet and pod-index labels (pkg/controller/statefulset/stateful_set_utils.go, updateIdentity). */
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

function ordinalOf(name: string): string | undefined {
  return /-(\d+)$/.exec(name)?.[1];
}

/** A Pod label's value for selector matching, restoring the per-Pod labels projectPod left out. */
export function podLabel(pod: PodProjection, key: string): string | undefined {
  const v = pod.labels[key];
  if (v !== undefined) return v;
  if (key === POD_NAME_LABEL && pod.labels[`${POD_NAME_LABEL}\0implied`] !== undefined) return pod.name;
  if (key === POD_INDEX_LABEL && pod.labels[`${POD_INDEX_LABEL}\0implied`] !== undefined) return ordinalOf(pod.name);
  return undefined;
}

function selectorLabels(raw: unknown, podName: string): Readonly<Record<string, string>> {
  const src = obj(raw) ?? {};
  const out: Record<string, string> = {};
  let n = 0;
  for (const k of Object.keys(src).sort()) {
    const v = src[k];
    if (typeof v !== 'string' || k.length > LIMITS.labelKey || v.length > LIMITS.labelValue) continue;
    // Any key may be selected on, so more are kept than for evidence; a selector on a label past this matches nothing.
    if (n >= LIMITS.labels * 2) break;
    // Each StatefulSet Pod carries its own name and ordinal: kept as "implied" markers so the Pods of one
    // StatefulSet still share one label set.
    if (k === POD_NAME_LABEL && v === podName) out[`${k}\0implied`] = '';
    else if (k === POD_INDEX_LABEL && v === ordinalOf(podName)) out[`${k}\0implied`] = '';
    else out[k] = v;
    n += 1;
  }
  const canonical = JSON.stringify(out);
  return labelSets.intern(canonical, () => compact(canonical));
}

/** The words of a command line: each element, and elements that are whole shell lines (`sh -c "…"`) split. */
function words(container: Obj): string[] {
  const out: string[] = [];
  for (const part of [...list(container.command, LIMITS.argsScanned), ...list(container.args, LIMITS.argsScanned)]) {
    if (typeof part !== 'string') continue;
    if (/\s/.test(part)) {
      for (const w of part.slice(0, 8192).split(/\s+/)) if (w !== '') out.push(w.replace(/^["']|["']$/g, ''));
    } else out.push(part);
    if (out.length >= LIMITS.argsScanned) break;
  }
  return out.slice(0, LIMITS.argsScanned);
}

/** Only the mode-deciding words, in order; a flag's separate value word is kept with it. */
export function modeArgs(all: readonly string[], budget: Budget = { chars: LIMITS.textPerPod }): string[] {
  const out: string[] = [];
  const keep = (w: string): void => {
    const c = cut(w);
    if (c.length > budget.chars) return;
    budget.chars -= c.length;
    out.push(c);
  };
  for (let i = 0; i < all.length && out.length < LIMITS.args; i++) {
    const w = all[i]!;
    if (!w.startsWith('-')) {
      if (SUBCOMMANDS.has(w)) keep(w);
      continue;
    }
    const body = w.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const takesValue = FLAGS.get(name) ?? (isTlsFlag(name) ? name.endsWith('File') || name.endsWith('-file') || name.endsWith('.file') || name.endsWith('-path') : undefined);
    if (takesValue === undefined) continue;
    keep(w);
    const next = all[i + 1];
    if (eq < 0 && takesValue && next !== undefined && !next.startsWith('-') && out.length < LIMITS.args) {
      keep(next);
      i += 1;
    }
  }
  return out;
}

function modeEnv(raw: unknown, budget: Budget): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const e of list(raw, LIMITS.argsScanned)) {
    const o = obj(e);
    if (!o || typeof o.name !== 'string' || !ENV.has(o.name) || typeof o.value !== 'string') continue;
    const v = cut(o.value);
    if (v.length > budget.chars) break;
    budget.chars -= v.length;
    out[o.name] = v;
    if (++n >= LIMITS.envPerContainer) break;
  }
  return out;
}

function ports(raw: unknown): ContainerEvidence['ports'] {
  const out: ContainerEvidence['ports'] = [];
  for (const p of list(raw, LIMITS.portsPerContainer)) {
    const o = obj(p);
    if (!o || typeof o.containerPort !== 'number' || !Number.isInteger(o.containerPort) || o.containerPort < 1 || o.containerPort > 65535) continue;
    const port: ContainerEvidence['ports'][number] = { containerPort: o.containerPort };
    const name = str(o.name, 63);
    if (name !== undefined) port.name = name;
    // TCP is the default (ContainerEvidence says so): leave it out, one field less per port.
    if (typeof o.protocol === 'string' && o.protocol !== 'TCP' && o.protocol.length <= 16) port.protocol = o.protocol;
    out.push(port);
  }
  return out;
}

/** Characters a Pod's projection may still spend on args and env values. */
interface Budget {
  chars: number;
}

function container(raw: unknown, sidecar: boolean, budget: Budget): ContainerEvidence | undefined {
  const o = obj(raw);
  const name = str(o?.name, 63);
  if (!o || name === undefined) return undefined;
  const c: ContainerEvidence = {
    name,
    image: typeof o.image === 'string' ? cut(o.image, LIMITS.image) : '',
    ports: ports(o.ports),
    args: modeArgs(words(o), budget),
    env: modeEnv(o.env, budget),
  };
  if (sidecar) c.sidecar = true;
  return c;
}

/**
 * The Pod's owner: its controller ownerReference, with a ReplicaSet named `<deployment>-<pod-template-hash>`
 * read as that Deployment (the deployment controller names the ReplicaSets it creates so, and stamps the hash on
 * their Pods as `pod-template-hash`: pkg/controller/deployment/sync.go, getNewReplicaSet). No controller: the Pod.
 */
function ownerOf(md: Obj, podName: string): { kind: string; name: string } {
  const refs = list(md.ownerReferences, 16).map(obj);
  const ctrl = refs.find((r) => r?.controller === true);
  const kind = str(ctrl?.kind, 63);
  const name = str(ctrl?.name);
  if (kind === undefined || name === undefined) return { kind: 'Pod', name: podName };
  const hash = obj(md.labels)?.['pod-template-hash'];
  if (kind === 'ReplicaSet' && typeof hash === 'string' && hash !== '' && name.endsWith(`-${hash}`) && name.length > hash.length + 1) {
    return { kind: 'Deployment', name: name.slice(0, -(hash.length + 1)) };
  }
  return { kind, name };
}

function isReady(status: Obj | undefined): boolean {
  return list(status?.conditions, 32).some((c) => obj(c)?.type === 'Ready' && obj(c)?.status === 'True');
}

/**
 * A Pod (as the API or `kubectl get -o yaml` gives it) → its projection; undefined when it is not a Pod.
 * The main container is the one `kubectl.kubernetes.io/default-container` names (kubectl's convention,
 * staging/src/k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go), else the first; every other container, and an init
 * container with `restartPolicy: Always` (a native sidecar, KEP-753), is marked `sidecar`.
 */
export function projectPod(pod: unknown): PodProjection | undefined {
  const o = obj(pod);
  if (!o || (o.kind !== undefined && o.kind !== 'Pod')) return undefined;
  const md = obj(o.metadata);
  const name = str(md?.name);
  if (!md || name === undefined) return undefined;
  const namespace = internName(str(md.namespace, 63) ?? 'default');
  const spec = obj(o.spec) ?? {};
  const status = obj(o.status);
  const main = obj(md.annotations)?.['kubectl.kubernetes.io/default-container'];
  const raw = list(spec.containers, LIMITS.containers);
  const mainIndex = Math.max(0, typeof main === 'string' ? raw.findIndex((c) => obj(c)?.name === main) : 0);
  const containers: ContainerEvidence[] = [];
  const budget: Budget = { chars: LIMITS.textPerPod };
  // The main container spends the budget first, whatever its place in the Pod.
  const projected = raw.map((c, i) => (i === mainIndex ? container(c, false, budget) : undefined));
  raw.forEach((c, i) => {
    const ce = i === mainIndex ? projected[i] : container(c, true, budget);
    if (ce) containers.push(ce);
  });
  for (const c of list(spec.initContainers, LIMITS.containers)) {
    if (containers.length >= LIMITS.containers) break;
    if (obj(c)?.restartPolicy !== 'Always') continue;
    const ce = container(c, true, budget);
    if (ce) containers.push(ce);
  }
  const labels: Record<string, string> = {};
  let n = 0;
  const rawLabels = obj(md.labels) ?? {};
  for (const k of Object.keys(rawLabels).sort()) {
    const v = rawLabels[k];
    if (!keptLabel(k) || typeof v !== 'string' || k.length > LIMITS.labelKey || v.length > LIMITS.labelValue) continue;
    labels[k] = v;
    if (++n >= LIMITS.labels) break;
  }
  const owner = ownerOf(md, name);
  // The owner is part of the key: Pods of two owners never share an object, whatever their specs.
  const shape = { owner, containers, labels };
  const canonical = JSON.stringify(shape);
  const workload = workloads.intern(canonical, () => deepFreeze({ ...shape, containers: containers.map(internContainer), labels: compact(JSON.stringify(labels)) }));
  const projection: PodProjection = { namespace, name, workload, ready: isReady(status), labels: selectorLabels(md.labels, name) };
  if (status?.phase === 'Succeeded' || status?.phase === 'Failed') projection.terminal = true;
  return projection;
}

/**
 * The kept copy, rebuilt from its canonical JSON: arrays grown by push() carry spare capacity and objects built key
 * by key spare slots, which at 10k owners is megabytes; parsed ones are exactly sized (and own their strings).
 */
/**
 * One object per distinct container across workloads: the same sidecar (a config reloader, a mesh proxy) runs beside
 * thousands of different main containers, and each workload's copy of it was most of a workload's strings (heap
 * snapshot of the bench pods part: 10,000 copies each of the reloader's image, name and port name).
 */
const containerShapes = new Interner<ContainerEvidence>();

function internContainer(c: ContainerEvidence): ContainerEvidence {
  const canonical = JSON.stringify(c);
  return containerShapes.intern(canonical, () => compact(canonical));
}

function compact<T>(canonical: string): T {
  return deepFreeze(JSON.parse(canonical) as T);
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// EndpointSlice projection.

export interface SliceProjection {
  namespace: string;
  name: string;
  /** The Service the slice belongs to (label `kubernetes.io/service-name`). */
  service: string;
  /** The Pods its endpoints name (targetRef kind Pod), one per Pod, sorted. */
  pods: string[];
  /**
   * Indexes into `pods` of those not ready, ascending; absent when all are. Names and indexes rather than an object
   * per endpoint: 50,000 Pods behind Services cost 2 MiB less this way (heap snapshot of the bench's pods part).
   */
  unready?: number[];
  /** Endpoints that name no Pod (a hand-made slice, a node, an external address). */
  others?: number;
}

/**
 * An EndpointSlice (discovery.k8s.io/v1, or v1beta1 — same fields for what is read here) → the Pods it lists.
 * An endpoint's `conditions.ready` absent means ready ("nil should be interpreted as true", EndpointConditions in
 * staging/src/k8s.io/api/discovery/v1/types.go). Undefined for a slice without the service-name label.
 */
export function projectEndpointSlice(slice: unknown): SliceProjection | undefined {
  const o = obj(slice);
  if (!o || (o.kind !== undefined && o.kind !== 'EndpointSlice')) return undefined;
  const md = obj(o.metadata);
  const name = str(md?.name);
  const service = str(obj(md?.labels)?.['kubernetes.io/service-name']);
  if (!md || name === undefined || service === undefined) return undefined;
  const byPod = new Map<string, boolean>();
  let others = 0;
  for (const e of list(o.endpoints, LIMITS.endpointsPerSlice)) {
    const ep = obj(e);
    if (!ep) continue;
    const ref = obj(ep.targetRef);
    const pod = ref?.kind === 'Pod' ? str(ref.name) : undefined;
    if (pod === undefined) {
      others += 1;
      continue;
    }
    const ready = obj(ep.conditions)?.ready !== false;
    byPod.set(pod, (byPod.get(pod) ?? false) || ready);
  }
  const sorted = [...byPod].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: SliceProjection = { namespace: internName(str(md.namespace, 63) ?? 'default'), name, service, pods: sorted.map(([n]) => n) };
  const unready = sorted.flatMap(([, ready], i) => (ready ? [] : [i]));
  if (unready.length > 0) out.unready = unready;
  if (others > 0) out.others = others;
  return out;
}

/** Each Pod a slice lists, with whether its endpoint is ready, in order. */
export function* slicePods(s: SliceProjection): Generator<[name: string, ready: boolean]> {
  const unready = s.unready ?? [];
  let u = 0;
  for (let i = 0; i < s.pods.length; i++) {
    const notReady = unready[u] === i;
    if (notReady) u += 1;
    yield [s.pods[i]!, !notReady];
  }
}

function sameSlice(a: SliceProjection, b: SliceProjection): boolean {
  if (a.service !== b.service || a.pods.length !== b.pods.length || (a.others ?? 0) !== (b.others ?? 0)) return false;
  const au = a.unready ?? [];
  const bu = b.unready ?? [];
  return au.length === bu.length && au.every((x, i) => x === bu[i]) && a.pods.every((p, i) => p === b.pods[i]);
}

// ---------------------------------------------------------------------------------------------------------------
// The index.

type LabelSet = Readonly<Record<string, string>>;

/** Pods by their (interned) label set, and label sets by `key=value`: a selector finds its Pods without a scan. */
interface LabelIndex {
  byLabels: Map<LabelSet, Set<string>>;
  byPair: Map<string, Set<LabelSet>>;
}

interface NamespacePods {
  byName: Map<string, PodProjection>;
  /** Pod name → the keys of the slices that list it (usually one; two for a dual-stack Service). */
  slicesOfPod: Map<string, string | string[]>;
  /** Built on the first selector fallback in the namespace, kept up to date after; live clusters rarely need it. */
  labels?: LabelIndex;
}

function pair(k: string, v: string): string {
  return `${k}\0${v}`;
}

function selectorOf(service: ServiceView): Record<string, string> | undefined {
  const s = service.spec.selector;
  // An empty selector manages no endpoints (the EndpointSlice controller skips it), so it selects nothing here.
  return s !== undefined && Object.keys(s).length > 0 ? s : undefined;
}

function matches(pod: PodProjection, selector: Record<string, string>): boolean {
  for (const k in selector) if (podLabel(pod, k) !== selector[k]) return false;
  return true;
}

/**
 * Service → EndpointSlices → Pods → workloads. Mutations return the keys (`namespace/name`) of the Services whose
 * evidence may have changed, so only those are re-detected. A Service that has a selector but no EndpointSlice
 * falls back to the Pods its selector matches; such Services are remembered (when evidenceFor asks) so a Pod
 * change reaches them too, until slices appear or `forgetService`.
 */
export class WorkloadIndex {
  private readonly namespaces = new Map<string, NamespacePods>();
  private readonly slices = new Map<string, SliceProjection>();
  private readonly slicesOf = new Map<string, Set<string>>();
  /** Services decided by selector (no slices when last asked): ns → name → selector. */
  private readonly fallback = new Map<string, Map<string, Record<string, string>>>();

  private ns(namespace: string): NamespacePods {
    let ns = this.namespaces.get(namespace);
    if (!ns) this.namespaces.set(namespace, (ns = { byName: new Map(), slicesOfPod: new Map() }));
    return ns;
  }

  private pods = 0;

  /** A Pod by namespace and name. */
  pod(namespace: string, name: string): PodProjection | undefined {
    return this.namespaces.get(namespace)?.byName.get(name);
  }

  /** An EndpointSlice by its key, `namespace/name`. */
  slice(key: string): SliceProjection | undefined {
    return this.slices.get(key);
  }

  get podCount(): number {
    return this.pods;
  }

  get sliceCount(): number {
    return this.slices.size;
  }

  /** Every Pod's key, `namespace/name` (made on demand: the index keys Pods by namespace, then name). */
  *podKeys(): Generator<string> {
    for (const [namespace, ns] of this.namespaces) for (const name of ns.byName.keys()) yield `${namespace}/${name}`;
  }

  *podValues(): Generator<PodProjection> {
    for (const ns of this.namespaces.values()) yield* ns.byName.values();
  }

  sliceKeys(): Iterable<string> {
    return this.slices.keys();
  }

  sliceValues(): Iterable<SliceProjection> {
    return this.slices.values();
  }

  private dropIfEmpty(namespace: string, ns: NamespacePods): void {
    if (ns.byName.size === 0 && ns.slicesOfPod.size === 0) this.namespaces.delete(namespace);
  }

  upsertPod(pod: PodProjection): string[] {
    const ns = this.ns(pod.namespace);
    const old = ns.byName.get(pod.name);
    if (old && old.workload === pod.workload && old.ready === pod.ready && old.labels === pod.labels && old.terminal === pod.terminal) {
      ns.byName.set(pod.name, pod);
      return [];
    }
    if (old && ns.labels) unlinkLabels(ns.labels, old);
    if (!old) {
      this.pods += 1;
      this.sharePodName(ns, pod.name);
    }
    ns.byName.set(pod.name, pod);
    if (ns.labels) linkLabels(ns.labels, pod);
    return this.affectedByPod(ns, pod, old);
  }

  deletePod(namespace: string, name: string): string[] {
    const ns = this.namespaces.get(namespace);
    const old = ns?.byName.get(name);
    if (!ns || !old) return [];
    ns.byName.delete(name);
    this.pods -= 1;
    if (ns.labels) unlinkLabels(ns.labels, old);
    const affected = this.affectedByPod(ns, old, undefined);
    this.dropIfEmpty(namespace, ns);
    return affected;
  }

  upsertSlice(slice: SliceProjection): string[] {
    const key = `${slice.namespace}/${slice.name}`;
    const old = this.slices.get(key);
    if (old && sameSlice(old, slice)) {
      this.slices.set(key, slice);
      return [];
    }
    if (old) this.unlinkSlice(key, old);
    this.slices.set(key, slice);
    const svc = `${slice.namespace}/${slice.service}`;
    let set = this.slicesOf.get(svc);
    if (!set) this.slicesOf.set(svc, (set = new Set()));
    set.add(key);
    const ns = this.ns(slice.namespace);
    for (let i = 0; i < slice.pods.length; i++) {
      // One string per Pod name: the Pod's own, when it is known (see sharePodName for the other order).
      const p = ns.byName.get(slice.pods[i]!)?.name ?? slice.pods[i]!;
      slice.pods[i] = p;
      const had = ns.slicesOfPod.get(p);
      ns.slicesOfPod.set(p, had === undefined ? key : Array.isArray(had) ? [...had, key] : [had, key]);
    }
    // Slices now decide this Service; it no longer needs the selector fallback.
    this.forgetService(slice.namespace, slice.service);
    const affected = [svc];
    if (old && old.service !== slice.service) affected.push(`${old.namespace}/${old.service}`);
    return affected;
  }

  deleteSlice(namespace: string, name: string): string[] {
    const key = `${namespace}/${name}`;
    const old = this.slices.get(key);
    if (!old) return [];
    this.unlinkSlice(key, old);
    this.slices.delete(key);
    return [`${namespace}/${old.service}`];
  }

  /** Drops what the index remembers about a deleted Service (its selector, for the fallback). */
  forgetService(namespace: string, name: string): void {
    const m = this.fallback.get(namespace);
    if (m === undefined) return;
    m.delete(name);
    if (m.size === 0) this.fallback.delete(namespace);
  }

  /** Evidence for a Service, or undefined when none is known (no slices, no selector-matching pods). */
  evidenceFor(service: ServiceView): ServiceEvidence | undefined {
    const { namespace, name } = service.metadata;
    const sliceKeys = this.slicesOf.get(`${namespace}/${name}`);
    if (sliceKeys !== undefined && sliceKeys.size > 0) return this.fromSlices(namespace, sliceKeys);
    const selector = selectorOf(service);
    if (selector === undefined) {
      this.forgetService(namespace, name);
      return undefined;
    }
    let m = this.fallback.get(namespace);
    if (!m) this.fallback.set(namespace, (m = new Map()));
    m.set(name, selector);
    const grouper = new Grouper();
    for (const p of this.matching(namespace, selector)) if (p.terminal !== true) grouper.add(p.workload, p.ready);
    return { workloads: grouper.result(), resources: [] };
  }

  size(): { pods: number; slices: number; workloads: number } {
    let pods = 0;
    const distinct = new Set<WorkloadEvidenceRef>();
    for (const ns of this.namespaces.values()) {
      pods += ns.byName.size;
      for (const p of ns.byName.values()) distinct.add(p.workload);
    }
    return { pods, slices: this.slices.size, workloads: distinct.size };
  }

  private fromSlices(namespace: string, sliceKeys: ReadonlySet<string>): ServiceEvidence | undefined {
    const ns = this.namespaces.get(namespace);
    const grouper = new Grouper();
    let endpoints = 0;
    let found = 0;
    if (sliceKeys.size === 1) {
      for (const k of sliceKeys) {
        const s = this.slices.get(k);
        if (!s) continue;
        endpoints += s.pods.length + (s.others ?? 0);
        for (const [name, ready] of slicePods(s)) {
          const pod = ns?.byName.get(name);
          if (pod === undefined) continue;
          grouper.add(pod.workload, ready);
          found += 1;
        }
      }
    } else {
      // A Pod listed by two slices (IPv4 and IPv6) counts once, ready when either says so.
      const listed = new Map<string, boolean>();
      for (const k of sliceKeys) {
        const s = this.slices.get(k);
        if (!s) continue;
        endpoints += s.pods.length + (s.others ?? 0);
        for (const [name, ready] of slicePods(s)) listed.set(name, listed.get(name) === true || ready);
      }
      for (const [name, ready] of listed) {
        const pod = ns?.byName.get(name);
        if (pod === undefined) continue;
        grouper.add(pod.workload, ready);
        found += 1;
      }
    }
    // Endpoints exist but none is a Pod this index knows (not listed yet, a dump without Pods, addresses that are
    // not Pods): nothing can be said, rather than "nothing serves".
    if (found === 0 && endpoints > 0) return undefined;
    return { workloads: grouper.result(), resources: [] };
  }

  private matching(namespace: string, selector: Record<string, string>): PodProjection[] {
    const ns = this.namespaces.get(namespace);
    if (!ns) return [];
    if (!ns.labels) {
      ns.labels = { byLabels: new Map(), byPair: new Map() };
      for (const p of ns.byName.values()) linkLabels(ns.labels, p);
    }
    const index = ns.labels;
    // Candidates from the rarest indexed pair; the per-Pod StatefulSet labels are not indexed, checked per Pod.
    let best: Set<LabelSet> | undefined;
    for (const k in selector) {
      if (k === POD_NAME_LABEL || k === POD_INDEX_LABEL) continue;
      const set = index.byPair.get(pair(k, selector[k]!));
      if (!set) return [];
      if (best === undefined || set.size < best.size) best = set;
    }
    const out: PodProjection[] = [];
    for (const labels of best ?? index.byLabels.keys()) {
      for (const podName of index.byLabels.get(labels) ?? []) {
        const pod = ns.byName.get(podName)!;
        if (matches(pod, selector)) out.push(pod);
      }
    }
    return out;
  }

  private unlinkSlice(key: string, old: SliceProjection): void {
    const svc = `${old.namespace}/${old.service}`;
    const set = this.slicesOf.get(svc);
    set?.delete(key);
    if (set?.size === 0) this.slicesOf.delete(svc);
    const ns = this.namespaces.get(old.namespace);
    if (!ns) return;
    for (const p of old.pods) {
      const had = ns.slicesOfPod.get(p);
      if (had === undefined) continue;
      if (had === key) ns.slicesOfPod.delete(p);
      else if (Array.isArray(had)) {
        const rest = had.filter((k) => k !== key);
        ns.slicesOfPod.set(p, rest.length === 1 ? rest[0]! : rest);
      }
    }
    this.dropIfEmpty(old.namespace, ns);
  }

  /**
   * A new Pod that slices already list: they (and the slicesOfPod key) take its name string, so each Pod name is
   * held once, not once more per slice (the slice was parsed first, with its own copy).
   */
  private sharePodName(ns: NamespacePods, name: string): void {
    const listed = ns.slicesOfPod.get(name);
    if (listed === undefined) return;
    for (const key of Array.isArray(listed) ? listed : [listed]) {
      const pods = this.slices.get(key)?.pods;
      if (pods === undefined) continue;
      let lo = 0;
      let hi = pods.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const at = pods[mid]!;
        if (at === name) {
          pods[mid] = name;
          break;
        }
        if (at < name) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    // The map keeps the key it was first given (the slice's copy): key it by the Pod's string instead.
    ns.slicesOfPod.delete(name);
    ns.slicesOfPod.set(name, listed);
  }

  private affectedByPod(ns: NamespacePods, pod: PodProjection, old: PodProjection | undefined): string[] {
    const out = new Set<string>();
    const listed = ns.slicesOfPod.get(pod.name);
    for (const sk of listed === undefined ? [] : Array.isArray(listed) ? listed : [listed]) {
      const s = this.slices.get(sk);
      if (s) out.add(`${s.namespace}/${s.service}`);
    }
    const fb = this.fallback.get(pod.namespace);
    if (fb) {
      for (const [svc, selector] of fb) {
        if (matches(pod, selector) || (old !== undefined && matches(old, selector))) out.add(`${pod.namespace}/${svc}`);
      }
    }
    return [...out];
  }
}

function linkLabels(index: LabelIndex, pod: PodProjection): void {
  let names = index.byLabels.get(pod.labels);
  if (!names) {
    index.byLabels.set(pod.labels, (names = new Set()));
    for (const k in pod.labels) {
      if (k.includes('\0')) continue;
      const p = pair(k, pod.labels[k]!);
      let sets = index.byPair.get(p);
      if (!sets) index.byPair.set(p, (sets = new Set()));
      sets.add(pod.labels);
    }
  }
  names.add(pod.name);
}

function unlinkLabels(index: LabelIndex, pod: PodProjection): void {
  const names = index.byLabels.get(pod.labels);
  if (!names) return;
  names.delete(pod.name);
  if (names.size > 0) return;
  index.byLabels.delete(pod.labels);
  for (const k in pod.labels) {
    const p = pair(k, pod.labels[k]!);
    const sets = index.byPair.get(p);
    sets?.delete(pod.labels);
    if (sets?.size === 0) index.byPair.delete(p);
  }
}

/** Pods of one owner behind a Service, while they are counted (see Grouper). */
interface OwnerGroup {
  owner: Readonly<{ kind: string; name: string }>;
  pods: number;
  ready: number;
  /** The specs its Pods run, with their ready and total Pod counts. */
  specs: Array<{ w: WorkloadEvidenceRef; ready: number; pods: number }>;
}

/**
 * Counts Pods into one WorkloadEvidence per owner. A Service is usually backed by one or two owners, so groups are
 * a short array searched linearly, not a map. During a rollout an owner's Pods may run two specs (old and new
 * image): the entry counts all its Pods and shows the spec most of its ready Pods run (then most Pods).
 */
class Grouper {
  private readonly groups: OwnerGroup[] = [];

  add(w: WorkloadEvidenceRef, ready: boolean): void {
    let g: OwnerGroup | undefined;
    for (const x of this.groups) {
      if (x.owner === w.owner || (x.owner.name === w.owner.name && x.owner.kind === w.owner.kind)) {
        g = x;
        break;
      }
    }
    if (g === undefined) this.groups.push((g = { owner: w.owner, pods: 0, ready: 0, specs: [] }));
    g.pods += 1;
    if (ready) g.ready += 1;
    let spec = g.specs.find((x) => x.w === w);
    if (spec === undefined) g.specs.push((spec = { w, ready: 0, pods: 0 }));
    spec.pods += 1;
    if (ready) spec.ready += 1;
  }

  result(): WorkloadEvidence[] {
    if (this.groups.length > 1) this.groups.sort((a, b) => cmp(a.owner.kind, b.owner.kind) || cmp(a.owner.name, b.owner.name));
    return this.groups.map((g) => {
      let pick = g.specs[0]!;
      for (const x of g.specs) if (x.ready > pick.ready || (x.ready === pick.ready && x.pods > pick.pods)) pick = x;
      const w = pick.w;
      return { owner: w.owner, pods: g.pods, ready: g.ready, containers: w.containers as ContainerEvidence[], labels: w.labels as Record<string, string> };
    });
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How many distinct workload projections are alive (for tests and the bench). */
export function internedWorkloads(): number {
  return workloads.size;
}
