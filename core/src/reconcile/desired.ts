// The desired ConfigMap data, built from read-only inputs: the model's detections, the health checker's results,
// each plugin's sandboxed toolsets() answer (cached per detection), the config, and the live overrides.yaml.
import { createHash } from 'node:crypto';
import type { ToolsetEntry } from '@kubernaut/toolset-sdk';
import type { Config } from '../config/schema.js';
import type { DetectedService } from '../detection/engine.js';
import { foundService } from '../detection/found.js';
import type { HealthResult } from '../health/types.js';
import type { ModelSnapshot } from '../model/store.js';
import type { SandboxedPlugin } from '../sandbox/plugin.js';
import { OVERRIDES_TEMPLATE, renderConfigMapData, toPublishedService } from '../toolsets/index.js';
import type { PublishedService, RenderResult, ServiceHealth } from '../toolsets/index.js';
import { ALWAYS_OWNED, GENERATED_KEYS_ANNOTATION, OVERRIDES_KEY } from './merge.js';
import type { ConfigMapShape, Desired } from './merge.js';
import { DesiredError } from './reconciler.js';

export interface DesiredSources {
  snapshot: () => ModelSnapshot;
  health: (key: string) => HealthResult | undefined;
  plugin: (name: string) => SandboxedPlugin | undefined;
  /** Loaded plugins, to find the one that knows a type's toolsets. */
  plugins: () => readonly SandboxedPlugin[];
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

export class DesiredBuilder {
  private readonly toolsetsCache = new Map<string, { fingerprint: string; value: Record<string, ToolsetEntry> | null }>();
  /** The last build, for the API. */
  last: Published | undefined;

  constructor(private readonly sources: DesiredSources) {}

  /**
   * The detector's own toolsets(); when it has none (the custom detector), the one of the plugin whose type is
   * the detected type — so a Service annotated as type prometheus gets `prometheus/metrics`, not a generic toolset.
   */
  private toolsetsPlugin(d: DetectedService): SandboxedPlugin | undefined {
    const own = this.sources.plugin(d.detector);
    if (own?.manifest.hasToolsets) return own;
    return this.sources.plugins().find((p) => p.manifest.type === d.type && p.manifest.hasToolsets) ?? own;
  }

  private async toolsetsFor(d: DetectedService): Promise<Record<string, ToolsetEntry> | null> {
    const plugin = this.toolsetsPlugin(d);
    if (!plugin) return null;
    const found = foundService(d);
    const fingerprint = `${plugin.name}@${plugin.manifest.version}\u0000${JSON.stringify(found)}`;
    const cached = this.toolsetsCache.get(d.key);
    if (cached && cached.fingerprint === fingerprint) return cached.value;
    const answer = await plugin.toolsets(found);
    // A failed or rejected answer falls back to the generic toolset; the failure is counted by the plugin.
    const value = answer.ok ? answer.value : null;
    this.toolsetsCache.set(d.key, { fingerprint, value });
    return value;
  }

  async publish(): Promise<Published> {
    const snapshot = this.sources.snapshot();
    const config = this.sources.config();
    const live = this.sources.live();
    const services: PublishedService[] = [];
    const seen = new Set<string>();
    for (const d of snapshot.detected) {
      seen.add(d.key);
      const plugin = this.sources.plugin(d.detector);
      services.push(
        toPublishedService(d, {
          description: plugin?.manifest.description ?? d.type,
          health: healthOf(this.sources.health(d.key)),
          toolsets: await this.toolsetsFor(d),
        }),
      );
    }
    for (const key of [...this.toolsetsCache.keys()]) if (!seen.has(key)) this.toolsetsCache.delete(key);
    const render = renderConfigMapData({
      services,
      primary: config.primary,
      multiInstance: config.holmesgpt.multiInstance,
      overrides: live?.data?.[OVERRIDES_KEY] ?? null,
      foreignBytes: foreignBytes(live),
    });
    this.last = { services, render };
    return this.last;
  }

  async desired(): Promise<Desired> {
    const { render } = await this.publish();
    if (render.error) throw new DesiredError(render.error.message, render.error.kind);
    const custom = render.data['custom_toolset.yaml'] ?? '';
    return {
      data: render.data,
      overridesTemplate: OVERRIDES_TEMPLATE,
      ...(render.overrides.state === 'invalid' ? { overridesError: render.overrides.message } : {}),
      checksum: createHash('sha256').update(custom).digest('hex'),
    };
  }
}
