// Operator resources: the custom resources of the operators users run, reduced to what decides a Service's entry
// (the front door, its TLS, the API path, gateway and tenants), and the rules that tie a Service to the resource
// that made it. Every rule encodes what the operator's own code does; the file it comes from is cited beside it.
//
// Findings, per kind (read in the operators' repositories at the commit or tag given; nothing copied):
//
// Prometheus (monitoring.coreos.com/v1, prometheuses) — prometheus-operator 6adcebc (v0.93.0+)
//   front door  prometheus-operated, headless (spec.serviceName replaces it), port `web` 9090 (spec.portName); users
//               usually add their own Service in front of the Pods (kube-prometheus, kube-prometheus-stack)
//   TLS / path  http; https with spec.web.tlsConfig (PrometheusURIScheme). Path spec.routePrefix, always passed as
//               --web.route-prefix (promcfg.go), so spec.externalUrl's path does not move the API
//   tied by     a non-controller ownerReference per Prometheus on the governing Service (factory.go WithOwner, merged
//               by k8s/network.go); Pods `operator.prometheus.io/name` + `app.kubernetes.io/name: prometheus`
//               (server/operator.go makeSelectorLabels); StatefulSet prometheus-<name>[-shard-N] (operator.go)
// Alertmanager (monitoring.coreos.com/v1, alertmanagers) — same repo, pkg/alertmanager/{statefulset,operator}.go
//   front door  alertmanager-operated, headless, `web` 9093 (+ tcp-mesh/udp-mesh 9094); spec.serviceName replaces it
//   TLS / path  as Prometheus (spec.web.tlsConfig, spec.routePrefix)
//   tied by     ownerReference; Pods `alertmanager: <name>` + `app.kubernetes.io/name: alertmanager`; StatefulSet
//               alertmanager-<name>
// VMSingle (operator.victoriametrics.com/v1beta1, vmsingles) — VictoriaMetrics/operator d0d258c (v0.74.1+)
//   front door  vmsingle-<name> (<name> with spec.useLegacyNaming), `http` 8429 (spec.port; internal/config/config.go)
//   TLS / path  http; https with extraArgs tls=true; path extraArgs http.pathPrefix (api/operator/v1beta1/vmextra_types.go)
//   tied by     controller ownerReference (factory/build/service.go); labels `app.kubernetes.io/name: vmsingle` +
//               `app.kubernetes.io/instance` + `managed-by: vm-operator` on Service and Pods (SelectorLabels)
// VMCluster (same group, vmclusters) — factory/vmcluster/vmcluster.go, vmextra_types.go
//   front door  vmselect-<name> (headless at this commit; <name>-vmselect legacy), `http` 8481 (spec.vmselect.port);
//               vminsert-<name> 8480 and vmstorage-<name> are components
//   TLS / path  vmselect.extraArgs tls; the Prometheus API is /select/<tenant>/prometheus, tenant 0 by default
//   tied by     ownerReference; labels `app.kubernetes.io/name: vm<component>` + instance + managed-by; names
// VMAlertmanager (same group, vmalertmanagers) — factory/vmalertmanager/statefulset.go, vmalertmanager_types.go
//   front door  vmalertmanager-<name>, headless, `http` 9093 (spec.port); https with spec.webConfig.tls_server_config
//   tied by     ownerReference; labels `app.kubernetes.io/name: vmalertmanager` + instance; name
// Grafana (grafana.integreatly.org/v1beta1, grafanas) — grafana/grafana-operator 60d3ebd (v5.24.0+)
//   front door  <name>-service, `grafana` 3000 (config.server.http_port) → container port grafana-http;
//               <name>-alerting is the headless alerting Service (controllers/resources/resources.go)
//   TLS / path  https when config.server.protocol=https (service_reconciler.go); path root_url's with serve_from_sub_path
//   tied by     controller ownerReference; names; Deployment <name>-deployment (Services carry only
//               app.kubernetes.io/managed-by: grafana-operator; Pods only app: <name>)
// Elasticsearch (elasticsearch.k8s.elastic.co/v1, elasticsearches) — elastic/cloud-on-k8s 7b93383
//   front door  <name>-es-http, port `https` 9200 (`http` when TLS is off: HTTPConfig.Protocol; services.go); also
//               <name>-es-internal-http, headless <name>-es-transport (tls-transport 9300), headless per node set
//               <name>-es-<nodeSet> (nodespec/statefulset.go)
//   TLS         ON by default; off only with spec.http.tls.selfSignedCertificate.disabled: true and no
//               certificate.secretName (pkg/apis/common/v1/common.go TLSOptions.Enabled)
//   tied by     controller ownerReference (common/reconciler/reconciler.go); labels
//               `elasticsearch.k8s.elastic.co/cluster-name` + `common.k8s.elastic.co/type: elasticsearch` (label.go);
//               names <name>-es-*; StatefulSet <name>-es-<nodeSet>
// LokiStack (loki.grafana.com/v1, lokistacks) — grafana/loki 65e30f8, operator/
//   front door  <name>-gateway-http `public` 8080 (+ metrics 8081) when spec.tenants is set (the gateway needs it:
//               internal/handlers/internal/gateway/gateway.go); else <name>-query-frontend-http `metrics` 3100
//   TLS / path  gateway https with spec.tenants.gateway.tls or under the httpEncryption gate (on in the OpenShift
//               overlays, where the openshift-* modes run); API /api/logs/v1/<tenant> (gateway.go Ingress)
//   tied by     controller ownerReference (lokistack_create_or_update.go); labels `app.kubernetes.io/name: lokistack`
//               + instance + `app.kubernetes.io/managed-by: lokistack-controller` (manifests/var.go); names
// TempoStack (tempo.grafana.com/v1alpha1, tempostacks) — grafana/tempo-operator 049c8f2 (v0.22.0+)
//   front door  tempo-<name>-gateway `public` 8080 with spec.template.gateway.enabled; else
//               tempo-<name>-query-frontend `http` 3200 (+ jaeger-ui 16686 with jaegerQuery); -discovery is headless
//   TLS         gateway in openshift mode (httpEncryption gate, gateway/gateway.go); tenants spec.tenants
//   tied by     controller ownerReference (controller/tempo/common.go); labels `app.kubernetes.io/name: tempo` +
//               instance + `app.kubernetes.io/managed-by: tempo-operator` (manifestutils/labels.go); tempo-<name>-*
// TempoMonolithic (same group, tempomonolithics) — internal/manifests/monolithic/{services,gateway,labels}.go
//   front door  tempo-<name> `http` 3200; tempo-<name>-gateway `public` 8080 with multitenancy and a tenant
//               (IsGatewayEnabled); labels `app.kubernetes.io/name: tempo-monolithic`
// Jaeger (jaegertracing.io/v1, jaegers) — jaegertracing/jaeger-operator 87d8ae0 (v1.65.0+)
//   front door  <name>-query `http-query` 16686 (`https-query` 443 → 8443 with spec.ingress.security oauth-proxy)
//               (pkg/service/query.go, explicit controller ownerReference)
//   path        query.base-path of spec.allInOne.options (allInOne, the default) or spec.query.options
//               (production, streaming) (pkg/ingress/query.go)
//   tied by     ownerReference; labels `app.kubernetes.io/instance` + managed-by jaeger-operator + part-of jaeger
//               (pkg/util/util.go); names <name>-query/-collector/-agent; Deployments <name>, <name>-query
// OpenSearchCluster (opensearch.opster.io/v1 up to 2.x; opensearch.org/v1 from 3.x; opensearchclusters) —
//   opensearch-project/opensearch-k8s-operator v2.8.0 and ef6502a (v3.0.0-alpha), opensearch-operator/pkg/...
//   front door  spec.general.serviceName, `http` 9200 (spec.general.httpPort) (builders/cluster.go NewServiceForCR);
//               headless <serviceName>-<nodePool> and <name>-discovery
//   TLS         2.x: ON (the image's security plugin with demo certificates; the operator's own URL is https) unless
//               additionalConfig turns the plugin or HTTP SSL off. 3.x: only with spec.security.tls.http, unless its
//               enabled is false (helpers/helpers.go IsHttpTlsEnabled; reconcilers/tls.go)
//   tied by     controller ownerReference (reconcilers/cluster.go); label `opster.io/opensearch-cluster` (2.x) or
//               `opensearch.org/opensearch-cluster` (3.x) (helpers/constants.go); StatefulSet <name>-<nodePool>
//
// How the live path uses this (pure here; the informers and the controller own the I/O):
//   1. API discovery: GET /apis/<group>/<version> for each of operatorGroupVersions() (404 = not served), then
//      servedOperatorKinds() says which kinds to list/watch and at which version. Re-asked periodically: a kind that
//      appears gets an informer; one that disappears has its informer stopped and index.deleteGroup(group, kind).
//   2. Each informer event: projectResource(obj) → index.upsert() (true when plugins would see a change) or
//      index.delete(); a change re-detects the Services of that namespace (resourcesForService returns at once for
//      namespaces without resources).
//   3. Per Service: resourcesForService({ namespace, name, labels, ownerReferences }, index, evidence.workloads) fills
//      ServiceEvidence.resources. ServiceView has no ownerReferences: the Service projection must carry them.
import type { ResourceEvidence, WorkloadEvidence } from '@kubernaut/toolset-sdk';

// ---------------------------------------------------------------------------------------------------------------
// Bounds: what is kept of one resource, applied while projecting, so a hostile or huge custom resource costs little.

export const OPERATOR_LIMITS = {
  /** Characters of a kept string (a path, an external URL, a mode). */
  text: 256,
  /** Tenant names kept per resource. */
  tenants: 16,
  /** Tenant entries looked at (before filtering). */
  tenantsScanned: 64,
  /** Kubernetes object names and namespaces. */
  name: 253,
  uid: 64,
} as const;

/**
 * What a plugin sees in `ResourceEvidence.spec`: the operator's defaults already applied, so a plugin does not have to
 * know them. `frontDoor` is the Service (and its port, by name) the operator creates as the query/API entry of the
 * resource; a Service tied to the resource under another name is a component, a headless twin or a user's own.
 */
export interface OperatorSpec {
  [key: string]: unknown;
  /** The front door serves https. */
  tls: boolean;
  /** API path prefix on the front door ('' for none), e.g. `/select/0/prometheus`, a route prefix, a base path. */
  path: string;
  /** The front door is a gateway in front of the product's own API (LokiStack, TempoStack with tenants). */
  gateway?: boolean;
  /** Multi-tenancy mode, e.g. `static`, `dynamic`, `openshift-logging` (LokiStack), `static`/`openshift` (Tempo). */
  tenantsMode?: string;
  /** Tenant names the gateway knows (bounded); the API is per tenant behind a gateway. */
  tenants?: string[];
  /** The entry the operator creates; absent when it runs none in the cluster (an external Grafana). */
  frontDoor?: { service: string; port: string; number: number };
}

/** A projected custom resource: identity plus the bounded, frozen spec. */
export interface OperatorResource {
  apiVersion: string;
  group: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  spec: Readonly<OperatorSpec>;
}

/** `{name}` is the resource's name; `{*}` one or more name characters (a component, a node set); `{n}` digits. */
type NameTemplate = string;

/** Ties by a label: `nameFrom` holds the resource's name when every `when` label has one of its values. */
interface LabelRule {
  nameFrom: string;
  when?: Readonly<Record<string, string | readonly string[]>>;
  /** Where the operator sets these labels. */
  source: string;
}

interface OwnerRule {
  kind: 'StatefulSet' | 'Deployment';
  name: NameTemplate;
  source: string;
}

export interface OperatorKind {
  group: string;
  /** Served versions the operator's CRD has had, newest first (API discovery looks for these). */
  versions: readonly string[];
  plural: string;
  kind: string;
  namespaced: true;
  /** The bounded projection of `spec` (and the name, which some defaults use). */
  project(spec: Obj, name: string, group: string): OperatorSpec;
  /** Service labels the operator sets on the Services it creates. */
  serviceLabels: readonly LabelRule[];
  /** Names of the Services the operator creates (besides the front door, which is indexed from the projection). */
  serviceNames: readonly { name: NameTemplate; source: string }[];
  /** Pod labels the operator sets, seen through the workloads behind a Service the operator did not create. */
  podLabels: readonly LabelRule[];
  /** The workloads the operator creates for the resource. */
  owners: readonly OwnerRule[];
}

type Obj = Readonly<Record<string, unknown>>;

// ---------------------------------------------------------------------------------------------------------------
// Small readers over untrusted JSON: each returns undefined for anything but the expected plain value.

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(o: unknown, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const k of path) {
    if (!isObj(cur) || !Object.hasOwn(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.length <= OPERATOR_LIMITS.text ? v : undefined;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  // Operators that take free-form flags or config maps (VictoriaMetrics extraArgs, OpenSearch additionalConfig,
  // Grafana ini sections) see strings.
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

function port(v: unknown, fallback: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : fallback;
}

const PATH_CHARS = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

/** A URL path as a prefix: '' for none or '/', no trailing slash; undefined when it is not a plain path. */
function pathPrefix(v: unknown): string | undefined {
  const s = text(v);
  if (s === undefined || s === '') return undefined;
  const p = s.startsWith('/') ? s : `/${s}`;
  if (!PATH_CHARS.test(p) || p.includes('//') || /(^|\/)\.\.?(\/|$)/.test(p)) return undefined;
  return p.replace(/\/+$/, '');
}

/** The path of an absolute http(s) URL, as a prefix ('' for none). */
function urlPath(v: unknown): string | undefined {
  const s = text(v);
  if (s === undefined) return undefined;
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return pathPrefix(decodeURI(u.pathname)) ?? '';
  } catch {
    return undefined;
  }
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Tenant names of a tenants spec's `authentication[].tenantName` (LokiStack, TempoStack), bounded. */
function tenantNames(list: unknown): string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const item of list.slice(0, OPERATOR_LIMITS.tenantsScanned)) {
    const n = text(at(item, 'tenantName'));
    if (n !== undefined && /^[A-Za-z0-9._-]{1,63}$/.test(n) && !out.includes(n)) out.push(n);
    if (out.length >= OPERATOR_LIMITS.tenants) break;
  }
  return out;
}

/** A flag of a free-form args map (VictoriaMetrics `extraArgs`), first comma-separated value, like getFirstValue. */
function flag(args: unknown, name: string): string | undefined {
  const v = text(at(args, name));
  return v === undefined ? undefined : (v.split(',')[0] ?? '').trim();
}

// ---------------------------------------------------------------------------------------------------------------
// The table. One entry per kind; `project` applies the operator's defaults, the rules say how it names and labels
// what it creates.

const PROM_GROUP = 'monitoring.coreos.com';
const VM_GROUP = 'operator.victoriametrics.com';
const TEMPO_GROUP = 'tempo.grafana.com';

/** Prometheus and Alertmanager share the web fields (pkg/apis/monitoring/v1: PrometheusURIScheme, WebRoutePrefix). */
function promWeb(spec: Obj, defaultService: string, number: number): OperatorSpec {
  const portName = text(spec.portName) || 'web';
  const service = text(spec.serviceName);
  const out: OperatorSpec = {
    // PrometheusURIScheme: https exactly when spec.web.tlsConfig is set (same for Alertmanager's web config).
    tls: isObj(at(spec, 'web', 'tlsConfig')),
    // --web.route-prefix is always passed as spec.routePrefix or "/" (pkg/prometheus/promcfg.go,
    // pkg/alertmanager/statefulset.go), so the external URL's path does not move the API.
    path: pathPrefix(spec.routePrefix) ?? '',
    frontDoor: { service: service !== undefined && DNS_LABEL.test(service) ? service : defaultService, port: portName, number },
  };
  const ext = text(spec.externalUrl);
  if (ext !== undefined) out.externalUrl = ext;
  // listenLocal binds the web server to 127.0.0.1: no Service reaches it.
  if (bool(spec.listenLocal) === true) out.listenLocal = true;
  return out;
}

/** VictoriaMetrics components: TLS and the path prefix come from extraArgs (api/operator/v1beta1/vmextra_types.go). */
function vmWeb(args: unknown, service: string, number: number, apiPath = ''): OperatorSpec {
  return {
    tls: flag(args, 'tls') === 'true',
    path: (pathPrefix(flag(args, 'http.pathPrefix')) ?? '') + apiPath,
    frontDoor: { service, port: 'http', number },
  };
}

function vmName(spec: Obj, prefix: string, name: string): string {
  // PrefixedName: `<prefix>-<name>`, or the bare name with useLegacyNaming.
  return bool(spec.useLegacyNaming) === true ? name : `${prefix}-${name}`;
}

const VM_LABELS = (component: string): LabelRule => ({
  nameFrom: 'app.kubernetes.io/instance',
  when: { 'app.kubernetes.io/name': component, 'managed-by': 'vm-operator' },
  source: 'VictoriaMetrics/operator api/operator/v1beta1 SelectorLabels / ClusterSelectorLabels',
});

/** The same labels on Pods, without `managed-by`: the workload projection keeps only app.kubernetes.io/* and a few more. */
const VM_POD_LABELS = (component: string): LabelRule => ({
  nameFrom: 'app.kubernetes.io/instance',
  when: { 'app.kubernetes.io/name': component, 'app.kubernetes.io/component': 'monitoring' },
  source: 'VictoriaMetrics/operator api/operator/v1beta1 PodLabels (SelectorLabels)',
});

function lokiSpec(spec: Obj, name: string): OperatorSpec {
  const tenants = at(spec, 'tenants');
  if (!isObj(tenants)) {
    // No gateway without spec.tenants (operator/internal/handlers/internal/gateway/gateway.go); the query
    // frontend's HTTP Service is the entry then (operator/internal/manifests/var.go serviceNameQueryFrontendHTTP).
    return { tls: false, path: '', gateway: false, frontDoor: { service: `${name}-query-frontend-http`, port: 'metrics', number: 3100 } };
  }
  const mode = text(tenants.mode) ?? '';
  // The gateway serves TLS with spec.tenants.gateway.tls, or under the httpEncryption gate that the OpenShift
  // overlays turn on, where the openshift-* modes run (operator/internal/manifests/gateway.go).
  const tls = isObj(at(tenants, 'gateway', 'tls')) || mode.startsWith('openshift-');
  const names = mode.startsWith('openshift-')
    ? mode === 'openshift-network'
      ? ['network']
      : ['application', 'infrastructure', 'audit']
    : (tenantNames(tenants.authentication) ?? []);
  // The gateway Ingress routes /api/logs/v1 (gateway.go NewGatewayIngress); each tenant is /api/logs/v1/<tenant>.
  // The passthrough gateway instead forwards Loki's own paths from the root, the tenant in a header
  // (operator/internal/passthroughgateway/proxy.go).
  return {
    tls,
    path: mode === 'passthrough' ? '' : '/api/logs/v1',
    gateway: true,
    tenantsMode: mode,
    tenants: names,
    frontDoor: { service: `${name}-gateway-http`, port: 'public', number: 8080 },
  };
}

function tempoTenants(tenants: unknown): Pick<OperatorSpec, 'tenantsMode' | 'tenants'> {
  // +kubebuilder:default:=static (api/tempo/v1alpha1/auth.go TenantsSpec.Mode).
  return { tenantsMode: text(at(tenants, 'mode')) || 'static', tenants: tenantNames(at(tenants, 'authentication')) ?? [] };
}

function tempoStackSpec(spec: Obj, name: string): OperatorSpec {
  const gateway = bool(at(spec, 'template', 'gateway', 'enabled')) === true;
  if (!gateway) {
    const out: OperatorSpec = { tls: false, path: '', gateway: false, frontDoor: { service: `tempo-${name}-query-frontend`, port: 'http', number: 3200 } };
    if (bool(at(spec, 'template', 'queryFrontend', 'jaegerQuery', 'enabled')) === true) out.jaegerQuery = true;
    return out;
  }
  const t = tempoTenants(at(spec, 'tenants'));
  // The gateway's TLS follows the httpEncryption gate, on under OpenShift where the openshift mode runs
  // (internal/manifests/gateway/gateway.go). The API is per tenant under /api/traces/v1/<tenant> (observatorium/api
  // main.go at e5cc822, the gateway the operator runs), as LokiStack's is under /api/logs/v1.
  return { tls: t.tenantsMode === 'openshift', path: '/api/traces/v1', gateway: true, ...t, frontDoor: { service: `tempo-${name}-gateway`, port: 'public', number: 8080 } };
}

function tempoMonolithicSpec(spec: Obj, name: string): OperatorSpec {
  const mt = at(spec, 'multitenancy');
  // IsGatewayEnabled: multitenancy enabled and at least one tenant (api/tempo/v1alpha1/tempomonolithic_types.go).
  const t = tempoTenants(mt);
  const gateway = bool(at(mt, 'enabled')) === true && (t.tenants?.length ?? 0) > 0;
  if (!gateway) return { tls: false, path: '', gateway: false, frontDoor: { service: `tempo-${name}`, port: 'http', number: 3200 } };
  return { tls: t.tenantsMode === 'openshift', path: '/api/traces/v1', gateway: true, ...t, frontDoor: { service: `tempo-${name}-gateway`, port: 'public', number: 8080 } };
}

/** Jaeger's query base path: the strategy's options, flat (`query.base-path`) or nested (`query: {base-path}`). */
function jaegerBasePath(options: unknown): string | undefined {
  return pathPrefix(at(options, 'query.base-path')) ?? pathPrefix(at(options, 'query', 'base-path'));
}

function jaegerSpec(spec: Obj, name: string): OperatorSpec {
  const strategy = (text(spec.strategy) ?? '').toLowerCase();
  // pkg/ingress/query.go: the all-in-one's options for allInOne (the default), spec.query's for production/streaming.
  const base = strategy === 'production' || strategy === 'streaming' ? jaegerBasePath(at(spec, 'query', 'options')) : jaegerBasePath(at(spec, 'allInOne', 'options'));
  // pkg/service/query.go: the oauth-proxy sidecar answers https on 443 (target 8443); otherwise http-query 16686.
  const oauth = text(at(spec, 'ingress', 'security')) === 'oauth-proxy';
  return {
    tls: oauth,
    path: base ?? '',
    strategy: strategy || 'allinone',
    // GetNameForQueryService: util.Truncate("%s-query", 63, name) shortens the name, keeping the suffix.
    frontDoor: { service: `${name.slice(0, 57).replace(/[-.]+$/, '')}-query`, port: oauth ? 'https-query' : 'http-query', number: oauth ? 443 : 16686 },
  };
}

function openSearchSpec(spec: Obj, name: string, group: string): OperatorSpec {
  const svc = text(at(spec, 'general', 'serviceName'));
  const service = svc !== undefined && DNS_LABEL.test(svc) ? svc : name;
  const number = port(at(spec, 'general', 'httpPort'), 9200);
  let tls: boolean;
  if (group === 'opensearch.org') {
    // 3.x IsHttpTlsEnabled (pkg/helpers/helpers.go): only with spec.security.tls.http, unless enabled: false.
    const http = at(spec, 'security', 'tls', 'http');
    tls = isObj(http) && bool(http.enabled) !== false;
  } else {
    // 2.x leaves the image's security plugin (demo certificates) on and talks https to the cluster
    // (v2.8.0 pkg/builders/cluster.go URLForCluster); additionalConfig can turn security or HTTP SSL off.
    const extra = at(spec, 'general', 'additionalConfig');
    tls = bool(at(extra, 'plugins.security.disabled')) !== true && bool(at(extra, 'plugins.security.ssl.http.enabled')) !== false;
  }
  return { tls, path: '', frontDoor: { service, port: 'http', number } };
}

function grafanaSpec(spec: Obj, name: string): OperatorSpec {
  const server = at(spec, 'config', 'server');
  // service_reconciler.go: port from config.server.http_port (default 3000), scheme from config.server.protocol.
  const protocol = text(at(server, 'protocol'));
  const out: OperatorSpec = { tls: protocol === 'https', path: '' };
  // Grafana serves under root_url's path only with serve_from_sub_path (Grafana's own ini semantics).
  if (bool(at(server, 'serve_from_sub_path')) === true) out.path = urlPath(at(server, 'root_url')) ?? '';
  // An external Grafana (spec.external) has no Deployment or Service in the cluster.
  if (isObj(spec.external)) out.external = true;
  else out.frontDoor = { service: `${name}-service`, port: 'grafana', number: port(at(server, 'http_port'), 3000) };
  return out;
}

function elasticsearchSpec(spec: Obj, name: string): OperatorSpec {
  const tlsOpts = at(spec, 'http', 'tls');
  // TLSOptions.Enabled (pkg/apis/common/v1/common.go): on unless selfSignedCertificate.disabled, and a user
  // certificate (certificate.secretName) turns it back on.
  const disabled = bool(at(tlsOpts, 'selfSignedCertificate', 'disabled')) === true;
  const custom = (text(at(tlsOpts, 'certificate', 'secretName')) ?? '') !== '';
  const tls = !disabled || custom;
  // NewExternalService names the port after HTTPConfig.Protocol(): `https` or `http`, always 9200.
  return { tls, path: '', frontDoor: { service: `${name}-es-http`, port: tls ? 'https' : 'http', number: 9200 } };
}

export const OPERATOR_KINDS: readonly OperatorKind[] = [
  {
    group: PROM_GROUP,
    versions: ['v1'],
    plural: 'prometheuses',
    kind: 'Prometheus',
    namespaced: true,
    // governingServiceName (pkg/prometheus/server/statefulset.go), or spec.serviceName (server/operator.go
    // EnsureCustomGoverningService); port 9090 (BuildStatefulSetService).
    project: (spec) => promWeb(spec, 'prometheus-operated', 9090),
    serviceLabels: [],
    serviceNames: [],
    podLabels: [
      {
        nameFrom: 'operator.prometheus.io/name',
        when: { 'app.kubernetes.io/name': 'prometheus' },
        source: 'prometheus-operator pkg/prometheus/server/operator.go makeSelectorLabels',
      },
    ],
    owners: [
      { kind: 'StatefulSet', name: 'prometheus-{name}', source: 'prometheus-operator pkg/prometheus/operator.go statefulSetNameFromPrometheusName' },
      { kind: 'StatefulSet', name: 'prometheus-{name}-shard-{n}', source: 'prometheus-operator pkg/prometheus/operator.go statefulSetNameFromPrometheusName' },
    ],
  },
  {
    group: PROM_GROUP,
    versions: ['v1'],
    plural: 'alertmanagers',
    kind: 'Alertmanager',
    namespaced: true,
    // defaultOperatedServiceName and alertmanagerWebPort (pkg/alertmanager/statefulset.go); spec.serviceName replaces
    // the governing Service (pkg/alertmanager/operator.go EnsureCustomGoverningService).
    project: (spec) => promWeb(spec, 'alertmanager-operated', 9093),
    serviceLabels: [],
    serviceNames: [],
    podLabels: [
      {
        nameFrom: 'alertmanager',
        when: { 'app.kubernetes.io/name': 'alertmanager', 'app.kubernetes.io/managed-by': 'prometheus-operator' },
        source: 'prometheus-operator pkg/alertmanager/operator.go makeSelectorLabels',
      },
    ],
    owners: [{ kind: 'StatefulSet', name: 'alertmanager-{name}', source: 'prometheus-operator pkg/alertmanager/statefulset.go prefixedName' }],
  },
  {
    group: VM_GROUP,
    versions: ['v1beta1'],
    plural: 'vmsingles',
    kind: 'VMSingle',
    namespaced: true,
    // build.Service: name PrefixedName, port `http` = spec.port (VM_VMSINGLEDEFAULT_PORT 8429, internal/config/config.go).
    project: (spec, name) => vmWeb(spec.extraArgs, vmName(spec, 'vmsingle', name), port(spec.port, 8429)),
    serviceLabels: [VM_LABELS('vmsingle')],
    serviceNames: [{ name: 'vmsingle-{name}', source: 'VictoriaMetrics/operator api/operator/v1beta1/vmsingle_types.go PrefixedName' }],
    podLabels: [VM_POD_LABELS('vmsingle')],
    owners: [{ kind: 'Deployment', name: 'vmsingle-{name}', source: 'VictoriaMetrics/operator api/operator/v1beta1/vmsingle_types.go PrefixedName' }],
  },
  {
    group: VM_GROUP,
    versions: ['v1beta1'],
    plural: 'vmclusters',
    kind: 'VMCluster',
    namespaced: true,
    project: (spec, name) => {
      const select = at(spec, 'vmselect');
      // vmselect serves the Prometheus API per tenant under /select/<accountID>/prometheus; 0 is the default tenant.
      const service = bool(spec.useLegacyNaming) === true ? `${name}-vmselect` : `vmselect-${name}`;
      if (!isObj(select)) return { tls: false, path: '' };
      const out = vmWeb(select.extraArgs, service, port(select.port, 8481), '/select/0/prometheus');
      if (bool(at(spec, 'requestsLoadBalancer', 'enabled')) === true) out.loadBalancer = true;
      return out;
    },
    serviceLabels: [VM_LABELS('vmselect'), VM_LABELS('vminsert'), VM_LABELS('vmstorage'), VM_LABELS('vmclusterlb-vmauth-balancer')],
    serviceNames: ['vmselect', 'vminsert', 'vmstorage', 'vmclusterlb', 'vmselectinternal', 'vminsertinternal'].map((c) => ({
      name: `${c}-{name}`,
      source: 'VictoriaMetrics/operator api/operator/v1beta1/vmextra_types.go ClusterPrefixedName',
    })),
    podLabels: [VM_POD_LABELS('vmselect'), VM_POD_LABELS('vminsert'), VM_POD_LABELS('vmstorage')],
    owners: [
      { kind: 'StatefulSet', name: 'vmselect-{name}', source: 'VictoriaMetrics/operator internal/controller/operator/factory/vmcluster/vmcluster.go' },
      { kind: 'StatefulSet', name: 'vmstorage-{name}', source: 'VictoriaMetrics/operator internal/controller/operator/factory/vmcluster/vmcluster.go' },
      { kind: 'Deployment', name: 'vminsert-{name}', source: 'VictoriaMetrics/operator internal/controller/operator/factory/vmcluster/vmcluster.go' },
    ],
  },
  {
    group: VM_GROUP,
    versions: ['v1beta1'],
    plural: 'vmalertmanagers',
    kind: 'VMAlertmanager',
    namespaced: true,
    project: (spec, name) => {
      // UseTLS: spec.webConfig.tls_server_config; Port(): spec.port or 9093 (vmalertmanager_types.go).
      const out: OperatorSpec = {
        tls: isObj(at(spec, 'webConfig', 'tls_server_config')),
        path: pathPrefix(spec.routePrefix) ?? '',
        frontDoor: { service: vmName(spec, 'vmalertmanager', name), port: 'http', number: port(spec.port, 9093) },
      };
      return out;
    },
    serviceLabels: [VM_LABELS('vmalertmanager')],
    serviceNames: [{ name: 'vmalertmanager-{name}', source: 'VictoriaMetrics/operator api/operator/v1beta1/vmalertmanager_types.go PrefixedName' }],
    podLabels: [VM_POD_LABELS('vmalertmanager')],
    owners: [{ kind: 'StatefulSet', name: 'vmalertmanager-{name}', source: 'VictoriaMetrics/operator api/operator/v1beta1/vmalertmanager_types.go PrefixedName' }],
  },
  {
    group: 'grafana.integreatly.org',
    versions: ['v1beta1'],
    plural: 'grafanas',
    kind: 'Grafana',
    namespaced: true,
    project: (spec, name) => grafanaSpec(spec, name),
    // The Services carry only app.kubernetes.io/managed-by: grafana-operator (controllers/resources/labels.go): names tie.
    serviceLabels: [],
    serviceNames: [
      { name: '{name}-service', source: 'grafana-operator controllers/resources/resources.go GetGrafanaService' },
      { name: '{name}-alerting', source: 'grafana-operator controllers/resources/resources.go GetGrafanaHeadlessService' },
    ],
    // The Pods' only operator label is `app: <name>` (reconcilers_shared.go appLabel): too generic to tie by.
    podLabels: [],
    owners: [{ kind: 'Deployment', name: '{name}-deployment', source: 'grafana-operator controllers/resources/resources.go GetGrafanaDeployment' }],
  },
  {
    group: 'elasticsearch.k8s.elastic.co',
    versions: ['v1', 'v1beta1'],
    plural: 'elasticsearches',
    kind: 'Elasticsearch',
    namespaced: true,
    project: (spec, name) => elasticsearchSpec(spec, name),
    serviceLabels: [
      {
        nameFrom: 'elasticsearch.k8s.elastic.co/cluster-name',
        when: { 'common.k8s.elastic.co/type': 'elasticsearch' },
        source: 'cloud-on-k8s pkg/controller/elasticsearch/label/label.go NewLabels',
      },
    ],
    serviceNames: [
      { name: '{name}-es-http', source: 'cloud-on-k8s pkg/apis/elasticsearch/v1/name.go HTTPService' },
      { name: '{name}-es-internal-http', source: 'cloud-on-k8s pkg/apis/elasticsearch/v1/name.go InternalHTTPService' },
      { name: '{name}-es-transport', source: 'cloud-on-k8s pkg/apis/elasticsearch/v1/name.go TransportService' },
      // Per node set, the headless Service is named after its StatefulSet (pkg/controller/elasticsearch/nodespec/statefulset.go).
      { name: '{name}-es-{*}', source: 'cloud-on-k8s pkg/controller/elasticsearch/nodespec/statefulset.go HeadlessServiceName' },
    ],
    podLabels: [
      {
        nameFrom: 'elasticsearch.k8s.elastic.co/cluster-name',
        when: { 'common.k8s.elastic.co/type': 'elasticsearch' },
        source: 'cloud-on-k8s pkg/controller/elasticsearch/label/label.go NewPodLabels',
      },
    ],
    owners: [{ kind: 'StatefulSet', name: '{name}-es-{*}', source: 'cloud-on-k8s pkg/apis/elasticsearch/v1/name.go StatefulSet' }],
  },
  {
    group: 'loki.grafana.com',
    versions: ['v1', 'v1beta1'],
    plural: 'lokistacks',
    kind: 'LokiStack',
    namespaced: true,
    project: (spec, name) => lokiSpec(spec, name),
    serviceLabels: [
      {
        nameFrom: 'app.kubernetes.io/instance',
        when: { 'app.kubernetes.io/name': 'lokistack', 'app.kubernetes.io/managed-by': 'lokistack-controller' },
        source: 'grafana/loki operator/internal/manifests/var.go commonLabels',
      },
    ],
    serviceNames: [
      'gateway-http',
      'query-frontend-http',
      'query-frontend-grpc',
      'querier-http',
      'querier-grpc',
      'distributor-http',
      'distributor-grpc',
      'ingester-http',
      'ingester-grpc',
      'compactor-http',
      'compactor-grpc',
      'index-gateway-http',
      'index-gateway-grpc',
      'ruler-http',
      'ruler-grpc',
    ].map((c) => ({ name: `{name}-${c}`, source: 'grafana/loki operator/internal/manifests/var.go serviceName*' })),
    podLabels: [
      {
        nameFrom: 'app.kubernetes.io/instance',
        when: { 'app.kubernetes.io/name': 'lokistack', 'app.kubernetes.io/managed-by': 'lokistack-controller' },
        source: 'grafana/loki operator/internal/manifests/var.go ComponentLabels',
      },
    ],
    owners: [
      { kind: 'Deployment', name: '{name}-gateway', source: 'grafana/loki operator/internal/manifests/var.go GatewayName' },
      { kind: 'Deployment', name: '{name}-query-frontend', source: 'grafana/loki operator/internal/manifests/var.go QueryFrontendName' },
      { kind: 'Deployment', name: '{name}-querier', source: 'grafana/loki operator/internal/manifests/var.go QuerierName' },
    ],
  },
  {
    group: TEMPO_GROUP,
    versions: ['v1alpha1'],
    plural: 'tempostacks',
    kind: 'TempoStack',
    namespaced: true,
    project: (spec, name) => tempoStackSpec(spec, name),
    serviceLabels: [
      {
        nameFrom: 'app.kubernetes.io/instance',
        when: { 'app.kubernetes.io/name': 'tempo', 'app.kubernetes.io/managed-by': 'tempo-operator' },
        source: 'grafana/tempo-operator internal/manifests/manifestutils/labels.go CommonLabels',
      },
    ],
    serviceNames: [{ name: 'tempo-{name}-{*}', source: 'grafana/tempo-operator internal/manifests/naming/naming.go Name' }],
    podLabels: [
      {
        nameFrom: 'app.kubernetes.io/instance',
        when: { 'app.kubernetes.io/name': 'tempo', 'app.kubernetes.io/managed-by': 'tempo-operator' },
        source: 'grafana/tempo-operator internal/manifests/manifestutils/labels.go ComponentLabels',
      },
    ],
    owners: [
      { kind: 'Deployment', name: 'tempo-{name}-query-frontend', source: 'grafana/tempo-operator internal/manifests/queryfrontend/query_frontend.go' },
      { kind: 'Deployment', name: 'tempo-{name}-gateway', source: 'grafana/tempo-operator internal/manifests/gateway/gateway.go' },
    ],
  },
  {
    group: TEMPO_GROUP,
    versions: ['v1alpha1'],
    plural: 'tempomonolithics',
    kind: 'TempoMonolithic',
    namespaced: true,
    project: (spec, name) => tempoMonolithicSpec(spec, name),
    serviceLabels: [
      {
        nameFrom: 'app.kubernetes.io/instance',
        when: { 'app.kubernetes.io/name': 'tempo-monolithic', 'app.kubernetes.io/managed-by': 'tempo-operator' },
        source: 'grafana/tempo-operator internal/manifests/monolithic/labels.go CommonLabels',
      },
    ],
    serviceNames: [
      { name: 'tempo-{name}', source: 'grafana/tempo-operator internal/manifests/monolithic/services.go' },
      { name: 'tempo-{name}-{*}', source: 'grafana/tempo-operator internal/manifests/naming/naming.go Name' },
    ],
    podLabels: [
      {
        nameFrom: 'app.kubernetes.io/instance',
        when: { 'app.kubernetes.io/name': 'tempo-monolithic', 'app.kubernetes.io/managed-by': 'tempo-operator' },
        source: 'grafana/tempo-operator internal/manifests/monolithic/labels.go ComponentLabels',
      },
    ],
    owners: [{ kind: 'StatefulSet', name: 'tempo-{name}', source: 'grafana/tempo-operator internal/manifests/monolithic/statefulset.go' }],
  },
  {
    group: 'jaegertracing.io',
    versions: ['v1'],
    plural: 'jaegers',
    kind: 'Jaeger',
    namespaced: true,
    project: (spec, name) => jaegerSpec(spec, name),
    serviceLabels: [
      {
        nameFrom: 'app.kubernetes.io/instance',
        when: { 'app.kubernetes.io/managed-by': 'jaeger-operator', 'app.kubernetes.io/part-of': 'jaeger' },
        source: 'jaeger-operator pkg/util/util.go Labels',
      },
    ],
    serviceNames: ['query', 'collector', 'collector-headless', 'agent'].map((c) => ({ name: `{name}-${c}`, source: 'jaeger-operator pkg/service/{query,collector,agent}.go' })),
    podLabels: [
      {
        nameFrom: 'app.kubernetes.io/instance',
        when: { 'app.kubernetes.io/managed-by': 'jaeger-operator', 'app.kubernetes.io/part-of': 'jaeger' },
        source: 'jaeger-operator pkg/util/util.go Labels',
      },
    ],
    owners: [
      { kind: 'Deployment', name: '{name}', source: 'jaeger-operator pkg/deployment/all_in_one.go' },
      { kind: 'Deployment', name: '{name}-query', source: 'jaeger-operator pkg/deployment/query.go' },
    ],
  },
  ...['opensearch.opster.io', 'opensearch.org'].map(
    (group): OperatorKind => ({
      group,
      versions: ['v1'],
      plural: 'opensearchclusters',
      kind: 'OpenSearchCluster',
      namespaced: true,
      project: (spec, name) => openSearchSpec(spec, name, group),
      // ClusterLabel: `opster.io/opensearch-cluster` up to 2.x, `opensearch.org/opensearch-cluster` from 3.x
      // (opensearch-operator/pkg/helpers/constants.go at v2.8.0 and at 3.0.0-alpha).
      serviceLabels: [{ nameFrom: group === 'opensearch.org' ? 'opensearch.org/opensearch-cluster' : 'opster.io/opensearch-cluster', source: 'opensearch-operator pkg/builders/cluster.go NewServiceForCR' }],
      serviceNames: [{ name: '{name}-discovery', source: 'opensearch-operator pkg/builders/cluster.go DiscoveryServiceName' }],
      podLabels: [{ nameFrom: group === 'opensearch.org' ? 'opensearch.org/opensearch-cluster' : 'opster.io/opensearch-cluster', source: 'opensearch-operator pkg/builders/cluster.go' }],
      owners: [{ kind: 'StatefulSet', name: '{name}-{*}', source: 'opensearch-operator pkg/builders/cluster.go StsName' }],
    }),
  ),
];

/** The group/versions whose presence in `/apis` says an operator's CRD is served. */
export function operatorGroupVersions(): string[] {
  const out = new Set<string>();
  for (const k of OPERATOR_KINDS) for (const v of k.versions) out.add(`${k.group}/${v}`);
  return [...out].sort();
}

/** One APIResourceList of API discovery (`/apis/<group>/<version>`), as much of it as this needs. */
export interface DiscoveredGroupVersion {
  groupVersion: string;
  resources: ReadonlyArray<{ name: string; kind: string }>;
}

/**
 * The operator kinds the API server serves, each at the newest of its table versions that discovery lists with the
 * kind's plural: what to list and watch. A kind missing here has no CRD (or not one of its versions): nothing to read,
 * and an earlier informer for it should stop.
 */
export function servedOperatorKinds(discovered: readonly DiscoveredGroupVersion[]): Array<{ kind: OperatorKind; version: string }> {
  const served = new Set<string>();
  for (const gv of discovered) for (const r of gv.resources) if (!r.name.includes('/')) served.add(`${gv.groupVersion}/${r.name}/${r.kind}`);
  const out: Array<{ kind: OperatorKind; version: string }> = [];
  for (const kind of OPERATOR_KINDS) {
    const version = kind.versions.find((v) => served.has(`${kind.group}/${v}/${kind.plural}/${kind.kind}`));
    if (version !== undefined) out.push({ kind, version });
  }
  return out;
}

const KIND_BY_GROUP_KIND = new Map(OPERATOR_KINDS.map((k) => [`${k.group}/${k.kind}`, k]));

export function operatorKindFor(apiVersion: string, kind: string): OperatorKind | undefined {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return undefined;
  const k = KIND_BY_GROUP_KIND.get(`${apiVersion.slice(0, slash)}/${kind}`);
  return k && k.versions.includes(apiVersion.slice(slash + 1)) ? k : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Projection.

/**
 * The bounded projection of one custom resource (a decoded API object or a manifest), or undefined when it is not one
 * of OPERATOR_KINDS or its identity is malformed. Only the fields named in the table are read; the result is frozen.
 */
export function projectResource(obj: unknown): OperatorResource | undefined {
  if (!isObj(obj)) return undefined;
  const apiVersion = text(obj.apiVersion);
  const kind = text(obj.kind);
  if (apiVersion === undefined || kind === undefined) return undefined;
  const entry = operatorKindFor(apiVersion, kind);
  if (!entry) return undefined;
  const md = obj.metadata;
  const name = text(at(md, 'name'));
  const namespace = text(at(md, 'namespace'));
  if (name === undefined || namespace === undefined || !DNS_SUBDOMAIN.test(name) || !DNS_LABEL.test(namespace)) return undefined;
  const uid = text(at(md, 'uid'));
  const spec = isObj(obj.spec) ? obj.spec : {};
  const projected = entry.project(spec, name, entry.group);
  const out: OperatorResource = { apiVersion, group: entry.group, kind, name, namespace, spec: deepFreeze(projected) };
  if (uid !== undefined && uid.length <= OPERATOR_LIMITS.uid && uid !== '') out.uid = uid;
  return Object.freeze(out);
}

/**
 * projectResource for an item of a list of one kind at one version: list items may come without apiVersion and kind
 * (a typed list's items carry none), so they are taken from the list asked for.
 */
export function projectListedResource(obj: unknown, kind: OperatorKind, version: string): OperatorResource | undefined {
  if (!isObj(obj)) return undefined;
  return projectResource(obj.kind === undefined && obj.apiVersion === undefined ? { ...obj, apiVersion: `${kind.group}/${version}`, kind: kind.kind } : obj);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// The index: O(1) by namespace+group+kind+name, by uid, and by front-door Service name.

function resKey(namespace: string, group: string, kind: string, name: string): string {
  return `${namespace}/${group}/${kind}/${name}`;
}

const EMPTY: ReadonlyMap<string, OperatorResource> = new Map();

export class OperatorResourceIndex {
  private readonly byKey = new Map<string, OperatorResource>();
  private readonly byUid = new Map<string, OperatorResource>();
  /** "ns/service" → resources whose front door is that Service. */
  private readonly byFrontDoor = new Map<string, Set<OperatorResource>>();
  /** "ns/group/kind" → name → resource; and how many resources each namespace holds. */
  private readonly byNsKind = new Map<string, Map<string, OperatorResource>>();
  private readonly perNamespace = new Map<string, number>();

  /** Adds or replaces a resource; true when what plugins would see changed. */
  upsert(r: OperatorResource): boolean {
    const key = resKey(r.namespace, r.group, r.kind, r.name);
    const old = this.byKey.get(key);
    if (old && old.uid === r.uid && JSON.stringify(old.spec) === JSON.stringify(r.spec) && old.apiVersion === r.apiVersion) return false;
    if (old) this.unlink(old);
    this.byKey.set(key, r);
    if (r.uid !== undefined) this.byUid.set(r.uid, r);
    const nk = `${r.namespace}/${r.group}/${r.kind}`;
    let names = this.byNsKind.get(nk);
    if (!names) this.byNsKind.set(nk, (names = new Map()));
    names.set(r.name, r);
    this.perNamespace.set(r.namespace, (this.perNamespace.get(r.namespace) ?? 0) + 1);
    const fd = r.spec.frontDoor;
    if (fd) {
      const k = `${r.namespace}/${fd.service}`;
      let set = this.byFrontDoor.get(k);
      if (!set) this.byFrontDoor.set(k, (set = new Set()));
      set.add(r);
    }
    return true;
  }

  /** Removes a resource; the removed one, or undefined when it was not indexed. */
  delete(namespace: string, group: string, kind: string, name: string): OperatorResource | undefined {
    const old = this.byKey.get(resKey(namespace, group, kind, name));
    if (old) this.unlink(old);
    return old;
  }

  /** Drops every resource of a group (its CRD is no longer served); returns what was dropped. */
  deleteGroup(group: string, kind?: string): OperatorResource[] {
    const gone = [...this.byKey.values()].filter((r) => r.group === group && (kind === undefined || r.kind === kind));
    for (const r of gone) this.unlink(r);
    return gone;
  }

  private unlink(r: OperatorResource): void {
    this.byKey.delete(resKey(r.namespace, r.group, r.kind, r.name));
    if (r.uid !== undefined && this.byUid.get(r.uid) === r) this.byUid.delete(r.uid);
    const nk = `${r.namespace}/${r.group}/${r.kind}`;
    const names = this.byNsKind.get(nk);
    names?.delete(r.name);
    if (names?.size === 0) this.byNsKind.delete(nk);
    const left = (this.perNamespace.get(r.namespace) ?? 1) - 1;
    if (left > 0) this.perNamespace.set(r.namespace, left);
    else this.perNamespace.delete(r.namespace);
    const fd = r.spec.frontDoor;
    if (fd) {
      const k = `${r.namespace}/${fd.service}`;
      const set = this.byFrontDoor.get(k);
      set?.delete(r);
      if (set?.size === 0) this.byFrontDoor.delete(k);
    }
  }

  get(namespace: string, group: string, kind: string, name: string): OperatorResource | undefined {
    return this.byKey.get(resKey(namespace, group, kind, name));
  }

  getByUid(uid: string): OperatorResource | undefined {
    return this.byUid.get(uid);
  }

  /** Resources of one kind in a namespace (for matching name templates when there are few). */
  ofKind(namespace: string, group: string, kind: string): ReadonlyMap<string, OperatorResource> {
    return this.byNsKind.get(`${namespace}/${group}/${kind}`) ?? EMPTY;
  }

  /** How many resources a namespace holds: none means no Service there can be tied. */
  countIn(namespace: string): number {
    return this.perNamespace.get(namespace) ?? 0;
  }

  frontDoorOf(namespace: string, service: string): readonly OperatorResource[] {
    const set = this.byFrontDoor.get(`${namespace}/${service}`);
    return set ? [...set] : [];
  }

  size(): number {
    return this.byKey.size;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tying a Service to its resources.

export interface ServiceRef {
  namespace: string;
  name: string;
  labels?: Readonly<Record<string, string>>;
  ownerReferences?: ReadonlyArray<{ apiVersion: string; kind: string; name: string; uid?: string }>;
}

const TEMPLATE_CACHE = new Map<string, { before: string; after: RegExp }>();

function compiled(template: NameTemplate): { before: string; after: RegExp } {
  let c = TEMPLATE_CACHE.get(template);
  if (!c) {
    const i = template.indexOf('{name}');
    const before = template.slice(0, i);
    const rest = template.slice(i + '{name}'.length);
    const pattern = rest
      .split(/(\{\*\}|\{n\})/)
      .map((part) => (part === '{*}' ? '[a-z0-9][-a-z0-9.]*' : part === '{n}' ? '\\d+' : part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')))
      .join('');
    c = { before, after: new RegExp(`^${pattern}$`) };
    TEMPLATE_CACHE.set(template, c);
  }
  return c;
}

/** Every resource name a template could have produced `actual` from (shortest first), bounded by the name's length. */
function namesFromTemplate(template: NameTemplate, actual: string): string[] {
  const { before, after } = compiled(template);
  if (actual.length > OPERATOR_LIMITS.name || !actual.startsWith(before)) return [];
  const out: string[] = [];
  for (let end = before.length + 1; end <= actual.length; end++) {
    if (after.test(actual.slice(end))) out.push(actual.slice(before.length, end));
  }
  return out;
}

/** True when `template` with `{name}` = `name` produces `actual`. */
function templateMatches(template: NameTemplate, name: string, actual: string): boolean {
  const { before, after } = compiled(template);
  return actual.length > before.length + name.length - 1 && actual.startsWith(before + name) && after.test(actual.slice(before.length + name.length));
}

/**
 * The resources of one kind (in the Service's namespace) whose name `template` turns into `actual`. Whichever is
 * cheaper: the resources of the kind there (usually a handful), or the ways to split the name (at most its length).
 */
function templateResources(ofKind: ReadonlyMap<string, OperatorResource>, template: NameTemplate, actual: string): OperatorResource[] {
  if (ofKind.size <= actual.length) return [...ofKind.values()].filter((r) => templateMatches(template, r.name, actual));
  return namesFromTemplate(template, actual).flatMap((n) => {
    const r = ofKind.get(n);
    return r ? [r] : [];
  });
}

function labelMatches(rule: LabelRule, labels: Readonly<Record<string, string>>): string | undefined {
  const name = labels[rule.nameFrom];
  if (name === undefined || name === '') return undefined;
  for (const [k, want] of Object.entries(rule.when ?? {})) {
    const v = labels[k];
    if (v === undefined || (typeof want === 'string' ? v !== want : !want.includes(v))) return undefined;
  }
  return name;
}

/** Each resource's spec as JSON, made once: plugins get fresh copies, never the index's (frozen) objects. */
const SPEC_JSON = new WeakMap<OperatorResource, string>();

function evidence(r: OperatorResource, via: string): ResourceEvidence {
  let json = SPEC_JSON.get(r);
  if (json === undefined) SPEC_JSON.set(r, (json = JSON.stringify(r.spec)));
  return { apiVersion: r.apiVersion, kind: r.kind, name: r.name, namespace: r.namespace, spec: JSON.parse(json) as Record<string, unknown>, via };
}

/**
 * The operator resources behind a Service, strongest tie first: the Service's ownerReferences (the operator made
 * it), the Service being a resource's front door, the labels and names the operator gives its Services, then the
 * labels and owners of the workloads behind it (a user's Service in front of operator-made Pods). Only resources in
 * the Service's namespace count; each resource appears once, with the first way it was tied.
 */
export function resourcesForService(service: ServiceRef, resources: OperatorResourceIndex, workloads?: readonly WorkloadEvidence[]): ResourceEvidence[] {
  const out: ResourceEvidence[] = [];
  // Most namespaces hold no operator resource: nothing to tie, nothing to look at.
  if (resources.countIn(service.namespace) === 0) return out;
  const seen = new Set<OperatorResource>();
  const add = (r: OperatorResource | undefined, via: string): void => {
    if (!r || r.namespace !== service.namespace || seen.has(r)) return;
    seen.add(r);
    out.push(evidence(r, via));
  };

  for (const ref of (service.ownerReferences ?? []).slice(0, 16)) {
    const kind = operatorKindFor(ref.apiVersion, ref.kind);
    if (!kind) continue;
    const byUid = ref.uid ? resources.getByUid(ref.uid) : undefined;
    if (byUid) {
      if (byUid.kind === ref.kind && byUid.name === ref.name) add(byUid, 'ownerReference');
      continue;
    }
    // Without a uid to match (a hand-written manifest), the name; a reference to another uid is a stale owner.
    const byName = resources.get(service.namespace, kind.group, kind.kind, ref.name);
    if (byName && (!ref.uid || byName.uid === undefined)) add(byName, 'ownerReference');
  }

  for (const r of resources.frontDoorOf(service.namespace, service.name)) add(r, 'front door');

  // Only the kinds with resources in this namespace can tie by label, name or workload.
  const present = OPERATOR_KINDS.map((kind) => ({ kind, ofKind: resources.ofKind(service.namespace, kind.group, kind.kind) })).filter((k) => k.ofKind.size > 0);
  const labels = service.labels ?? {};
  for (const { kind, ofKind } of present) {
    for (const rule of kind.serviceLabels) {
      const name = labelMatches(rule, labels);
      if (name !== undefined) add(ofKind.get(name), `label ${rule.nameFrom}`);
    }
    for (const rule of kind.serviceNames) {
      for (const r of templateResources(ofKind, rule.name, service.name)) add(r, `name ${rule.name}`);
    }
  }

  for (const w of (workloads ?? []).slice(0, 64)) {
    for (const { kind, ofKind } of present) {
      for (const rule of kind.podLabels) {
        const name = labelMatches(rule, w.labels);
        if (name !== undefined) add(ofKind.get(name), `workload label ${rule.nameFrom}`);
      }
      for (const rule of kind.owners) {
        if (w.owner.kind !== rule.kind) continue;
        for (const r of templateResources(ofKind, rule.name, w.owner.name)) add(r, `workload ${rule.kind} ${rule.name}`);
      }
    }
  }
  return out;
}
