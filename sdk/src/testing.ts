// Test helper for plugin authors: runs a detector against Service fixtures inside the daemon's real sandbox
// (isolated-vm, the same harness, validation and port resolution), so a test exercises what will run.
//
//   import { loadDetector } from '@kubernaut/toolset-sdk/testing';
//   const widget = await loadDetector('src/index.js', { config: { strict: true } });
//   const [r] = await widget.detect('test/fixtures/widget.yaml');
//   assert.equal(r.endpoint, 'http://widget.acme.svc.cluster.local:8080/api');
//   await widget.dispose();
//
// Processes that use it must run Node with --no-node-snapshot (isolated-vm requires it).
//
// For fast unit tests that call `detect()` directly (no sandbox), `svc()` and `ctx()` build the fixtures the
// built-in detectors' own tests use (see fixtures.ts).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FoundService, PluginManifest, ToolsetEntry } from './types.js';
import { MANIFEST_BANNER_PREFIX } from './banner.js';
import { bundleDetector } from './build.js';

export { svc, ctx } from './fixtures.js';
export type { SvcOptions, CountingContext, WorkloadFixture } from './fixtures.js';

export interface TestResult {
  namespace: string;
  name: string;
  /** detected: the detector claimed it; none: "not mine"; rejected/failed: a malformed answer or a failure (see reason). */
  outcome: 'detected' | 'none' | 'rejected' | 'failed' | 'skipped';
  type?: string;
  endpoint?: string;
  healthPath?: string | null;
  reason?: string;
  /** The resolved detection, as `toolsets()` receives it. */
  found?: FoundService;
}

export interface LoadedDetector {
  manifest: PluginManifest;
  /** Runs `detect` over Service objects, or over the Services in a YAML/JSON file or directory (its Pods and EndpointSlices are their evidence). */
  detect(services: readonly unknown[] | string): Promise<TestResult[]>;
  /** Runs `toolsets()` for a detected result, validated as the daemon validates it. */
  toolsets(result: TestResult): Promise<Record<string, ToolsetEntry> | null>;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  /** The plugin's own config, as `detectors.<name>.plugin.config` would give it. */
  config?: Record<string, unknown>;
}

type Sandbox = typeof import('@kubernaut/dynamic-toolset/sandbox') & typeof import('@kubernaut/dynamic-toolset/detection');

/** The daemon's sandbox (loads the plugin) and detection (runs it over Services), exactly as the daemon uses them. */
async function sandbox(): Promise<Sandbox> {
  try {
    const [sandboxEntry, detectionEntry] = await Promise.all([import('@kubernaut/dynamic-toolset/sandbox'), import('@kubernaut/dynamic-toolset/detection')]);
    return { ...sandboxEntry, ...detectionEntry };
  } catch (err) {
    throw new Error(`the test helper needs the daemon package @kubernaut/dynamic-toolset (its sandbox and detection): ${(err as Error).message}`);
  }
}

/** Loads a detector from its source entry (bundled in memory) or from a built bundle. */
export async function loadDetector(entryOrBundle: string, options: LoadOptions = {}): Promise<LoadedDetector> {
  const sb = await sandbox();
  const text = await readFile(entryOrBundle, 'utf8');
  const code = text.startsWith(MANIFEST_BANNER_PREFIX) ? text : await bundleDetector(entryOrBundle);
  const plugin = await sb.SandboxedPlugin.load(code, path.basename(entryOrBundle));
  await plugin.configure(options.config ?? {});
  const slot = { name: plugin.name, builtin: false, enabled: true, priority: 0, settings: {}, plugin };

  return {
    manifest: plugin.manifest,
    async detect(services) {
      const read = typeof services === 'string' ? await sb.readManifests(services) : undefined;
      let views = (read ? read.services : (services as readonly unknown[])).map((o) => sb.toServiceView(o));
      // Pods and EndpointSlices among the fixtures are the Services' evidence, as `dynamic-toolset detect` makes it.
      if (read && (read.pods.length > 0 || read.endpointSlices.length > 0)) views = sb.withEvidence(views, sb.evidenceFrom(read.pods, read.endpointSlices, read.resources));
      const byNs = new Map<string, typeof views>();
      for (const v of views) byNs.set(v.metadata.namespace, [...(byNs.get(v.metadata.namespace) ?? []), v]);
      const results = await sb.detectServices(views, [slot], { namespaceServices: (ns) => byNs.get(ns) ?? [] });
      return results.map((r, i): TestResult => {
        const v = views[i]!;
        const base = { namespace: v.metadata.namespace, name: v.metadata.name };
        const d = r.detected;
        if (d) {
          const found = sb.foundService(d);
          return { ...base, outcome: 'detected', type: d.type, endpoint: d.endpoint.url, healthPath: d.endpoint.healthPath, found };
        }
        const step = r.trace[0];
        // A Service whose evidence matches nothing of the detector's declared interest is "not mine" without asking.
        if (!step || step.outcome === 'none' || step.outcome === 'not-reached' || step.outcome === 'detected' || (step.outcome === 'skipped' && step.reason === 'evidence_unmatched')) {
          return { ...base, outcome: 'none' };
        }
        if (step.outcome === 'skipped') return { ...base, outcome: 'skipped', reason: step.detail };
        return { ...base, outcome: step.outcome, reason: step.reason };
      });
    },
    async toolsets(result) {
      if (!result.found) throw new Error(`${result.namespace}/${result.name} was not detected; toolsets() runs only for detected Services`);
      const r = await plugin.toolsets(result.found);
      if (!r.ok) throw new Error(`toolsets() failed or was rejected: ${r.reason}`);
      return r.value;
    },
    async dispose() {
      plugin.dispose();
    },
  };
}
