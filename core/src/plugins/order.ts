// Which detectors run, and in which order: a pure function of the loaded plugins and the config.
import { defaultPriority } from '../config/schema.js';
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

/**
 * Lower priority first; ties broken by name. A configured priority equal to another detector's effective one
 * (configured or default) is refused when the config is loaded (config/load.ts), so ties are only possible
 * between unconfigured external plugins.
 */
export function orderDetectors(available: readonly Available[], config: Config): Ordering {
  const warnings: string[] = [];
  const names = new Set(available.map((a) => a.name));
  for (const name of Object.keys(config.detectors).sort()) {
    if (!names.has(name)) warnings.push(`detector "${name}" is configured but no such plugin is loaded`);
  }
  const detectors = available.map((a): OrderedDetector => {
    const settings = config.detectors[a.name] ?? {};
    return { name: a.name, builtin: a.builtin, enabled: settings.enabled ?? true, priority: settings.priority ?? defaultPriority(a.name, a.builtin), settings };
  });
  detectors.sort((x, y) => (x.priority === y.priority ? (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) : x.priority - y.priority));
  return { detectors, warnings };
}
