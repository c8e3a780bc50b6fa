// `dynamic-toolset plugins validate <bundle...>`: loads bundles exactly as the daemon does (sandbox, manifest,
// API version, optional sha256 pins from the config) and reports each.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Of } from '../plugins/registry.js';
import { SandboxedPlugin } from '../sandbox/plugin.js';
import { loadConfigOrFail } from './config-file.js';
import { CommandError, envOption, printData } from './shared.js';

export function registerPluginsValidate(program: Command): void {
  const plugins = program.command('plugins').description('Work with plugin bundles.');
  plugins
    .command('validate')
    .description('Load plugin bundles into the sandbox exactly as the daemon would and report name, version, type and sha256. Exit 0 when all load, 1 otherwise.')
    .argument('<bundle...>', 'bundle files (.js) built with "toolset-sdk build"')
    .addOption(envOption('--config <file>', 'check sha256 pins of this detector config too'))
    .option('-o, --output <format>', 'output format', 'json')
    .action(async (bundles: string[], opts: { config?: string; output: string }) => {
      const config = opts.config ? await loadConfigOrFail(opts.config, undefined, () => {}) : undefined;
      const report: Array<Record<string, unknown>> = [];
      let failed = 0;
      for (const file of bundles) {
        let bytes: Buffer;
        try {
          bytes = await readFile(file);
        } catch (err) {
          report.push({ file, ok: false, error: `cannot read: ${(err as Error).message}` });
          failed += 1;
          continue;
        }
        const sha256 = sha256Of(bytes);
        try {
          const plugin = await SandboxedPlugin.load(bytes.toString('utf8'), path.basename(file));
          const m = plugin.manifest;
          plugin.dispose();
          const pin = config?.detectors[m.name]?.plugin?.sha256;
          if (pin !== undefined && pin !== sha256) throw new Error(`sha256 ${sha256} does not match the pin ${pin} in ${opts.config}`);
          report.push({ file, ok: true, name: m.name, version: m.version, type: m.type, description: m.description, apiVersion: m.apiVersion, sha256 });
        } catch (err) {
          failed += 1;
          report.push({ file, ok: false, sha256, error: (err as Error).message });
        }
      }
      printData(report, opts.output);
      if (failed > 0) throw new CommandError(`${failed} of ${bundles.length} bundle(s) would not load`);
    });
}
