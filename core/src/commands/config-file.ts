// Loading the detector config for a command: errors become one CommandError listing every problem.
import { formatProblem, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { CommandError } from './shared.js';

export async function loadConfigOrFail(file: string, pluginsDir: string | undefined, warn: (msg: string) => void): Promise<Config> {
  const r = await loadConfigFile(file, pluginsDir !== undefined ? { pluginsDir } : {});
  if (!r.ok) {
    throw new CommandError(`invalid detector config (${r.errors.length} problem${r.errors.length === 1 ? '' : 's'}):\n  ${r.errors.map(formatProblem).join('\n  ')}`);
  }
  for (const w of r.warnings) warn(formatProblem(w));
  return r.config;
}
