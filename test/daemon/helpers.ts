// A whole daemon against the API emulator, with health endpoints served by local HTTP servers reached through
// the emulator's service proxy — the same path a daemon running outside the cluster takes.
import type { ExecutionContext } from 'ava';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { startEmulator } from '../../core/src/emulator/index.js';
import type { Emulator } from '../../core/src/emulator/index.js';
import { Daemon } from '../../core/src/daemon.js';
import type { DaemonOptions } from '../../core/src/daemon.js';
import { DEFAULT_CONFIG } from '../../core/src/config/schema.js';
import type { Config } from '../../core/src/config/schema.js';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { createLogger } from '../../core/src/log.js';
import { parse } from 'yaml';

export const NS = 'kubernaut-system';
export const CM = 'kubernaut-toolset-config';
export const cmRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: CM };

/** A local HTTP server answering `status` on every path (changeable). */
export async function backend(t: ExecutionContext, status = 200): Promise<{ url: string; setStatus(s: number): void; hits(): number }> {
  let code = status;
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits += 1;
    res.writeHead(code, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, setStatus: (s) => (code = s), hits: () => hits };
}

export interface Harness {
  emu: Emulator;
  daemon: Daemon;
  kc: KubeConfig;
  configMap(): { data?: Record<string, string>; metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined;
  customToolsets(): Record<string, { enabled?: boolean; config?: Record<string, unknown> }> | undefined;
}

/**
 * The defaults, but with a health-check timeout that only a dead endpoint reaches. The 2 s default is measured on
 * this busy process (emulator, backends and several daemons share it): a probe that timed out spuriously left the
 * Service unhealthy until the next check a minute later, past any wait. Tests of timeouts set their own config.
 */
export const TEST_CONFIG: Config = { ...DEFAULT_CONFIG, healthCheck: { ...DEFAULT_CONFIG.healthCheck, timeoutMs: 30_000 } };

/**
 * Harness daemons run without workload evidence unless a test asks for it (`options: {workloadEvidence: true}`): these
 * tests seed Services alone, the metadata-only path a cluster without Pod access takes. With evidence on, a Service
 * whose selector matches no Pod is correctly no entry; the evidence tests (evidence.test.ts, identity…) seed Pods
 * and EndpointSlices as a real cluster has them.
 */
export async function startDaemon(t: ExecutionContext, opts: { config?: Config; emulator?: Emulator; options?: Partial<DaemonOptions> } = {}): Promise<Harness> {
  const emu = opts.emulator ?? (await startEmulator());
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  const daemon = new Daemon({
    kc,
    config: opts.config ?? TEST_CONFIG,
    namespace: NS,
    configMap: CM,
    builtinDir: builtinPluginsDir(),
    pluginsDir: '/nonexistent-plugins-dir',
    probeMode: 'proxy',
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'error' }),
    timing: { debounceMs: 20, informerBackoff: { baseMs: 20, maxMs: 200 } },
    workloadEvidence: false,
    ...opts.options,
  });
  await daemon.start();
  t.teardown(async () => {
    await daemon.stop();
    if (!opts.emulator) await emu.stop();
  });
  const configMap = () => emu.get(cmRef) as ReturnType<Harness['configMap']>;
  return {
    emu,
    daemon,
    kc,
    configMap,
    customToolsets() {
      const text = configMap()?.data?.['custom_toolset.yaml'];
      return text ? (parse(text) as { toolsets: Record<string, { enabled?: boolean; config?: Record<string, unknown> }> }).toolsets : undefined;
    },
  };
}

/** A kube-prometheus-stack Prometheus Service. */
export function prometheusService(release: string, namespace = 'monitoring'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `${release}-kube-prometheus-st-prometheus`,
      namespace,
      labels: { app: 'kube-prometheus-stack-prometheus', release, 'self-monitor': 'true', 'app.kubernetes.io/managed-by': 'Helm' },
    },
    spec: {
      selector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': `${release}-kube-prometheus-st-prometheus` },
      ports: [
        { name: 'http-web', port: 9090, targetPort: 9090, protocol: 'TCP' },
        { name: 'reloader-web', port: 8080, targetPort: 'reloader-web', protocol: 'TCP' },
      ],
    },
  };
}

export function grafanaService(release: string, namespace = 'monitoring', labels: Record<string, string> = {}, annotations: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${release}-grafana`, namespace, labels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': release, ...labels }, annotations },
    spec: { selector: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': release }, ports: [{ name: 'service', port: 80, targetPort: 3000, protocol: 'TCP' }] },
  };
}
