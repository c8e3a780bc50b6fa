import test from 'ava';
import plugin from './index.js';
import { svc, ctx } from '@kubernaut/toolset-sdk/testing';

const chart = { app: 'elasticsearch-master', chart: 'elasticsearch', heritage: 'Helm', release: 'search' };
const eck = (cluster: string) => ({ 'common.k8s.elastic.co/type': 'elasticsearch', 'elasticsearch.k8s.elastic.co/cluster-name': cluster });

test('elastic chart: https by default (port named http regardless), http when configured; transport never', (t) => {
  const s = svc('elasticsearch-master', { labels: chart, ports: [['http', 9200], ['transport', 9300]] });
  t.deepEqual(plugin.detect(s, ctx()), { port: 'http', scheme: 'https', health: { path: '/_cluster/health' } });
  t.is(plugin.detect(s, ctx([], { chartScheme: 'http' as const }))?.scheme, 'http');
  t.is(plugin.detect(svc('t', { labels: chart, ports: [['transport', 9300]] }), ctx()), null);
});

test('elastic chart headless twin: skipped next to the master Service, kept alone', (t) => {
  const headless = svc('elasticsearch-master-headless', { labels: chart, selector: { app: 'elasticsearch-master' }, headless: true, ports: [['http', 9200], ['transport', 9300]] });
  const main = svc('elasticsearch-master', { labels: chart, selector: { app: 'elasticsearch-master', chart: 'elasticsearch', release: 'search' }, ports: [['http', 9200], ['transport', 9300]] });
  t.is(plugin.detect(headless, ctx([main])), null);
  t.truthy(plugin.detect(headless, ctx([])));
});

test('ECK: only <cluster>-es-http; the port name says https or http', (t) => {
  t.deepEqual(plugin.detect(svc('quickstart-es-http', { labels: eck('quickstart'), ports: [['https', 9200]] }), ctx()), { port: 'https', scheme: 'https', health: { path: '/_cluster/health' } });
  t.is(plugin.detect(svc('quickstart-es-http', { labels: eck('quickstart'), ports: [['http', 9200]] }), ctx())?.scheme, 'http');
  t.is(plugin.detect(svc('quickstart-es-transport', { labels: eck('quickstart'), headless: true, ports: [['tls-transport', 9300]] }), ctx()), null);
  t.is(plugin.detect(svc('quickstart-es-internal-http', { labels: eck('quickstart'), ports: [['https', 9200]] }), ctx()), null);
  t.is(plugin.detect(svc('quickstart-es-default', { labels: { ...eck('quickstart'), 'elasticsearch.k8s.elastic.co/statefulset-name': 'quickstart-es-default' }, headless: true, ports: [['https', 9200]] }), ctx()), null);
  t.is(plugin.detect(svc('quickstart-kb-http', { labels: { 'common.k8s.elastic.co/type': 'kibana' }, ports: [['https', 5601]] }), ctx()), null);
});

test('OpenSearch chart and operator: https unless configured otherwise; dashboards never', (t) => {
  const os = svc('opensearch-cluster-master', { labels: { 'app.kubernetes.io/name': 'opensearch' }, ports: [['http', 9200], ['transport', 9300]] });
  t.is(plugin.detect(os, ctx())?.scheme, 'https');
  t.is(plugin.detect(os, ctx([], { chartScheme: 'http' as const }))?.scheme, 'http');
  t.is(plugin.detect(svc('my-cluster', { labels: { 'opster.io/opensearch-cluster': 'my-cluster' }, ports: [['http', 9200], ['transport', 9300]] }), ctx())?.scheme, 'https');
  t.is(plugin.detect(svc('osd-opensearch-dashboards', { labels: { 'app.kubernetes.io/name': 'opensearch-dashboards' }, ports: [['http', 5601]] }), ctx()), null);
});

test('bitnami / plain Elasticsearch default to http (tcp-rest-api or 9200)', (t) => {
  t.deepEqual(plugin.detect(svc('es-elasticsearch', { labels: { 'app.kubernetes.io/name': 'elasticsearch' }, ports: [['tcp-rest-api', 9200], ['tcp-transport', 9300]] }), ctx()), {
    port: 'tcp-rest-api', scheme: 'http', health: { path: '/_cluster/health' },
  });
  t.is(plugin.detect(svc('elasticsearch-logging', { labels: { 'k8s-app': 'elasticsearch-logging' }, ports: [9200] }), ctx())?.port, 9200);
});

test('exporters, Kibana, operators/webhooks, ExternalName and plain apps on 9200 are not Elasticsearch', (t) => {
  t.is(plugin.detect(svc('esx-prometheus-elasticsearch-exporter', { labels: { app: 'prometheus-elasticsearch-exporter' }, ports: [['http', 9108]] }), ctx()), null);
  t.is(plugin.detect(svc('kb-kibana', { labels: { app: 'kibana', release: 'kb' }, ports: [['http', 5601]] }), ctx()), null);
  t.is(plugin.detect(svc('elastic-webhook-server', { labels: { 'app.kubernetes.io/name': 'elastic-operator', 'control-plane': 'elastic-operator' }, ports: [['https', 443]] }), ctx()), null);
  t.is(plugin.detect(svc('logs', { labels: { app: 'elasticsearch' }, type: 'ExternalName', ports: [['https', 443]] }), ctx()), null);
  t.is(plugin.detect(svc('catalog-search', { labels: { app: 'catalog-search' }, ports: [['http', 9200]] }), ctx()), null);
});

test('toolsets: http has no verify_ssl', (t) => {
  const out = plugin.toolsets!(
    { detector: 'elasticsearch', type: 'elasticsearch', service: { name: 'e', namespace: 'n', labels: {}, annotations: {} }, url: 'http://e.n.svc.cluster.local:9200', scheme: 'http', host: 'e.n.svc.cluster.local', port: 9200, path: '', healthPath: '/_cluster/health' },
    { config: {} },
  );
  t.deepEqual(out, {
    'elasticsearch/cluster': { enabled: true, config: { api_url: 'http://e.n.svc.cluster.local:9200' } },
    'elasticsearch/data': { enabled: true, config: { api_url: 'http://e.n.svc.cluster.local:9200' } },
  });
});

test('evidence: OpenSearch is https unless its security plugin is off; Elasticsearch from its TLS env, else its major version', (t) => {
  const os = (env: Record<string, string>) => svc('os', { labels: { 'app.kubernetes.io/name': 'opensearch' }, ports: [['http', 9200]], workloads: [{ image: 'opensearchproject/opensearch:3.1.0', env }] });
  t.is(plugin.detect(os({}), ctx())?.scheme, 'https');
  t.is(plugin.detect(os({ DISABLE_SECURITY_PLUGIN: 'true' }), ctx())?.scheme, 'http');
  const es = (image: string, env: Record<string, string> = {}) => svc('search', { labels: { app: 'search' }, ports: [['rest', 9200]], workloads: [{ image, env }] });
  t.is(plugin.detect(es('docker.elastic.co/elasticsearch/elasticsearch:8.5.1'), ctx())?.scheme, 'https');
  t.is(plugin.detect(es('docker.elastic.co/elasticsearch/elasticsearch:8.5.1', { 'xpack.security.http.ssl.enabled': 'false' }), ctx())?.scheme, 'http');
  t.is(plugin.detect(es('elasticsearch:7.17.28'), ctx())?.scheme, 'http');
  t.is(plugin.detect(es('elasticsearch:7.17.28', { 'xpack.security.http.ssl.enabled': 'true' }), ctx())?.scheme, 'https');
});

test('evidence: the node groups of one cluster are one entry, the master group (the chart\'s front door) else the lowest name; decoys and empty Services are no entry', (t) => {
  const image = 'docker.elastic.co/elasticsearch/elasticsearch:8.5.1';
  const group = (g: string, img = image) => svc(`elasticsearch-${g}`, { labels: { ...chart, app: `elasticsearch-${g}` }, ports: [['http', 9200], ['transport', 9300]], workloads: [{ image: img }] });
  const master = group('master');
  const data = group('data');
  const ingest = group('ingest');
  t.truthy(plugin.detect(master, ctx([data, ingest])));
  t.is(plugin.detect(data, ctx([master, ingest])), null);
  t.is(plugin.detect(ingest, ctx([master, data])), null);
  // Without a master group: the lowest name.
  t.truthy(plugin.detect(data, ctx([ingest])));
  t.is(plugin.detect(ingest, ctx([data])), null);
  // Another version is another cluster.
  t.truthy(plugin.detect(master, ctx([group('data', 'docker.elastic.co/elasticsearch/elasticsearch:7.17.28')])));
  t.is(plugin.detect(svc('elasticsearch', { labels: { app: 'elasticsearch' }, ports: [['http', 9200]], workloads: [{ image: 'ghcr.io/acme/search-gateway:1.8.2' }] }), ctx()), null);
  t.is(plugin.detect(svc('elasticsearch', { labels: { app: 'elasticsearch' }, ports: [['http', 9200]], workloads: [] }), ctx()), null);
});

test('evidence: the nodes\' cluster.name, when both groups set it, decides which Services are one cluster (not their names or images)', (t) => {
  const image = 'docker.elastic.co/elasticsearch/elasticsearch:8.5.1';
  const node = (name: string, cluster: string, img = image) => svc(name, { labels: { app: name }, ports: [['http', 9200], ['transport', 9300]], workloads: [{ image: img, env: { 'cluster.name': cluster } }] });
  // One cluster whose group names share no `<clusterName>-` prefix: one entry, the master group.
  const master = node('es-master', 'logs');
  const hot = node('es-data-hot', 'logs');
  t.truthy(plugin.detect(master, ctx([hot])));
  t.is(plugin.detect(hot, ctx([master])), null);
  // Mid rolling upgrade: two images, still one cluster.
  t.is(plugin.detect(node('es-data-hot', 'logs', 'docker.elastic.co/elasticsearch/elasticsearch:8.6.0'), ctx([master])), null);
  // Two clusters whose Service names share a prefix: two entries.
  t.truthy(plugin.detect(node('search-data', 'audit'), ctx([node('search-master', 'logs')])));
});

test('metadata only: the elastic chart\'s node-group releases of one cluster are one entry, the master group\'s', (t) => {
  // elastic/helm-charts installs each node group as a release with the same clusterName: <clusterName>-<nodeGroup>.
  const group = (g: string, cluster = 'elasticsearch') =>
    svc(`${cluster}-${g}`, { labels: { app: `${cluster}-${g}`, chart: 'elasticsearch', heritage: 'Helm', release: g }, ports: [['http', 9200], ['transport', 9300]] });
  const master = group('master');
  const data = group('data');
  t.truthy(plugin.detect(master, ctx([data])));
  t.is(plugin.detect(data, ctx([master])), null);
  t.truthy(plugin.detect(data, ctx([])), 'alone, a data group is the entry');
  t.truthy(plugin.detect(group('data', 'audit'), ctx([master])), 'another clusterName is another cluster');
});

test('evidence: an ECK client Service keeps the scheme its port name says (ECK names it after spec.http.tls)', (t) => {
  const eck = (portName: string) =>
    svc('plain-es-http', { labels: { 'common.k8s.elastic.co/type': 'elasticsearch', 'elasticsearch.k8s.elastic.co/cluster-name': 'plain' }, ports: [[portName, 9200]], workloads: [{ image: 'docker.elastic.co/elasticsearch/elasticsearch:8.17.0' }] });
  t.is(plugin.detect(eck('http'), ctx())?.scheme, 'http');
  t.is(plugin.detect(eck('https'), ctx())?.scheme, 'https');
});
