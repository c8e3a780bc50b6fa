// Probes through the API server's service proxy, as `kubectl proxy` would, for a daemon running outside the
// cluster: GET {server}/api/v1/namespaces/{ns}/services/[https:]{name}:{port}/proxy{path} with the kubeconfig's
// own TLS and credentials (the daemon's identity goes to the API server, which never forwards it).
// The API server relays the backend's status code as-is, so two kinds of answer must be told apart: the
// backend's (classified like a direct probe) and the API server's own errors, which come as a v1 Status
// body — a 401/403 there means the daemon may not use services/proxy, never that the service wants credentials.
import { Agent } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { DEFAULT_BACKOFF_MS, runAttempts } from './attempts.js';
import type { Verdict } from './attempts.js';
import { DEFAULT_MAX_BODY_BYTES, PROBE_USER_AGENT, httpGet } from './http-get.js';
import { MAX_IDENTITY_BODY_BYTES, judgeIdentity } from './identity.js';
import { classify, probePath, statusReason } from './types.js';
import type { HealthResult, ProbeSettings, ProbeTarget, Prober } from './types.js';

export interface ProxyProberOptions {
  kc: KubeConfig;
  /** Probes targets whose host is not a cluster Service name (an explicit endpoint URL); none = unhealthy. */
  fallback?: Prober;
  clock?: Clock;
  backoffMs?: number;
  maxBodyBytes?: number;
}

export const RBAC_HINT = 'grant get on services/proxy, or use --health-check-via direct';

// <service>.<namespace>.svc[.<cluster domain>]
const SERVICE_DNS = /^([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?:\.|$)/;

/**
 * The service-proxy path for a target, or undefined when its host is not a cluster Service name. The port goes
 * by name when the target's own Service names it (names survive port renumbering), else by number; the scheme
 * prefix is needed only for https (http is the proxy's default).
 */
export function proxyPath(target: ProbeTarget, path: string): string | undefined {
  const m = SERVICE_DNS.exec(target.host.toLowerCase());
  if (!m) return undefined;
  const [, service, namespace] = m as unknown as [string, string, string];
  const own = service === target.name && namespace === target.namespace;
  const port = own && target.portName !== undefined ? target.portName : String(target.port);
  const scheme = target.scheme === 'https' ? 'https:' : '';
  return `/api/v1/namespaces/${namespace}/services/${scheme}${service}:${port}/proxy${path}`;
}

export interface ApiStatus {
  code?: number;
  reason?: string;
  message?: string;
}

/** Exported for tests: the body as a `{kind: "Status", apiVersion: "v1"}` object, if it is one. */
export function apiStatusOf(body: Buffer): ApiStatus | undefined {
  const text = body.toString('utf8').trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (o.kind !== 'Status' || o.apiVersion !== 'v1') return undefined;
    return {
      ...(typeof o.code === 'number' ? { code: o.code } : {}),
      ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
      ...(typeof o.message === 'string' ? { message: o.message } : {}),
    };
  } catch {
    return undefined; // truncated or not JSON: the backend's own body
  }
}

/**
 * Exported for tests: what an answer through the proxy means (pure). The backend's own answer is judged like a
 * direct one, against the identity check when the target has one.
 */
export function interpretProxyAnswer(status: number, body: Buffer, path: string, identity?: ProbeTarget['identity']): Omit<Verdict, 'latencyMs'> {
  const own = status >= 400 ? apiStatusOf(body) : undefined;
  if (!own) {
    if (identity) return { ...judgeIdentity(identity, status, body), status };
    const reason = statusReason(status, path);
    return { state: classify(status), status, ...(reason !== undefined ? { reason } : {}) };
  }
  // The API server's own error: the service was never asked, so no backend status is reported.
  const message = own.message ?? own.reason ?? `HTTP ${status}`;
  if (status === 401 || status === 403 || own.reason === 'Forbidden' || own.reason === 'Unauthorized') {
    return { state: 'unhealthy', reason: `probe via API server proxy refused: ${message} (${RBAC_HINT})` };
  }
  if (/no endpoints available/i.test(message)) return { state: 'unhealthy', reason: 'no ready endpoints' };
  if (/connection refused|ECONNREFUSED/.test(message)) return { state: 'unhealthy', reason: 'connection refused (via API server)' };
  const reach = /error trying to reach service:\s*(.*)$/is.exec(message);
  if (reach) return { state: 'unhealthy', reason: `API server could not reach the service: ${reach[1]}` };
  return { state: 'unhealthy', reason: `API server: ${message}` };
}

export function createProxyProber(options: ProxyProberOptions): Prober {
  const { kc } = options;
  const clock = options.clock ?? systemClock;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function once(target: ProbeTarget, settings: ProbeSettings, proxied: string, signal?: AbortSignal): Promise<Verdict> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) return { state: 'unhealthy', reason: 'probe via API server proxy: the kubeconfig has no current cluster', latencyMs: 0 };
    const request: RequestOptions = { headers: { 'user-agent': PROBE_USER_AGENT, accept: 'application/json, */*' } };
    try {
      // Server TLS, client certificates and the bearer token, fresh per probe (tokens rotate, exec plugins expire).
      await kc.applyToHTTPSOptions(request);
    } catch (err) {
      return { state: 'unhealthy', reason: `probe via API server proxy: no usable credentials: ${err instanceof Error ? err.message : String(err)}`, latencyMs: 0 };
    }
    const url = new URL(`${cluster.server.replace(/\/+$/, '')}${proxied}`);
    const path = probePath(target, settings);
    try {
      const limit = target.identity ? MAX_IDENTITY_BODY_BYTES : maxBodyBytes;
      const out = await httpGet(url, { request, timeoutMs: settings.timeoutMs, maxBodyBytes: limit, ...(signal ? { signal } : {}) });
      if (!out.ok) {
        const reason = out.failure === 'timeout' || out.failure === 'aborted' ? out.reason : `API server unreachable: ${out.reason}`;
        return { state: 'unhealthy', reason, latencyMs: out.latencyMs };
      }
      return { ...interpretProxyAnswer(out.status, out.body, path, target.identity), latencyMs: out.latencyMs };
    } finally {
      // The client makes a new agent per call; let its sockets go rather than pile up.
      if (request.agent instanceof Agent) request.agent.destroy();
    }
  }

  return {
    via: 'proxy',
    probe(target: ProbeTarget, settings: ProbeSettings, signal?: AbortSignal): Promise<HealthResult> {
      const proxied = proxyPath(target, probePath(target, settings));
      if (proxied === undefined) {
        if (options.fallback) return options.fallback.probe(target, settings, signal);
        return runAttempts(
          async () => ({ state: 'unhealthy', reason: `${target.host} is not a cluster Service address; it cannot be probed through the API server proxy`, latencyMs: 0 }),
          'proxy',
          { retries: 0, backoffMs: 0, clock },
        );
      }
      return runAttempts(() => once(target, settings, proxied, signal), 'proxy', {
        retries: settings.retries,
        backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
        clock,
        ...(signal ? { signal } : {}),
      });
    },
  };
}
