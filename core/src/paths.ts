// Where the daemon finds its own files. Both this module (core/src) and the bundled CLI (core/dist) sit two
// levels below the repository root, so one relative URL serves both.
import { fileURLToPath } from 'node:url';

/** The built-in plugin bundles; `DYNAMIC_TOOLSET_BUILTIN_PLUGINS_DIR` overrides it (e.g. in a container image). */
export function builtinPluginsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DYNAMIC_TOOLSET_BUILTIN_PLUGINS_DIR ?? fileURLToPath(new URL('../../plugins/dist/', import.meta.url));
}

export function repoFile(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}
