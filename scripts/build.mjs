#!/usr/bin/env node
// Builds every runtime artefact from source, in dependency order:
//   sdk/dist (library + CLI), core/dist (daemon, sandbox and detection entries), plugins/dist (built-in detector bundles).
// It runs as the root `prepare` script, so `npm ci` leaves `npx dynamic-toolset` and `npx toolset-sdk` working.
import { build } from 'esbuild';
import { readdir, rm, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { daemonBundleOptions } from './daemon-bundle.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const at = (...p) => path.join(root, ...p);

const LIBRARY = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' };

async function buildNodeLibrary(pkg, entries, options = LIBRARY) {
  await rm(at(pkg, 'dist'), { recursive: true, force: true });
  await build({
    ...options,
    entryPoints: Object.fromEntries(Object.entries(entries).map(([out, src]) => [out, at(pkg, 'src', src)])),
    outdir: at(pkg, 'dist'),
    sourcemap: 'linked',
  });
}

async function main() {
  if (!existsSync(at('sdk', 'src', 'index.ts'))) return; // nothing to build yet (first bootstrap)
  await buildNodeLibrary('sdk', { index: 'index.ts', testing: 'testing.ts', build: 'build.ts', cli: 'cli.ts' });
  // config-worker: large detector configs are parsed on a worker thread (core/src/config/off-thread.ts), which
  // loads this file from next to the bundle.
  // render-worker: a large ConfigMap output is rendered on a worker thread (core/src/reconcile/off-thread.ts).
  await buildNodeLibrary(
    'core',
    { cli: 'cli.ts', sandbox: 'sandbox/index.ts', detection: 'detection/index.ts', 'config-worker': 'config/parse-worker.ts', 'render-worker': 'reconcile/render-worker.ts' },
    daemonBundleOptions,
  );

  // Built-in plugins: built with the SDK's own build command, exactly as a plugin author's would be.
  const { buildPlugin } = await import(pathToFileURL(at('sdk', 'dist', 'build.js')).href);
  const srcDir = at('plugins', 'src');
  const outDir = at('plugins', 'dist');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const names = (await readdir(srcDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && existsSync(path.join(srcDir, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
  for (const name of names) {
    await buildPlugin({ entry: path.join(srcDir, name, 'index.ts'), out: path.join(outDir, `${name}.js`), quiet: true });
  }
  process.stdout.write(`build: sdk, core and ${names.length} built-in plugin bundles\n`);
}

main().catch((err) => {
  process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
