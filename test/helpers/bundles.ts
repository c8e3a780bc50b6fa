// Builds small detector bundles for tests, through the SDK's real bundler. Sources live in test/.tmp/ inside
// the repository so that `@kubernaut/toolset-sdk` resolves as it does for a plugin author's project.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDetector } from '@kubernaut/toolset-sdk/build';
import { manifestBanner } from '@kubernaut/toolset-sdk';
import type { PluginManifest } from '@kubernaut/toolset-sdk';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A fresh directory under test/.tmp/, removed by `cleanup()`. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = path.join(repoRoot, 'test', '.tmp');
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(path.join(base, `${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Source of a simple detector: claims Services carrying label `<labelKey>` and answers with `answer`. */
export function detectorSource(opts: { name: string; version?: string; type?: string; labelKey?: string; answer?: string; extra?: string }): string {
  return `import { defineDetector } from '@kubernaut/toolset-sdk';
${opts.extra ?? ''}
export default defineDetector({
  name: ${JSON.stringify(opts.name)}, version: ${JSON.stringify(opts.version ?? '1.0.0')},
  description: 'test detector ${opts.name}', type: ${JSON.stringify(opts.type ?? opts.name)},
  detect(service) {
    if (service.metadata.labels[${JSON.stringify(opts.labelKey ?? `test/${opts.name}`)}] === undefined) return null;
    return ${opts.answer ?? "{ port: 'http', health: { path: '/healthz' } }"};
  },
});
`;
}

/** Bundles `source` (written to `<srcDir>/<name>.src.js`) and returns the bundle text with its banner. */
export async function bundle(srcDir: string, name: string, source: string): Promise<string> {
  const entry = path.join(srcDir, `${name}.src.mjs`);
  await writeFile(entry, source);
  const body = await bundleDetector(entry);
  return body;
}

/** Adds a manifest banner the way `toolset-sdk build` does (without loading it). */
export function withBanner(code: string, manifest: Pick<PluginManifest, 'name' | 'version' | 'description' | 'type'>): string {
  return manifestBanner({ ...manifest, apiVersion: 1, hasToolsets: false }) + code;
}

/**
 * Polls `check` until it returns a truthy value or `timeoutMs` passes. The deadline is a safety net against a
 * condition that never comes, not a speed limit: a busy machine may take many seconds for what is instant idle.
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 60_000, stepMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A minimal but complete-enough Service object. */
export function service(name: string, namespace: string, labels: Record<string, string> = {}, ports: Array<Record<string, unknown>> = [{ name: 'http', port: 8080, protocol: 'TCP' }], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels, annotations: {}, uid: `uid-${namespace}-${name}` },
    spec: { type: 'ClusterIP', ports, selector: { app: name }, ...extra },
  };
}
