// `dynamic-toolset detect` as a user runs it: the installed bin, real files, stdin, a live (emulated) cluster,
// exit codes.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { parse as parseYaml } from 'yaml';
import { startEmulator } from '../../core/src/emulator/index.js';
import type { ObjectInput } from '../../core/src/emulator/index.js';
import { bundle, repoRoot, service, tempDir } from '../helpers/bundles.js';

const bin = path.join(repoRoot, 'node_modules/.bin/dynamic-toolset');

function run(args: string[], input?: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const grafana = service('obs-grafana', 'monitoring', { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'obs' }, [
  { name: 'service', port: 80, targetPort: 3000, protocol: 'TCP' },
]);
const app = service('shop', 'apps', { app: 'shop' }, [{ name: 'http', port: 3000, protocol: 'TCP' }]);
const expected = [{ namespace: 'monitoring', name: 'obs-grafana', type: 'grafana', detector: 'grafana', endpoint: 'http://obs-grafana.monitoring.svc.cluster.local:80' }];

test('reads a v1 List from stdin (kubectl get svc -A -o yaml) and prints JSON records', async (t) => {
  const r = await run(['detect', '--manifests', '-'], stringify({ apiVersion: 'v1', kind: 'List', items: [grafana, app] }));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), expected);
});

test('reads multi-document YAML and JSON files from a directory, prints YAML with -o yaml', async (t) => {
  const { dir, cleanup } = await tempDir('cli-dir');
  t.teardown(cleanup);
  await writeFile(path.join(dir, 'a.yaml'), `${stringify(app)}---\n${stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } })}`);
  await writeFile(path.join(dir, 'b.json'), JSON.stringify(grafana));
  await writeFile(path.join(dir, 'notes.txt'), 'ignored');
  const r = await run(['detect', '--manifests', dir, '-o', 'yaml']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(parseYaml(r.stdout), expected);
});

test('flags can come from DYNAMIC_TOOLSET_* environment variables', async (t) => {
  const { dir, cleanup } = await tempDir('cli-env');
  t.teardown(cleanup);
  await writeFile(path.join(dir, 'svc.json'), JSON.stringify(grafana));
  const r = await run(['detect'], undefined, { DYNAMIC_TOOLSET_MANIFESTS: path.join(dir, 'svc.json'), DYNAMIC_TOOLSET_OUTPUT: 'yaml' });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(parseYaml(r.stdout), expected);
});

test('the config applies: a disabled detector finds nothing, a namespace filter skips', async (t) => {
  const { dir, cleanup } = await tempDir('cli-config');
  t.teardown(cleanup);
  await writeFile(path.join(dir, 'svc.json'), JSON.stringify(grafana));
  await writeFile(path.join(dir, 'off.yaml'), 'detectors:\n  grafana: {enabled: false}\n');
  await writeFile(path.join(dir, 'ns.yaml'), 'detectors:\n  grafana:\n    namespaces: {exclude: ["monitor*"]}\n');
  for (const cfg of ['off.yaml', 'ns.yaml']) {
    const r = await run(['detect', '--manifests', path.join(dir, 'svc.json'), '--config', path.join(dir, cfg)]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(JSON.parse(r.stdout), [], cfg);
  }
});

test('bad input exits 1 naming file and line; wrong usage exits 2; --help exits 0', async (t) => {
  const { dir, cleanup } = await tempDir('cli-bad');
  t.teardown(cleanup);
  await writeFile(path.join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: x\n');
  const bad = await run(['detect', '--manifests', path.join(dir, 'bad.yaml')]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /bad\.yaml:\d+: invalid YAML\/JSON/);
  t.is(bad.stdout, '');

  const missing = await run(['detect', '--manifests', path.join(dir, 'nope.yaml')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot read .*nope\.yaml: no such file or directory/);

  await writeFile(path.join(dir, 'cfg.yaml'), 'detectors:\n  grafana: {priority: -1}\n');
  const cfg = await run(['detect', '--manifests', '-', '--config', path.join(dir, 'cfg.yaml')], '');
  t.is(cfg.code, 1);
  t.regex(cfg.stderr, /cfg\.yaml:2: detectors\.grafana\.priority: must be 0 or more/);

  const usage = await run(['detect']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /required option '--manifests/);

  const help = await run(['detect', '--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /--manifests <file\|dir\|->[\s\S]*env:\s+DYNAMIC_TOOLSET_MANIFESTS/);
});

// ---------------------------------------------------------------------------------------------------------------
// Several kinds in one dump: Pods and EndpointSlices are each Service's evidence. A detector that needs evidence
// (here a test-local plugin that knows Prometheus by its image, never by labels) finds a Service whose labels say
// nothing; a Services-only dump gives exactly what it gives today. The product is made up (ACME's widget server)
// so that no built-in detector, evidence-aware or not, claims it first.

const byImage = `import { defineDetector, containerWithImage, containerPortFor, argValue } from '@kubernaut/toolset-sdk';
export default defineDetector({
  name: 'by-image', version: '1.0.0', description: 'ACME widget server known by its image', type: 'widget',
  detect(service) {
    const m = containerWithImage(service, 'acme/widget-server', { sidecars: false });
    if (!m) return null;
    // The Service port whose traffic lands on the widget container, not on a sidecar.
    const port = service.spec.ports.find((p) => containerPortFor(service, p.name ?? p.port)?.container === m.container);
    if (!port) return null;
    const prefix = argValue(m.container, 'web.route-prefix');
    return { port: port.name ?? port.port, ...(prefix && prefix !== '/' ? { path: prefix } : {}), health: { path: '/healthz' } };
  },
});
`;

function podOf(name: string, ns: string, owner: { kind: string; name: string }, labels: Record<string, string>, containers: unknown[], ready = true): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'u', controller: true }] },
    spec: { containers },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function sliceOf(name: string, ns: string, svc: string, pods: Array<[string, boolean]>): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: pods.map(([pod, ready], i) => ({ addresses: [`10.1.0.${i + 1}`], conditions: { ready }, targetRef: { kind: 'Pod', namespace: ns, name: pod } })),
  };
}

const widgetContainers = [
  { name: 'widget', image: 'ghcr.io/acme/widget-server:1.4.2', args: ['--config.file=/etc/widget/widget.yml', '--web.route-prefix=/widget'], ports: [{ name: 'http-web', containerPort: 9090 }] },
  { name: 'config-reloader', image: 'ghcr.io/acme/config-reloader:0.3.1', ports: [{ name: 'reloader-web', containerPort: 8080 }] },
];
// Hand-written manifests with generic labels: only the image says what it is.
const metrics = service('metrics', 'apps', { app: 'metrics' }, [
  { name: 'reload', port: 8080, protocol: 'TCP' },
  { name: 'web', port: 9090, targetPort: 'http-web', protocol: 'TCP' },
]);
// A decoy on the same port: nginx behind it.
const decoy = service('decoy', 'apps', { app: 'decoy' }, [{ name: 'web', port: 9090, protocol: 'TCP' }]);
const rsLabels = { app: 'metrics', 'pod-template-hash': '6b8f9' };
const dump = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    grafana,
    app,
    metrics,
    decoy,
    podOf('metrics-6b8f9-a1', 'apps', { kind: 'ReplicaSet', name: 'metrics-6b8f9' }, rsLabels, widgetContainers),
    podOf('metrics-6b8f9-b2', 'apps', { kind: 'ReplicaSet', name: 'metrics-6b8f9' }, rsLabels, widgetContainers, false),
    podOf('decoy-0', 'apps', { kind: 'StatefulSet', name: 'decoy' }, { app: 'decoy' }, [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 9090 }] }]),
    sliceOf('metrics-x7k2p', 'apps', 'metrics', [
      ['metrics-6b8f9-a1', true],
      ['metrics-6b8f9-b2', false],
    ]),
    sliceOf('decoy-q9w8e', 'apps', 'decoy', [['decoy-0', true]]),
    // Grafana's chart: the Service forwards 80 to the container's 3000 (named grafana).
    podOf('obs-grafana-7c9d5-z8x7w', 'monitoring', { kind: 'ReplicaSet', name: 'obs-grafana-7c9d5' }, { app: 'obs-grafana', 'pod-template-hash': '7c9d5' }, [
      { name: 'grafana', image: 'docker.io/grafana/grafana:11.1.0', ports: [{ name: 'grafana', containerPort: 3000 }] },
    ]),
    sliceOf('obs-grafana-m2n3b', 'monitoring', 'obs-grafana', [['obs-grafana-7c9d5-z8x7w', true]]),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'apps' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'metrics', namespace: 'apps' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm2', namespace: 'apps' } },
  ],
};
const metricsRecord = { namespace: 'apps', name: 'metrics', type: 'widget', detector: 'by-image', endpoint: 'http://metrics.apps.svc.cluster.local:9090/widget' };

async function pluginsWithByImage(t: import('ava').ExecutionContext): Promise<string> {
  const { dir, cleanup } = await tempDir('cli-evidence');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  await mkdir(plugins);
  await writeFile(path.join(plugins, 'by-image.js'), await bundle(dir, 'by-image', byImage));
  return plugins;
}

test('a dump of Services, Pods and EndpointSlices: the Pods behind a generic Service decide it; other kinds are noted once', async (t) => {
  const plugins = await pluginsWithByImage(t);
  const r = await run(['detect', '--manifests', '-', '--plugins-dir', plugins], stringify(dump));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), [metricsRecord, ...expected], 'the decoy (nginx on 9090) is not the widget server');
  t.regex(r.stderr, /ignored 2 ConfigMap, 1 Deployment \(detect reads Services, and Pods, EndpointSlices and operator resources as their evidence\)/);
  t.is(r.stderr.split('\n').filter((l) => l.includes('ignored')).length, 1, 'one line, not one per object');
  // The same as multi-document YAML and as JSON, in a directory.
  const { dir, cleanup } = await tempDir('cli-evidence-dir');
  t.teardown(cleanup);
  await writeFile(path.join(dir, 'svc.yaml'), dump.items.filter((o) => o.kind === 'Service').map((o) => stringify(o)).join('---\n'));
  await writeFile(path.join(dir, 'rest.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: dump.items.filter((o) => o.kind !== 'Service') }));
  const fromDir = await run(['detect', '--manifests', dir, '--plugins-dir', plugins]);
  t.is(fromDir.code, 0, fromDir.stderr);
  t.deepEqual(JSON.parse(fromDir.stdout), [metricsRecord, ...expected]);
});

test('a Services-only dump gives today\'s results: no evidence, so the image detector claims nothing', async (t) => {
  const plugins = await pluginsWithByImage(t);
  const r = await run(['detect', '--manifests', '-', '--plugins-dir', plugins], stringify({ apiVersion: 'v1', kind: 'List', items: [grafana, app, metrics, decoy] }));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), expected);
  t.notRegex(r.stderr, /ignored/);
});

test('--explain shows each detector\'s answer and the evidence: owner, ready/pods, images, ports, kept args', async (t) => {
  const plugins = await pluginsWithByImage(t);
  const r = await run(['detect', '--manifests', '-', '--plugins-dir', plugins, '--explain', 'apps/metrics'], stringify(dump));
  t.is(r.code, 0, r.stderr);
  const [e] = JSON.parse(r.stdout) as Array<Record<string, any>>;
  t.is(e!.detected, true);
  t.deepEqual(e!.detection, { detector: 'by-image', type: 'widget', endpoint: metricsRecord.endpoint });
  t.deepEqual(e!.evidence.workloads, [
    {
      owner: 'Deployment/metrics',
      ready: '1/2',
      containers: [
        { name: 'widget', image: 'ghcr.io/acme/widget-server:1.4.2', ports: ['http-web:9090'], args: ['--web.route-prefix=/widget'] },
        { name: 'config-reloader', image: 'ghcr.io/acme/config-reloader:0.3.1', sidecar: true, ports: ['reloader-web:8080'] },
      ],
      labels: { app: 'metrics' },
    },
  ]);
  // Nothing behind it runs what the built-in Prometheus detector declares it claims: "not mine", without a call.
  t.true(
    (e!.detectors as Array<{ detector: string; outcome: string; reason?: string }>).some((s) => s.detector === 'prometheus' && s.outcome === 'skipped' && s.reason === 'evidence_unmatched'),
    JSON.stringify(e!.detectors),
  );
  const all = await run(['detect', '--manifests', '-', '--explain', '-o', 'yaml'], stringify({ apiVersion: 'v1', kind: 'List', items: [grafana] }));
  t.is(all.code, 0, all.stderr);
  const [g] = parseYaml(all.stdout) as Array<Record<string, any>>;
  t.is(g!.name, 'obs-grafana');
  t.regex(g!.evidence.note, /decided from the Service's own metadata/);
  const missing = await run(['detect', '--manifests', '-', '--explain', 'apps/nope'], stringify(dump));
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no Service apps\/nope in the input/);
});

test('input is bounded and the choice of input is checked: --manifests or a cluster, not both', async (t) => {
  const both = await run(['detect', '--manifests', '-', '--cluster'], '');
  t.is(both.code, 2);
  t.regex(both.stderr, /either --manifests or a cluster/);
  const { dir, cleanup } = await tempDir('cli-big');
  t.teardown(cleanup);
  // A sparse file: its size is checked before a byte is read.
  const big = path.join(dir, 'big.json');
  await writeFile(big, '');
  await truncate(big, 300 * 1024 * 1024);
  const r = await run(['detect', '--manifests', dir]);
  t.is(r.code, 1);
  t.regex(r.stderr, /input over 256 MiB/);
});

test('--kubeconfig reads a live cluster once (Services, Pods, EndpointSlices, paged) and decides as from the dump; --cluster takes the current context', async (t) => {
  const plugins = await pluginsWithByImage(t);
  const emu = await startEmulator({ seed: dump.items.filter((o) => ['Service', 'Pod', 'EndpointSlice'].includes(String(o.kind))) as ObjectInput[] });
  t.teardown(() => emu.stop());
  const { dir, cleanup } = await tempDir('cli-live');
  t.teardown(cleanup);
  const kubeconfig = await emu.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const r = await run(['detect', '--kubeconfig', kubeconfig, '--plugins-dir', plugins, '--log-level', 'info']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), [metricsRecord, ...expected]);
  t.regex(r.stderr, /read 4 Service\(s\), 4 Pod\(s\), 3 EndpointSlice\(s\)/);
  const current = await run(['detect', '--cluster', '--plugins-dir', plugins], undefined, { KUBECONFIG: kubeconfig });
  t.is(current.code, 0, current.stderr);
  t.deepEqual(JSON.parse(current.stdout), [metricsRecord, ...expected]);

  // Someone allowed to list Services only: detection still runs, from metadata, and says what it could not read.
  emu.addToken('svc-reader', { username: 'svc-reader', groups: ['system:authenticated'] });
  emu.grant({ subjects: { users: ['svc-reader'] }, apiGroups: [''], resources: ['services'], verbs: ['list'] });
  const narrow = await emu.writeKubeconfig(path.join(dir, 'narrow'), { token: 'svc-reader' });
  const n = await run(['detect', '--kubeconfig', narrow, '--plugins-dir', plugins]);
  t.is(n.code, 0, n.stderr);
  t.deepEqual(JSON.parse(n.stdout), expected);
  t.regex(n.stderr, /cannot list Pods \(HTTP 403[^\n]*: grant list on pods; Services are decided from their own metadata/);
  const none = await run(['detect', '--kubeconfig', await emu.writeKubeconfig(path.join(dir, 'nobody'), { token: 'unknown-token' })]);
  t.is(none.code, 1);
  t.regex(none.stderr, /cannot list Services through kubeconfig .*: HTTP 401/);
});

test('operator resources: a dump with the custom resource and a live cluster serving its CRD give the sub-path only the resource shows', async (t) => {
  const fixture = path.join(repoRoot, 'test/fixtures/operators/grafana-operator.yaml');
  const grafanaRecord = { namespace: 'grafana', name: 'grafana-service', type: 'grafana', detector: 'grafana', endpoint: 'http://grafana-service.grafana.svc.cluster.local:3000/grafana' };
  const offline = await run(['detect', '--manifests', fixture, '--log-level', 'info']);
  t.is(offline.code, 0, offline.stderr);
  t.deepEqual(JSON.parse(offline.stdout), [grafanaRecord]);
  t.regex(offline.stderr, /evidence: 1 Pod\(s\), 0 EndpointSlice\(s\), 1 operator resource\(s\)/);
  const explained = await run(['detect', '--manifests', fixture, '--explain', 'grafana/grafana-service']);
  t.is(explained.code, 0, explained.stderr);
  t.regex(explained.stdout, /Grafana/);

  // Resources without Pods cannot be tied: said, not silently dropped.
  const docs = (await import('yaml')).parseAllDocuments((await import('node:fs')).readFileSync(fixture, 'utf8')).map((d) => d.toJS() as Record<string, any>);
  const noPods = await run(['detect', '--manifests', '-'], docs.filter((d) => d.kind !== 'Pod').map((d) => stringify(d)).join('---\n'));
  t.is(noPods.code, 0, noPods.stderr);
  t.regex(noPods.stderr, /1 operator resource\(s\) not used: they are tied to Services through the Pods behind them/);

  // Live: the CRD served, the resource and the Service it owns (with the server's uid), read once.
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'grafanas.grafana.integreatly.org' },
    spec: { group: 'grafana.integreatly.org', scope: 'Namespaced', names: { plural: 'grafanas', kind: 'Grafana' }, versions: [{ name: 'v1beta1', served: true, storage: true }] },
  };
  const emu = await startEmulator({ seed: [crd as ObjectInput] });
  t.teardown(() => emu.stop());
  const cr = emu.create(docs.find((d) => d.kind === 'Grafana') as ObjectInput) as Record<string, any>;
  for (const d of docs.filter((x) => x.kind === 'Pod' || x.kind === 'Service')) {
    if (d.kind === 'Service') d.metadata.ownerReferences[0].uid = cr.metadata.uid;
    emu.create(d as ObjectInput);
  }
  const { dir, cleanup } = await tempDir('cli-operators');
  t.teardown(cleanup);
  const live = await run(['detect', '--kubeconfig', await emu.writeKubeconfig(path.join(dir, 'kubeconfig')), '--log-level', 'info']);
  t.is(live.code, 0, live.stderr);
  t.deepEqual(JSON.parse(live.stdout), [grafanaRecord]);
  t.regex(live.stderr, /1 operator resource\(s\)/);
});
