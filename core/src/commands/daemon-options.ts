// The Daemon that `serve` runs and `discover --once` runs once: the same cluster, output, plugins, probes and
// sandbox limits, from the same flags. Each command adds what is its own (leadership, restart, metrics).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import type { DaemonOptions } from '../daemon.js';
import { defaultProbeMode } from '../health/index.js';
import type { ProbeMode } from '../health/index.js';
import type { Connection } from '../kube/connect.js';
import type { Logger } from '../log.js';
import { builtinPluginsDir } from '../paths.js';
import { parseBaseUrl, redactUrl } from '../reconcile/holmes-reload.js';
import { podSandboxLimits } from '../sandbox/limits.js';
import type { Option } from 'commander';
import { CommandError, EXIT, envOption } from './shared.js';

export interface DaemonFlags {
  configmap: string;
  pluginsDir: string;
  healthCheckVia?: ProbeMode;
  clusterDomain: string;
  /** --workload-evidence: watch Pods and EndpointSlices (default true). */
  workloadEvidence?: 'true' | 'false';
  /** --operator-resources: read the operators' custom resources where their CRDs are served (default true). */
  operatorResources?: 'true' | 'false';
}

/** A true|false flag of the commands that run the daemon, on by default. */
const onByDefault = (flag: string, description: string): Option => envOption(flag, description).choices(['true', 'false']).default('true');

/** --workload-evidence, shared by the commands that run the daemon. */
export const workloadEvidenceOption = (): Option =>
  onByDefault(
    '--workload-evidence <bool>',
    'watch Pods and EndpointSlices and give detectors the workloads behind each Service (images, ports, owner); false where the daemon may not read Pods: Services are then decided from their own metadata',
  );

/** --operator-resources, shared by the commands that run the daemon. */
export const operatorResourcesOption = (): Option =>
  onByDefault(
    '--operator-resources <bool>',
    'read the custom resources of the operators users run (Prometheus Operator, VictoriaMetrics, grafana-operator, ECK, Loki, Tempo, Jaeger, OpenSearch), where the API server serves their CRDs, and tie them to the Services they made; needs --workload-evidence; false where the daemon may not read them',
  );

type Base = Pick<DaemonOptions, 'kc' | 'config' | 'namespace' | 'configMap' | 'builtinDir' | 'pluginsDir' | 'probeMode' | 'clusterDomain' | 'log'> &
  Required<Pick<DaemonOptions, 'limits' | 'workloadEvidence' | 'operatorResources'>>;

export function baseDaemonOptions(connection: Connection, config: Config, namespace: string, flags: DaemonFlags, log: Logger): Base {
  return {
    kc: connection.kc,
    config,
    namespace,
    configMap: flags.configmap,
    builtinDir: builtinPluginsDir(),
    pluginsDir: flags.pluginsDir,
    // In a pod, probes go to cluster DNS; from outside, through the API server's service proxy.
    probeMode: flags.healthCheckVia ?? defaultProbeMode({ inCluster: connection.inCluster }),
    clusterDomain: flags.clusterDomain,
    limits: podSandboxLimits(),
    workloadEvidence: flags.workloadEvidence !== 'false',
    operatorResources: flags.workloadEvidence !== 'false' && flags.operatorResources !== 'false',
    log,
  };
}

export interface HolmesgptFlags {
  holmesgptReload?: string;
  holmesgptApiKeyFile?: string;
}

/** Not a flag (a key on a command line shows in `ps`): the key itself, for local runs. In a pod, use the file. */
export const HOLMESGPT_API_KEY_ENV = 'DYNAMIC_TOOLSET_HOLMESGPT_API_KEY';

/**
 * --holmesgpt-reload and its key: the file (a mounted Secret, re-read for every request so a rotation needs no
 * restart) wins over the environment. The key itself is never returned for logging: `describe` says where it is from.
 */
export function holmesgptOptions(
  flags: HolmesgptFlags,
  env: NodeJS.ProcessEnv = process.env,
): { options: NonNullable<DaemonOptions['holmesgpt']>; describe: Record<string, string> } | undefined {
  if (!flags.holmesgptReload) {
    if (flags.holmesgptApiKeyFile) throw new CommandError('--holmesgpt-api-key-file needs --holmesgpt-reload', EXIT.usage);
    return undefined;
  }
  let url: URL;
  try {
    url = parseBaseUrl(flags.holmesgptReload);
  } catch (err) {
    throw new CommandError((err as Error).message, EXIT.usage);
  }
  const file = flags.holmesgptApiKeyFile;
  let apiKey: (() => Promise<string | undefined>) | undefined;
  let source = 'none (HolmesGPT without HOLMES_API_KEY)';
  if (file) {
    try {
      if (readFileSync(file, 'utf8').trim() === '') throw new Error('the file is empty');
    } catch (err) {
      throw new CommandError(`--holmesgpt-api-key-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    apiKey = async () => (await readFile(file, 'utf8')).trim() || undefined;
    source = `file ${file}`;
  } else if (env[HOLMESGPT_API_KEY_ENV]?.trim()) {
    const key = env[HOLMESGPT_API_KEY_ENV].trim();
    apiKey = async () => key;
    source = `env ${HOLMESGPT_API_KEY_ENV}`;
  }
  return { options: { url, ...(apiKey ? { apiKey } : {}) }, describe: { holmesgptReload: redactUrl(url.toString()), holmesgptApiKey: source } };
}
