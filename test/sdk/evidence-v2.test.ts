// The SDK's workload-evidence helpers (API version 2): image matching across registries, where a Service port
// lands, flag values; and svc()'s evidence fixtures. Without evidence every helper answers "unknown".
import test from 'ava';
import { argValue, containerPortFor, containerWithImage, hasEvidence, hasImage, imageMatches, imageOf, mainContainer, parseImage, workloads } from '@kubernaut/toolset-sdk';
import { loadDetector, svc } from '@kubernaut/toolset-sdk/testing';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/bundles.js';

test('parseImage follows Docker reference normalisation', (t) => {
  t.deepEqual(parseImage('nginx'), { registry: 'docker.io', repository: 'library/nginx' });
  t.deepEqual(parseImage('prom/prometheus:v2.53.0'), { registry: 'docker.io', repository: 'prom/prometheus', tag: 'v2.53.0' });
  t.deepEqual(parseImage('index.docker.io/library/grafana:11@sha256:abc'), { registry: 'docker.io', repository: 'library/grafana', tag: '11', digest: 'sha256:abc' });
  t.deepEqual(parseImage('Quay.IO/Prometheus/prometheus@sha256:0f'), { registry: 'quay.io', repository: 'prometheus/prometheus', digest: 'sha256:0f' });
  t.deepEqual(parseImage('localhost:5000/team/app:dev'), { registry: 'localhost:5000', repository: 'team/app', tag: 'dev' });
  t.deepEqual(parseImage('registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0').repository, 'kube-state-metrics/kube-state-metrics');
});

test('imageMatches: registries, tags and digests vary; whole trailing path segments must match', (t) => {
  for (const ref of [
    'quay.io/prometheus/prometheus:v2.53.0',
    'docker.io/prometheus/prometheus',
    'prometheus/prometheus@sha256:1234',
    'ghcr.io/prometheus/prometheus:latest',
    'registry.corp.example:5000/mirror/quay/prometheus/prometheus:v3.0.0',
  ]) {
    t.true(imageMatches(ref, 'prometheus/prometheus'), ref);
  }
  t.false(imageMatches('bitnami/prometheus:2.53.0', 'prometheus/prometheus'), 'another publisher');
  t.false(imageMatches('prom/prometheus:v2.53.0', 'prometheus/prometheus'), 'Docker Hub publishes it as prom/prometheus: list both');
  t.true(imageMatches('prom/prometheus:v2.53.0', ['prom/prometheus', 'prometheus/prometheus']));
  t.false(imageMatches('quay.io/prometheus/prometheus-config-reloader:v0.75.0', 'prometheus/prometheus'), 'no partial segments');
  t.false(imageMatches('quay.io/prometheus/prometheus', 'quay.io/prometheus/alertmanager'));
  // A one-segment pattern is the image's name, whoever publishes it; library/ is implied for Docker Hub.
  t.true(imageMatches('bitnami/prometheus:2.53.0', 'prometheus'));
  t.true(imageMatches('nginx:1.27', 'library/nginx'));
  t.true(imageMatches('docker.io/library/nginx', 'nginx'));
  // A pattern naming a registry wants exactly that registry.
  t.true(imageMatches('quay.io/prometheus/prometheus:v2.53.0', 'quay.io/prometheus/prometheus'));
  t.false(imageMatches('ghcr.io/prometheus/prometheus', 'quay.io/prometheus/prometheus'));
  t.true(imageMatches('grafana/grafana:11.1.0', 'docker.io/grafana/grafana'));
});

const prom = svc('metrics', {
  labels: { app: 'metrics' },
  selector: { app: 'metrics' },
  ports: [
    ['web', 9090, { targetPort: 'http-web' }],
    ['reloader', 8080],
    ['grpc', 10901, { targetPort: 10901 }],
  ],
  workloads: [
    {
      image: 'quay.io/prometheus/prometheus:v2.53.0',
      ports: [['http-web', 9090]],
      args: ['--web.route-prefix=/prom', '--web.external-url', 'http://x/prom', '--agent'],
      sidecars: [
        { image: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.75.0', ports: [{ name: 'reloader-web', containerPort: 8080 }] },
        { image: 'quay.io/thanos/thanos:v0.35.1', name: 'thanos-sidecar', ports: [{ name: 'grpc', containerPort: 10901 }], args: ['sidecar'] },
      ],
      owner: { kind: 'StatefulSet', name: 'prometheus-k8s' },
      pods: 2,
      ready: 1,
    },
  ],
});

test('imageMatches stays right past its cache of parsed references, and a parseImage result is the caller\'s own copy', (t) => {
  // Thousands of distinct images (one per workload in a large cluster) overflow the bounded cache more than once.
  for (let i = 0; i < 10_000; i++) {
    t.is(imageMatches(`registry.example.com/team-${i}/prometheus:v${i}`, 'prometheus'), true);
    if (!imageMatches(`registry.example.com/team-${i}/app-${i}:1`, ['prometheus/prometheus', 'prom/prometheus'])) continue;
    t.fail(`team-${i}/app-${i} matched a Prometheus repository`);
  }
  t.true(imageMatches('quay.io/prometheus/prometheus:v2.53.0', ['prom/prometheus', 'prometheus/prometheus']));
  t.false(imageMatches('bitnami/prometheus:2', ['prom/prometheus', 'prometheus/prometheus']));
  const first = parseImage('quay.io/prometheus/prometheus:v2.53.0');
  (first as { repository: string }).repository = 'changed';
  t.is(parseImage('quay.io/prometheus/prometheus:v2.53.0').repository, 'prometheus/prometheus');
  t.true(imageMatches('quay.io/prometheus/prometheus:v2.53.0', 'quay.io/prometheus/prometheus'));
});

test('hasImage, containerWithImage and imageOf look through every workload; sidecars only when asked', (t) => {
  t.true(hasEvidence(prom));
  t.true(hasImage(prom, 'prometheus/prometheus'));
  t.true(hasImage(prom, 'thanos/thanos'), 'the Thanos sidecar is behind this Service too');
  t.false(hasImage(prom, 'thanos/thanos', { sidecars: false }), '…but it is not the main container');
  const m = containerWithImage(prom, ['prom/prometheus', 'prometheus/prometheus']);
  t.is(m?.container.name, 'prometheus');
  t.deepEqual(m?.workload.owner, { kind: 'StatefulSet', name: 'prometheus-k8s' });
  t.deepEqual([m?.workload.pods, m?.workload.ready], [2, 1]);
  t.is(imageOf(prom, 'prometheus/prometheus')?.tag, 'v2.53.0');
  t.is(mainContainer(workloads(prom)[0]!)?.name, 'prometheus');
});

test('containerPortFor resolves the targetPort (name, number, absent) and tells a sidecar port apart', (t) => {
  const web = containerPortFor(prom, 'web');
  t.is(web?.container.name, 'prometheus');
  t.deepEqual(web?.containerPort, { name: 'http-web', containerPort: 9090 });
  t.falsy(web?.container.sidecar);
  const reloader = containerPortFor(prom, 8080);
  t.is(reloader?.container.name, 'prometheus-config-reloader');
  t.true(reloader?.container.sidecar, 'absent targetPort means the port number; it lands on the reloader sidecar');
  t.is(containerPortFor(prom, 'grpc')?.container.name, 'thanos-sidecar');
  t.is(containerPortFor(prom, 'nope'), undefined);
  const unnamed = svc('x', { ports: [['http', 80, { targetPort: '8080' }]], workloads: [{ image: 'a/b', ports: [8080] }] });
  t.is(containerPortFor(unnamed, 'http')?.containerPort.containerPort, 8080, 'a numeric string is a number');
  const udp = svc('dns', { ports: [['dns', 53, { protocol: 'UDP' }]], workloads: [{ image: 'coredns/coredns', ports: [{ name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }] }] });
  t.is(containerPortFor(udp, 'dns'), undefined, 'a TCP container port does not serve a UDP Service port');
});

test('argValue reads --flag=value, --flag value, -flag=value, a bare flag, and nothing else', (t) => {
  const c = { args: ['query', '--web.route-prefix=/prom', '--web.external-url', 'http://x/prom', '-target=read', '--agent', '-http.pathPrefix', '/vm'] };
  t.is(argValue(c, '--web.route-prefix'), '/prom');
  t.is(argValue(c, 'web.external-url'), 'http://x/prom');
  t.is(argValue(c, '-target'), 'read');
  t.is(argValue(c, '--target'), 'read', 'one or two dashes are the same flag (Go flag package)');
  t.is(argValue(c, '--agent'), '', 'present without a value');
  t.is(argValue(c, 'http.pathPrefix'), '/vm');
  t.is(argValue(c, '--web.route'), undefined, 'no prefix matches');
  t.is(argValue(c, 'query'), undefined, 'a sub-command is not a flag');
});

test('without evidence every helper answers "unknown"; workloads: [] is "nothing behind it"', (t) => {
  const bare = svc('metrics', { ports: [['web', 9090]] });
  t.false(hasEvidence(bare));
  t.deepEqual(workloads(bare), []);
  t.false(hasImage(bare, 'prometheus/prometheus'));
  t.is(containerPortFor(bare, 'web'), undefined);
  const empty = svc('metrics', { ports: [['web', 9090]], selector: { app: 'x' }, workloads: [] });
  t.true(hasEvidence(empty));
  t.deepEqual(empty.evidence, { workloads: [], resources: [] });
});

test('svc() workload defaults: container named after the image, ports where the Service forwards, a Deployment per workload', (t) => {
  const s = svc('grafana', { ports: [['service', 80, { targetPort: 'grafana' }], ['metrics', 9100]], workloads: [{ image: 'docker.io/grafana/grafana:11.1.0@sha256:ab' }, { image: 'busybox' }] });
  const [w, second] = s.evidence!.workloads;
  t.deepEqual(w, {
    owner: { kind: 'Deployment', name: 'grafana' },
    pods: 1,
    ready: 1,
    labels: {},
    containers: [
      {
        name: 'grafana',
        image: 'docker.io/grafana/grafana:11.1.0@sha256:ab',
        ports: [
          { name: 'grafana', containerPort: 80 },
          { name: 'metrics', containerPort: 9100 },
        ],
        args: [],
        env: {},
      },
    ],
  });
  t.deepEqual(second?.owner, { kind: 'Deployment', name: 'grafana-2' });
  t.is(containerPortFor(s, 'service')?.container.name, 'grafana');
  const verbatim = svc('x', { evidence: { workloads: [], resources: [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', name: 'k8s', namespace: 'default', spec: {}, via: 'ownerReference' }] } });
  t.is(verbatim.evidence?.resources[0]?.kind, 'Prometheus');
});

test('loadDetector / toolset-sdk test: Pods and EndpointSlices among the fixtures are the evidence the detector gets', async (t) => {
  const { dir, cleanup } = await tempDir('sdk-evidence');
  t.teardown(cleanup);
  const entry = path.join(dir, 'by-image.mjs');
  await writeFile(
    entry,
    `import { defineDetector, hasImage } from '@kubernaut/toolset-sdk';
export default defineDetector({ name: 'by-image', version: '1.0.0', description: 'by image', type: 'prometheus',
  detect(service) { return hasImage(service, 'prometheus/prometheus') ? { port: 'web' } : null; } });
`,
  );
  const objects = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics', namespace: 'apps' }, spec: { selector: { app: 'metrics' }, ports: [{ name: 'web', port: 9090 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'other', namespace: 'apps' }, spec: { selector: { app: 'other' }, ports: [{ name: 'web', port: 9090 }] } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'metrics-0', namespace: 'apps', labels: { app: 'metrics' } },
      spec: { containers: [{ name: 'prometheus', image: 'quay.io/prometheus/prometheus:v2.53.0', ports: [{ containerPort: 9090 }] }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    },
  ];
  const fixtures = path.join(dir, 'dump.yaml');
  await writeFile(fixtures, objects.map((o) => stringify(o)).join('---\n'));
  const detector = await loadDetector(entry);
  t.teardown(() => detector.dispose());
  const results = await detector.detect(fixtures);
  t.deepEqual(
    results.map((r) => [r.name, r.outcome, r.endpoint]),
    [
      ['metrics', 'detected', 'http://metrics.apps.svc.cluster.local:9090'],
      ['other', 'none', undefined],
    ],
  );
  // Objects passed directly are Services only, as before.
  t.deepEqual((await detector.detect(objects.slice(0, 1))).map((r) => r.outcome), ['none']);
});
