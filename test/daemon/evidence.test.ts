// Workload evidence, live: a daemon against the emulator with a test-local plugin that claims a Service only when
// the Pods behind it (through its EndpointSlices) run a given image. Pods and slices arrive after the Service, the
// image changes with a new Pod, and RBAC forbids Pods — each is seen in the ConfigMap the daemon writes.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Emulator } from '../../core/src/emulator/index.js';
import { startEmulator } from '../../core/src/emulator/index.js';
import { backend, startDaemon } from './helpers.js';
import type { Harness } from './helpers.js';
import { bundle, eventually, service, tempDir } from '../helpers/bundles.js';

/** Claims a Service when a workload behind it runs acme/tsdb (any registry or tag), or when it is labelled so. */
const TSDB_PLUGIN = `import { defineDetector, hasImage } from '@kubernaut/toolset-sdk';
export default defineDetector({
  name: 'tsdb', version: '1.0.0', description: 'test detector tsdb', type: 'tsdb',
  detect(service) {
    if (service.metadata.labels['test/tsdb'] === undefined && !hasImage(service, 'acme/tsdb')) return null;
    return { port: 'http', health: { path: '/healthz' } };
  },
});
`;

async function daemonWithPlugin(t: ExecutionContext, emulator?: Emulator): Promise<Harness> {
  const { dir, cleanup } = await tempDir('evidence-plugin');
  t.teardown(cleanup);
  const pluginsDir = path.join(dir, 'plugins');
  await mkdir(pluginsDir);
  await writeFile(path.join(pluginsDir, 'tsdb.js'), await bundle(dir, 'tsdb', TSDB_PLUGIN));
  return startDaemon(t, { options: { pluginsDir, workloadEvidence: true }, ...(emulator ? { emulator } : {}) });
}

function pod(name: string, image: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'apps',
      labels: { app: 'metrics' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'metrics-7d9f8c', uid: `rs-${image}`, controller: true }],
    },
    spec: { containers: [{ name: 'server', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
  };
}

const READY = { phase: 'Running', podIP: '10.244.0.7', podIPs: [{ ip: '10.244.0.7' }], conditions: [{ type: 'Ready', status: 'True' }] };

/** The EndpointSlice the controller would write for Service apps/metrics with these Pods behind it. */
function slice(pods: string[]): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'metrics-x7k2p', namespace: 'apps', labels: { 'kubernetes.io/service-name': 'metrics', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    endpoints: pods.map((name, i) => ({ addresses: [`10.244.0.${7 + i}`], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'apps', name } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function runPod(emu: Emulator, name: string, image: string): void {
  emu.create(pod(name, image));
  emu.patch({ apiVersion: 'v1', kind: 'Pod', namespace: 'apps', name }, { status: READY }, 'merge', { subresource: 'status' });
}

const SLICE_REF = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: 'apps', name: 'metrics-x7k2p' };
const published = (h: Harness, name: string): boolean => h.configMap()?.data?.['custom_toolset.yaml']?.includes(`${name}.apps.svc.cluster.local`) === true;
/** Detection has run for the Service and its result is in the model (detected or not). */
const decided = (h: Harness, key: string): boolean => h.daemon.model.snapshot().results.has(key) && h.configMap() !== undefined;

test('the Pods behind a Service decide it: they arrive after it, then a new Pod with another image takes it away', async (t) => {
  const h = await daemonWithPlugin(t);
  const be = await backend(t);
  h.emu.registerProxyTarget({ namespace: 'apps', name: 'metrics', port: 'http', url: be.url });
  t.is(h.daemon.evidence?.state, 'active');

  // Generic labels, nothing in the Service says what it is: no evidence yet, so not claimed.
  h.emu.create(service('metrics', 'apps', { app: 'metrics' }));
  await eventually(() => decided(h, 'apps/metrics'));
  t.false(published(h, 'metrics'));

  runPod(h.emu, 'metrics-7d9f8c-abcde', 'registry.example.com/acme/tsdb:2.1.0');
  h.emu.create(slice(['metrics-7d9f8c-abcde']));
  await eventually(() => published(h, 'metrics'));
  t.true(h.configMap()!.data!['custom_toolset.yaml']!.includes('http://metrics.apps.svc.cluster.local:8080'));

  // A rollout to another image: a new Pod replaces the old one in the slice.
  runPod(h.emu, 'metrics-5c6b4f-fghij', 'docker.io/acme/other:1.0');
  h.emu.patch(SLICE_REF, { endpoints: (slice(['metrics-5c6b4f-fghij']) as { endpoints: unknown }).endpoints });
  h.emu.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'apps', name: 'metrics-7d9f8c-abcde' });
  await eventually(() => !published(h, 'metrics'));
  t.is(h.daemon.evidence?.index.size().pods, 1);
});

test('a 403 on pods degrades to metadata-only detection with evidence off, and a later grant turns it on', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const revoke = emu.grant({ subjects: { groups: ['system:masters'] }, verbs: ['*'], apiGroups: [''], resources: ['pods'], deny: true });
  runPod(emu, 'metrics-7d9f8c-abcde', 'acme/tsdb:2.1.0');
  emu.create(slice(['metrics-7d9f8c-abcde']));
  emu.create(service('metrics', 'apps', { app: 'metrics' }));
  emu.create(service('labelled', 'apps', { 'test/tsdb': 'yes' }));
  const be = await backend(t);
  for (const name of ['metrics', 'labelled']) emu.registerProxyTarget({ namespace: 'apps', name, port: 'http', url: be.url });

  // Startup does not wait on what it may not read, and Services are still decided from their metadata.
  const h = await daemonWithPlugin(t, emu);
  t.is(h.daemon.evidence?.state, 'forbidden');
  await eventually(() => published(h, 'labelled') && decided(h, 'apps/metrics'));
  t.false(published(h, 'metrics'), 'no evidence: the unlabelled Service is not claimed');
  t.is(h.daemon.readiness().ready, true, 'a forbidden evidence source does not make the daemon unready');

  // One toolset per type: the labelled one leaves, so the ConfigMap can show the other.
  emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'apps', name: 'labelled' });
  await eventually(() => !published(h, 'labelled'));
  t.false(published(h, 'metrics'));
  revoke();
  await eventually(() => published(h, 'metrics'));
  t.is(h.daemon.evidence?.state, 'active');
});

test('--workload-evidence=false: no Pod or EndpointSlice is read', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  // Any read of them would be refused; nothing waits on them or warns about them either.
  emu.grant({ subjects: { groups: ['system:masters'] }, verbs: ['*'], apiGroups: ['', 'discovery.k8s.io'], resources: ['pods', 'endpointslices'], deny: true });
  emu.create(service('labelled', 'apps', { 'test/tsdb': 'yes' }));
  const be = await backend(t);
  emu.registerProxyTarget({ namespace: 'apps', name: 'labelled', port: 'http', url: be.url });
  const { dir, cleanup } = await tempDir('evidence-plugin');
  t.teardown(cleanup);
  const pluginsDir = path.join(dir, 'plugins');
  await mkdir(pluginsDir);
  await writeFile(path.join(pluginsDir, 'tsdb.js'), await bundle(dir, 'tsdb', TSDB_PLUGIN));
  const h = await startDaemon(t, { emulator: emu, options: { pluginsDir, workloadEvidence: false } });
  t.is(h.daemon.evidence, undefined);
  await eventually(() => published(h, 'labelled'));
});

test('a server that does not serve discovery.k8s.io/v1 EndpointSlices (Kubernetes < 1.21): evidence off with a warning, the ConfigMap is still written', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  // What a v1.20 API server answers for the v1 path (seen against kube-real): 404 on every list and watch.
  emu.faults.failNext(Number.MAX_SAFE_INTEGER, 404, { path: /^\/apis\/discovery\.k8s\.io\/v1\/endpointslices/, message: 'the server could not find the requested resource' });
  emu.create(service('labelled', 'apps', { 'test/tsdb': 'yes' }));
  const be = await backend(t);
  emu.registerProxyTarget({ namespace: 'apps', name: 'labelled', port: 'http', url: be.url });

  const h = await daemonWithPlugin(t, emu);
  t.is(h.daemon.evidence?.state, 'forbidden', 'evidence is known to be unavailable, not still syncing');
  await eventually(() => published(h, 'labelled'));
  t.is(h.daemon.readiness().ready, true);
});
