// Built-in detector: Grafana.
//
// Evidence (labels, else the Service selector): app.kubernetes.io/name=grafana (grafana/grafana chart, also as the
// kube-prometheus-stack sub-chart; bitnami) or app=grafana (older charts and plain manifests). Image renderer,
// agent, operator and other `grafana-*` names are different label values and never match.
// Port: `service` (grafana chart default), `http-web` (kube-prometheus-stack), `http`, `web`, `grafana`,
// `http-grafana`, `https`; else 80, else 3000; else the port forwarding to container port 3000.
// Scheme: https when the port's name/appProtocol or an OpenShift serving-cert annotation says so.
// Health: `/api/health` relative to host:port (unauthenticated; a sub-path setup is not visible in a Service).
// One endpoint per install: a headless Grafana Service (the chart's `-headless` one only carries the alerting gossip
// port, so it rarely qualifies) is skipped when a normal Grafana Service selects the same pods.
//
// With workload evidence the image decides: grafana/grafana, grafana/grafana-oss, grafana/grafana-enterprise,
// bitnami/grafana, with the API port landing on that container (not a k8s-sidecar, not the image renderer); nothing
// behind the Service: no entry. GF_SERVER_ROOT_URL's path is the prefix when GF_SERVER_SERVE_FROM_SUB_PATH is true,
// and GF_SERVER_PROTOCOL=https means TLS (Grafana maps GF_<SECTION>_<KEY> onto conf/defaults.ini [server]).
import {
  defineDetector,
  isExternalName,
  labelOrSelector,
  findPort,
  findPortByTarget,
  portRef,
  portScheme,
  yieldsToTwin,
  mentionsAny,
  NON_API_WORDS,
  hasEvidence,
  workloads,
} from '@kubernaut/toolset-sdk';
import { interestOf, operatorScheme, portOnto, productContainer, reaches, urlPath } from '../shared/evidence.js';
import type { Product } from '../shared/evidence.js';
import type { Detection, DetectContext, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

const GRAFANA: Product = { images: ['grafana/grafana', 'grafana/grafana-oss', 'grafana/grafana-enterprise', 'bitnami/grafana'], names: ['grafana'], words: ['grafana'] };

function evidencePort(s: ServiceView): ServicePort | undefined {
  if (workloads(s).length === 0 || mentionsAny(s, NON_API_WORDS) || productContainer(s, GRAFANA) === undefined) return undefined;
  const port = apiPort(s);
  if (port !== undefined && reaches(s, port, GRAFANA)) return port;
  return portOnto(s, GRAFANA, { names: ['grafana', 'http', 'http-grafana', 'service'], numbers: [3000] });
}

function isGrafana(s: ServiceView): boolean {
  if (hasEvidence(s)) return evidencePort(s) !== undefined;
  if (mentionsAny(s, NON_API_WORDS)) return false;
  return labelOrSelector(s, 'app.kubernetes.io/name') === 'grafana' || labelOrSelector(s, 'app') === 'grafana';
}

/**
 * The sub-path a grafana-operator `Grafana` resource gives it (the host's projection: config.server.root_url's path
 * when serve_from_sub_path is on; grafana-operator writes config.server into grafana.ini, so no env shows it).
 */
function operatorPath(s: ServiceView): string {
  for (const r of s.evidence?.resources ?? []) if (r.kind === 'Grafana' && typeof r.spec.path === 'string') return r.spec.path;
  return '';
}

function apiPort(s: ServiceView): ServicePort | undefined {
  return (
    findPort(s, { names: ['service', 'http-web', 'http', 'web', 'grafana', 'http-grafana', 'https'], numbers: [80, 3000] }) ??
    findPortByTarget(s, [3000, 'grafana', 'http-grafana'])
  );
}

export default defineDetector({
  name: 'grafana',
  version: '1.2.0',
  description: 'Grafana (dashboards, datasources).',
  type: 'grafana',
  // With evidence it claims only Services where Grafana runs (evidencePort): the host asks about no other.
  evidence: interestOf([GRAFANA]),
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service) || !isGrafana(service)) return null;
    const evidence = hasEvidence(service);
    const port = evidence ? evidencePort(service) : apiPort(service);
    if (port === undefined) return null;
    if (yieldsToTwin(service, ctx, (o) => isGrafana(o) && apiPort(o) !== undefined)) return null;
    const env = evidence ? (productContainer(service, GRAFANA)?.container.env ?? {}) : {};
    // GF_* environment overrides grafana.ini (Grafana's configuration precedence), so it wins over the resource's config.
    const envSubPath = env.GF_SERVER_SERVE_FROM_SUB_PATH;
    const prefix = envSubPath !== undefined ? (envSubPath.toLowerCase() === 'true' ? urlPath(env.GF_SERVER_ROOT_URL) : '') : operatorPath(service);
    const base = (env.GF_SERVER_PROTOCOL ?? '').toLowerCase() === 'https' ? 'https' : portScheme(service, port);
    const scheme = evidence ? operatorScheme(service, port, GRAFANA, ['Grafana'], base) : base;
    return { port: portRef(port), scheme, ...(prefix ? { path: prefix } : {}), health: { path: `${prefix}/api/health` } };
  },
  toolsets(found): Record<string, ToolsetEntry> {
    // HolmesGPT 2026 reads `api_url` (`url` is a deprecated alias); an API key is an admin's choice, never guessed here.
    const config: Record<string, unknown> = { api_url: found.url };
    if (found.scheme === 'https') config.verify_ssl = false;
    return { 'grafana/dashboards': { enabled: true, config } };
  },
});
