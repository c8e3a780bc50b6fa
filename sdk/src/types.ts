// The plugin contract: what a detector sees and what it may answer.
// These types are the SDK's promise to plugin authors; the host validates every answer against
// the same shapes (core/src/sandbox/validate.ts), so a type here and a check there change together.

/** Bumped only on an incompatible change to the contract below. The host refuses other versions. */
export const SDK_API_VERSION = 1;

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
  /** Defaults to `http`. */
  scheme?: 'http' | 'https';
  /** API path prefix, e.g. `/select/0/prometheus`; defaults to none. Must start with `/`. */
  path?: string;
  /** Overrides the detector's `type` (lower-case DNS label), e.g. the custom detector's annotation. */
  type?: string;
  /** Where the host probes health, relative to the endpoint's host and port; `null` means "no probe path known". */
  health?: { path: string } | null;
  /** A full URL that replaces the computed cluster-DNS endpoint (the custom detector's annotation). */
  endpoint?: string;
  /**
   * The endpoint (URL = host, port and `path`) is a remote MCP server: the host writes it under `mcp_servers:` in
   * custom_toolset.yaml (`description`, `config: {url, mode}`), one entry per Service, instead of asking toolsets().
   * Optional: detections without it are unchanged.
   */
  mcp?: McpServerInfo;
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
}
