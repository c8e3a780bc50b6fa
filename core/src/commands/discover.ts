// `dynamic-toolset discover --once [--dry-run]`: one full discovery against the configured cluster — the daemon's
// own pipeline (informer list, sandboxed detection, health checks, toolset rendering, merge with the live
// ConfigMap) — then either writes the ConfigMap or, with --dry-run, prints it and its diff and writes nothing.
import type { Command } from 'commander';
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { Daemon } from '../daemon.js';
import type { Leadership } from '../daemon.js';
import { ownNamespace } from '../kube/connect.js';
import { createLogger } from '../log.js';
import type { ProbeMode } from '../health/index.js';
import { mergeConfigMap } from '../reconcile/merge.js';
import { projectConfigMap } from '../discovery/configmap.js';
import { loadConfigOrFail } from './config-file.js';
import { baseDaemonOptions, operatorResourcesOption, workloadEvidenceOption } from './daemon-options.js';
import { CommandError, configOption, connectOrFail, envOption, pluginsDirOption } from './shared.js';
import { unifiedDiff } from './diff.js';

interface DiscoverOptions {
  once: boolean;
  dryRun: boolean;
  kubeconfig?: string;
  namespace?: string;
  configmap: string;
  config: string;
  pluginsDir: string;
  healthCheckVia?: ProbeMode;
  clusterDomain: string;
  workloadEvidence: 'true' | 'false';
  operatorResources: 'true' | 'false';
  logLevel: string;
}

/** Leadership held by the command itself: nothing is written until it says so. */
class ManualLeadership implements Leadership {
  leading = false;
  start(): void {}
  async stop(): Promise<void> {}
  isLeader(): boolean {
    return this.leading;
  }
  onChange(): () => void {
    return () => {};
  }
}

export function registerDiscover(program: Command): void {
  program
    .command('discover')
    .description('Run one full discovery against the cluster and write the toolset ConfigMap (--once); with --dry-run print the ConfigMap it would write and its diff against the live one, and write nothing.')
    .requiredOption('--once', 'run a single discovery and exit (the long-running form is "serve")')
    .option('--dry-run', 'print instead of writing', false)
    .addOption(envOption('--kubeconfig <file>', 'kubeconfig to use (else KUBECONFIG, ~/.kube/config, or the pod\'s service account)'))
    .addOption(envOption('--namespace <ns>', 'namespace of the output ConfigMap (default: POD_NAMESPACE, the pod\'s own, else kubernaut-system)'))
    .addOption(envOption('--configmap <name>', 'name of the output ConfigMap').default('kubernaut-toolset-config'))
    .addOption(configOption())
    .addOption(pluginsDirOption())
    .addOption(envOption('--health-check-via <mode>', 'direct (cluster DNS) or proxy (through the API server)').choices(['direct', 'proxy']))
    .addOption(envOption('--cluster-domain <domain>', 'cluster DNS domain used in endpoints').default('cluster.local'))
    .addOption(workloadEvidenceOption())
    .addOption(operatorResourcesOption())
    .addOption(envOption('--log-level <level>', 'stderr log level').default('warn'))
    .action(async (opts: DiscoverOptions) => {
      await discoverOnce(opts);
    });
}

async function discoverOnce(opts: DiscoverOptions): Promise<void> {
  const log = createLogger({ level: opts.logLevel, format: 'text' });
  const connection = connectOrFail(opts.kubeconfig);
  const namespace = ownNamespace(opts.namespace);
  const config = await loadConfigOrFail(opts.config, opts.pluginsDir, (m) => log.warn(m));
  const leadership = new ManualLeadership();
  const daemon = new Daemon({ ...baseDaemonOptions(connection, config, namespace, opts, log), leadership });
  try {
    await daemon.start();
    await daemon.detection.whenIdle();
    await new Promise((r) => setImmediate(r)); // the model's change signal has run
    daemon.flushHealthTargets(); // health targets follow the model coalesced; check what was just detected
    await daemon.health.checkNow();
    let desired;
    try {
      desired = daemon.desired.desired();
    } catch (err) {
      throw new CommandError(`cannot build the ConfigMap: ${(err as Error).message}`);
    }
    const core = connection.kc.makeApiClient(CoreV1Api);
    let live;
    try {
      live = projectConfigMap(await core.readNamespacedConfigMap({ namespace, name: opts.configmap }));
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw new CommandError(`cannot read ConfigMap ${namespace}/${opts.configmap}: ${(err as Error).message}`);
    }
    const merged = mergeConfigMap(live, desired, { namespace, name: opts.configmap });
    const found = daemon.model.snapshot().detected.length;
    if (opts.dryRun) {
      const next = merged.write ?? live!;
      process.stdout.write(`# ConfigMap ${namespace}/${opts.configmap} as discover would write it (${found} Service(s) detected; nothing written)\n`);
      process.stdout.write(stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: opts.configmap, namespace, labels: next.metadata.labels, annotations: next.metadata.annotations }, data: next.data }));
      process.stdout.write(`---\n# diff against the live ConfigMap${live ? '' : ' (it does not exist yet)'}\n`);
      const diff = unifiedDiff(live?.data ?? {}, next.data ?? {});
      process.stdout.write(diff === '' ? '# no changes\n' : diff);
      return;
    }
    leadership.leading = true;
    const result = await daemon.reconciler.reconcileOnce();
    process.stdout.write(`ConfigMap ${namespace}/${opts.configmap}: ${result} (${found} Service(s) detected)\n`);
  } finally {
    await daemon.stop();
  }
}
