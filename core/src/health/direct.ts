// Direct probes: one GET to scheme://host:port<path> from inside the cluster, where Service DNS names resolve.
// The path is the detector's override, else the plugin's health path, else "/" (any answer from the root still
// shows the port serves HTTP); with an identity check, its path, and the answer must be what the detection
// claimed (health/identity.ts). Nothing identifying is sent: no credentials, no cookies, a fresh socket per
// probe (no shared agent), and no proxy from the environment. https certificates are checked only with
// tlsVerify, and SNI/Host keep the Service's name even when `resolveHost` redirects the connection.
import { isIP } from 'node:net';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { DEFAULT_BACKOFF_MS, runAttempts } from './attempts.js';
import type { Verdict } from './attempts.js';
import { DEFAULT_MAX_BODY_BYTES, PROBE_USER_AGENT, httpGet } from './http-get.js';
import { MAX_IDENTITY_BODY_BYTES, judgeIdentity } from './identity.js';
import { classify, probePath, statusReason } from './types.js';
import type { HealthResult, ProbeSettings, ProbeTarget, Prober } from './types.js';

export interface DirectProberOptions {
  /** Maps a host:port to where to connect instead (tests map cluster DNS names to 127.0.0.1 ports). */
  resolveHost?: (host: string, port: number) => { host: string; port: number } | undefined;
  clock?: Clock;
  backoffMs?: number;
  maxBodyBytes?: number;
}

const urlHost = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);

/** Exported for tests: the URL one probe connects to and the Host header it sends. */
export function directRequest(target: ProbeTarget, path: string, resolveHost?: DirectProberOptions['resolveHost']): { url: URL; hostHeader: string } {
  const to = resolveHost?.(target.host, target.port) ?? { host: target.host, port: target.port };
  return {
    url: new URL(`${target.scheme}://${urlHost(to.host)}:${to.port}${path}`),
    hostHeader: `${urlHost(target.host)}:${target.port}`,
  };
}

export function createDirectProber(options: DirectProberOptions = {}): Prober {
  const clock = options.clock ?? systemClock;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function once(target: ProbeTarget, settings: ProbeSettings, signal?: AbortSignal): Promise<Verdict> {
    const path = probePath(target, settings);
    const { url, hostHeader } = directRequest(target, path, options.resolveHost);
    const out = await httpGet(url, {
      request: {
        agent: false,
        headers: { host: hostHeader, 'user-agent': PROBE_USER_AGENT, accept: '*/*' },
        rejectUnauthorized: settings.tlsVerify,
        ...(target.scheme === 'https' && isIP(target.host) === 0 ? { servername: target.host } : {}),
      },
      timeoutMs: settings.timeoutMs,
      // An identity answer is read whole (bounded); a plain health probe needs only the status.
      maxBodyBytes: target.identity ? MAX_IDENTITY_BODY_BYTES : maxBodyBytes,
      ...(signal ? { signal } : {}),
    });
    if (!out.ok) return { state: 'unhealthy', reason: out.reason, latencyMs: out.latencyMs };
    if (target.identity) return { ...judgeIdentity(target.identity, out.status, out.body), status: out.status, latencyMs: out.latencyMs };
    const reason = statusReason(out.status, path);
    return { state: classify(out.status), status: out.status, ...(reason !== undefined ? { reason } : {}), latencyMs: out.latencyMs };
  }

  return {
    via: 'direct',
    probe(target: ProbeTarget, settings: ProbeSettings, signal?: AbortSignal): Promise<HealthResult> {
      return runAttempts(() => once(target, settings, signal), 'direct', {
        retries: settings.retries,
        backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
        clock,
        ...(signal ? { signal } : {}),
      });
    },
  };
}
