// `toolset-sdk build`: bundles a detector into one self-contained script for the host's sandbox.
// The bundle is an IIFE that assigns the detector to `globalThis.__toolsetPlugin`; the build then loads it into
// the real sandbox, so a bundle that would not load in the daemon fails here, with the daemon's own reason.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PLUGIN_GLOBAL } from './types.js';
import type { PluginManifest } from './types.js';
import { manifestBanner } from './banner.js';

export interface BuildOptions {
  /** The detector's source entry (JS or TS) whose default export is `defineDetector({...})`. */
  entry: string;
  /** The bundle file to write. */
  out?: string;
  /** Minify the bundle (default false: readable bundles are easier to audit). */
  minify?: boolean;
  /** Skip loading the bundle into the sandbox after building (only when the daemon package is absent). */
  skipVerify?: boolean;
  quiet?: boolean;
}

export interface BuildResult {
  code: string;
  manifest: PluginManifest | undefined;
  out?: string;
  bytes: number;
}

export class BuildError extends Error {
  override name = 'BuildError';
}

interface SandboxModule {
  SandboxedPlugin: {
    load(code: string, filename: string): Promise<{ manifest: PluginManifest; dispose(): void }>;
  };
}

async function loadSandbox(): Promise<SandboxModule | undefined> {
  try {
    return (await import('@kubernaut/dynamic-toolset/sandbox')) as unknown as SandboxModule;
  } catch {
    return undefined;
  }
}

/** Bundles `entry` in memory (no manifest banner, not verified). */
export async function bundleDetector(entry: string, minify = false): Promise<string> {
  const absolute = path.resolve(entry);
  try {
    await readFile(absolute);
  } catch {
    throw new BuildError(`cannot read entry ${entry}`);
  }
  try {
    const result = await build({
      stdin: {
        contents: `import plugin from ${JSON.stringify(absolute)};\nglobalThis.${PLUGIN_GLOBAL} = plugin;\n`,
        resolveDir: path.dirname(absolute),
        sourcefile: 'toolset-plugin-entry.js',
        loader: 'js',
      },
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      minify,
      legalComments: 'none',
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  } catch (err) {
    const errors = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors;
    if (errors && errors.length > 0) {
      const lines = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text));
      const hint = lines.some((l) => /node:|Could not resolve/.test(l))
        ? '\n(plugins run in a sandbox without Node.js: no fs, net, process, timers or npm packages that need them)'
        : '';
      throw new BuildError(`cannot bundle ${entry}:\n  ${lines.join('\n  ')}${hint}`);
    }
    throw new BuildError(`cannot bundle ${entry}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Builds, verifies in the sandbox, and writes the bundle with its manifest banner. */
export async function buildPlugin(options: BuildOptions): Promise<BuildResult> {
  const body = await bundleDetector(options.entry, options.minify ?? false);
  let manifest: PluginManifest | undefined;
  if (!options.skipVerify) {
    const sandbox = await loadSandbox();
    if (!sandbox) {
      throw new BuildError('cannot verify the bundle: @kubernaut/dynamic-toolset is not installed (install it, or pass --skip-verify)');
    }
    try {
      const plugin = await sandbox.SandboxedPlugin.load(body, path.basename(options.out ?? options.entry));
      manifest = plugin.manifest;
      plugin.dispose();
    } catch (err) {
      throw new BuildError(`the bundle of ${options.entry} does not load in the sandbox: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const code = manifest ? manifestBanner(manifest) + body : body;
  if (options.out) {
    await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await writeFile(options.out, code);
    if (!options.quiet && manifest) {
      process.stdout.write(`built ${manifest.name}@${manifest.version} (type ${manifest.type}, SDK API ${manifest.apiVersion}) → ${options.out} (${code.length} bytes)\n`);
    }
  }
  return { code, manifest, bytes: code.length, ...(options.out ? { out: options.out } : {}) };
}
