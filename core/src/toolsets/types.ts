// Vocabulary of toolset generation: what the reconciler hands in (one PublishedService per detected Service,
// healthy or not) and what comes out for the API. Plain data only; every function in this folder is pure.
import type { McpMode, ToolsetEntry } from '@kubernaut/toolset-sdk';
import type { DetectedService } from '../detection/engine.js';

import type { HealthState } from '../health/types.js';

export { HEALTH_STATES } from '../health/types.js';
export type { HealthState } from '../health/types.js';

export interface ServiceHealth {
  state: HealthState;
  /** One line for people, e.g. "HTTP 401 from /api/health". */
  reason?: string;
}

/** The Service annotation that makes a Service its type's primary instance (value `true`, any case). */
export const PRIMARY_ANNOTATION = 'kubernaut.io/toolset-primary';

/** One detected Service with its health and its plugin's validated toolsets() answer. */
export interface PublishedService {
  /** `<namespace>/<name>`. */
  key: string;
  namespace: string;
  name: string;
  /** The service type (lower-case DNS label), e.g. `prometheus`, `sentry`. */
  type: string;
  /** The detector (plugin) that claimed the Service. */
  detector: string;
  /** The plugin manifest's description; used for the generic HTTP toolset. */
  description: string;
  url: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** API path prefix, '' for none. */
  path: string;
  health: ServiceHealth;
  /** The Service carries `kubernaut.io/toolset-primary: "true"`. */
  primaryAnnotation: boolean;
  /**
   * The plugin's toolsets() answer after the host validated it (sandbox/validate.ts), keyed by toolset name.
   * `null`: the plugin has no toolsets() (or it answered null/failed) — a generic `type: http` toolset is made.
   * `{}`: the plugin chose to publish no toolset for this Service (its per-type key is still written).
   */
  toolsets: Record<string, ToolsetEntry> | null;
  /** The endpoint is a remote MCP server: it becomes an `mcp_servers:` entry (mcp.ts), not a toolset. */
  mcp?: { mode: McpMode };
}

/** True when `kubernaut.io/toolset-primary` says `true` (trimmed, any case). */
export function hasPrimaryAnnotation(annotations: Readonly<Record<string, string>>): boolean {
  return (annotations[PRIMARY_ANNOTATION] ?? '').trim().toLowerCase() === 'true';
}

/** DetectedService + what the health check and the sandbox said → PublishedService. */
export function toPublishedService(
  d: DetectedService,
  extra: { description: string; health: ServiceHealth; toolsets: Record<string, ToolsetEntry> | null },
): PublishedService {
  const e = d.endpoint;
  return {
    key: d.key,
    namespace: d.namespace,
    name: d.name,
    type: d.type,
    detector: d.detector,
    description: extra.description,
    url: e.url,
    scheme: e.scheme,
    host: e.host,
    port: e.port,
    path: e.path,
    health: { ...extra.health },
    primaryAnnotation: hasPrimaryAnnotation(d.annotations),
    toolsets: extra.toolsets,
    ...(e.mcp !== undefined ? { mcp: { mode: e.mcp.mode } } : {}),
  };
}

/** Where a toolset in custom_toolset.yaml came from. */
export type ToolsetSource = 'discovered' | 'override' | 'baseline';

/** One toolset as `GET /api/v1/toolsets` shows it (what custom_toolset.yaml holds, secrets redacted). */
export interface ToolsetView {
  name: string;
  /** The service type it was made for; `kubernetes` for the baseline; null for an admin-only toolset. */
  type: string | null;
  enabled: boolean;
  /** `override`: the toolset exists only because overrides.yaml names it. */
  source: ToolsetSource;
  /** overrides.yaml changed this discovered or baseline toolset. */
  overridden: boolean;
  /** The effective config; values under secret-looking keys (api_key, password, token, Authorization…) are redacted. */
  config: Record<string, unknown>;
  /** The Service it was made from (`<namespace>/<name>`). */
  service?: string;
  /** Why an admin may want to look at it (needs credentials, disabled by the logging rule). */
  note?: string;
  /** Set for an entry of `mcp_servers:` (an MCP server); absent for `toolsets:`. */
  section?: 'mcp_servers';
}
