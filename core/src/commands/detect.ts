// `dynamic-toolset detect`: what the daemon would find — in a set of manifests (no cluster), or in a live cluster
// read once (`--kubeconfig`, `--cluster`) — with no health checks: the daemon's own pipeline (plugins, priority,
// filters, de-duplication). Pods and EndpointSlices in the input are each Service's workload evidence.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { detectOfflineReport, evidenceFrom } from '../detection/offline.js';
import type { EvidenceSource, OfflineReport } from '../detection/offline.js';
import type { ExplainedEvidence } from '../detection/explain.js';
import { explainEvidence, explainStep } from '../detection/explain.js';
import { ignoredSummary, readManifests, ManifestError } from '../detection/manifests.js';
import { describeError } from '../kube/errors.js';
import { createLogger } from '../log.js';
import { podSandboxLimits } from '../sandbox/limits.js';
import { loadConfigOrFail } from './config-file.js';
import { readCluster } from './detect-live.js';
import { CommandError, EXIT, configOption, connectOrFail, envOption, outputOption, parseRef, pluginsDirOption, printData } from './shared.js';

interface DetectOptions {
  manifests?: string;
  kubeconfig?: string;
  cluster?: boolean;
  explain?: string | boolean;
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
      'Run the detectors over manifests (what `kubectl get svc,endpointslices,pods -A -o yaml` prints: multi-document YAML, a v1 List, or JSON) or over a live cluster read once (--kubeconfig, --cluster), and print one record per detected Service: {namespace, name, type, detector, endpoint}. Pods, EndpointSlices and operator custom resources (Prometheus, LokiStack, Elasticsearch…), when present, are the evidence behind each Service. No health checks, nothing written.',
    )
    .addOption(
      envOption('--manifests <file|dir|->', 'manifests: a file, a directory (all .yaml/.yml/.json below it) or - for stdin; Services, and Pods, EndpointSlices and operator resources as their evidence'),
    )
    .addOption(envOption('--kubeconfig <file>', 'read Services, Pods and EndpointSlices from the cluster of this kubeconfig (its current context), read-only'))
    .addOption(envOption('--cluster', 'read the cluster of the current context (KUBECONFIG, ~/.kube/config, or the pod\'s service account), read-only'))
    .addOption(envOption('--explain [namespace/name]', 'print, per Service (or the one named), each detector\'s answer and the evidence it was given, instead of the records'))
    .addOption(configOption())
    .addOption(pluginsDirOption())
    .addOption(outputOption())
    .addOption(envOption('--cluster-domain <domain>', 'cluster DNS domain used in endpoints').default('cluster.local'))
    .addOption(envOption('--log-level <level>', 'stderr log level (error, warn, info, debug)').default('warn'))
    .action(async (opts: DetectOptions, command: Command) => {
      await detect(opts, command);
    });
}

/** Where the input comes from: manifests, or a cluster; a kubeconfig from the environment never overrides --manifests. */
function inputOf(opts: DetectOptions, command: Command): { manifests: string } | { kubeconfig: string | undefined } {
  const kubeconfigFromCli = opts.kubeconfig !== undefined && command.getOptionValueSource('kubeconfig') === 'cli';
  const live = kubeconfigFromCli || opts.cluster === true;
  if (opts.manifests !== undefined && live) throw new CommandError('give either --manifests or a cluster (--kubeconfig, --cluster), not both', EXIT.usage);
  if (opts.manifests !== undefined) return { manifests: opts.manifests };
  if (live || opts.kubeconfig !== undefined) return { kubeconfig: opts.kubeconfig };
  throw new CommandError("required option '--manifests <file|dir|->' not specified (or --kubeconfig <file> / --cluster to read a live cluster)", EXIT.usage);
}

async function detect(opts: DetectOptions, command: Command): Promise<void> {
  const log = createLogger({ level: opts.logLevel });
  const warn = (m: string) => log.warn(m);
  const input = inputOf(opts, command);
  const only = typeof opts.explain === 'string' ? parseRef(opts.explain, '--explain') : undefined;
  const config = await loadConfigOrFail(opts.config, existsSync(opts.pluginsDir) ? opts.pluginsDir : undefined, (m) =>
    opts.config === 'config/detector-config.yaml' ? log.debug(m) : warn(m),
  );
  let services: unknown[];
  let evidence: EvidenceSource | undefined;
  if ('manifests' in input) {
    let read;
    try {
      read = await readManifests(input.manifests, readStdinBounded);
    } catch (err) {
      if (err instanceof ManifestError) throw new CommandError(err.message);
      throw err;
    }
    for (const i of read.ignored) log.debug(`not used, ignored: ${i}`);
    if (read.ignored.length > 0) warn(`ignored ${ignoredSummary(read.ignored)} (detect reads Services, and Pods, EndpointSlices and operator resources as their evidence)`);
    if (read.services.length === 0) warn(`no Service objects found in ${input.manifests}`);
    services = read.services;
    if (read.pods.length > 0 || read.endpointSlices.length > 0) {
      evidence = evidenceFrom(read.pods, read.endpointSlices, read.resources);
      log.info(`evidence: ${read.pods.length} Pod(s), ${read.endpointSlices.length} EndpointSlice(s), ${read.resources.length} operator resource(s)`);
    } else if (read.resources.length > 0) {
      // Resources ride on workload evidence: without Pods a Service's empty workload list would read as "nothing serves it".
      warn(`${read.resources.length} operator resource(s) not used: they are tied to Services through the Pods behind them; add pods,endpointslices to the dump`);
    }
  } else {
    const connection = connectOrFail(input.kubeconfig);
    log.info(`reading ${connection.description}`);
    let cluster;
    try {
      cluster = await readCluster(connection.kc);
    } catch (err) {
      throw new CommandError(`cannot list Services through ${connection.description}: ${describeError(err)}`);
    }
    for (const n of cluster.notes) warn(n);
    log.info(
      `read ${cluster.counts.services} Service(s), ${cluster.counts.pods} Pod(s), ${cluster.counts.endpointSlices} EndpointSlice(s), ${cluster.counts.resources} operator resource(s)`,
    );
    services = cluster.services;
    evidence = cluster.evidence;
  }
  const report = await detectOfflineReport(services, {
    config,
    pluginsDir: opts.pluginsDir,
    clusterDomain: opts.clusterDomain,
    limits: podSandboxLimits(),
    log: { info: (m, meta) => log.debug(m, meta), warn: (m, meta) => log.warn(m, meta), error: (m, meta) => log.warn(m, meta) },
    ...(evidence ? { evidence } : {}),
  });
  for (const w of report.warnings) warn(w);
  for (const r of report.results) {
    for (const step of r.trace) {
      if (step.outcome === 'failed' || step.outcome === 'rejected') warn(`${r.key}: detector ${step.detector} ${step.outcome}: ${step.reason}`);
    }
  }
  if (opts.explain !== undefined && opts.explain !== false) {
    const all = explainAll(report);
    const picked = only ? all.filter((e) => e.namespace === only.namespace && e.name === only.name) : all;
    if (only && picked.length === 0) throw new CommandError(`--explain: no Service ${only.namespace}/${only.name} in the input`);
    printData(picked, opts.output);
    return;
  }
  printData(
    report.records.map(({ namespace, name, type, detector, endpoint }) => ({ namespace, name, type, detector, endpoint })),
    opts.output,
  );
}

/** Standard input, refused past `maxBytes` before it is parsed. */
async function readStdinBounded(maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    size += (c as Buffer).length;
    if (size > maxBytes) throw new ManifestError(`<stdin>: input over ${maxBytes / 1048576} MiB; give fewer namespaces or kinds`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------------------------
// --explain: per Service, what each detector answered and what evidence it was given.

interface Explained {
  namespace: string;
  name: string;
  detected: boolean;
  detection?: { detector: string; type: string; endpoint: string };
  duplicate_of?: string;
  detectors: Array<Record<string, unknown>>;
  evidence: ExplainedEvidence;
}


function explainAll(report: OfflineReport): Explained[] {
  const kept = new Set(report.records.map((r) => `${r.namespace}/${r.name}`));
  return report.results.map((r, i) => {
    const view = report.views[i]!;
    const d = r.detected;
    const duplicateOf = report.duplicates.get(r.key);
    return {
      namespace: view.metadata.namespace,
      name: view.metadata.name,
      detected: d !== null && kept.has(r.key),
      ...(d ? { detection: { detector: d.detector, type: d.type, endpoint: d.endpoint.url } } : {}),
      ...(duplicateOf !== undefined ? { duplicate_of: duplicateOf } : {}),
      detectors: r.trace.map(explainStep),
      evidence: explainEvidence(view.evidence),
    };
  });
}
