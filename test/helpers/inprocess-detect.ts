// In-process stand-in for core/src/detection/offline.ts (`detectOffline`), used by the fixture tests until the
// sandboxed pipeline exists. Same signature and result shape; no sandbox: it imports the plugin sources directly.
// It does what the host will do for detection: project each Service with toServiceView, run the built-in
// detectors in default priority order (first match wins) with ctx {config, siblings}, check the answer, resolve the
// port name to its number and build the cluster-DNS endpoint.
import { toServiceView } from '../../core/src/detection/view.js';
import type { Detection, DetectContext, PluginExport, ServiceView } from '@kubernaut/toolset-sdk';
import custom from '../../plugins/src/custom/index.js';
import prometheus from '../../plugins/src/prometheus/index.js';
import alertmanager from '../../plugins/src/alertmanager/index.js';
import grafana from '../../plugins/src/grafana/index.js';
import loki from '../../plugins/src/loki/index.js';
import tempo from '../../plugins/src/tempo/index.js';
import jaeger from '../../plugins/src/jaeger/index.js';
import elasticsearch from '../../plugins/src/elasticsearch/index.js';

export interface OfflineDetection {
  namespace: string;
  name: string;
  type: string;
  detector: string;
  endpoint: string;
  healthPath: string | null;
}

/** The built-in detectors with their default priorities (lower runs first). */
export const BUILTIN_DETECTORS: ReadonlyArray<{ priority: number; plugin: PluginExport<any> }> = [
  { priority: 10, plugin: custom },
  { priority: 20, plugin: prometheus },
  { priority: 30, plugin: alertmanager },
  { priority: 40, plugin: grafana },
  { priority: 50, plugin: loki },
  { priority: 60, plugin: tempo },
  { priority: 70, plugin: jaeger },
  { priority: 80, plugin: elasticsearch },
];

/** Options: `config.plugins.<name>.config` is handed to that plugin as ctx.config (a frozen copy). */
export async function detectOffline(services: unknown[], options?: { config?: unknown }): Promise<OfflineDetection[]> {
  const views = services.map((s) => toServiceView(s));
  const pluginConfig = (name: string): Readonly<Record<string, unknown>> => {
    const c = (options?.config as { plugins?: Record<string, { config?: Record<string, unknown> }> } | undefined)?.plugins?.[name]?.config;
    return Object.freeze(structuredClone(c ?? {}));
  };
  const ordered = [...BUILTIN_DETECTORS].sort((a, b) => a.priority - b.priority);
  const out: OfflineDetection[] = [];
  for (const view of views) {
    for (const { plugin } of ordered) {
      const ctx: DetectContext<any> = {
        config: pluginConfig(plugin.name),
        siblings: () =>
          views
            .filter((o) => o !== view && o.metadata.namespace === view.metadata.namespace)
            .map((o) => structuredClone(o) as ServiceView),
      };
      const d = plugin.detect(structuredClone(view) as ServiceView, ctx);
      if (d === null || d === undefined) continue;
      out.push(resolve(view, plugin.name, plugin.type, d));
      break;
    }
  }
  return out;
}

function resolve(view: ServiceView, detector: string, defaultType: string, d: Detection): OfflineDetection {
  const where = `${detector} on ${view.metadata.namespace}/${view.metadata.name}`;
  const scheme = d.scheme ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') throw new Error(`${where}: bad scheme ${String(scheme)}`);
  if (d.path !== undefined && !d.path.startsWith('/')) throw new Error(`${where}: path must start with /`);
  let endpoint: string;
  if (d.endpoint !== undefined) {
    endpoint = d.endpoint;
  } else {
    const port = view.spec.ports.find((p) => (typeof d.port === 'number' ? p.port === d.port && !p.name : p.name === d.port));
    if (port === undefined) throw new Error(`${where}: port ${String(d.port)} is not one of the Service's ports`);
    if (port.protocol !== undefined && port.protocol !== 'TCP') throw new Error(`${where}: port ${String(d.port)} is not TCP`);
    endpoint = `${scheme}://${view.metadata.name}.${view.metadata.namespace}.svc.cluster.local:${port.port}${d.path ?? ''}`;
  }
  return {
    namespace: view.metadata.namespace,
    name: view.metadata.name,
    type: d.type ?? defaultType,
    detector,
    endpoint,
    healthPath: d.health ? d.health.path : null,
  };
}
