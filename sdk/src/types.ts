// The plugin contract: what a detector sees and what it may answer.
// These types are the SDK's promise to plugin authors; the host validates every answer against
// the same shapes (core/src/sandbox/validate.ts), so a type here and a check there change together.

/**
 * The contract version a bundle is built against. Version 2 adds `ServiceView.evidence` (the workloads and operator
 * resources behind a Service) and `Detection.identity` / `scheme: 'auto'`. A host runs every version in
 * SUPPORTED_SDK_API_VERSIONS: version 1 plugins keep working (they are handed the same view and may ignore the new
 * field); a version 2 plugin on a version 1 host is refused rather than run blind.
 */
export const SDK_API_VERSION = 2;
/** The versions a host built with this SDK accepts. */
export const SUPPORTED_SDK_API_VERSIONS: readonly number[] = [1, 2];

/** The global a bundle assigns its detector to; the host reads nothing else from a bundle. */
export const PLUGIN_GLOBAL = '__toolsetPlugin';

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
  nodePort?: number;
}

/**
 * A Kubernetes Service as a plugin sees it: a plain copy of `metadata` (name, namespace, uid, labels,
 * annotations — never managedFields, ownerReferences or the last-applied annotation) and `spec`.
 * `labels`, `annotations` and `ports` are always present (empty when the Service has none).
 */
export interface ServiceView {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    selector?: Record<string, string>;
    ports: ServicePort[];
    [key: string]: unknown;
  };
  /**
   * What the cluster shows behind the Service (API version 2). Absent when the host has no workload evidence for it:
   * offline detection over Services alone, a Service without a selector and without EndpointSlices, or a host with
   * the Pod/EndpointSlice informers off — decide from metadata then, as before. Present with `workloads: []` when the
   * Service selects Pods but none back it (nothing serves behind it).
   */
  evidence?: ServiceEvidence;
}

/** One container of a workload, reduced to what tells a product and its mode apart. */
export interface ContainerEvidence {
  name: string;
  /** The image reference as the Pod spec gives it, e.g. `quay.io/prometheus/prometheus:v2.53.0`. */
  image: string;
  /** Declared container ports (TCP unless `protocol` says otherwise). */
  ports: Array<{ name?: string; containerPort: number; protocol?: string }>;
  /**
   * Only the command-line words that decide the mode, a URL prefix or TLS (a sub-command such as `query`, flags such
   * as `--web.route-prefix=/x`, `-target=querier`, `--query.base-path=/jaeger`), in their order; everything else is
   * dropped by the host.
   */
  args: string[];
  /** Only the literal environment values that decide the mode, a URL prefix or TLS (e.g. `GF_SERVER_ROOT_URL`). */
  env: Record<string, string>;
  /**
   * True for a sidecar (an init container with `restartPolicy: Always`) or any container other than the Pod's main one:
   * the container the `kubectl.kubernetes.io/default-container` annotation names, else the first.
   */
  sidecar?: boolean;
}

/** Pods that back a Service, grouped by the controller that owns them (one entry per owner, never per Pod). */
export interface WorkloadEvidence {
  /**
   * The owning workload: `Deployment` (a ReplicaSet's Deployment, by the pod-template-hash naming rule),
   * `StatefulSet`, `DaemonSet`, `ReplicaSet`, `Job`, … or `Pod` for a bare Pod (then `name` is the Pod's name).
   */
  owner: { kind: string; name: string };
  /** The Pods of this owner behind the Service: how many, and how many are ready. */
  pods: number;
  ready: number;
  containers: ContainerEvidence[];
  /** Pod labels that name the product or its operator (`app.kubernetes.io/*`, `app`, operator-set keys); others dropped. */
  labels: Record<string, string>;
}

/** An operator's custom resource that manages a Service or its Pods (only kinds whose CRD the API server serves). */
export interface ResourceEvidence {
  /** e.g. `monitoring.coreos.com/v1`. */
  apiVersion: string;
  /** e.g. `Prometheus`, `VMSingle`, `Elasticsearch`, `LokiStack`. */
  kind: string;
  name: string;
  namespace: string;
  /** Only the spec fields that decide the entry: TLS, route prefixes, gateway or not, tenants. */
  spec: Record<string, unknown>;
  /** How the resource was tied to this Service, e.g. `ownerReference`, `label operator.prometheus.io/name`. */
  via: string;
}

/** What detection may weigh beside a Service's own metadata. */
export interface ServiceEvidence {
  /** The workloads whose Pods the Service's EndpointSlices (or selector) reach; empty when none back it. */
  workloads: WorkloadEvidence[];
  /** Operator resources behind the Service, when any. */
  resources: ResourceEvidence[];
}

/**
 * The transports HolmesGPT connects to a remote MCP server with (`config.mode` of an `mcp_servers` entry; HolmesGPT's
 * `MCPMode` in holmes/plugins/toolsets/mcp/toolset_mcp.py). `streamable-http` is MCP's current HTTP transport, `sse`
 * the deprecated one.
 */
export const MCP_MODES = ['streamable-http', 'sse'] as const;
export type McpMode = (typeof MCP_MODES)[number];
/** The mode when a detection names none: MCP's current transport. */
export const DEFAULT_MCP_MODE: McpMode = 'streamable-http';

/** What a detection says about an MCP server (see Detection.mcp). */
export interface McpServerInfo {
  /** One of MCP_MODES; the host refuses the detection, with the reason in explain, for any other text. */
  mode: string;
}

/** A plugin's answer for a Service it claims. */
export interface Detection {
  /** The API port, by name or number; it must be one of the Service's ports. Optional only with `endpoint`. */
  port?: string | number;
  /**
   * Defaults to `http`. `auto` (API version 2) leaves it to the host: it tries https, then http, against the identity
   * or health path, remembers the answer and re-checks it; the entry is published once one answers.
   */
  scheme?: 'http' | 'https' | 'auto';
  /** API path prefix, e.g. `/select/0/prometheus`; defaults to none. Must start with `/`. */
  path?: string;
  /** Overrides the detector's `type` (lower-case DNS label), e.g. the custom detector's annotation. */
  type?: string;
  /** Where the host probes health, relative to the endpoint's host and port; `null` means "no probe path known". */
  health?: { path: string } | null;
  /** A full URL that replaces the computed cluster-DNS endpoint (the custom detector's annotation). */
  endpoint?: string;
  /**
   * Ask the host to verify what the endpoint is, not only that it answers (API version 2): it GETs `path` (relative
   * to the endpoint's host and port, like `health`) and publishes the entry only when the answer matches. An entry
   * whose answer does not match is left out with the reason. `key` names a JSON field of the answer whose value
   * identifies the backend (e.g. `cluster_uuid`): Services that answer with the same value are one backend, and only
   * the entry the ground rules prefer is kept.
   */
  identity?: IdentityCheck;
  /**
   * The endpoint (URL = host, port and `path`) is a remote MCP server: the host writes it under `mcp_servers:` in
   * custom_toolset.yaml (`description`, `config: {url, mode}`), one entry per Service, instead of asking toolsets().
   * Optional: detections without it are unchanged.
   */
  mcp?: McpServerInfo;
}

/** See Detection.identity. Every listed condition must hold. */
export interface IdentityCheck {
  /** Absolute path, e.g. `/api/v1/status/buildinfo`. */
  path: string;
  /** The body must contain each of these substrings (case-sensitive). */
  contains?: string[];
  /** The body must be JSON whose field at each dotted path equals the value, or exists when the value is `true`. */
  json?: Record<string, string | number | boolean>;
  /** A dotted JSON path whose value identifies the backend, for de-duplication (e.g. `cluster_uuid`). */
  key?: string;
  /** A short name for explain, e.g. `Prometheus build info`. */
  what?: string;
}

/** What `detect` receives beside the Service. */
export interface DetectContext<C = Record<string, unknown>> {
  /** This plugin's own `plugin.config` from the detector config (a frozen copy). */
  readonly config: Readonly<C>;
  /** The other Services in the same namespace (read-only copies), to tell a gateway from its read path or a headless twin from the only Service. */
  siblings(): readonly ServiceView[];
}

/** A detection after the host resolved it: what `toolsets()` receives. */
export interface FoundService {
  detector: string;
  type: string;
  service: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  /** Full endpoint URL, e.g. `http://prom.monitoring.svc.cluster.local:9090/prefix`. */
  url: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  portName?: string;
  path: string;
  healthPath: string | null;
  /** Set when the detection is an MCP server (Detection.mcp), with its mode checked. */
  mcp?: { mode: McpMode };
  /** The detection's identity check (Detection.identity), when it asked for one. */
  identity?: IdentityCheck;
  /** True when the detection left the scheme to the host (`scheme: 'auto'`); `scheme` is then the one that answered, or `https` until one does. */
  schemeAuto?: boolean;
}

/** One HolmesGPT toolset entry (the value under `toolsets.<name>` in custom_toolset.yaml). */
export interface ToolsetEntry {
  enabled?: boolean;
  type?: string;
  description?: string;
  llm_instructions?: string;
  config?: Record<string, unknown>;
  tools?: unknown[];
  tags?: string[];
  [key: string]: unknown;
}

export interface ToolsetsContext<C = Record<string, unknown>> {
  readonly config: Readonly<C>;
}

export interface DetectorDefinition<C = Record<string, unknown>> {
  /** Lower-case DNS label, unique among loaded plugins; the key in the detector config. */
  name: string;
  /** Semantic version of the plugin, e.g. `1.2.0`. */
  version: string;
  description: string;
  /** The service type this detector reports (lower-case DNS label), unless a detection overrides it. */
  type: string;
  /** Return `null` (or `undefined`) for "not mine", or a Detection. Must be synchronous. */
  detect(service: ServiceView, ctx: DetectContext<C>): Detection | null | undefined;
  /** Optional: the HolmesGPT toolset entries for a found service, keyed by toolset name. Must be synchronous. */
  toolsets?(found: FoundService, ctx: ToolsetsContext<C>): Record<string, ToolsetEntry> | null | undefined;
  /**
   * Optional (API version 2): what this detector needs of `service.evidence`, so the host spares it the Services it
   * would never claim. A resync of a large cluster otherwise copies every Service's evidence into every plugin.
   * Absent: every admitted Service is asked about, with its evidence, as before. See EvidenceUse.
   */
  evidence?: EvidenceUse;
}

/**
 * `'none'`: the detector never reads `service.evidence`; the host hands it Services without it (decided from
 * metadata, e.g. annotations). An EvidenceInterest: see there.
 */
export type EvidenceUse = EvidenceInterest | 'none';

/**
 * The detector claims a Service that has evidence only when something there matches one of these; the host does not
 * ask it about other Services with evidence (for it they are "not mine": explain shows `skipped`,
 * `evidence_unmatched`). Services without evidence are always asked. Declare every way the detector can claim a
 * Service with evidence — a narrower interest silently loses Services; `toolset-sdk test` runs the same filter.
 */
export interface EvidenceInterest {
  /** Image repositories of the product, matched as imageMatches does (registry, tag and digest vary). */
  images?: readonly string[];
  /** The last `-` word of an image name's last path segment (a mirror or rebuild: `rancher/mirrored-prometheus-prometheus`). */
  imageWords?: readonly string[];
  /** Container names that count whatever the image (a release payload's images name no product). */
  containers?: readonly string[];
  /** Kinds of operator resources tied to the Service (evidence.resources) that make it a candidate. */
  resourceKinds?: readonly string[];
  /** Service labels or selector entries that make it a candidate whatever runs behind it (a gateway running a proxy): key → values. */
  labels?: Readonly<Record<string, readonly string[]>>;
}

/** What a bundle exports: the definition plus the API version it was built against. */
export interface PluginExport<C = Record<string, unknown>> extends DetectorDefinition<C> {
  apiVersion: number;
}

/** The manifest a bundle carries (and the host reports). */
export interface PluginManifest {
  name: string;
  version: string;
  description: string;
  type: string;
  apiVersion: number;
  hasToolsets: boolean;
  /** The detector's declared use of evidence (DetectorDefinition.evidence), when it declares one. */
  evidence?: EvidenceUse;
}
