// Fixture builders for the toolset tests: PublishedServices whose toolsets are the built-in plugins' real
// toolsets() answers, checked by the host's own validator (as the sandbox would hand them over).
import type { FoundService, PluginExport } from '@kubernaut/toolset-sdk';
import { validateToolsets } from '../../core/src/sandbox/validate.js';
import type { HealthState, PublishedService } from '../../core/src/toolsets/index.js';
import custom from '../../plugins/src/custom/index.js';
import prometheus from '../../plugins/src/prometheus/index.js';
import alertmanager from '../../plugins/src/alertmanager/index.js';
import grafana from '../../plugins/src/grafana/index.js';
import loki from '../../plugins/src/loki/index.js';
import tempo from '../../plugins/src/tempo/index.js';
import jaeger from '../../plugins/src/jaeger/index.js';
import elasticsearch from '../../plugins/src/elasticsearch/index.js';

export const PLUGINS: Record<string, PluginExport> = { custom, prometheus, alertmanager, grafana, loki, tempo, jaeger, elasticsearch };

export interface Spec {
  ns: string;
  name: string;
  detector: string;
  /** Defaults to the detector's type. */
  type?: string;
  scheme?: 'http' | 'https';
  port: number;
  path?: string;
  /** Defaults to `<name>.<ns>.svc.cluster.local`. */
  host?: string;
  healthPath?: string | null;
  health?: HealthState;
  reason?: string;
  primary?: boolean;
  /** Replaces the plugin's manifest description. */
  description?: string;
}

export function published(spec: Spec): PublishedService {
  const plugin = PLUGINS[spec.detector];
  if (!plugin) throw new Error(`no plugin ${spec.detector}`);
  const scheme = spec.scheme ?? 'http';
  const host = spec.host ?? `${spec.name}.${spec.ns}.svc.cluster.local`;
  const path = spec.path ?? '';
  const url = `${scheme}://${host}:${spec.port}${path}`;
  const type = spec.type ?? plugin.type;
  const found: FoundService = {
    detector: plugin.name,
    type,
    service: { name: spec.name, namespace: spec.ns, labels: {}, annotations: {} },
    url,
    scheme,
    host,
    port: spec.port,
    path,
    healthPath: spec.healthPath === undefined ? '/-/healthy' : spec.healthPath,
  };
  const raw = plugin.toolsets ? plugin.toolsets(found, { config: {} }) : null;
  let toolsets: PublishedService['toolsets'] = null;
  if (raw !== null && raw !== undefined) {
    const v = validateToolsets(JSON.parse(JSON.stringify(raw)));
    if (!v.ok) throw new Error(`${plugin.name}: ${v.reason}`);
    toolsets = v.value;
  }
  return {
    key: `${spec.ns}/${spec.name}`,
    namespace: spec.ns,
    name: spec.name,
    type,
    detector: plugin.name,
    description: spec.description ?? plugin.description,
    url,
    scheme,
    host,
    port: spec.port,
    path,
    health: { state: spec.health ?? 'healthy', ...(spec.reason !== undefined ? { reason: spec.reason } : {}) },
    primaryAnnotation: spec.primary ?? false,
    toolsets,
  };
}

/**
 * kube-prometheus-stack (Prometheus, Alertmanager, Grafana), the Loki gateway, Tempo, Jaeger query, Elasticsearch 8
 * over https, a custom-annotated Sentry, kubecost's Prometheus (unhealthy), and an annotated billing API behind
 * authentication (needs credentials).
 */
export function realisticSet(): PublishedService[] {
  return [
    published({ ns: 'monitoring', name: 'kps-prod-kube-prometheus-s-prometheus', detector: 'prometheus', port: 9090 }),
    published({ ns: 'monitoring', name: 'kps-prod-kube-prometheus-s-alertmanager', detector: 'alertmanager', port: 9093 }),
    published({ ns: 'monitoring', name: 'kps-prod-grafana', detector: 'grafana', port: 80, healthPath: '/api/health' }),
    published({ ns: 'loki', name: 'loki-gateway', detector: 'loki', port: 80, healthPath: '/' }),
    published({ ns: 'tempo', name: 'tempo', detector: 'tempo', port: 3200, healthPath: '/ready' }),
    published({ ns: 'jaeger', name: 'spans-jaeger-query', detector: 'jaeger', port: 80, healthPath: '/' }),
    published({ ns: 'elastic', name: 'elasticsearch-master', detector: 'elasticsearch', scheme: 'https', port: 9200, healthPath: '/_cluster/health' }),
    published({ ns: 'apps', name: 'errors-sentry-web', detector: 'custom', type: 'sentry', port: 9000, path: '/api/0', healthPath: '/_health/' }),
    published({
      ns: 'kubecost',
      name: 'kubecost-prometheus-server',
      detector: 'prometheus',
      port: 80,
      health: 'unhealthy',
      reason: 'GET /-/healthy: connection refused',
    }),
    published({
      ns: 'apps',
      name: 'billing-gateway',
      detector: 'custom',
      type: 'billing-api',
      scheme: 'https',
      host: 'billing.internal.example.com',
      port: 443,
      path: '/v2',
      healthPath: '/',
      health: 'needs-credentials',
      reason: 'HTTP 401 from GET /',
    }),
  ];
}

/** A deterministic shuffle (Fisher–Yates with a small LCG), for tests that do not use fast-check. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
