// `dynamic-toolset config validate <file>`: checks a detector config offline, as the daemon would load it.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { formatProblem, loadConfigFile } from '../config/load.js';
import { CommandError, envOption } from './shared.js';

export function registerConfigValidate(program: Command): void {
  const config = program.command('config').description('Work with the detector config.');
  config
    .command('validate')
    .description('Validate a detector config file; print every problem with file, line and key. Exit 0 when valid, 1 when not.')
    .argument('<file>', 'the detector config (YAML)')
    .addOption(envOption('--plugins-dir <dir>', 'also check that plugin.path entries exist in this directory'))
    .action(async (file: string, opts: { pluginsDir?: string }) => {
      if (!existsSync(file)) throw new CommandError(`${file}: no such file`);
      const r = await loadConfigFile(file, opts.pluginsDir !== undefined ? { pluginsDir: opts.pluginsDir } : {});
      if (!r.ok) {
        throw new CommandError(`${file} is invalid (${r.errors.length} problem${r.errors.length === 1 ? '' : 's'}):\n  ${r.errors.map(formatProblem).join('\n  ')}`);
      }
      for (const w of r.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
      const names = Object.keys(r.config.detectors);
      process.stdout.write(`${file} is valid${names.length > 0 ? ` (detectors configured: ${names.join(', ')})` : ''}\n`);
    });
}
