// `dynamic-toolset serve`: the daemon. Builds the cluster loop, the HTTP server and leader election from flags
// (each also DYNAMIC_TOOLSET_<FLAG>), runs until SIGTERM/SIGINT, then stops watches, finishes an in-flight write,
// releases the lease and exits 0.
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Server } from 'node:http';
import { noClusterConfigured, ownNamespace } from '../kube/connect.js';
import type { Connection } from '../kube/connect.js';
import { startDemoCluster } from '../demo.js';
import type { DemoCluster } from '../demo.js';
import { repoFile } from '../paths.js';
import { createLogger } from '../log.js';
import type { Logger } from '../log.js';
import { Daemon } from '../daemon.js';
import type { Leadership } from '../daemon.js';
import { defaultIdentity } from '../leader/index.js';
import { LeaseLeadership } from '../leader/leadership.js';
import type { ProbeMode } from '../health/index.js';
import { formatProblem } from '../config/load.js';
import { ConfigReloader } from '../config/reloader.js';
import { configMapConfigSource, fileConfigSource } from '../config/source.js';
import { authMiddleware } from '../http/auth.js';
import { buildServer, trackDaemon } from '../http/server.js';
import { createMetrics } from '../metrics/index.js';
import { PACKAGE_VERSION } from '../version.js';
import { HOLMESGPT_API_KEY_ENV, baseDaemonOptions, holmesgptOptions, operatorResourcesOption, workloadEvidenceOption } from './daemon-options.js';
import { CommandError, EXIT, configOption, connectOrFail, envOption, parseRef, pluginsDirOption } from './shared.js';
import { parseDuration } from '../config/schema.js';

export interface ServeOptions {
  kubeconfig?: string;
  namespace?: string;
  configmap: string;
  config: string;
  pluginsDir: string;
  port: string;
  healthCheckVia?: ProbeMode;
  restartDeployment?: string;
  holmesgptReload?: string;
  holmesgptApiKeyFile?: string;
  configConfigmap?: string;
  clusterDomain: string;
  workloadEvidence: 'true' | 'false';
  operatorResources: 'true' | 'false';
  leaderElect: 'true' | 'false';
  leaseName: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  logLevel: string;
  logFormat: 'json' | 'text';
  auth: 'true' | 'false';
  demo: boolean;
  demoIfNoCluster: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the daemon: watch Services, detect and health-check observability endpoints, keep the toolset ConfigMap right, serve the API.')
    .addOption(envOption('--kubeconfig <file>', 'kubeconfig to use (else KUBECONFIG, ~/.kube/config, or the pod\'s service account)'))
    .addOption(envOption('--namespace <ns>', 'namespace of the output ConfigMap and the leader Lease (default: POD_NAMESPACE, the pod\'s own, else kubernaut-system)'))
    .addOption(envOption('--configmap <name>', 'name of the output ConfigMap').default('kubernaut-toolset-config'))
    .addOption(configOption())
    .addOption(pluginsDirOption())
    .addOption(envOption('--port <port>', 'HTTP port for the API, /health, /ready and /metrics').default('8080'))
    .addOption(envOption('--health-check-via <mode>', 'how endpoints are probed: direct (cluster DNS; default in a pod) or proxy (through the API server; default outside)').choices(['direct', 'proxy']))
    .addOption(envOption('--config-configmap <ns/name>', 'read the detector config from this ConfigMap (key detector-config.yaml) instead of --config, and follow its changes'))
    .addOption(envOption('--restart-deployment <ns/name>', 'roll this HolmesGPT Deployment when custom_toolset.yaml changes (with --holmesgpt-reload: only when the reload does not work)'))
    .addOption(envOption('--holmesgpt-reload <url>', "HolmesGPT's URL (e.g. http://holmesgpt-holmes.<ns>.svc.cluster.local): after a change, reload its toolsets through its admin API (ENABLE_ADMIN_API=true) once its pod has the new file, and read its verdict per toolset"))
    .addOption(envOption('--holmesgpt-api-key-file <file>', `file holding HolmesGPT's HOLMES_API_KEY (a mounted Secret; re-read for each request); else ${HOLMESGPT_API_KEY_ENV}; never logged`))
    .addOption(envOption('--cluster-domain <domain>', 'cluster DNS domain used in endpoints').default('cluster.local'))
    .addOption(workloadEvidenceOption())
    .addOption(operatorResourcesOption())
    .addOption(envOption('--leader-elect <bool>', 'use a Lease so that only one replica writes; false: this replica always writes (run one replica only)').choices(['true', 'false']).default('true'))
    .addOption(envOption('--lease-name <name>', 'name of the leader election Lease').default('dynamic-toolset-leader'))
    .addOption(envOption('--lease-duration <duration>', 'how long a leader\'s lease lasts without renewal; a standby takes over after it').default('15s'))
    .addOption(envOption('--renew-deadline <duration>', 'a leader that could not renew for this long stops writing').default('10s'))
    .addOption(envOption('--retry-period <duration>', 'pause between lease acquire/renew attempts').default('2s'))
    .addOption(new Option('--demo', 'run against the embedded demo cluster (an in-repo API emulator seeded from config/demo-cluster.yaml) instead of a real one').default(false))
    .addOption(new Option('--demo-if-no-cluster', 'use the demo cluster only when there is no kubeconfig and no pod service account (what npm start does)').default(false))
    .addOption(envOption('--auth <bool>', 'require a Kubernetes bearer token and RBAC grant for /api/v1/* and /metrics; false only for local development').choices(['true', 'false']).default('true'))
    .addOption(envOption('--log-level <level>', 'error, warn, info or debug').default('info'))
    .addOption(envOption('--log-format <format>', 'log format').choices(['json', 'text']).default('json'))
    .action(async (opts: ServeOptions) => {
      await serve(opts);
    });
}

export async function serve(opts: ServeOptions): Promise<void> {
  const log: Logger = createLogger({ level: opts.logLevel, format: opts.logFormat });
  const namespace = ownNamespace(opts.namespace);
  let connection: Connection;
  let demo: DemoCluster | undefined;
  if (opts.demo || (opts.demoIfNoCluster && noClusterConfigured(opts.kubeconfig))) {
    demo = await startDemoCluster(repoFile('config/demo-cluster.yaml'), namespace);
    connection = { kc: demo.kc, source: 'demo', inCluster: false, description: `embedded demo cluster (API emulator at ${demo.emulator.url}, ${demo.services} Services)` };
    const port = opts.port;
    log.info('DEMO MODE: running against an embedded demo cluster, not a real one', { services: demo.services, seed: 'config/demo-cluster.yaml' });
    log.info(`demo API token: ${demo.token} — try: curl -H "Authorization: Bearer ${demo.token}" http://localhost:${port}/api/v1/services`);
    log.info('to use a real cluster: dynamic-toolset serve --kubeconfig ~/.kube/config (or set KUBECONFIG, or run it in a pod: kubectl apply -k deploy/)');
  } else {
    connection = connectOrFail(opts.kubeconfig);
  }
  const source = opts.configConfigmap
    ? (() => {
        const ref = parseRef(opts.configConfigmap, '--config-configmap');
        return configMapConfigSource(connection.kc, ref.namespace, ref.name, { pluginsDir: opts.pluginsDir });
      })()
    : fileConfigSource(opts.config, { pluginsDir: opts.pluginsDir });
  const initial = await source.load();
  if (!initial.ok) {
    throw new CommandError(`invalid detector config in ${source.description} (${initial.errors.length} problem(s)):\n  ${initial.errors.map(formatProblem).join('\n  ')}`);
  }
  for (const w of initial.warnings) log.warn(formatProblem(w));
  const config = initial.config;
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommandError(`--port must be a port number, got "${opts.port}"`);
  const restart = opts.restartDeployment ? parseRef(opts.restartDeployment, '--restart-deployment') : undefined;
  const base = baseDaemonOptions(connection, config, namespace, opts, log);
  const holmesgpt = holmesgptOptions(opts);

  log.info('starting dynamic-toolset', {
    cluster: connection.description,
    namespace,
    configMap: opts.configmap,
    config: source.description,
    pluginsDir: opts.pluginsDir,
    healthCheckVia: base.probeMode,
    workloadEvidence: base.workloadEvidence,
    operatorResources: base.operatorResources,
    isolateMemoryLimitMiB: base.limits.memoryLimitMb,
    leaderElection: opts.leaderElect === 'true',
    auth: opts.auth === 'true',
    ...(holmesgpt?.describe ?? {}),
  });
  if (holmesgpt && !restart) log.warn('--holmesgpt-reload without --restart-deployment: a reload that does not work has no fallback');

  const durations = Object.fromEntries(
    (['leaseDuration', 'renewDeadline', 'retryPeriod'] as const).map((k) => {
      const ms = parseDuration(opts[k]);
      if (ms === undefined || ms <= 0) throw new CommandError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a duration such as "15s" or "500ms", got "${opts[k]}"`, EXIT.usage);
      return [k, ms];
    }),
  ) as Record<'leaseDuration' | 'renewDeadline' | 'retryPeriod', number>;
  if (!(durations.leaseDuration > durations.renewDeadline && durations.renewDeadline > durations.retryPeriod)) {
    throw new CommandError('leader election needs --lease-duration > --renew-deadline > --retry-period', EXIT.usage);
  }
  const leadership: Leadership | undefined = opts.leaderElect === 'true'
    ? new LeaseLeadership({
        kc: connection.kc,
        namespace,
        name: opts.leaseName,
        identity: defaultIdentity(),
        leaseDurationMs: durations.leaseDuration,
        renewDeadlineMs: durations.renewDeadline,
        retryPeriodMs: durations.retryPeriod,
        log: log.child({ component: 'leader' }),
      })
    : undefined;

  const metrics = createMetrics({ version: PACKAGE_VERSION });
  metrics.configLoaded();
  const daemon = new Daemon({
    ...base,
    ...(leadership ? { leadership } : {}),
    ...(restart ? { restart } : {}),
    ...(holmesgpt ? { holmesgpt: holmesgpt.options } : {}),
    observers: {
      plugins: metrics.pluginObserver(),
      engine: metrics.engineObserver(),
      health: metrics.healthObserver(),
      reconciler: metrics.reconcilerObserver(),
      holmesReload: metrics.holmesReloadObserver(),
    },
  });

  const reloader = new ConfigReloader({
    source,
    apply: (c) => daemon.applyConfig(c),
    log: log.child({ component: 'config' }),
    onOutcome: (o) => metrics.configReload(o.status === 'success' ? 'success' : 'invalid'),
  });
  reloader.started(config);
  const auth = authMiddleware({ enabled: opts.auth === 'true', namespace, kc: connection.kc, log: log.child({ component: 'auth' }) });
  const app = buildServer({ daemon, reloader, metrics, auth, log });
  trackDaemon(metrics, daemon, () => leadership?.isLeader() ?? true);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(new CommandError(`cannot listen on port ${port}: ${err.code === 'EADDRINUSE' ? 'address in use' : err.message}`)));
  });
  log.info('HTTP server listening', { port: (server.address() as { port: number }).port });

  // Signals are honoured from here on, also while the first sync is still running (e.g. RBAC not granted yet).
  const signalled = new Promise<string>((resolve) => {
    const shutdown = (signal: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve(signal);
    };
    const onTerm = () => shutdown('SIGTERM');
    const onInt = () => shutdown('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  const started = daemon.start().then(() => reloader.start());
  const first = await Promise.race([started.then(() => 'started' as const), signalled]);
  if (first === 'started') {
    log.info('first sync done', { services: daemon.services.size });
    log.info('shutting down', { signal: await signalled });
  } else {
    log.info('shutting down before the first sync finished', { signal: first });
  }
  await reloader.stop();
  await daemon.stop();
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections?.();
  });
  await demo?.stop();
  log.info('stopped');
}
