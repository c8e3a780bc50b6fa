// The desired ConfigMap data: a pure function of the model's snapshot (each detection carries its plugin's
// toolsets() answer and description, asked by detection — reconcile never runs a plugin), the health checker's
// results, the config and the live overrides.yaml. Over the ConfigMap's budget it is the best output that fits
// (toolsets/budget.ts), never nothing. DesiredBuilder is the thin shell that reads those inputs, keeps the last
// build for the API and says when the output is degraded.
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { settleIdentities } from '../health/identity.js';
import type { IdentityLeftOut } from '../health/identity.js';
import type { HealthResult } from '../health/types.js';
import type { ModelSnapshot } from '../model/store.js';
import { CUSTOM_TOOLSET_KEY, OVERRIDES_KEY, OVERRIDES_TEMPLATE, renderWithinBudget, toPublishedService } from '../toolsets/index.js';
import type { BudgetedRender, PublishedService, RenderResult, ServiceHealth } from '../toolsets/index.js';
import { ALWAYS_OWNED, GENERATED_KEYS_ANNOTATION } from './merge.js';
import type { Desired } from './merge.js';
import type { ConfigMapShape } from '../discovery/configmap.js';
import { DesiredError } from './reconciler.js';
import { RenderWorker } from './off-thread.js';

/** Everything the desired state depends on. */
export interface DesiredInputs {
  snapshot: ModelSnapshot;
  health: (key: string) => HealthResult | undefined;
  config: Config;
  live: ConfigMapShape | undefined;
  /** Budget of the ConfigMap data; default MAX_DATA_BYTES (tests lower it). */
  maxBytes?: number;
}

export interface DesiredSources {
  snapshot: () => ModelSnapshot;
  health: (key: string) => HealthResult | undefined;
  config: () => Config;
  live: () => ConfigMapShape | undefined;
  maxBytes?: number;
  /** Told when the output starts, changes or stops leaving Services out to fit the budget. */
  log?: { warn(m: string, meta?: Record<string, unknown>): void; info(m: string, meta?: Record<string, unknown>): void };
}

export interface Published {
  services: PublishedService[];
  /** Over the budget, the best output that fits (toolsets/budget.ts): `degraded` and `leftOut` say what is missing. */
  render: BudgetedRender;
  /**
   * Detected Services the identity probes leave out (health/identity.ts): a second Service of the same backend, or
   * a `scheme: auto` endpoint no probe can settle. Not in `services`.
   */
  identityLeftOut: ReadonlyMap<string, IdentityLeftOut>;
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
export function publish({ snapshot, health, config, live, maxBytes }: DesiredInputs): Published {
  // After health, before toolsets: the settled scheme goes into the URLs, and one entry per verified backend.
  const settled = settleIdentities(snapshot.detected, health);
  const services = settled.detected.map((d) =>
    toPublishedService(d, {
      description: d.description ?? d.type,
      health: healthOf(health(d.key)),
      toolsets: d.toolsets ?? null,
    }),
  );
  const render = renderWithinBudget({
    services,
    primary: config.primary,
    multiInstance: config.holmesgpt.multiInstance,
    overrides: live?.data?.[OVERRIDES_KEY] ?? null,
    foreignBytes: foreignBytes(live),
    ...(maxBytes !== undefined ? { maxBytes } : {}),
  });
  return { services, render, identityLeftOut: settled.leftOut };
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
  private readonly renderer = new RenderWorker(publish);

  constructor(private readonly sources: DesiredSources) {}

  /** desired(), rendered on a worker thread when the output is large (off-thread.ts): what the reconciler calls. */
  async desiredOffThread(): Promise<Desired> {
    const { snapshot, health, config, live, maxBytes } = this.sources;
    const published = await this.renderer.publish({ snapshot: snapshot(), health, config: config(), live: live(), ...(maxBytes !== undefined ? { maxBytes } : {}) });
    const before = this.last?.render.degraded;
    this.last = published;
    this.tellDegraded(before);
    return desiredOf(published.render);
  }

  /** Ends the render worker, if one was started. */
  stop(): Promise<void> {
    return this.renderer.stop();
  }

  publish(): Published {
    const { snapshot, health, config, live, maxBytes } = this.sources;
    const before = this.last?.render.degraded;
    this.last = publish({ snapshot: snapshot(), health, config: config(), live: live(), ...(maxBytes !== undefined ? { maxBytes } : {}) });
    this.tellDegraded(before);
    return this.last;
  }

  /** One log line when the degradation starts or its extent changes, one when it ends — not one per pass. */
  private tellDegraded(before: BudgetedRender['degraded']): void {
    const now = this.last?.render.degraded;
    if (now && (now.leftOut !== before?.leftOut || now.wanted !== before?.wanted || now.limit !== before?.limit)) {
      this.sources.log?.warn('ConfigMap output degraded: Services left out to fit the size budget', { reason: now.message, leftOut: now.leftOut, limit: now.limit, wanted: now.wanted });
    } else if (!now && before) {
      this.sources.log?.info('ConfigMap output fits its size budget again: nothing is left out');
    }
  }

  desired(): Desired {
    return desiredOf(this.publish().render);
  }
}
