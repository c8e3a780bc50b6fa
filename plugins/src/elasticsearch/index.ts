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
} from '@kubernaut/toolset-sdk';
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
  version: '1.0.0',
  description: 'Elasticsearch and OpenSearch REST API (cluster health, indices, search).',
  type: 'elasticsearch',
  detect(service: ServiceView, ctx: DetectContext<Config>): Detection | null {
    if (isExternalName(service)) return null;
    const src = source(service);
    if (src === null) return null;
    const port = apiPort(service);
    if (port === undefined) return null;
    if (yieldsToTwin(service, ctx, (o) => source(o) !== null && apiPort(o) !== undefined)) return null;
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
