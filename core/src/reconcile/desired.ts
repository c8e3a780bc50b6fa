// The desired ConfigMap data: a pure function of the model's snapshot (each detection carries its plugin's
// toolsets() answer and description, asked by detection — reconcile never runs a plugin), the health checker's
// results, the config and the live overrides.yaml. DesiredBuilder is the thin shell that reads those inputs
// and keeps the last build for the API.
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { HealthResult } from '../health/types.js';
import type { ModelSnapshot } from '../model/store.js';
import { CUSTOM_TOOLSET_KEY, OVERRIDES_KEY, OVERRIDES_TEMPLATE, renderConfigMapData, toPublishedService } from '../toolsets/index.js';
import type { PublishedService, RenderResult, ServiceHealth } from '../toolsets/index.js';
import { ALWAYS_OWNED, GENERATED_KEYS_ANNOTATION } from './merge.js';
import type { Desired } from './merge.js';
import type { ConfigMapShape } from '../discovery/configmap.js';
import { DesiredError } from './reconciler.js';

/** Everything the desired state depends on. */
export interface DesiredInputs {
  snapshot: ModelSnapshot;
  health: (key: string) => HealthResult | undefined;
  config: Config;
  live: ConfigMapShape | undefined;
}

export interface DesiredSources {
  snapshot: () => ModelSnapshot;
  health: (key: string) => HealthResult | undefined;
  config: () => Config;
  live: () => ConfigMapShape | undefined;
}

export interface Published {
  services: PublishedService[];
  render: RenderResult;
}

function healthOf(r: HealthResult | undefined): ServiceHealth {
  if (!r) return { state: 'unhealthy', reason: 'health check pending' };
  return r.reason !== undefined ? { state: r.state, reason: r.reason } : { state: r.state };
}

/** Bytes of the live keys the daemon does not write (admin keys), for the 1 MiB budget. */
function foreignBytes(live: ConfigMapShape | undefined): number {
  if (!live?.data) return 0;
  const owned = new Set<string>([...ALWAYS_OWNED, OVERRIDES_KEY, ...(live.metadata.annotations?.[GENERATED_KEYS_ANNOTATION] ?? '').split(',')]);
  let n = 0;
  for (const [k, v] of Object.entries(live.data)) if (!owned.has(k)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/** What would be published now, and its rendering. Pure. */
export function publish({ snapshot, health, config, live }: DesiredInputs): Published {
  const services = snapshot.detected.map((d) =>
    toPublishedService(d, {
      description: d.description ?? d.type,
      health: healthOf(health(d.key)),
      toolsets: d.toolsets ?? null,
    }),
  );
  const render = renderConfigMapData({
    services,
    primary: config.primary,
    multiInstance: config.holmesgpt.multiInstance,
    overrides: live?.data?.[OVERRIDES_KEY] ?? null,
    foreignBytes: foreignBytes(live),
  });
  return { services, render };
}

/** A rendering → the desired state the reconciler merges. Throws DesiredError when it must not be written. */
export function desiredOf(render: RenderResult): Desired {
  if (render.error) throw new DesiredError(render.error.message, render.error.kind);
  const custom = render.data[CUSTOM_TOOLSET_KEY] ?? '';
  return {
    data: render.data,
    overridesTemplate: OVERRIDES_TEMPLATE,
    ...(render.overrides.state === 'invalid' ? { overridesError: render.overrides.message } : {}),
    checksum: createHash('sha256').update(custom).digest('hex'),
  };
}

export class DesiredBuilder {
  /** The last build, for the API. */
  last: Published | undefined;

  constructor(private readonly sources: DesiredSources) {}

  publish(): Published {
    const { snapshot, health, config, live } = this.sources;
    this.last = publish({ snapshot: snapshot(), health, config: config(), live: live() });
    return this.last;
  }

  desired(): Desired {
    return desiredOf(this.publish().render);
  }
}
