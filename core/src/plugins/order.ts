// Which detectors run, and in which order: a pure function of the loaded plugins and the config.
import { BUILTIN_PRIORITIES } from '../config/schema.js';
import type { Config, DetectorSettings } from '../config/schema.js';

export interface Available {
  name: string;
  builtin: boolean;
}

export interface OrderedDetector {
  name: string;
  builtin: boolean;
  enabled: boolean;
  /** Effective priority; external plugins without one run after every built-in (Infinity). */
  priority: number;
  settings: DetectorSettings;
}

export interface Ordering {
  detectors: OrderedDetector[];
  warnings: string[];
}

/** Lower priority first; ties (only possible between unconfigured external plugins) broken by name. */
export function orderDetectors(available: readonly Available[], config: Config): Ordering {
  const warnings: string[] = [];
  const names = new Set(available.map((a) => a.name));
  for (const name of Object.keys(config.detectors).sort()) {
    if (!names.has(name)) warnings.push(`detector "${name}" is configured but no such plugin is loaded`);
  }
  const detectors = available.map((a): OrderedDetector => {
    const settings = config.detectors[a.name] ?? {};
    const fallback = a.builtin ? (BUILTIN_PRIORITIES[a.name] ?? 1000) : Number.POSITIVE_INFINITY;
    return { name: a.name, builtin: a.builtin, enabled: settings.enabled ?? true, priority: settings.priority ?? fallback, settings };
  });
  detectors.sort((x, y) => (x.priority === y.priority ? (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) : x.priority - y.priority));
  return { detectors, warnings };
}
