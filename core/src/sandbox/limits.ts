// Isolate heap limits sized from the pod's own memory limit, so that every plugin at its limit still fits
// beside the host (its heap, the Service cache, HTTP) inside the container's limit.
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS } from './plugin.js';
import type { SandboxLimits } from './plugin.js';

export interface SizingOptions {
  /** Memory kept for the host process itself. */
  hostReserveMiB?: number;
  /** Plugins the budget is shared by (built-ins plus room for external ones). */
  slots?: number;
  minMiB?: number;
  maxMiB?: number;
  /** When the pod's limit is unknown (not in a container, or unlimited). */
  defaultMiB?: number;
}

const MIB = 1024 * 1024;

/** Parses a Kubernetes quantity or a byte count: "512Mi", "1Gi", "268435456", "500M". */
export function parseQuantity(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit: Record<string, number> = { Ki: 1024, Mi: MIB, Gi: 1024 * MIB, Ti: 1024 * 1024 * MIB, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Math.floor(Number(m[1]) * (m[2] ? unit[m[2]]! : 1));
}

/**
 * The container's memory limit in bytes: `DYNAMIC_TOOLSET_MEMORY_LIMIT` (set from the Deployment's
 * resourceFieldRef), else cgroup v2 `memory.max`, else cgroup v1; undefined when unlimited or unknown.
 */
export function podMemoryLimitBytes(env: NodeJS.ProcessEnv = process.env, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): number | undefined {
  const fromEnv = env.DYNAMIC_TOOLSET_MEMORY_LIMIT;
  if (fromEnv) return parseQuantity(fromEnv);
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const text = read(file).trim();
      if (text === 'max') return undefined;
      const n = Number(text);
      // cgroup v1 reports "unlimited" as a number near 2^63.
      if (Number.isFinite(n) && n > 0 && n < 2 ** 50) return n;
    } catch {
      /* not this cgroup version */
    }
  }
  return undefined;
}

/** Heap limit per isolate in MiB: (pod limit − host reserve) shared by `slots` plugins, clamped. */
export function isolateMemoryLimitMiB(podLimitBytes: number | undefined, options: SizingOptions = {}): number {
  const { hostReserveMiB = 160, slots = 16, minMiB = 8, maxMiB = 128, defaultMiB = 32 } = options;
  if (podLimitBytes === undefined) return defaultMiB;
  const budget = podLimitBytes / MIB - hostReserveMiB;
  return Math.max(minMiB, Math.min(maxMiB, Math.floor(budget / slots)));
}

/** The sandbox limits for this process: the defaults with isolate heaps sized from the pod's memory limit. */
export function podSandboxLimits(env: NodeJS.ProcessEnv = process.env): SandboxLimits {
  return { ...DEFAULT_LIMITS, memoryLimitMb: isolateMemoryLimitMiB(podMemoryLimitBytes(env)) };
}
