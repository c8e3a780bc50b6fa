// The workload index: Pods and EndpointSlices as the API returns them, projected to the evidence a detector
// weighs, grouped per owner, shared per owner, and bounded whatever a Pod says.
import test from 'ava';
import { svc } from '@kubernaut/toolset-sdk/testing';
import { WorkloadIndex, projectEndpointSlice, projectPod, slicePods, LIMITS } from '../../core/src/discovery/workloads.js';
import type { PodProjection, SliceProjection } from '../../core/src/discovery/workloads.js';

interface PodOpts {
  ns?: string;
  owner?: { kind: string; name: string };
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ready?: boolean;
  phase?: string;
  containers?: Array<Record<string, unknown>>;
  initContainers?: Array<Record<string, unknown>>;
}

/** A Pod shaped like the API server returns it (status, managedFields and all). */
function pod(name: string, o: PodOpts = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.ns ?? 'monitoring',
      uid: `uid-${name}`,
      resourceVersion: '42',
      labels: o.labels ?? {},
      annotations: o.annotations ?? {},
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update' }],
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: 'u', controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      containers: o.containers ?? [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      nodeName: 'node-1',
      serviceAccountName: 'default',
    },
    status: {
      phase: o.phase ?? 'Running',
      podIP: '10.0.0.1',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: o.ready === false ? 'False' : 'True' },
        { type: 'ContainersReady', status: o.ready === false ? 'False' : 'True' },
      ],
    },
  };
}

function slice(name: string, service: string, endpoints: Array<{ pod?: string; ready?: boolean; kind?: string }>, o: { ns?: string; apiVersion?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: o.apiVersion ?? 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: o.ns ?? 'monitoring', labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    ports: [{ name: 'http-web', port: 9090, protocol: 'TCP' }],
    endpoints: endpoints.map((e, i) => ({
      addresses: [`10.0.0.${i + 1}`],
      ...(e.ready === undefined ? { conditions: {} } : { conditions: { ready: e.ready, serving: e.ready, terminating: false } }),
      ...(e.pod ? { targetRef: { kind: e.kind ?? 'Pod', namespace: o.ns ?? 'monitoring', name: e.pod, uid: 'x' } } : {}),
      nodeName: 'node-1',
    })),
  };
}

const promContainers = [
  {
    name: 'prometheus',
    image: 'quay.io/prometheus/prometheus:v2.53.0',
    args: ['--config.file=/etc/prometheus/config_out/prometheus.env.yaml', '--web.route-prefix=/', '--web.external-url=http://prom.example/', '--storage.tsdb.retention.time=10d'],
    ports: [{ name: 'http-web', containerPort: 9090, protocol: 'TCP' }],
    env: [{ name: 'SECRET_TOKEN', value: 'hunter2' }],
  },
  { name: 'config-reloader', image: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.75.0', ports: [{ name: 'reloader-web', containerPort: 8080 }] },
];

function must<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('expected a value');
  return v;
}

test('a ReplicaSet named <deployment>-<pod-template-hash> is read as its Deployment; only mode-deciding words are kept', (t) => {
  const p = must(
    projectPod(
      pod('kps-prometheus-7d9f8b6c5-abcde', {
        owner: { kind: 'ReplicaSet', name: 'kps-prometheus-7d9f8b6c5' },
        labels: { 'pod-template-hash': '7d9f8b6c5', app: 'metrics', 'app.kubernetes.io/instance': 'kps', team: 'sre' },
        containers: promContainers,
      }),
    ),
  );
  t.deepEqual(p.workload.owner, { kind: 'Deployment', name: 'kps-prometheus' });
  t.is(p.namespace, 'monitoring');
  t.true(p.ready);
  t.deepEqual(p.workload.labels, { app: 'metrics', 'app.kubernetes.io/instance': 'kps' }, 'team and pod-template-hash are not product labels');
  const [main, reloader] = p.workload.containers;
  t.deepEqual(main, {
    name: 'prometheus',
    image: 'quay.io/prometheus/prometheus:v2.53.0',
    ports: [{ name: 'http-web', containerPort: 9090 }],
    args: ['--web.route-prefix=/', '--web.external-url=http://prom.example/'],
    env: {},
  });
  t.true(reloader?.sidecar);
  t.true(Object.isFrozen(p.workload) && Object.isFrozen(p.workload.containers[0]));
  // A ReplicaSet whose name does not follow the rule stays a ReplicaSet.
  const rs = must(projectPod(pod('standalone-x1', { owner: { kind: 'ReplicaSet', name: 'standalone' }, labels: { 'pod-template-hash': 'zz' } })));
  t.deepEqual(rs.workload.owner, { kind: 'ReplicaSet', name: 'standalone' });
});

test('StatefulSet, bare Pod, native sidecar, default-container annotation and not-ready Pods', (t) => {
  const sts = must(projectPod(pod('es-master-0', { owner: { kind: 'StatefulSet', name: 'es-master' }, ready: false })));
  t.deepEqual(sts.workload.owner, { kind: 'StatefulSet', name: 'es-master' });
  t.false(sts.ready);
  const bare = must(projectPod(pod('debug', {})));
  t.deepEqual(bare.workload.owner, { kind: 'Pod', name: 'debug' });
  // Grafana's chart puts its sidecars first and names the main container in the annotation.
  const grafana = must(
    projectPod(
      pod('grafana-0', {
        annotations: { 'kubectl.kubernetes.io/default-container': 'grafana' },
        containers: [
          { name: 'grafana-sc-dashboard', image: 'quay.io/kiwigrid/k8s-sidecar:1.27.4' },
          { name: 'grafana', image: 'docker.io/grafana/grafana:11.1.0', env: [{ name: 'GF_SERVER_ROOT_URL', value: 'https://x/grafana' }, { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }, { name: 'GF_SERVER_SERVE_FROM_SUB_PATH', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }] },
        ],
        initContainers: [
          { name: 'init-chown', image: 'busybox' },
          { name: 'proxy', image: 'envoyproxy/envoy:v1.30', restartPolicy: 'Always', ports: [{ containerPort: 9901 }] },
        ],
      }),
    ),
  );
  t.deepEqual(
    grafana.workload.containers.map((c) => [c.name, c.sidecar === true]),
    [
      ['grafana-sc-dashboard', true],
      ['grafana', false],
      ['proxy', true],
    ],
  );
  t.deepEqual(grafana.workload.containers[1]!.env, { GF_SERVER_ROOT_URL: 'https://x/grafana' }, 'literal values only');
  t.is(projectPod({ kind: 'Service', metadata: { name: 'x' } }), undefined);
  t.is(projectPod(null), undefined);
});

test('args: sub-commands, both flag forms, one or two dashes, shell lines; nothing else', (t) => {
  const one = (args: unknown[], command?: unknown[]) =>
    must(projectPod(pod(`p-${Math.random()}`, { containers: [{ name: 'c', image: 'i', args, ...(command ? { command } : {}) }] }))).workload.containers[0]!.args;
  t.deepEqual(one(['query', '--http-address=0.0.0.0:10902', '--store=dnssrv+_grpc._tcp.x', '--web.route-prefix', '/thanos']), [
    'query',
    '--http-address=0.0.0.0:10902',
    '--web.route-prefix',
    '/thanos',
  ]);
  t.deepEqual(one(['-config.file=/etc/loki/config.yaml', '-target=read']), ['-target=read']);
  t.deepEqual(one(['-target', 'querier', '-server.http-listen-port=3100']), ['-target', 'querier', '-server.http-listen-port=3100']);
  t.deepEqual(one(['--query.base-path=/jaeger', '--query.http.tls.enabled']), ['--query.base-path=/jaeger', '--query.http.tls.enabled']);
  t.deepEqual(one(['-http.pathPrefix=/vm', '-tls', '-tlsCertFile', '/certs/tls.crt', '-retentionPeriod=1']), ['-http.pathPrefix=/vm', '-tls', '-tlsCertFile', '/certs/tls.crt']);
  t.deepEqual(one(['-c', 'exec /bin/prometheus --agent --web.route-prefix=/p --password=x'], ['/bin/sh']), ['--agent', '--web.route-prefix=/p']);
  t.deepEqual(one([42, null, { a: 1 }]), [], 'non-strings are ignored');
});

test('bounds: a hostile Pod with huge args, env, ports, labels and names keeps only bounded projections', (t) => {
  const long = 'x'.repeat(100_000);
  const containers = Array.from({ length: 200 }, (_, i) => ({
    name: `c${i}`,
    image: `registry.example/${long}`,
    args: Array.from({ length: 5000 }, () => `--web.route-prefix=/${long}`),
    env: Array.from({ length: 1000 }, (_, j) => ({ name: j % 2 ? 'GF_SERVER_ROOT_URL' : 'QUERY_BASE_PATH', value: long })),
    ports: Array.from({ length: 1000 }, (_, j) => ({ name: `p${j}`, containerPort: 1000 + j })),
  }));
  const labels: Record<string, string> = { app: long };
  for (let i = 0; i < 1000; i++) labels[`app.kubernetes.io/k${i}`] = 'v';
  const p = must(projectPod(pod('hostile', { containers, labels })));
  const w = p.workload;
  t.true(w.containers.length <= LIMITS.containers);
  for (const c of w.containers) {
    t.true(c.image.length <= LIMITS.image);
    t.true(c.args.length <= LIMITS.args);
    t.true(c.args.every((a) => a.length <= LIMITS.text));
    t.true(Object.keys(c.env).length <= LIMITS.envPerContainer);
    t.true(Object.values(c.env).every((v) => v.length <= LIMITS.text));
    t.true(c.ports.length <= LIMITS.portsPerContainer);
  }
  t.is(w.labels.app, undefined, 'a label value over 63 characters is not a Kubernetes label: dropped');
  t.true(Object.keys(w.labels).length <= LIMITS.labels);
  t.true(JSON.stringify(w).length < 64_000, `projection is ${JSON.stringify(w).length} chars`);
  t.true(JSON.stringify(p.labels).length < 100_000);
  const s = must(projectEndpointSlice(slice('big', 'svc', Array.from({ length: 5000 }, (_, i) => ({ pod: `p${i}` })))));
  t.is(s.pods.length, LIMITS.endpointsPerSlice);
});

test('identical projections are one object: Pods of one owner share it, other owners do not', (t) => {
  const labels = { 'pod-template-hash': 'abc12', 'app.kubernetes.io/name': 'prometheus' };
  const pods = ['a', 'b', 'c'].map((s) => must(projectPod(pod(`prom-abc12-${s}`, { owner: { kind: 'ReplicaSet', name: 'prom-abc12' }, labels, containers: promContainers }))));
  t.is(pods[0]!.workload, pods[1]!.workload);
  t.is(pods[1]!.workload, pods[2]!.workload);
  t.is(pods[0]!.labels, pods[2]!.labels, 'the selector labels are shared too');
  const other = must(projectPod(pod('prom2-abc12-a', { owner: { kind: 'ReplicaSet', name: 'prom2-abc12' }, labels, containers: promContainers })));
  t.not(other.workload, pods[0]!.workload);
  // StatefulSet Pods differ only in their per-Pod labels: still one label set.
  const sts = ['0', '1'].map((i) =>
    must(projectPod(pod(`es-${i}`, { owner: { kind: 'StatefulSet', name: 'es' }, labels: { app: 'es', 'statefulset.kubernetes.io/pod-name': `es-${i}`, 'apps.kubernetes.io/pod-index': i } }))),
  );
  t.is(sts[0]!.labels, sts[1]!.labels);
  t.is(sts[0]!.workload, sts[1]!.workload);
});

test('EndpointSlices: v1 and v1beta1, absent ready means ready, endpoints that are not Pods are counted apart', (t) => {
  const v1 = must(projectEndpointSlice(slice('prom-abc', 'prom', [{ pod: 'p1', ready: true }, { pod: 'p2', ready: false }, { pod: 'p3' }, { kind: 'Node', pod: 'n1' }, {}])));
  t.deepEqual(v1, {
    namespace: 'monitoring',
    name: 'prom-abc',
    service: 'prom',
    pods: ['p1', 'p2', 'p3'],
    unready: [1],
    others: 2,
  });
  t.deepEqual([...slicePods(v1)], [['p1', true], ['p2', false], ['p3', true]]);
  const beta = must(projectEndpointSlice(slice('prom-b', 'prom', [{ pod: 'p1', ready: true }], { apiVersion: 'discovery.k8s.io/v1beta1' })));
  t.deepEqual(beta.pods, ['p1']);
  t.false('unready' in beta, 'all ready: no list');
  t.is(projectEndpointSlice({ kind: 'EndpointSlice', metadata: { name: 'orphan' } }), undefined, 'no kubernetes.io/service-name: no Service');
});

function indexWith(pods: Array<Record<string, unknown>>, slices: Array<Record<string, unknown>>): WorkloadIndex {
  const index = new WorkloadIndex();
  for (const p of pods) index.upsertPod(must(projectPod(p)));
  for (const s of slices) index.upsertSlice(must(projectEndpointSlice(s)));
  return index;
}

const sel = { app: 'metrics' };
const prom = svc('metrics', { ns: 'monitoring', selector: sel, labels: { app: 'metrics' }, ports: [['web', 9090, { targetPort: 'http-web' }]] });
const rsPod = (s: string, ready = true) =>
  pod(`metrics-5f6d7-${s}`, { owner: { kind: 'ReplicaSet', name: 'metrics-5f6d7' }, labels: { app: 'metrics', 'pod-template-hash': '5f6d7' }, containers: promContainers, ready });

test('evidence through slices: grouped per owner with pod and ready counts (ready as the slice says)', (t) => {
  const index = indexWith(
    [rsPod('a'), rsPod('b'), rsPod('c', false), pod('debug', { labels: { app: 'metrics' } })],
    [
      slice('metrics-x', 'metrics', [{ pod: 'metrics-5f6d7-a' }, { pod: 'metrics-5f6d7-b', ready: false }]),
      slice('metrics-y', 'metrics', [{ pod: 'metrics-5f6d7-c', ready: false }, { pod: 'debug' }]),
    ],
  );
  const ev = must(index.evidenceFor(prom));
  t.deepEqual(ev.resources, []);
  t.deepEqual(
    ev.workloads.map((w) => [w.owner.kind, w.owner.name, w.pods, w.ready, w.containers[0]!.image]),
    [
      ['Deployment', 'metrics', 3, 1, 'quay.io/prometheus/prometheus:v2.53.0'],
      ['Pod', 'debug', 1, 1, 'nginx:1.27'],
    ],
  );
  t.deepEqual(index.size(), { pods: 4, slices: 2, workloads: 2 });
});

test('no slices: a selector falls back to matching Pods; nothing behind it is an empty list; no selector is no evidence', (t) => {
  const index = indexWith([rsPod('a'), rsPod('b', false), pod('other', { labels: { app: 'web' } }), pod('done', { labels: { app: 'metrics' }, phase: 'Succeeded', ready: false })], []);
  const ev = must(index.evidenceFor(prom));
  t.deepEqual(ev.workloads.map((w) => [w.owner.name, w.pods, w.ready]), [['metrics', 2, 1]], 'a finished Pod serves nothing');
  t.deepEqual(index.evidenceFor(svc('nothing', { ns: 'monitoring', selector: { app: 'gone' } })), { workloads: [], resources: [] });
  t.is(index.evidenceFor(svc('external', { ns: 'monitoring' })), undefined);
  t.is(index.evidenceFor(svc('empty-selector', { ns: 'monitoring', selector: {} })), undefined, 'an empty selector selects nothing');
  // Another namespace's Pods never match.
  t.deepEqual(index.evidenceFor(svc('metrics', { ns: 'apps', selector: sel })), { workloads: [], resources: [] });
  // A per-Pod Service selecting a StatefulSet Pod by name (the implied label).
  index.upsertPod(must(projectPod(pod('kafka-1', { owner: { kind: 'StatefulSet', name: 'kafka' }, labels: { app: 'kafka', 'statefulset.kubernetes.io/pod-name': 'kafka-1' } }))));
  index.upsertPod(must(projectPod(pod('kafka-0', { owner: { kind: 'StatefulSet', name: 'kafka' }, labels: { app: 'kafka', 'statefulset.kubernetes.io/pod-name': 'kafka-0' } }))));
  const one = must(index.evidenceFor(svc('kafka-1-external', { ns: 'monitoring', selector: { 'statefulset.kubernetes.io/pod-name': 'kafka-1' } })));
  t.deepEqual(one.workloads.map((w) => [w.owner.name, w.pods]), [['kafka', 1]]);
});

test('endpoints the index cannot attribute are no evidence; an empty slice is "nothing behind it"', (t) => {
  const unknown = indexWith([], [slice('metrics-x', 'metrics', [{ pod: 'metrics-5f6d7-a' }])]);
  t.is(unknown.evidenceFor(prom), undefined, 'a dump with slices but without their Pods');
  const empty = indexWith([rsPod('a')], [slice('metrics-x', 'metrics', [])]);
  t.deepEqual(empty.evidenceFor(prom), { workloads: [], resources: [] }, 'slices decide over the selector');
});

test('mutations return exactly the Services whose evidence changed', (t) => {
  const index = new WorkloadIndex();
  const p = (o: Record<string, unknown>): PodProjection => must(projectPod(o));
  const s = (o: Record<string, unknown>): SliceProjection => must(projectEndpointSlice(o));
  t.deepEqual(index.upsertPod(p(rsPod('a'))), [], 'no Service knows the Pod yet');
  t.deepEqual(index.upsertSlice(s(slice('metrics-x', 'metrics', [{ pod: 'metrics-5f6d7-a' }]))), ['monitoring/metrics']);
  t.deepEqual(index.upsertSlice(s(slice('metrics-x', 'metrics', [{ pod: 'metrics-5f6d7-a' }]))), [], 'an unchanged slice changes nothing');
  t.deepEqual(index.upsertPod(p(rsPod('a'))), [], 'an unchanged Pod (a resourceVersion bump) changes nothing');
  t.deepEqual(index.upsertPod(p(rsPod('a', false))), ['monitoring/metrics'], 'readiness flips');
  t.deepEqual(index.upsertPod(p(pod('stray', { labels: { app: 'metrics' } }))), [], 'a slice-backed Service does not follow its selector');
  // The selector fallback: remembered when asked, followed by Pod changes, dropped when slices arrive.
  t.deepEqual(index.evidenceFor(svc('web', { ns: 'monitoring', selector: { app: 'web' } })), { workloads: [], resources: [] });
  t.deepEqual(index.upsertPod(p(pod('web-1', { labels: { app: 'web' } }))), ['monitoring/web']);
  t.deepEqual(index.upsertPod(p(pod('web-1', { labels: { app: 'other' } }))), ['monitoring/web'], 'a Pod that stops matching');
  t.deepEqual(index.deletePod('monitoring', 'web-1'), []);
  t.deepEqual(index.upsertSlice(s(slice('web-x', 'web', []))), ['monitoring/web']);
  t.deepEqual(index.upsertPod(p(pod('web-2', { labels: { app: 'web' } }))), [], 'slices decide now');
  t.deepEqual(index.deletePod('monitoring', 'metrics-5f6d7-a'), ['monitoring/metrics']);
  t.deepEqual(index.deleteSlice('monitoring', 'metrics-x'), ['monitoring/metrics']);
  t.deepEqual(index.deleteSlice('monitoring', 'metrics-x'), []);
  // A slice moving to another Service changes both.
  index.upsertSlice(s(slice('moving', 'a', [])));
  t.deepEqual(index.upsertSlice(s(slice('moving', 'b', []))).sort(), ['monitoring/a', 'monitoring/b']);
  t.deepEqual(index.size(), { pods: 2, slices: 2, workloads: 2 });
});

test('during a rollout one owner stays one entry, showing the spec its ready Pods run', (t) => {
  const old = pod('metrics-5f6d7-a', { owner: { kind: 'ReplicaSet', name: 'metrics-5f6d7' }, labels: { app: 'metrics', 'pod-template-hash': '5f6d7' }, containers: promContainers });
  const next = pod('metrics-8c9d0-a', {
    owner: { kind: 'ReplicaSet', name: 'metrics-8c9d0' },
    labels: { app: 'metrics', 'pod-template-hash': '8c9d0' },
    containers: [{ ...promContainers[0], image: 'quay.io/prometheus/prometheus:v3.0.0' }],
    ready: false,
  });
  const index = indexWith([old, next], [slice('m', 'metrics', [{ pod: 'metrics-5f6d7-a' }, { pod: 'metrics-8c9d0-a', ready: false }])]);
  const ev = must(index.evidenceFor(prom));
  t.is(ev.workloads.length, 1);
  t.deepEqual([ev.workloads[0]!.pods, ev.workloads[0]!.ready, ev.workloads[0]!.containers[0]!.image], [2, 1, 'quay.io/prometheus/prometheus:v2.53.0']);
});
