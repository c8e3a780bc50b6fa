// The settings one detector's probes run with: the global `health_check` defaults, overridden field by field by
// the detector's own `health_check` block (which alone may set `path`).
import type { DetectorSettings, HealthCheckSettings } from '../config/schema.js';
import type { ProbeSettings } from './types.js';

export type DetectorHealthCheck = NonNullable<DetectorSettings['health_check']>;

export function probeSettings(global: HealthCheckSettings, detector?: DetectorHealthCheck): ProbeSettings {
  const d = detector ?? {};
  return {
    enabled: d.enabled ?? global.enabled,
    ...(d.path !== undefined ? { path: d.path } : {}),
    timeoutMs: d.timeout ?? global.timeoutMs,
    retries: d.retries ?? global.retries,
    tlsVerify: d.tls_verify ?? global.tlsVerify,
  };
}
