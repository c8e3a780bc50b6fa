// How the daemon is bundled (core/dist/cli.js, and the benchmark's daemon runner, which must match it).
//
// Every dependency stays in node_modules except @kubernetes/client-node: its package entry loads every API
// group and model it has (about 27 MiB of heap and 65 MiB of RSS before the daemon does anything); bundled,
// esbuild keeps only the API groups the daemon uses, which roughly halves that.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const corePackage = JSON.parse(readFileSync(fileURLToPath(new URL('../core/package.json', import.meta.url)), 'utf8'));
const BUNDLED = new Set(['@kubernetes/client-node']);

/** esbuild options shared by every build of the daemon. */
export const daemonBundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [
    ...Object.keys(corePackage.dependencies).filter((d) => !BUNDLED.has(d)),
    // Optional native speed-ups `ws` tries to require; absent is fine.
    'bufferutil',
    'utf-8-validate',
  ],
  // Bundled CommonJS code (node-fetch and friends) calls require() for Node's own modules.
  banner: { js: "import { createRequire as __dtCreateRequire } from 'node:module'; const require = __dtCreateRequire(import.meta.url);" },
  // No comments in the bundle (stack traces map back through the linked source map; the licences go to a linked
  // LEGAL file): V8 keeps a module's whole source text in the heap, and one character outside Latin-1 in a comment
  // made it a two-byte string — 11 MiB of a daemon heap of 87 MiB (heap snapshot, bench pods part).
  minifyWhitespace: true,
  legalComments: 'linked',
  charset: 'ascii',
  logLevel: 'warning',
};
