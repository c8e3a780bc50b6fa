// Health validation: the host (never a plugin) probes each detected endpoint and says whether to publish it.
import type { KubeConfig } from '@kubernetes/client-node';
import { createDirectProber } from './direct.js';
import type { DirectProberOptions } from './direct.js';
import { createProxyProber } from './proxy.js';
import type { ProbeMode, Prober } from './types.js';

export { classify, probePath, probeTarget, statusReason } from './types.js';
export type { AnsweredState, HealthResult, HealthState, ProbeMode, ProbeSettings, ProbeTarget, Prober } from './types.js';
export { probeSettings } from './settings.js';
export type { DetectorHealthCheck } from './settings.js';
export { createDirectProber } from './direct.js';
export type { DirectProberOptions } from './direct.js';
export { createProxyProber, proxyPath, RBAC_HINT } from './proxy.js';
export type { ProxyProberOptions } from './proxy.js';
export { HealthChecker } from './checker.js';
export { MAX_IDENTITY_BODY_BYTES, judgeIdentity, settleIdentities } from './identity.js';
export type { IdentityLeftOut, IdentityOutcome, IdentityState, Settled } from './identity.js';
export type { HealthCheckerOptions, HealthListener, HealthObserver, HealthTarget } from './checker.js';

/** In a pod Service DNS names resolve, so probe directly; from outside (kubeconfig) go through the API server. */
export function defaultProbeMode(env: { inCluster: boolean }): ProbeMode {
  return env.inCluster ? 'direct' : 'proxy';
}

/**
 * The prober for a mode (`--health-check-via` or defaultProbeMode). Proxy mode needs the KubeConfig; targets
 * whose host is not a cluster Service name (explicit endpoint URLs) are probed directly even then.
 */
export function createProber(mode: ProbeMode, kc?: KubeConfig, options: DirectProberOptions = {}): Prober {
  const direct = createDirectProber(options);
  if (mode === 'direct') return direct;
  if (!kc) throw new Error('health checks via the API server proxy need a KubeConfig');
  return createProxyProber({
    kc,
    fallback: direct,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
  });
}
