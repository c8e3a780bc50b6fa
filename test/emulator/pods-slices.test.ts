import test from 'ava';
import { DiscoveryV1Api, PatchStrategy, setHeaderOptions, Watch, type KubeConfig, type V1EndpointSlice, type V1Pod } from '@kubernetes/client-node';
import { apiError, clients, emulator, raw, waitFor } from './helpers.js';

const pod = (name: string, image = 'quay.io/prometheus/prometheus:v2.53.0', labels: Record<string, string> = { app: 'prom' }) =>
  ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'obs', labels },
  spec: { containers: [{ name: 'prometheus', image, ports: [{ name: 'web', containerPort: 9090 }] }] },
  }) satisfies V1Pod;

const slice = (name: string, service: string, addresses: string[] = ['10.244.0.7']) =>
  ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'obs', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: addresses.map((a, i) => ({ addresses: [a], conditions: { ready: true }, targetRef: { kind: 'Pod', name: `${service}-${i}`, namespace: 'obs' } })),
  ports: [{ name: 'web', port: 9090 }],
  }) satisfies V1EndpointSlice;

const readyStatus = {
  phase: 'Running',
  podIP: '10.244.0.7',
  podIPs: [{ ip: '10.244.0.7' }],
  conditions: [{ type: 'Ready', status: 'True' }],
};

test('Pods: create resets status to Pending, status is written only through /status, spec is immutable but for images', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const created = await core.createNamespacedPod({ namespace: 'obs', body: { ...pod('prom-0'), status: { phase: 'Running' } } });
  t.deepEqual({ ...created.status }, { phase: 'Pending', qosClass: 'BestEffort' }, 'a client cannot create a Pod with a status');
  t.is(created.spec?.restartPolicy, 'Always');
  t.is(created.spec?.containers[0]?.ports?.[0]?.protocol, 'TCP');
  t.is(created.spec?.containers[0]?.imagePullPolicy, 'IfNotPresent');

  // A main-resource write keeps the status; the /status subresource changes only the status.
  const withStatus = { ...created, status: readyStatus };
  const replaced = await core.replaceNamespacedPod({ name: 'prom-0', namespace: 'obs', body: withStatus });
  t.is(replaced.status?.phase, 'Pending');
  const statusWrite = await core.replaceNamespacedPodStatus({
    name: 'prom-0',
    namespace: 'obs',
    body: { ...replaced, metadata: { ...replaced.metadata, labels: { app: 'prom' } }, spec: { containers: [{ name: 'other', image: 'x' }] }, status: readyStatus },
  });
  t.is(statusWrite.status?.phase, 'Running');
  t.is(statusWrite.spec?.containers[0]?.name, 'prometheus', 'a status write does not change the spec');
  const patched = await core.patchNamespacedPodStatus(
    { name: 'prom-0', namespace: 'obs', body: { status: { conditions: [{ type: 'Ready', status: 'False' }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.deepEqual(
    patched.status?.conditions?.map((c) => [c.type, c.status]),
    [['Ready', 'False']],
    'conditions merge by type',
  );

  // ValidatePodUpdate: an image may change in place, a port may not.
  const imageChange = await core.patchNamespacedPod(
    { name: 'prom-0', namespace: 'obs', body: { spec: { containers: [{ name: 'prometheus', image: 'quay.io/prometheus/prometheus:v3.0.0' }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.is(imageChange.spec?.containers[0]?.image, 'quay.io/prometheus/prometheus:v3.0.0');
  const portChange = await apiError(
    core.patchNamespacedPod(
      { name: 'prom-0', namespace: 'obs', body: { spec: { containers: [{ name: 'prometheus', ports: [{ containerPort: 9091 }] }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    ),
  );
  t.is(portChange.code, 422);
  t.regex(portChange.status?.message ?? '', /^Pod "prom-0" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\]\.image`/);

  const invalid = await apiError(core.createNamespacedPod({ namespace: 'obs', body: { metadata: { name: 'bad' }, spec: { containers: [{ name: 'Main', image: '' }] } } }));
  t.is(invalid.code, 422);
  t.deepEqual(
    invalid.status?.details?.causes?.map((c) => c.field),
    ['spec.containers[0].name', 'spec.containers[0].image'],
  );
  const none = await apiError(core.createNamespacedPod({ namespace: 'obs', body: { metadata: { name: 'empty' }, spec: { containers: [] } } }));
  t.is(none.status?.message, 'Pod "empty" is invalid: spec.containers: Required value');

  // Field selectors from ToSelectableFields; DELETE answers with the Pod (ReturnDeletedObject).
  await core.createNamespacedPod({ namespace: 'obs', body: pod('prom-1') });
  const running = await core.listNamespacedPod({ namespace: 'obs', fieldSelector: 'status.phase=Running' });
  t.deepEqual(running.items.map((p) => p.metadata?.name), ['prom-0']);
  const byIP = await core.listPodForAllNamespaces({ fieldSelector: 'status.podIP=10.244.0.7' });
  t.deepEqual(byIP.items.map((p) => p.metadata?.name), ['prom-0']);
  const deleted = await raw(emu, '/api/v1/namespaces/obs/pods/prom-1', { method: 'DELETE' });
  t.like(deleted.json() as object, { kind: 'Pod', metadata: { name: 'prom-1' } });
  t.is(emu.get({ apiVersion: 'v1', kind: 'Pod', name: 'prom-1', namespace: 'obs' }), undefined, 'no kubelet: a Pod on no node goes at once');
});

test('EndpointSlices: addressType and addresses validated like pkg/apis/discovery/validation, empty lists read back as null', async (t) => {
  const emu = await emulator(t);
  const { kc } = clients(emu);
  const discovery = kc.makeApiClient(DiscoveryV1Api);

  const created = await discovery.createNamespacedEndpointSlice({ namespace: 'obs', body: slice('prom-abcde', 'prom') });
  t.is(created.metadata?.generation, 1);
  t.deepEqual(created.ports?.map((p) => ({ ...p })), [{ name: 'web', port: 9090, protocol: 'TCP' }], 'protocol defaults to TCP');
  const wire = await raw(emu, '/apis/discovery.k8s.io/v1/namespaces/obs/endpointslices/prom-abcde');
  t.like(wire.json() as object, { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', addressType: 'IPv4' });

  const empty = await raw(emu, '/apis/discovery.k8s.io/v1/namespaces/obs/endpointslices', {
    method: 'POST',
    contentType: 'application/json',
    body: JSON.stringify({ metadata: { name: 'idle-xyz', labels: { 'kubernetes.io/service-name': 'idle' } }, addressType: 'IPv4', ports: [{ port: 80 }] }),
  });
  t.is(empty.status, 201);
  t.like(empty.json() as object, { endpoints: null, ports: [{ name: '', port: 80, protocol: 'TCP' }] });

  const noType = await apiError(discovery.createNamespacedEndpointSlice({ namespace: 'obs', body: { ...slice('x-1', 'x'), addressType: '' } }));
  t.is(noType.code, 422);
  t.is(noType.status?.message, 'EndpointSlice.discovery.k8s.io "x-1" is invalid: addressType: Required value');
  const badType = await apiError(discovery.createNamespacedEndpointSlice({ namespace: 'obs', body: { ...slice('x-2', 'x'), addressType: 'IP' } }));
  t.is(badType.status?.message, 'EndpointSlice.discovery.k8s.io "x-2" is invalid: addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"');
  const noAddress = await apiError(
    discovery.createNamespacedEndpointSlice({ namespace: 'obs', body: { ...slice('x-3', 'x'), endpoints: [{ addresses: [], conditions: {} }] } }),
  );
  t.is(noAddress.status?.message, 'EndpointSlice.discovery.k8s.io "x-3" is invalid: endpoints[0].addresses: Required value: must contain at least 1 address');
  const loopback = await apiError(discovery.createNamespacedEndpointSlice({ namespace: 'obs', body: slice('x-4', 'x', ['127.0.0.1', '10.0.0.300']) }));
  t.deepEqual(loopback.status?.details?.causes?.map((c) => `${c.field}: ${c.message}`), [
    'endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    'endpoints[1].addresses[0]: Invalid value: "10.0.0.300": must be a valid IPv4 address',
    'endpoints[1].addresses[0]: Invalid value: "10.0.0.300": must be a valid IP address',
  ]);
  const dupPorts = await apiError(
    discovery.createNamespacedEndpointSlice({ namespace: 'obs', body: { ...slice('x-5', 'x'), ports: [{ port: 1 }, { port: 2, protocol: 'HTTP' }] } }),
  );
  t.deepEqual(dupPorts.status?.details?.causes?.map((c) => c.field), ['ports[1].name', 'ports[1].protocol']);

  // addressType is immutable; generation moves with the endpoints, not with annotations.
  const changed = await apiError(
    discovery.patchNamespacedEndpointSlice(
      { name: 'prom-abcde', namespace: 'obs', body: { addressType: 'IPv6', endpoints: [{ addresses: ['fd00::7'] }] } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  );
  t.is(changed.status?.message, 'EndpointSlice.discovery.k8s.io "prom-abcde" is invalid: addressType: Invalid value: "IPv6": field is immutable');
  const annotated = await discovery.patchNamespacedEndpointSlice(
    { name: 'prom-abcde', namespace: 'obs', body: { metadata: { annotations: { a: 'b' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.is(annotated.metadata?.generation, 1);
  const moved = await discovery.patchNamespacedEndpointSlice(
    { name: 'prom-abcde', namespace: 'obs', body: { endpoints: [{ addresses: ['10.244.0.8'], conditions: { ready: false } }] } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.is(moved.metadata?.generation, 2);
  t.deepEqual(moved.endpoints?.map((e) => e.addresses), [['10.244.0.8']], 'endpoints are an atomic list');

  // The label a Service's slices carry selects them, in a namespace and across all.
  await discovery.createNamespacedEndpointSlice({ namespace: 'obs', body: slice('prom-fghij', 'prom', ['10.244.1.9']) });
  await discovery.createNamespacedEndpointSlice({ namespace: 'obs', body: slice('grafana-klmno', 'grafana') });
  const forProm = await discovery.listNamespacedEndpointSlice({ namespace: 'obs', labelSelector: 'kubernetes.io/service-name=prom' });
  t.deepEqual(forProm.items.map((s) => s.metadata?.name), ['prom-abcde', 'prom-fghij']);
  const all = await discovery.listEndpointSliceForAllNamespaces({ labelSelector: 'kubernetes.io/service-name in (grafana,idle)' });
  t.deepEqual(all.items.map((s) => s.metadata?.name), ['grafana-klmno', 'idle-xyz']);
});

test('discovery serves pods and endpointslices, so generic clients find them', async (t) => {
  const emu = await emulator(t);
  const core = (await raw(emu, '/api/v1')).json() as { resources: Array<{ name: string; kind: string; namespaced: boolean; shortNames?: string[] }> };
  t.like(
    core.resources.find((r) => r.name === 'pods'),
    { kind: 'Pod', namespaced: true, shortNames: ['po'] },
  );
  t.truthy(core.resources.find((r) => r.name === 'pods/status'));
  const groups = (await raw(emu, '/apis')).json() as { groups: Array<{ name: string; preferredVersion: { groupVersion: string } }> };
  t.like(
    groups.groups.find((g) => g.name === 'discovery.k8s.io'),
    { preferredVersion: { groupVersion: 'discovery.k8s.io/v1' } },
  );
  const dv1 = (await raw(emu, '/apis/discovery.k8s.io/v1')).json() as { resources: Array<{ name: string; kind: string; verbs: string[] }> };
  t.deepEqual(
    dv1.resources.map((r) => [r.name, r.kind]),
    [['endpointslices', 'EndpointSlice']],
  );
  t.true(dv1.resources[0]?.verbs.includes('watch'));
});

test('a seeded dump keeps its statuses (the create that resets them is followed by a status write)', async (t) => {
  const emu = await emulator(t, { seed: [{ ...pod('prom-0'), status: readyStatus }, slice('prom-abcde', 'prom')] });
  const { core, kc } = clients(emu);
  const p = await core.readNamespacedPod({ name: 'prom-0', namespace: 'obs' });
  t.is(p.status?.phase, 'Running');
  t.is(p.status?.podIPs?.[0]?.ip, '10.244.0.7');
  const s = await kc.makeApiClient(DiscoveryV1Api).readNamespacedEndpointSlice({ name: 'prom-abcde', namespace: 'obs' });
  t.is(s.endpoints[0]?.conditions?.ready, true);
});

/** A real client-node Watch, recording events; aborted in teardown. */
async function record(t: { teardown(fn: () => void): void }, kc: KubeConfig, path: string, query: Record<string, string | boolean>) {
  const events: Array<{ type: string; name: string | undefined }> = [];
  const ctl = await new Watch(kc).watch(
    path,
    query,
    (type: string, obj: { metadata?: { name?: string } }) => events.push({ type, name: obj.metadata?.name }),
    () => undefined,
  );
  t.teardown(() => ctl.abort());
  return events;
}

test('pods and slices page and watch like the other kinds, a Service-name selector included', async (t) => {
  const emu = await emulator(t, { bookmarkIntervalMs: 50 });
  const { kc, core } = clients(emu);
  for (let i = 0; i < 5; i++) emu.create(pod(`prom-${i}`));
  const first = await core.listNamespacedPod({ namespace: 'obs', limit: 2 });
  t.is(first.items.length, 2);
  t.is(first.metadata?.remainingItemCount, 3);
  const rest = await core.listNamespacedPod({ namespace: 'obs', limit: 10, _continue: first.metadata?._continue });
  t.deepEqual(rest.items.map((p) => p.metadata?.name), ['prom-2', 'prom-3', 'prom-4']);

  const rv = emu.resourceVersion();
  const slices = await record(t, kc, '/apis/discovery.k8s.io/v1/endpointslices', {
    resourceVersion: rv,
    allowWatchBookmarks: true,
    labelSelector: 'kubernetes.io/service-name=prom',
  });
  const pods = await record(t, kc, '/api/v1/namespaces/obs/pods', { resourceVersion: rv, allowWatchBookmarks: true });
  emu.create(slice('grafana-abcde', 'grafana'));
  emu.create(slice('prom-abcde', 'prom'));
  emu.patch({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', name: 'prom-abcde', namespace: 'obs' }, { endpoints: [{ addresses: ['10.244.0.9'] }] });
  emu.patch({ apiVersion: 'v1', kind: 'Pod', name: 'prom-0', namespace: 'obs' }, { status: readyStatus }, 'merge', { subresource: 'status' });
  emu.delete({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', name: 'prom-abcde', namespace: 'obs' });
  emu.delete({ apiVersion: 'v1', kind: 'Pod', name: 'prom-1', namespace: 'obs' });
  await waitFor(() => slices.filter((e) => e.type !== 'BOOKMARK').length >= 3 && pods.filter((e) => e.type !== 'BOOKMARK').length >= 2, 'watch events');
  await waitFor(() => slices.some((e) => e.type === 'BOOKMARK') && pods.some((e) => e.type === 'BOOKMARK'), 'bookmarks');
  t.deepEqual(
    slices.filter((e) => e.type !== 'BOOKMARK'),
    [
      { type: 'ADDED', name: 'prom-abcde' },
      { type: 'MODIFIED', name: 'prom-abcde' },
      { type: 'DELETED', name: 'prom-abcde' },
    ],
    'only the selected Service’s slices',
  );
  t.deepEqual(
    pods.filter((e) => e.type !== 'BOOKMARK'),
    [
      { type: 'MODIFIED', name: 'prom-0' },
      { type: 'DELETED', name: 'prom-1' },
    ],
  );
});
