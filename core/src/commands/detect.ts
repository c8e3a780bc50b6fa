// `dynamic-toolset detect`: what the daemon would find in a set of Service manifests, with no cluster and no
// health checks — the daemon's own pipeline (plugins, priority, filters, de-duplication).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { detectOfflineReport } from '../detection/offline.js';
import { readManifests, ManifestError } from '../detection/manifests.js';
import { createLogger } from '../log.js';
import { podSandboxLimits } from '../sandbox/limits.js';
import { loadConfigOrFail } from './config-file.js';
import { CommandError, configOption, envOption, outputOption, pluginsDirOption, printData, readStdin } from './shared.js';

interface DetectOptions {
  manifests: string;
  config: string;
  pluginsDir: string;
  output: string;
  clusterDomain: string;
  logLevel: string;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description(
      'Run the detectors over Service manifests (what `kubectl get svc -A -o yaml` prints: multi-document YAML, a v1 List, or JSON) and print one record per detected Service: {namespace, name, type, detector, endpoint}. No cluster, no health checks.',
    )
    .addOption(envOption('--manifests <file|dir|->', 'Service manifests: a file, a directory (all .yaml/.yml/.json below it) or - for stdin').makeOptionMandatory())
    .addOption(configOption())
    .addOption(pluginsDirOption())
    .addOption(outputOption())
    .addOption(envOption('--cluster-domain <domain>', 'cluster DNS domain used in endpoints').default('cluster.local'))
    .addOption(envOption('--log-level <level>', 'stderr log level (error, warn, info, debug)').default('warn'))
    .action(async (opts: DetectOptions) => {
      const log = createLogger({ level: opts.logLevel });
      const warn = (m: string) => log.warn(m);
      const config = await loadConfigOrFail(opts.config, existsSync(opts.pluginsDir) ? opts.pluginsDir : undefined, (m) =>
        opts.config === 'config/detector-config.yaml' ? log.debug(m) : warn(m),
      );
      let read;
      try {
        read = await readManifests(opts.manifests, readStdin);
      } catch (err) {
        if (err instanceof ManifestError) throw new CommandError(err.message);
        throw err;
      }
      for (const i of read.ignored) log.debug(`not a Service, ignored: ${i}`);
      if (read.services.length === 0) warn(`no Service objects found in ${opts.manifests}`);
      const report = await detectOfflineReport(read.services, {
        config,
        pluginsDir: opts.pluginsDir,
        clusterDomain: opts.clusterDomain,
        limits: podSandboxLimits(),
        log: { info: (m, meta) => log.debug(m, meta), warn: (m, meta) => log.warn(m, meta), error: (m, meta) => log.warn(m, meta) },
      });
      for (const w of report.warnings) warn(w);
      for (const r of report.results) {
        for (const step of r.trace) {
          if (step.outcome === 'failed' || step.outcome === 'rejected') warn(`${r.key}: detector ${step.detector} ${step.outcome}: ${step.reason}`);
        }
      }
      printData(
        report.records.map(({ namespace, name, type, detector, endpoint }) => ({ namespace, name, type, detector, endpoint })),
        opts.output,
      );
    });
}
