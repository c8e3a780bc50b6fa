// The Daemon that `serve` runs and `discover --once` runs once: the same cluster, output, plugins, probes and
// sandbox limits, from the same flags. Each command adds what is its own (leadership, restart, metrics).
import type { Config } from '../config/schema.js';
import type { DaemonOptions } from '../daemon.js';
import { defaultProbeMode } from '../health/index.js';
import type { ProbeMode } from '../health/index.js';
import type { Connection } from '../kube/connect.js';
import type { Logger } from '../log.js';
import { builtinPluginsDir } from '../paths.js';
import { podSandboxLimits } from '../sandbox/limits.js';

export interface DaemonFlags {
  configmap: string;
  pluginsDir: string;
  healthCheckVia?: ProbeMode;
  clusterDomain: string;
}

type Base = Pick<DaemonOptions, 'kc' | 'config' | 'namespace' | 'configMap' | 'builtinDir' | 'pluginsDir' | 'probeMode' | 'clusterDomain' | 'log'> &
  Required<Pick<DaemonOptions, 'limits'>>;

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
    log,
  };
}
