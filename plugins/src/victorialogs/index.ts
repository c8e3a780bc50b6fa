// Built-in detector: VictoriaLogs — its HTTP API (LogsQL under /select/logsql/*), published as HolmesGPT 2026's
// `victorialogs` toolset (one of the logging toolsets that replace kubernetes/logs).
//
//   source                                   | evidence (labels, else the Service selector)                     | port
//   chart victoria-logs-single               | app.kubernetes.io/name=victoria-logs-single, app=server           | http 9428
//   VM operator VLSingle (`vlsingle-<name>`) | app.kubernetes.io/name=vlsingle, managed-by=vm-operator           | http 9428
//   VM operator VLogs, v1beta1 (`vlogs-<name>`) | app.kubernetes.io/name=vlogs, managed-by=vm-operator           | http 9428
//   chart victoria-logs-cluster: vlselect    | app.kubernetes.io/name=victoria-logs-cluster, app=vlselect        | http 9471
//   VM operator VLCluster (`vlselect-<name>`)| app.kubernetes.io/name=vlselect, managed-by=vm-operator           | http 9471
// Sources: VictoriaMetrics/helm-charts charts/victoria-logs-single (templates/service.yaml: port `http`, default
// 9428 from -httpListenAddr, selector from the common chart's `app: server` labels; values: clusterIP None, so
// the only Service is headless in the default statefulSet mode) and VictoriaMetrics/operator
// api/operator/v1/vlsingle_types.go (PrefixedName `vlsingle-<name>`, SelectorLabels name=vlsingle,
// component=monitoring, managed-by=vm-operator, default port 9428, probe path /health).
// vlinsert and vlstorage (cluster write path and storage) are not the query front door and are not detected.
// Health: `/health` at the root (VictoriaMetrics' components all serve it). Scheme: https when the port's
// name/appProtocol or an OpenShift serving-cert annotation says so.
// One endpoint per install: a headless twin is skipped when a normal Service of the same install selects the same pods.
//
// With workload evidence the Pods decide: victoriametrics/victoria-logs behind the Service, the port landing on it;
// the role from the labels above when they name one (vlselect), else the single server (port 9428 or the port
// landing on the container's http port); labels naming vlinsert/vlstorage, nothing behind the Service, or another
// image: no entry. -http.pathPrefix moves the API and /health.
import { defineDetector, isExternalName, labelOrSelector, findPort, portRef, portScheme, yieldsToTwin, sameInstall, mentionsAny, NON_API_WORDS, hasEvidence, workloads, argValue } from '@kubernaut/toolset-sdk';
import { interestOf, portOnto, productContainer, reaches, trimPath } from '../shared/evidence.js';
import type { Product } from '../shared/evidence.js';
import type { Detection, DetectContext, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

type Role = 'single' | 'select';

function role(s: ServiceView): Role | null {
  if (mentionsAny(s, NON_API_WORDS)) return null;
  const name = labelOrSelector(s, 'app.kubernetes.io/name');
  const app = labelOrSelector(s, 'app');
  if (name === 'victoria-logs-single') return app === undefined || app === 'server' ? 'single' : null;
  if (name === 'victoria-logs-cluster') return app === 'vlselect' ? 'select' : null;
  // The operator's own labels (no chart labels): only its logs components.
  if (name === 'vlsingle' || name === 'vlogs') return 'single';
  if (name === 'vlselect') return 'select';
  return null;
}

const VLOGS: Product = { images: ['victoriametrics/victoria-logs'] };

function evidenceRole(s: ServiceView): { role: Role; port: ServicePort; prefix: string } | null {
  if (workloads(s).length === 0 || mentionsAny(s, NON_API_WORDS) || mentionsAny(s, ['vlinsert', 'vlstorage'])) return null;
  const main = productContainer(s, VLOGS);
  if (main === undefined) return null;
  const r = role(s) ?? 'single';
  let port = apiPort(s, r);
  if (port === undefined || !reaches(s, port, VLOGS)) port = portOnto(s, VLOGS, { names: ['http'], numbers: [r === 'single' ? 9428 : 9471] });
  return port === undefined ? null : { role: r, port, prefix: trimPath(argValue(main.container, 'http.pathPrefix')) };
}

function apiPort(s: ServiceView, r: Role): ServicePort | undefined {
  return r === 'single' ? findPort(s, { names: ['http', 'https'], numbers: [9428] }) : findPort(s, { names: ['http', 'https'], numbers: [9471] });
}

export default defineDetector({
  name: 'victorialogs',
  version: '1.2.0',
  description: 'VictoriaLogs (logs) — the single-node server (chart victoria-logs-single, operator VLSingle/VLogs) or the vlselect front of a cluster.',
  type: 'victorialogs',
  // With evidence it claims only Services where VictoriaLogs runs (evidenceRole): the host asks about no other.
  evidence: interestOf([VLOGS]),
  detect(service: ServiceView, ctx: DetectContext): Detection | null {
    if (isExternalName(service)) return null;
    if (hasEvidence(service)) {
      const found = evidenceRole(service);
      if (found === null) return null;
      const same = (o: ServiceView) => sameInstall(service, o) && (hasEvidence(o) ? evidenceRole(o)?.role === found.role : role(o) === found.role && apiPort(o, found.role) !== undefined);
      if (yieldsToTwin(service, ctx, same)) return null;
      const { port, prefix } = found;
      return { port: portRef(port), scheme: portScheme(service, port), ...(prefix ? { path: prefix } : {}), health: { path: `${prefix}/health` } };
    }
    const r = role(service);
    if (r === null) return null;
    const port = apiPort(service, r);
    if (port === undefined) return null;
    if (yieldsToTwin(service, ctx, (o) => sameInstall(service, o) && role(o) === r && apiPort(o, r) !== undefined)) return null;
    return { port: portRef(port), scheme: portScheme(service, port), health: { path: '/health' } };
  },
  toolsets(found): Record<string, ToolsetEntry> {
    // HolmesGPT 2026 `victorialogs`: `api_url` is VictoriaLogs itself; auth (bearer_token, basic) and the
    // AccountID/ProjectID `headers` are the admin's to add in overrides.yaml.
    return { victorialogs: { enabled: true, config: { api_url: found.url } } };
  },
});
