// Health-check vocabulary: what is probed (ProbeTarget), how (ProbeSettings), what came back (HealthResult),
// and the one rule that turns an HTTP status into a state. No I/O here.
import type { IdentityCheck } from '@kubernaut/toolset-sdk';
import type { Endpoint } from '../detection/resolve.js';
import type { IdentityOutcome } from './identity.js';

/** How probes reach a Service: straight to its cluster DNS name, or through the API server's service proxy. */
export type ProbeMode = 'direct' | 'proxy';

/**
 * Declared once here, where health is decided; toolsets and metrics use these.
 * `needs-credentials`: the endpoint answered the health check with HTTP 401/403 — it is up, HolmesGPT needs
 * credentials (an admin adds them in overrides.yaml). `unchecked`: no probe ran (health checks disabled, or the
 * detector knows no health path). Everything but `unhealthy` is published.
 */
export const HEALTH_STATES = ['healthy', 'needs-credentials', 'unhealthy', 'unchecked'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** The state an HTTP answer can have (an answer was received, so never 'unchecked'). */
export type AnsweredState = Exclude<HealthState, 'unchecked'>;

export interface ProbeTarget {
  /** "namespace/name" of the Service. */
  key: string;
  namespace: string;
  name: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  portName?: string;
  /** Health path relative to scheme://host:port; null when the plugin named none. */
  healthPath: string | null;
  /** The published URL (for display; probes are built from scheme, host, port and path). */
  url: string;
  /** Verify what the endpoint is (Detection.identity): the probe GETs this path and reads its answer. */
  identity?: IdentityCheck;
  /** The scheme is the host's to settle (`scheme: 'auto'`): `scheme` is only the first one tried. */
  schemeAuto?: boolean;
}

export interface ProbeSettings {
  enabled: boolean;
  /** Per-detector override of the plugin's health path. */
  path?: string;
  timeoutMs: number;
  /** Extra attempts after an unhealthy one (attempts = 1 + retries). */
  retries: number;
  /** Verify https certificates. Off by default: in-cluster self-signed certificates are the norm. */
  tlsVerify: boolean;
}

export interface HealthResult {
  state: HealthState;
  /** The HTTP status the target answered, when it answered. */
  status?: number;
  /** Human text for anything but plain health: "connection refused", "HTTP 503", "timed out after 2000 ms"… */
  reason?: string;
  /** ISO time the result was obtained. */
  checkedAt: string;
  /** Duration of the attempt that produced the result. */
  latencyMs: number;
  via: ProbeMode | 'none';
  /** How many attempts were made (1 + retries used). */
  attempts?: number;
  /** The identity check's verdict, for a target that asked for one. */
  identity?: IdentityOutcome;
  /** For a `schemeAuto` target: the scheme that answered (absent while neither does). */
  scheme?: 'http' | 'https';
}

/** Probes one target. Never rejects: every failure is an unhealthy result with a reason. */
export interface Prober {
  readonly via: ProbeMode;
  probe(target: ProbeTarget, settings: ProbeSettings, signal?: AbortSignal): Promise<HealthResult>;
}

/**
 * Healthy means "an HTTP answer below 500 other than 404 on the health path". 401/403 mean the service is up but
 * wants credentials we never send; 404 means the health path is wrong (or it is not the product we think).
 */
export function classify(status: number): AnsweredState {
  if (status === 401 || status === 403) return 'needs-credentials';
  if (status === 404 || status >= 500 || status < 100) return 'unhealthy';
  return 'healthy';
}

/** The reason shown with a status: none for plain 2xx/3xx health, the status (and path for 404) otherwise. */
export function statusReason(status: number, path: string): string | undefined {
  const state = classify(status);
  if (state === 'needs-credentials') return `HTTP ${status}: up, needs credentials`;
  if (status === 404) return `HTTP 404 on ${path}`;
  if (state === 'unhealthy') return `HTTP ${status}`;
  return undefined;
}

/**
 * The path actually probed: the identity path when the detection asked to verify identity (its answer says both
 * that the endpoint is up and what it is), else the detector's override, else the plugin's health path, else "/".
 */
export function probePath(target: ProbeTarget, settings: ProbeSettings): string {
  const path = target.identity?.path ?? settings.path ?? target.healthPath ?? '/';
  return path.startsWith('/') ? path : `/${path}`;
}

/** A probe target for a detected Service's endpoint. */
export function probeTarget(
  service: { namespace: string; name: string },
  endpoint: Pick<Endpoint, 'url' | 'scheme' | 'host' | 'port' | 'portName' | 'healthPath' | 'identity' | 'schemeAuto'>,
): ProbeTarget {
  return {
    key: `${service.namespace}/${service.name}`,
    namespace: service.namespace,
    name: service.name,
    scheme: endpoint.scheme,
    host: endpoint.host,
    port: endpoint.port,
    ...(endpoint.portName !== undefined ? { portName: endpoint.portName } : {}),
    healthPath: endpoint.healthPath,
    url: endpoint.url,
    ...(endpoint.identity !== undefined ? { identity: endpoint.identity } : {}),
    ...(endpoint.schemeAuto ? { schemeAuto: true } : {}),
  };
}
