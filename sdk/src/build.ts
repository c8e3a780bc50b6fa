// `toolset-sdk build`: bundles a detector into one self-contained script for the host's sandbox.
// The bundle is an IIFE that assigns the detector to `globalThis.__toolsetPlugin`; the build then loads it into
// the real sandbox, so a bundle that would not load in the daemon fails here, with the daemon's own reason.
//
// `@kubernaut/toolset-sdk` resolves as Node would from the entry's folder (a project's own installed SDK wins); when
// that folder has none — a lone file in an empty directory — it resolves to the SDK running the build, so
// `npx toolset-sdk build my-detector.js` works anywhere. The banner records which copy was bundled.
import { build } from 'esbuild';
import type { Plugin, PluginBuild } from 'esbuild';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PLUGIN_GLOBAL } from './types.js';
import type { PluginManifest } from './types.js';
import { manifestBanner } from './banner.js';
import type { SdkProvenance } from './banner.js';
import { SDK_PACKAGE_NAME, sdkPackageDir, sdkVersion } from './self.js';

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
  /** Which SDK built the bundle and which copy of it was bundled (also in the banner). */
  sdk: SdkProvenance;
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
  return (await bundleWithProvenance(entry, minify)).code;
}

const SDK_SPECIFIER = /^@kubernaut\/toolset-sdk(?:\/|$)/;
/** Marks the plugin's own `build.resolve` calls, so they take esbuild's normal path instead of recursing. */
const PLAIN = Symbol('plain-resolve');

interface ResolvedSdk {
  /** The package directory of the copy that was used. */
  dir: string;
  from: 'entry' | 'builder';
}

/**
 * Resolves `@kubernaut/toolset-sdk` (and its subpaths) from the importer's folder first, then from the running SDK's
 * own package directory (esbuild resolves a package's own name there through its `exports`, as Node does).
 */
function sdkFallback(used: ResolvedSdk[]): Plugin {
  const builderDir = sdkPackageDir();
  return {
    name: 'toolset-sdk-fallback',
    setup(b: PluginBuild) {
      b.onResolve({ filter: SDK_SPECIFIER }, async (args) => {
        if (args.pluginData === PLAIN) return undefined;
        const plain = { kind: args.kind, importer: args.importer, pluginData: PLAIN };
        const own = await b.resolve(args.path, { ...plain, resolveDir: args.resolveDir });
        const result = own.errors.length === 0 ? own : await b.resolve(args.path, { ...plain, resolveDir: builderDir });
        if (result.errors.length > 0) return { errors: own.errors };
        used.push({ dir: packageDirOf(result.path) ?? builderDir, from: result === own ? 'entry' : 'builder' });
        return { path: result.path, namespace: result.namespace, external: result.external, sideEffects: result.sideEffects, suffix: result.suffix };
      });
    },
  };
}

/** The nearest enclosing directory whose package.json names the SDK. */
function packageDirOf(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === SDK_PACKAGE_NAME) return dir;
      } catch {
        // not a readable package.json: keep walking up
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function versionOf(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function provenance(used: readonly ResolvedSdk[]): SdkProvenance {
  const sdk: SdkProvenance = { builtWith: sdkVersion() };
  const first = used[0];
  if (first === undefined) return sdk;
  // The entry's own copy may be the builder itself (a workspace link): that is still the entry's choice.
  const bundled = first.from === 'builder' || realpathSync(first.dir) === realpathSync(sdkPackageDir()) ? sdkVersion() : versionOf(first.dir);
  if (bundled !== undefined) sdk.bundled = bundled;
  sdk.from = first.from;
  return sdk;
}

async function bundleWithProvenance(entry: string, minify: boolean): Promise<{ code: string; sdk: SdkProvenance }> {
  const absolute = path.resolve(entry);
  try {
    await readFile(absolute);
  } catch {
    throw new BuildError(`cannot read entry ${entry}`);
  }
  const used: ResolvedSdk[] = [];
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
      plugins: [sdkFallback(used)],
    });
    return { code: result.outputFiles[0]!.text, sdk: provenance(used) };
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
  const { code: body, sdk } = await bundleWithProvenance(options.entry, options.minify ?? false);
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
  const code = manifest ? manifestBanner(manifest, sdk) + body : body;
  if (options.out) {
    await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await writeFile(options.out, code);
    if (!options.quiet && manifest) {
      process.stdout.write(`built ${manifest.name}@${manifest.version} (type ${manifest.type}, SDK API ${manifest.apiVersion}) → ${options.out} (${code.length} bytes)\n`);
      process.stdout.write(`  ${describeSdk(sdk)}\n`);
    }
  }
  return { code, manifest, bytes: code.length, sdk, ...(options.out ? { out: options.out } : {}) };
}

function describeSdk(sdk: SdkProvenance): string {
  if (sdk.from === undefined) return `built with ${SDK_PACKAGE_NAME}@${sdk.builtWith}; the detector imports nothing from it`;
  const where = sdk.from === 'entry' ? "installed next to the entry" : "the building SDK's own: none is installed next to the entry";
  return `built with ${SDK_PACKAGE_NAME}@${sdk.builtWith}; bundled ${SDK_PACKAGE_NAME}@${sdk.bundled ?? 'unknown'} (${where})`;
}
