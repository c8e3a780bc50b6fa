// Built-in detector: Elasticsearch and OpenSearch (REST API, port 9200), reported as type `elasticsearch`.
//
//   source                         | evidence                                                      | scheme when the port does not say
//   elastic/elasticsearch chart    | labels chart=elasticsearch + app (+ release/heritage)          | https (see below)
//   ECK (elastic operator)         | common.k8s.elastic.co/type=elasticsearch, name `*-es-http`     | ECK names the port `https` or `http`
//   opensearch-project/opensearch  | app.kubernetes.io/name=opensearch                              | https (security plugin on by default)
//   OpenSearch operator            | opster.io/opensearch-cluster                                   | https
//   bitnami / plain manifests      | app.kubernetes.io/name=elasticsearch, app=elasticsearch,       | http
//                                  | k8s-app=elasticsearch-logging                                  |
// Never: exporters, Kibana / OpenSearch Dashboards, Logstash, operators and their webhooks, ECK's transport,
// internal-http and per-nodeSet Services.
// Port: `http`, `https`, `rest`, `http-rest`, `tcp-rest-api` (bitnami), else 9200 — never `transport` 9300.
//
// Scheme rule: the port's name/appProtocol and OpenShift serving-cert annotations decide first (ECK, explicit
// `https`). The elastic/elasticsearch and opensearch charts always name the port `http`, whatever the protocol, so
// their Service carries no TLS evidence: the elastic chart's maintained line (8.x) defaults to `protocol: https`
// with generated certificates (7.x defaulted to http), and the OpenSearch image serves TLS with its demo certificates
// unless the security plugin is disabled. For those two charts the detector assumes https unless the plugin config
// says `chartScheme: http`.
// Health: `/_cluster/health` relative to host:port.
// One endpoint per install: a headless twin (`*-headless`, `clusterIP: None`) is skipped when a normal Service of the
// same cluster selects the same pods.
//
// With workload evidence the Pods decide: elasticsearch/elasticsearch (docker.elastic.co), elastic/elasticsearch,
// Docker Hub's elasticsearch, bitnami/elasticsearch, opensearchproject/opensearch, bitnami/opensearch, the API port
// landing on that container; nothing behind the Service or another image: no entry (Kibana, exporters, ECK's
// non-client Services stay excluded by the rules above). Scheme, when the port does not say:
//   OpenSearch      http when DISABLE_SECURITY_PLUGIN or plugins.security.disabled is true, or
//                   plugins.security.ssl.http.enabled is false (the image's entrypoint, opensearch-build
//                   docker/release/config/opensearch/opensearch-docker-entrypoint-*.sh); else https (demo certificates)
//   ECK             the port name (ECK names it after spec.http.tls)
//   Elasticsearch   xpack.security.http.ssl.enabled true/false decides (the elastic chart's statefulset.yaml sets it
//                   with createCert); xpack.security.enabled=false: http; else 8.x images https (security
//                   auto-configuration enables TLS on HTTP), older ones http
// Node groups: Services of one cluster are one backend, and the master group's Service is the entry (else the lowest
// name; see groupRank). With evidence, one cluster means the same cluster.name on both groups' nodes, else the same
// <clusterName>- prefix (the elastic/opensearch charts name them <clusterName>-<nodeGroup>) and the same image;
// from metadata alone, two chart Services with the same prefix.
import {
  defineDetector,
  isExternalName,
  labelOrSelector,
  findPort,
  portRef,
  portScheme,
  isHttpsPort,
  yieldsToTwin,
  mentionsAny,
  NON_API_WORDS,
  hasEvidence,
  workloads,
  looksHeadless,
  imageMatches,
  parseImage,
} from '@kubernaut/toolset-sdk';
import { interestOf, operatorScheme, portOnto, productContainer, reaches } from '../shared/evidence.js';
import type { Product, ProductMatch } from '../shared/evidence.js';
import type { Detection, DetectContext, ServicePort, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';

interface Config {
  /** Scheme assumed for elastic/elasticsearch and opensearch chart Services, whose port name never says (default https). */
  chartScheme?: 'http' | 'https';
}

type Source = 'elastic-chart' | 'eck' | 'opensearch' | 'plain';
const EXCLUDED = ['kibana', 'dashboards', 'logstash', 'filebeat', 'metricbeat', 'fluentd', 'fluent-bit', 'curator', 'cerebro', 'elastalert', 'hq'];

function source(s: ServiceView): Source | null {
  if (mentionsAny(s, NON_API_WORDS) || mentionsAny(s, EXCLUDED)) return null;
  const l = s.metadata.labels;
  if (l['common.k8s.elastic.co/type'] !== undefined) {
    // ECK: `<cluster>-es-http` is the client Service; `-es-transport`, `-es-internal-http`, `-es-<nodeSet>` are not.
    return l['common.k8s.elastic.co/type'] === 'elasticsearch' && s.metadata.name.endsWith('-es-http') ? 'eck' : null;
  }
  if (l.chart === 'elasticsearch' && l.app !== undefined) return 'elastic-chart';
  if (labelOrSelector(s, 'app.kubernetes.io/name') === 'opensearch' || l['opster.io/opensearch-cluster'] !== undefined) return 'opensearch';
  const name = labelOrSelector(s, 'app.kubernetes.io/name');
  const app = labelOrSelector(s, 'app');
  if (name === 'elasticsearch' || app === 'elasticsearch' || labelOrSelector(s, 'k8s-app') === 'elasticsearch-logging') return 'plain';
  return null;
}

const OPENSEARCH_IMAGES = ['opensearchproject/opensearch', 'bitnami/opensearch'];
const SEARCH: Product = {
  images: ['elasticsearch/elasticsearch', 'elastic/elasticsearch', 'library/elasticsearch', 'bitnami/elasticsearch', ...OPENSEARCH_IMAGES],
  names: ['elasticsearch', 'opensearch'],
  words: ['elasticsearch', 'opensearch'],
};

/** Excluded by name and labels whatever runs behind: Kibana & co, operators, ECK's non-client Services. */
function excluded(s: ServiceView): boolean {
  if (mentionsAny(s, NON_API_WORDS) || mentionsAny(s, EXCLUDED)) return true;
  const type = s.metadata.labels['common.k8s.elastic.co/type'];
  return type !== undefined && !(type === 'elasticsearch' && s.metadata.name.endsWith('-es-http'));
}

function evidenceMatch(s: ServiceView): { match: ProductMatch; port: ServicePort } | null {
  if (workloads(s).length === 0 || excluded(s)) return null;
  const match = productContainer(s, SEARCH);
  if (match === undefined) return null;
  let port = apiPort(s);
  if (port === undefined || !reaches(s, port, SEARCH)) port = portOnto(s, SEARCH, { names: ['http', 'https', 'rest'], numbers: [9200] });
  return port === undefined ? null : { match, port };
}

const isTrue = (v: string | undefined) => (v ?? '').trim().toLowerCase() === 'true';
const isFalse = (v: string | undefined) => (v ?? '').trim().toLowerCase() === 'false';

function evidenceScheme(s: ServiceView, src: Source | null, port: ServicePort, m: ProductMatch, config: Config): 'http' | 'https' {
  if (isHttpsPort(port) || (port.appProtocol ?? '') !== '') return portScheme(s, port);
  // ECK names the client port after its TLS setting (`https`, or `http` with selfSignedCertificate.disabled).
  if (src === 'eck') return scheme(s, src, port, config);
  const { env, image } = m.container;
  if (imageMatches(image, OPENSEARCH_IMAGES) || parseImage(image).repository.endsWith('opensearch') || env.DISABLE_SECURITY_PLUGIN !== undefined || env['plugins.security.disabled'] !== undefined) {
    if (isTrue(env.DISABLE_SECURITY_PLUGIN) || isTrue(env['plugins.security.disabled']) || isFalse(env['plugins.security.ssl.http.enabled'])) return 'http';
    return 'https';
  }
  if (isTrue(env['xpack.security.http.ssl.enabled'])) return 'https';
  if (isFalse(env['xpack.security.http.ssl.enabled']) || isFalse(env['xpack.security.enabled'])) return 'http';
  const major = Number(/^v?(\d+)\./.exec(parseImage(image).tag ?? '')?.[1]);
  if (Number.isFinite(major)) return major >= 8 ? 'https' : 'http';
  return src === null ? portScheme(s, port) : scheme(s, src, port, config);
}

/** `<clusterName>-<nodeGroup>`: the name without its last segment. */
const clusterPrefix = (name: string) => name.slice(0, Math.max(0, name.lastIndexOf('-')));

/**
 * Which of a cluster's node-group Services is its entry: the master group's, which elastic/elasticsearch and
 * opensearch-project's charts make the cluster's front door (`masterService` defaults to `<clusterName>-master`, every
 * other group's discovery.seed_hosts and Kibana's default ELASTICSEARCH_HOSTS point at it: elastic/helm-charts
 * elasticsearch/values.yaml and templates/statefulset.yaml; the multi-release example queries `multi-master`), else
 * the lowest name.
 */
function groupRank(name: string): [number, string] {
  return [name.endsWith('-master') ? 0 : 1, name];
}

function before(a: string, b: string): boolean {
  const [ra, na] = groupRank(a);
  const [rb, nb] = groupRank(b);
  return ra !== rb ? ra < rb : na < nb;
}

/** Both named `<clusterName>-<nodeGroup>` with the same, non-empty clusterName. */
function samePrefix(a: ServiceView, b: ServiceView): boolean {
  const prefix = clusterPrefix(a.metadata.name);
  return prefix !== '' && prefix === clusterPrefix(b.metadata.name);
}

/**
 * Whether two node groups' Services are one cluster: their nodes' `cluster.name` when both set it (the charts set it
 * on every group, and a rolling upgrade may run two images meanwhile), else the same `<clusterName>-` prefix and
 * the same image.
 */
function sameCluster(a: ServiceView, am: ProductMatch, b: ServiceView, bm: ProductMatch): boolean {
  const an = am.container.env['cluster.name'];
  const bn = bm.container.env['cluster.name'];
  if (an !== undefined && bn !== undefined) return an === bn;
  return samePrefix(a, b) && am.container.image === bm.container.image;
}

/** True when a normal sibling Service that comes first (groupRank) is, by `sameGroup`, another node group of s's cluster. */
function laterGroup(s: ServiceView, ctx: DetectContext<Config>, sameGroup: (o: ServiceView) => boolean): boolean {
  if (looksHeadless(s)) return false;
  return ctx.siblings().some((o) => before(o.metadata.name, s.metadata.name) && !isExternalName(o) && !looksHeadless(o) && sameGroup(o));
}

/** With evidence: the sibling's Pods run the product too and sameCluster says it is the same cluster. */
function laterNodeGroup(s: ServiceView, m: ProductMatch, ctx: DetectContext<Config>): boolean {
  return laterGroup(s, ctx, (o) => {
    const other = hasEvidence(o) ? evidenceMatch(o) : null;
    return other !== null && sameCluster(s, m, o, other.match);
  });
}

/**
 * From metadata alone: another node group of the same chart cluster — same source, the same `<clusterName>-` prefix
 * (the elastic and opensearch charts install each node group as its own release with a shared clusterName). Not for
 * the OpenSearch operator, whose per-pool Services are named otherwise.
 */
function laterChartGroup(s: ServiceView, src: Source, ctx: DetectContext<Config>): boolean {
  const chart = (v: ServiceView, from: Source | null) => from === 'elastic-chart' || (from === 'opensearch' && v.metadata.labels['opster.io/opensearch-cluster'] === undefined);
  if (!chart(s, src)) return false;
  return laterGroup(s, ctx, (o) => !hasEvidence(o) && source(o) === src && chart(o, src) && samePrefix(s, o) && apiPort(o) !== undefined);
}

function fromEvidence(s: ServiceView, ctx: DetectContext<Config>): Detection | null {
  const found = evidenceMatch(s);
  if (found === null) return null;
  if (yieldsToTwin(s, ctx, (o) => (hasEvidence(o) ? evidenceMatch(o) !== null : source(o) !== null && apiPort(o) !== undefined))) return null;
  if (laterNodeGroup(s, found.match, ctx)) return null;
  const { port, match } = found;
  const scheme = operatorScheme(s, port, SEARCH, ['Elasticsearch', 'OpenSearchCluster'], evidenceScheme(s, source(s), port, match, ctx.config ?? {}));
  return { port: portRef(port), scheme, health: { path: '/_cluster/health' } };
}

function apiPort(s: ServiceView): ServicePort | undefined {
  return findPort(s, { names: ['http', 'https', 'rest', 'http-rest', 'tcp-rest-api'], numbers: [9200] });
}

function scheme(s: ServiceView, src: Source, port: ServicePort, config: Config): 'http' | 'https' {
  if (isHttpsPort(port)) return 'https';
  if ((port.appProtocol ?? '') !== '') return portScheme(s, port);
  if (src === 'elastic-chart' || src === 'opensearch') {
    if (src === 'opensearch' && s.metadata.labels['opster.io/opensearch-cluster'] !== undefined) return 'https';
    return config.chartScheme === 'http' ? portScheme(s, port) : 'https';
  }
  return portScheme(s, port);
}

export default defineDetector<Config>({
  name: 'elasticsearch',
  version: '1.4.0',
  description: 'Elasticsearch and OpenSearch REST API (cluster health, indices, search).',
  type: 'elasticsearch',
  // With evidence it claims only Services where Elasticsearch or OpenSearch runs (evidenceMatch): the host asks about no other.
  evidence: interestOf([SEARCH]),
  detect(service: ServiceView, ctx: DetectContext<Config>): Detection | null {
    if (isExternalName(service)) return null;
    if (hasEvidence(service)) return fromEvidence(service, ctx);
    const src = source(service);
    if (src === null) return null;
    const port = apiPort(service);
    if (port === undefined) return null;
    if (yieldsToTwin(service, ctx, (o) => source(o) !== null && apiPort(o) !== undefined)) return null;
    if (laterChartGroup(service, src, ctx)) return null;
    return { port: portRef(port), scheme: scheme(service, src, port, ctx.config ?? {}), health: { path: '/_cluster/health' } };
  },
  toolsets(found): Record<string, ToolsetEntry> {
    // In-cluster TLS (chart-generated, ECK, OpenSearch demo certificates) is self-signed: do not verify it.
    const config: Record<string, unknown> = found.scheme === 'https' ? { api_url: found.url, verify_ssl: false } : { api_url: found.url };
    return {
      'elasticsearch/cluster': { enabled: true, config: { ...config } },
      'elasticsearch/data': { enabled: true, config: { ...config } },
    };
  },
});
