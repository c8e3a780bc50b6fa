// DetectedService → FoundService: the copy of a detection that a plugin's `toolsets()` receives, and the one
// place that asks for it. The answer is stored with the detection (in the model), so the reconcile side only
// reads it — as Prometheus' discovery hands its consumers finished target groups.
import type { FoundService, ToolsetEntry } from '@kubernaut/toolset-sdk';
import type { DetectorSlot } from '../plugins/registry.js';
import type { SandboxedPlugin } from '../sandbox/plugin.js';
import type { DetectedService, ServiceResult } from './engine.js';

export function foundService(d: DetectedService): FoundService {
  const e = d.endpoint;
  return {
    detector: d.detector,
    type: d.type,
    service: { name: d.name, namespace: d.namespace, labels: { ...d.labels }, annotations: { ...d.annotations } },
    url: e.url,
    scheme: e.scheme,
    host: e.host,
    port: e.port,
    ...(e.portName !== undefined ? { portName: e.portName } : {}),
    path: e.path,
    healthPath: e.healthPath,
    ...(e.mcp !== undefined ? { mcp: { mode: e.mcp.mode } } : {}),
    ...(e.identity !== undefined ? { identity: structuredClone(e.identity) } : {}),
    // The scheme is a first guess until the health stage settles it; publication rewrites this endpoint's URLs then.
    ...(e.schemeAuto ? { schemeAuto: true } : {}),
  };
}

/**
 * The plugin that knows a detection's toolsets: the detector's own toolsets(); when it has none (the custom
 * detector), the one of the enabled plugin whose type is the detected type — so a Service annotated as type
 * prometheus gets `prometheus/metrics`, not a generic toolset.
 */
export function toolsetsPlugin(d: DetectedService, detectors: readonly DetectorSlot[]): SandboxedPlugin | undefined {
  const own = detectors.find((s) => s.name === d.detector)?.plugin;
  if (own?.manifest.hasToolsets) return own;
  return detectors.find((s) => s.plugin.manifest.type === d.type && s.plugin.manifest.hasToolsets)?.plugin ?? own;
}

type Answer = Record<string, ToolsetEntry> | null;

/**
 * Each detection's toolsets() answer, asked once: an unchanged detection (same plugin and version, same
 * FoundService) reuses the last answer instead of calling the sandbox again. `clear()` when plugins or their
 * config change (the registry's onChange): every detection is re-run then, and asks again.
 */
export class ToolsetsAnswers {
  private readonly byKey = new Map<string, { fingerprint: string; value: Answer }>();
  /** Bumped by clear(): an answer asked of a plugin that was replaced meanwhile is not kept. */
  private generation = 0;

  clear(): void {
    this.byKey.clear();
    this.generation += 1;
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }

  /** The results with each detection's answer (and its detector's description) attached. Never throws. */
  async attach(results: readonly ServiceResult[], detectors: readonly DetectorSlot[]): Promise<ServiceResult[]> {
    const generation = this.generation;
    const out: ServiceResult[] = [];
    for (const r of results) {
      if (!r.detected) {
        this.byKey.delete(r.key);
        out.push(r);
        continue;
      }
      out.push({ ...r, detected: { ...r.detected, toolsets: await this.answer(r.detected, detectors, generation) } });
    }
    return out;
  }

  private async answer(d: DetectedService, detectors: readonly DetectorSlot[], generation: number): Promise<Answer> {
    const plugin = toolsetsPlugin(d, detectors);
    if (!plugin) {
      this.byKey.delete(d.key);
      return null;
    }
    const found = foundService(d);
    const fingerprint = `${plugin.name}@${plugin.manifest.version}\u0000${JSON.stringify(found)}`;
    const cached = this.byKey.get(d.key);
    if (cached && cached.fingerprint === fingerprint) return cached.value;
    const answer = await plugin.toolsets(found);
    // A failed or rejected answer falls back to the generic toolset; the failure is counted by the plugin.
    const value = answer.ok ? answer.value : null;
    if (generation === this.generation) this.byKey.set(d.key, { fingerprint, value });
    return value;
  }
}
