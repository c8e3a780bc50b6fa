// The fan-in point: Service key → latest detection result. Detection writes it; health checks, toolset
// generation, the reconciler and the API only read snapshots. Bursts of writes collapse into one change signal.
import { dedupe } from '../detection/dedupe.js';
import type { DetectedService, ServiceResult } from '../detection/engine.js';

export interface ModelSnapshot {
  version: number;
  /** Every Service the detectors looked at, by key (detected or not). */
  results: ReadonlyMap<string, ServiceResult>;
  /** Detected Services after de-duplication, sorted by key. */
  detected: readonly DetectedService[];
  /** Duplicate key → kept key. */
  duplicates: ReadonlyMap<string, string>;
  lastDiscovery: string | undefined;
}

export class ServiceModel {
  private readonly results = new Map<string, ServiceResult>();
  private readonly listeners = new Set<() => void>();
  private version = 0;
  private notifyScheduled = false;
  private cached: ModelSnapshot | undefined;
  private lastDiscovery: string | undefined;

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records results; `undefined` removes the key (the Service is gone). */
  apply(updates: ReadonlyArray<[string, ServiceResult | undefined]>, at: string = new Date().toISOString()): void {
    let changed = false;
    for (const [key, result] of updates) {
      const old = this.results.get(key);
      if (result === undefined) {
        if (old !== undefined) {
          this.results.delete(key);
          changed = true;
        }
      } else if (old === undefined || JSON.stringify(old) !== JSON.stringify(result)) {
        this.results.set(key, result);
        changed = true;
      }
    }
    this.lastDiscovery = at;
    if (!changed) return;
    this.version += 1;
    this.cached = undefined;
    if (!this.notifyScheduled) {
      this.notifyScheduled = true;
      queueMicrotask(() => {
        this.notifyScheduled = false;
        for (const l of [...this.listeners]) l();
      });
    }
  }

  get(key: string): ServiceResult | undefined {
    return this.results.get(key);
  }

  snapshot(): ModelSnapshot {
    if (this.cached && this.cached.lastDiscovery === this.lastDiscovery) return this.cached;
    const detected = [...this.results.values()].flatMap((r) => (r.detected ? [r.detected] : []));
    const { kept, duplicates } = dedupe(detected);
    this.cached = { version: this.version, results: new Map(this.results), detected: kept, duplicates, lastDiscovery: this.lastDiscovery };
    return this.cached;
  }
}
