// Operator resources: each operator-faithful fixture (test/fixtures/operators, modelled on the operators' code) ties
// its Services to the custom resource that made them, with the spec a plugin needs (TLS, path, gateway, tenants);
// Services no operator made get none; a hostile custom resource stays small.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parseAllDocuments } from 'yaml';
import type { ResourceEvidence } from '@kubernaut/toolset-sdk';
import { toServiceView } from '../../core/src/detection/view.js';
import {
  OPERATOR_KINDS,
  OPERATOR_LIMITS,
  OperatorResourceIndex,
  operatorGroupVersions,
  projectResource,
  resourcesForService,
  servedOperatorKinds,
  type OperatorResource,
  type ServiceRef,
} from '../../core/src/discovery/operators.js';
import { projectPod, WorkloadIndex } from '../../core/src/discovery/workloads.js';
import { startEmulator } from '../../core/src/emulator/index.js';
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

type Obj = Record<string, any>;

interface Cluster {
  resources: OperatorResourceIndex;
  services: Map<string, Obj>;
  workloads: WorkloadIndex;
}

function load(file: string): Cluster {
  const path = fileURLToPath(new URL(`../fixtures/operators/${file}`, import.meta.url));
  const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as Obj).filter((d) => d !== null);
  const c: Cluster = { resources: new OperatorResourceIndex(), services: new Map(), workloads: new WorkloadIndex() };
  for (const d of docs) {
    if (d.kind === 'Service') c.services.set(`${d.metadata.namespace}/${d.metadata.name}`, d);
    else if (d.kind === 'Pod') {
      const p = projectPod(d);
      if (p) c.workloads.upsertPod(p);
    } else {
      const r = projectResource(d);
      if (!r) throw new Error(`${file}: ${d.apiVersion}/${d.kind} ${d.metadata?.name} did not project`);
      c.resources.upsert(r);
    }
  }
  return c;
}

function ref(svc: Obj): ServiceRef {
  return { namespace: svc.metadata.namespace, name: svc.metadata.name, labels: svc.metadata.labels ?? {}, ownerReferences: svc.metadata.ownerReferences };
}

/** What resourcesForService says for one fixture Service, with the workloads its selector reaches. */
function tie(c: Cluster, key: string, edit?: (svc: Obj) => void): ResourceEvidence[] {
  const raw = c.services.get(key);
  if (!raw) throw new Error(`no Service ${key}`);
  const svc = structuredClone(raw);
  edit?.(svc);
  const workloads = c.workloads.evidenceFor(toServiceView(svc))?.workloads ?? [];
  return resourcesForService(ref(svc), c.resources, workloads);
}

const FIXTURES = {
  prom: load('prometheus-operator.yaml'),
  vm: load('victoriametrics-operator.yaml'),
  grafana: load('grafana-operator.yaml'),
  eck: load('eck.yaml'),
  loki: load('loki-operator.yaml'),
  tempo: load('tempo-operator.yaml'),
  jaeger: load('jaeger-operator.yaml'),
  opensearch: load('opensearch-operator.yaml'),
};

interface Case {
  fixture: keyof typeof FIXTURES;
  service: string;
  kind: string;
  name: string;
  via: string;
  spec: Record<string, unknown>;
}

// The front door of every fixture, and the operators' other Services a user is likely to point at.
const CASES: Case[] = [
  {
    fixture: 'prom',
    service: 'monitoring/prometheus-operated',
    kind: 'Prometheus',
    name: 'k8s',
    via: 'ownerReference',
    spec: { tls: false, path: '/prom', externalUrl: 'https://prometheus.example.com/prom', frontDoor: { service: 'prometheus-operated', port: 'web', number: 9090 } },
  },
  // kube-prometheus's own Service: the operator did not make it, its Pods say whose they are.
  { fixture: 'prom', service: 'monitoring/prometheus-k8s', kind: 'Prometheus', name: 'k8s', via: 'workload label operator.prometheus.io/name', spec: { tls: false, path: '/prom' } },
  {
    fixture: 'prom',
    service: 'monitoring/alertmanager-operated',
    kind: 'Alertmanager',
    name: 'main',
    via: 'ownerReference',
    spec: { tls: true, path: '', frontDoor: { service: 'alertmanager-operated', port: 'web', number: 9093 } },
  },
  { fixture: 'prom', service: 'monitoring/alertmanager-main', kind: 'Alertmanager', name: 'main', via: 'workload label alertmanager', spec: { tls: true } },
  { fixture: 'vm', service: 'vm/vmsingle-main', kind: 'VMSingle', name: 'main', via: 'ownerReference', spec: { tls: false, path: '/vm', frontDoor: { service: 'vmsingle-main', port: 'http', number: 8429 } } },
  {
    fixture: 'vm',
    service: 'vm/vmselect-prod',
    kind: 'VMCluster',
    name: 'prod',
    via: 'ownerReference',
    spec: { tls: true, path: '/select/0/prometheus', frontDoor: { service: 'vmselect-prod', port: 'http', number: 8481 } },
  },
  // A component: tied to the cluster, but its front door is vmselect, not this Service.
  { fixture: 'vm', service: 'vm/vminsert-prod', kind: 'VMCluster', name: 'prod', via: 'ownerReference', spec: { frontDoor: { service: 'vmselect-prod', port: 'http', number: 8481 } } },
  { fixture: 'vm', service: 'vm/vmalertmanager-am', kind: 'VMAlertmanager', name: 'am', via: 'ownerReference', spec: { tls: false, frontDoor: { service: 'vmalertmanager-am', port: 'http', number: 9093 } } },
  { fixture: 'grafana', service: 'grafana/grafana-service', kind: 'Grafana', name: 'grafana', via: 'ownerReference', spec: { tls: false, path: '/grafana', frontDoor: { service: 'grafana-service', port: 'grafana', number: 3000 } } },
  { fixture: 'eck', service: 'elastic/quickstart-es-http', kind: 'Elasticsearch', name: 'quickstart', via: 'ownerReference', spec: { tls: true, frontDoor: { service: 'quickstart-es-http', port: 'https', number: 9200 } } },
  { fixture: 'eck', service: 'elastic/quickstart-es-default', kind: 'Elasticsearch', name: 'quickstart', via: 'ownerReference', spec: { tls: true, frontDoor: { service: 'quickstart-es-http', port: 'https', number: 9200 } } },
  { fixture: 'eck', service: 'elastic/plain-es-http', kind: 'Elasticsearch', name: 'plain', via: 'ownerReference', spec: { tls: false, frontDoor: { service: 'plain-es-http', port: 'http', number: 9200 } } },
  {
    fixture: 'loki',
    service: 'logging/logs-gateway-http',
    kind: 'LokiStack',
    name: 'logs',
    via: 'ownerReference',
    spec: { tls: false, gateway: true, tenantsMode: 'static', tenants: ['team-a', 'team-b'], path: '/api/logs/v1', frontDoor: { service: 'logs-gateway-http', port: 'public', number: 8080 } },
  },
  { fixture: 'loki', service: 'logging/logs-query-frontend-http', kind: 'LokiStack', name: 'logs', via: 'ownerReference', spec: { gateway: true, frontDoor: { service: 'logs-gateway-http', port: 'public', number: 8080 } } },
  {
    fixture: 'tempo',
    service: 'tracing/tempo-simplest-query-frontend',
    kind: 'TempoStack',
    name: 'simplest',
    via: 'ownerReference',
    spec: { tls: false, gateway: false, jaegerQuery: true, frontDoor: { service: 'tempo-simplest-query-frontend', port: 'http', number: 3200 } },
  },
  {
    fixture: 'tempo',
    service: 'tracing/tempo-mono-gateway',
    kind: 'TempoMonolithic',
    name: 'mono',
    via: 'ownerReference',
    spec: { tls: true, gateway: true, tenantsMode: 'openshift', tenants: ['dev'], frontDoor: { service: 'tempo-mono-gateway', port: 'public', number: 8080 } },
  },
  { fixture: 'jaeger', service: 'observability/simplest-query', kind: 'Jaeger', name: 'simplest', via: 'ownerReference', spec: { tls: false, path: '/jaeger', frontDoor: { service: 'simplest-query', port: 'http-query', number: 16686 } } },
  { fixture: 'opensearch', service: 'search/my-cluster', kind: 'OpenSearchCluster', name: 'my-cluster', via: 'ownerReference', spec: { tls: true, frontDoor: { service: 'my-cluster', port: 'http', number: 9200 } } },
  { fixture: 'opensearch', service: 'search/logs-os', kind: 'OpenSearchCluster', name: 'logs', via: 'ownerReference', spec: { tls: false, frontDoor: { service: 'logs-os', port: 'http', number: 9200 } } },
];

for (const c of CASES) {
  test(`${c.fixture}: ${c.service} is tied to ${c.kind} ${c.name} (${c.via})`, (t) => {
    const got = tie(FIXTURES[c.fixture], c.service);
    const r = got.find((x) => x.kind === c.kind && x.name === c.name);
    t.is(r?.kind, c.kind);
    t.is(r?.name, c.name);
    t.is(r?.namespace, c.service.split('/')[0]);
    t.is(r?.via, c.via);
    t.like(r?.spec, c.spec);
  });
}

test('every Service of every fixture is tied to exactly the resource of its namespace that made it, except the plain app', (t) => {
  let tied = 0;
  for (const [name, c] of Object.entries(FIXTURES)) {
    for (const key of c.services.keys()) {
      const got = tie(c, key);
      if (key === 'monitoring/checkout') {
        t.deepEqual(got, [], 'a Service no operator made, on Prometheus port 9090, gets no resource');
        continue;
      }
      // prometheus-operated governs every Prometheus of its namespace: the operator merges one owner per resource.
      t.is(got.length, key === 'monitoring/prometheus-operated' ? 2 : 1, `${name} ${key}: ${JSON.stringify(got)}`);
      tied++;
    }
  }
  t.is(tied, 29); // tempo-operator.yaml: with the gateway on, a TempoMonolithic has only its gateway Service
});

test('the governing prometheus-operated Service is tied to every Prometheus of its namespace; a user Service only to its own', (t) => {
  const gov = tie(FIXTURES.prom, 'monitoring/prometheus-operated');
  t.deepEqual(
    gov.map((r) => `${r.name} ${r.via}`),
    ['k8s ownerReference', 'user-workload ownerReference'],
  );
  t.deepEqual(
    tie(FIXTURES.prom, 'monitoring/prometheus-k8s').map((r) => r.name),
    ['k8s'],
  );
  // Without its ownerReferences it is still both resources' front door.
  const bare = tie(FIXTURES.prom, 'monitoring/prometheus-operated', (s) => delete s.metadata.ownerReferences);
  t.deepEqual(
    bare.map((r) => `${r.name} ${r.via}`),
    ['k8s front door', 'user-workload front door'],
  );
});

test('without ownerReferences (a hand-written or re-applied Service) labels, front-door names and workloads still tie', (t) => {
  const strip = (s: Obj): void => {
    delete s.metadata.ownerReferences;
  };
  t.is(tie(FIXTURES.eck, 'elastic/quickstart-es-http', strip)[0]?.via, 'front door');
  t.is(tie(FIXTURES.eck, 'elastic/quickstart-es-transport', strip)[0]?.via, 'label elasticsearch.k8s.elastic.co/cluster-name');
  t.is(tie(FIXTURES.grafana, 'grafana/grafana-alerting', strip)[0]?.via, 'name {name}-alerting');
  t.is(tie(FIXTURES.vm, 'vm/vminsert-prod', strip)[0]?.via, 'label app.kubernetes.io/instance');
  t.is(tie(FIXTURES.jaeger, 'observability/simplest-collector', strip)[0]?.via, 'label app.kubernetes.io/instance');
  // No labels either: the Pods behind it say which workload made them.
  const bare = (s: Obj): void => {
    strip(s);
    s.metadata.labels = {};
    s.metadata.name = 'search-api';
  };
  const os = tie(FIXTURES.opensearch, 'search/my-cluster', bare);
  t.is(os[0]?.name, 'my-cluster');
  t.is(os[0]?.via, 'workload label opster.io/opensearch-cluster');
  const grafana = tie(FIXTURES.grafana, 'grafana/grafana-service', bare);
  t.is(grafana[0]?.via, 'workload Deployment {name}-deployment');
  // Through the real Pod projection (which keeps app.kubernetes.io/* but not VictoriaMetrics' bare managed-by).
  for (const [fixture, key, kind, via] of [
    ['vm', 'vm/vmsingle-main', 'VMSingle', 'workload label app.kubernetes.io/instance'],
    ['vm', 'vm/vmselect-prod', 'VMCluster', 'workload label app.kubernetes.io/instance'],
    ['eck', 'elastic/quickstart-es-http', 'Elasticsearch', 'workload label elasticsearch.k8s.elastic.co/cluster-name'],
    ['loki', 'logging/logs-gateway-http', 'LokiStack', 'workload label app.kubernetes.io/instance'],
    ['tempo', 'tracing/tempo-mono-gateway', 'TempoMonolithic', 'workload label app.kubernetes.io/instance'],
    ['jaeger', 'observability/simplest-query', 'Jaeger', 'workload label app.kubernetes.io/instance'],
    ['opensearch', 'search/logs-os', 'OpenSearchCluster', 'workload StatefulSet {name}-{*}'],
    ['prom', 'monitoring/alertmanager-operated', 'Alertmanager', 'workload label alertmanager'],
  ] as const) {
    const got = tie(FIXTURES[fixture], key, bare);
    t.deepEqual(got.map((r) => `${r.kind} ${r.via}`), [`${kind} ${via}`], key);
  }
});

test('a Service is tied only to resources of its own namespace, and never by labels naming a resource that does not exist', (t) => {
  const elsewhere = (s: Obj): void => {
    s.metadata.namespace = 'shop';
  };
  t.deepEqual(tie(FIXTURES.eck, 'elastic/quickstart-es-http', elsewhere), []);
  const decoy = (s: Obj): void => {
    delete s.metadata.ownerReferences;
    s.metadata.name = 'search';
    s.metadata.labels = { 'common.k8s.elastic.co/type': 'elasticsearch', 'elasticsearch.k8s.elastic.co/cluster-name': 'does-not-exist' };
    s.spec.selector = { app: 'nothing' };
  };
  t.deepEqual(tie(FIXTURES.eck, 'elastic/quickstart-es-http', decoy), []);
});

test('an ownerReference to another uid (a deleted and recreated resource) is not a tie', (t) => {
  const stale = (s: Obj): void => {
    s.metadata.ownerReferences[0].uid = '00000000-dead-beef-0000-000000000000';
    s.metadata.labels = {};
    s.metadata.name = 'old-insert';
    s.spec.selector = { app: 'nothing' };
  };
  t.deepEqual(tie(FIXTURES.vm, 'vm/vminsert-prod', stale), []);
  // An ownerReference without a uid (a manifest) ties by name.
  const noUid = (s: Obj): void => {
    delete s.metadata.ownerReferences[0].uid;
    s.metadata.labels = {};
    s.metadata.name = 'old-insert';
    s.spec.selector = { app: 'nothing' };
  };
  const r = new OperatorResourceIndex();
  const vm = FIXTURES.vm.resources.get('vm', 'operator.victoriametrics.com', 'VMCluster', 'prod') as OperatorResource;
  r.upsert({ ...vm, uid: undefined });
  const svc = structuredClone(FIXTURES.vm.services.get('vm/vminsert-prod') as Obj);
  noUid(svc);
  t.is(resourcesForService(ref(svc), r)[0]?.via, 'ownerReference');
});

test('plugins get copies: changing the returned spec does not change the index', (t) => {
  const [first] = tie(FIXTURES.loki, 'logging/logs-gateway-http');
  (first?.spec.tenants as string[]).push('intruder');
  (first?.spec as Record<string, unknown>).tls = true;
  const [again] = tie(FIXTURES.loki, 'logging/logs-gateway-http');
  t.deepEqual(again?.spec.tenants, ['team-a', 'team-b']);
  t.false(again?.spec.tls);
});

// ---- projection of variants the fixtures do not carry -------------------------------------------------------

function project(apiVersion: string, kind: string, spec: unknown, name = 'x'): OperatorResource {
  const r = projectResource({ apiVersion, kind, metadata: { name, namespace: 'ns', uid: 'u-1' }, spec });
  if (!r) throw new Error('did not project');
  return r;
}

test('ECK: TLS is on by default, off with selfSignedCertificate.disabled, and back on with a user certificate', (t) => {
  const es = (spec: unknown): unknown => project('elasticsearch.k8s.elastic.co/v1', 'Elasticsearch', spec).spec;
  t.like(es({}), { tls: true, frontDoor: { service: 'x-es-http', port: 'https', number: 9200 } });
  t.like(es({ http: { tls: { selfSignedCertificate: { disabled: true } } } }), { tls: false, frontDoor: { port: 'http' } });
  t.like(es({ http: { tls: { selfSignedCertificate: { disabled: true }, certificate: { secretName: 'mine' } } } }), { tls: true });
});

test('LokiStack: no tenants means no gateway (the query frontend is the entry); OpenShift modes serve TLS with fixed tenants', (t) => {
  t.like(project('loki.grafana.com/v1', 'LokiStack', { size: '1x.small' }).spec, {
    gateway: false,
    tls: false,
    frontDoor: { service: 'x-query-frontend-http', port: 'metrics', number: 3100 },
  });
  t.like(project('loki.grafana.com/v1', 'LokiStack', { tenants: { mode: 'openshift-logging' } }).spec, {
    gateway: true,
    tls: true,
    tenantsMode: 'openshift-logging',
    tenants: ['application', 'infrastructure', 'audit'],
  });
  t.like(project('loki.grafana.com/v1', 'LokiStack', { tenants: { mode: 'static', gateway: { tls: { ca: { configMapName: 'ca' } } } } }).spec, { tls: true });
  // The passthrough gateway serves Loki's own API from the root (the tenant in a header), not /api/logs/v1/<tenant>.
  t.like(project('loki.grafana.com/v1', 'LokiStack', { tenants: { mode: 'passthrough' } }).spec, { gateway: true, tenantsMode: 'passthrough', path: '', tenants: [] });
  t.like(project('loki.grafana.com/v1', 'LokiStack', { tenants: { mode: 'static' } }).spec, { path: '/api/logs/v1' });
});

test('Jaeger: the base path comes from the strategy that runs the query; oauth-proxy makes the front door https-query 443', (t) => {
  const j = (spec: unknown): unknown => project('jaegertracing.io/v1', 'Jaeger', spec).spec;
  t.like(j({ strategy: 'production', query: { options: { 'query.base-path': '/traces' } }, allInOne: { options: { 'query.base-path': '/ignored' } } }), { path: '/traces' });
  t.like(j({ allInOne: { options: { query: { 'base-path': '/j/' } } } }), { path: '/j' });
  t.like(j({ ingress: { security: 'oauth-proxy' } }), { tls: true, frontDoor: { service: 'x-query', port: 'https-query', number: 443 } });
});

test('OpenSearch: 2.x is https unless additionalConfig turns security off; 3.x only with spec.security.tls.http', (t) => {
  t.true(project('opensearch.opster.io/v1', 'OpenSearchCluster', { general: { serviceName: 'os' } }).spec.tls);
  t.false(project('opensearch.opster.io/v1', 'OpenSearchCluster', { general: { serviceName: 'os', additionalConfig: { 'plugins.security.disabled': 'true' } } }).spec.tls);
  t.false(project('opensearch.org/v1', 'OpenSearchCluster', { general: { serviceName: 'os' } }).spec.tls);
  t.true(project('opensearch.org/v1', 'OpenSearchCluster', { security: { tls: { http: { generate: true } } } }).spec.tls);
  t.false(project('opensearch.org/v1', 'OpenSearchCluster', { security: { tls: { http: { enabled: false, generate: true } } } }).spec.tls);
  t.like(project('opensearch.org/v1', 'OpenSearchCluster', { general: { serviceName: 'Not_A_Name', httpPort: 9201 } }).spec, { frontDoor: { service: 'x', number: 9201 } });
});

test('VictoriaMetrics legacy naming, Grafana https and an external Grafana, Prometheus listenLocal and a custom governing Service', (t) => {
  t.like(project('operator.victoriametrics.com/v1beta1', 'VMSingle', { useLegacyNaming: true, port: '8428' }).spec, { frontDoor: { service: 'x', number: 8428 } });
  t.like(project('operator.victoriametrics.com/v1beta1', 'VMCluster', { useLegacyNaming: true, vmselect: {} }).spec, { frontDoor: { service: 'x-vmselect' }, path: '/select/0/prometheus' });
  t.is(project('operator.victoriametrics.com/v1beta1', 'VMCluster', { vminsert: {} }).spec.frontDoor, undefined, 'no vmselect, no query entry');
  t.like(project('grafana.integreatly.org/v1beta1', 'Grafana', { config: { server: { protocol: 'https', http_port: '3443' } } }).spec, { tls: true, frontDoor: { number: 3443 } });
  const external = project('grafana.integreatly.org/v1beta1', 'Grafana', { external: { url: 'https://grafana.example.com' } }).spec;
  t.is(external.frontDoor, undefined);
  t.true(external.external);
  t.like(project('monitoring.coreos.com/v1', 'Prometheus', { listenLocal: true, serviceName: 'prom-gov', portName: 'http-web' }).spec, {
    listenLocal: true,
    frontDoor: { service: 'prom-gov', port: 'http-web', number: 9090 },
  });
});

test('only the listed kinds and versions project; a malformed identity does not', (t) => {
  const md = { name: 'a', namespace: 'b' };
  t.truthy(projectResource({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: md }));
  t.is(projectResource({ apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'PrometheusAgent', metadata: md }), undefined);
  t.is(projectResource({ apiVersion: 'monitoring.coreos.com/v2', kind: 'Prometheus', metadata: md }), undefined);
  t.is(projectResource({ apiVersion: 'v1', kind: 'Service', metadata: md }), undefined);
  t.is(projectResource({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'A B', namespace: 'b' } }), undefined);
  t.is(projectResource({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'a' } }), undefined);
  t.is(projectResource('monitoring.coreos.com/v1'), undefined);
  t.is(projectResource(null), undefined);
  t.deepEqual(new Set(OPERATOR_KINDS.map((k) => k.kind)), new Set(['Prometheus', 'Alertmanager', 'VMSingle', 'VMCluster', 'VMAlertmanager', 'Grafana', 'Elasticsearch', 'LokiStack', 'TempoStack', 'TempoMonolithic', 'Jaeger', 'OpenSearchCluster']));
  t.true(operatorGroupVersions().includes('elasticsearch.k8s.elastic.co/v1'));
  t.true(operatorGroupVersions().includes('opensearch.org/v1'));
});

test('a hostile, huge custom resource projects to a few hundred bytes, with paths that cannot inject', (t) => {
  const huge = 'a'.repeat(2_000_000);
  const many = Array.from({ length: 200_000 }, (_, i) => ({ tenantName: `t${i}`, oidc: { secret: { name: huge } } }));
  let deep: unknown = {};
  for (let i = 0; i < 10_000; i++) deep = { tenants: deep };
  const spec = {
    tenants: { mode: 'static', authentication: many, gateway: deep },
    routePrefix: `/${huge}`,
    externalUrl: huge,
    junk: huge,
    web: { tlsConfig: 'not an object' },
  };
  const loki = project('loki.grafana.com/v1', 'LokiStack', spec);
  t.is(loki.spec.tenants?.length, OPERATOR_LIMITS.tenants);
  t.true(JSON.stringify(loki).length < 2048, `${JSON.stringify(loki).length} bytes`);
  const prom = project('monitoring.coreos.com/v1', 'Prometheus', spec);
  t.true(JSON.stringify(prom).length < 1024);
  t.is(prom.spec.path, '', 'an over-long route prefix is dropped, not cut');
  t.false(prom.spec.tls, 'a tlsConfig that is not an object is not TLS');
  for (const bad of ['/a b', '/a\r\nX-Injected: 1', '/../admin', 'http://evil.example.com/x', '/a//b', '/a\u0000', '/a?x=1']) {
    t.is(project('monitoring.coreos.com/v1', 'Prometheus', { routePrefix: bad }).spec.path, '', JSON.stringify(bad));
  }
  t.is(project('monitoring.coreos.com/v1', 'Prometheus', { routePrefix: 'prom/' }).spec.path, '/prom');
  t.true(Object.isFrozen(prom.spec));
  // A Service name that would take forever to split is bounded too.
  const r = new OperatorResourceIndex();
  r.upsert(loki);
  t.deepEqual(resourcesForService({ namespace: 'ns', name: `tempo-${'x-'.repeat(5000)}`, labels: {} }, r), []);
});

test('the index: upsert reports real changes only, a new uid replaces the old, delete and deleteGroup drop the front door', (t) => {
  const idx = new OperatorResourceIndex();
  const a = project('elasticsearch.k8s.elastic.co/v1', 'Elasticsearch', {}, 'a');
  t.true(idx.upsert(a));
  t.false(idx.upsert(project('elasticsearch.k8s.elastic.co/v1', 'Elasticsearch', {}, 'a')));
  t.true(idx.upsert(project('elasticsearch.k8s.elastic.co/v1', 'Elasticsearch', { http: { tls: { selfSignedCertificate: { disabled: true } } } }, 'a')));
  t.false(idx.get('ns', 'elasticsearch.k8s.elastic.co', 'Elasticsearch', 'a')?.spec.tls);
  t.is(idx.frontDoorOf('ns', 'a-es-http').length, 1);
  t.truthy(idx.getByUid('u-1'));
  t.truthy(idx.delete('ns', 'elasticsearch.k8s.elastic.co', 'Elasticsearch', 'a'));
  t.is(idx.frontDoorOf('ns', 'a-es-http').length, 0);
  t.is(idx.getByUid('u-1'), undefined);
  idx.upsert(a);
  idx.upsert(project('loki.grafana.com/v1', 'LokiStack', {}, 'l'));
  t.is(idx.deleteGroup('elasticsearch.k8s.elastic.co').length, 1);
  t.is(idx.size(), 1);
});

test('API discovery says which operator kinds to read: a CRD installed later is picked up, one removed is dropped', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  // What the live path will do: for each table group/version, ask /apis/<group>/<version> (404 = not served).
  const discover = async () => {
    const lists = [];
    for (const gv of operatorGroupVersions()) {
      const [group, version] = gv.split('/') as [string, string];
      try {
        lists.push(await custom.getAPIResources({ group, version }));
      } catch {
        // not served
      }
    }
    return servedOperatorKinds(lists).map((s) => `${s.kind.kind}@${s.version}`);
  };
  t.deepEqual(await discover(), []);
  const versions = [
    { name: 'v1beta1', served: true, storage: false },
    { name: 'v1', served: true, storage: true },
  ];
  await ext.createCustomResourceDefinition({
    body: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'elasticsearches.elasticsearch.k8s.elastic.co' },
      spec: { group: 'elasticsearch.k8s.elastic.co', scope: 'Namespaced', names: { plural: 'elasticsearches', kind: 'Elasticsearch' }, versions },
    },
  });
  t.deepEqual(await discover(), ['Elasticsearch@v1'], 'the newest served version of the table');
  await ext.deleteCustomResourceDefinition({ name: 'elasticsearches.elasticsearch.k8s.elastic.co' });
  t.deepEqual(await discover(), []);
  // A group/version the table does not know, or another kind in a known group, is not read.
  t.deepEqual(servedOperatorKinds([{ groupVersion: 'monitoring.coreos.com/v1alpha1', resources: [{ name: 'prometheusagents', kind: 'PrometheusAgent' }] }]), []);
  t.deepEqual(
    servedOperatorKinds([{ groupVersion: 'monitoring.coreos.com/v1', resources: [{ name: 'prometheuses', kind: 'Prometheus' }, { name: 'prometheuses/status', kind: 'Prometheus' }] }]).map((x) => x.kind.kind),
    ['Prometheus'],
  );
});
