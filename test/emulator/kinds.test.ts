import test from 'ava';
import { PatchStrategy, setHeaderOptions, V1MicroTime, type V1Deployment } from '@kubernetes/client-node';
import { apiError, clients, emulator, raw } from './helpers.js';

test('Leases: create, renew, optimistic concurrency with 409 on a stale update', async (t) => {
  const emu = await emulator(t);
  const { coordination } = clients(emu);
  const acquired = new V1MicroTime('2024-05-01T10:00:00.123Z');
  const lease = await coordination.createNamespacedLease({
    namespace: 'obs',
    body: {
      metadata: { name: 'dynamic-toolset-leader' },
      spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15, acquireTime: acquired, renewTime: acquired, leaseTransitions: 0 },
    },
  });
  t.is(lease.spec?.holderIdentity, 'pod-a');
  t.is(String(lease.spec?.renewTime), '2024-05-01T10:00:00.123000Z', 'MicroTime is normalised to 6 fractional digits');

  const wire = await raw(emu, '/apis/coordination.k8s.io/v1/namespaces/obs/leases/dynamic-toolset-leader');
  t.like(wire.json() as object, { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', spec: { acquireTime: '2024-05-01T10:00:00.123000Z' } });

  // Two candidates read the same version; the first renewal wins, the second gets 409.
  const a = await coordination.readNamespacedLease({ name: 'dynamic-toolset-leader', namespace: 'obs' });
  const b = await coordination.readNamespacedLease({ name: 'dynamic-toolset-leader', namespace: 'obs' });
  a.spec = { ...a.spec, renewTime: new V1MicroTime('2024-05-01T10:00:05.000Z') };
  const renewed = await coordination.replaceNamespacedLease({ name: 'dynamic-toolset-leader', namespace: 'obs', body: a });
  t.not(renewed.metadata?.resourceVersion, a.metadata?.resourceVersion);
  b.spec = { ...b.spec, holderIdentity: 'pod-b', leaseTransitions: 1 };
  const err = await apiError(coordination.replaceNamespacedLease({ name: 'dynamic-toolset-leader', namespace: 'obs', body: b }));
  t.is(err.code, 409);
  t.is(
    err.status?.message,
    'Operation cannot be fulfilled on leases.coordination.k8s.io "dynamic-toolset-leader": the object has been modified; please apply your changes to the latest version and try again',
  );
  t.deepEqual(err.status?.details, { name: 'dynamic-toolset-leader', group: 'coordination.k8s.io', kind: 'leases' });

  const invalid = await apiError(
    coordination.createNamespacedLease({ namespace: 'obs', body: { metadata: { name: 'bad' }, spec: { leaseDurationSeconds: 0 } } }),
  );
  t.is(invalid.code, 422);
  t.is(invalid.status?.message, 'Lease.coordination.k8s.io "bad" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
  const missing = await apiError(coordination.readNamespacedLease({ name: 'nope', namespace: 'obs' }));
  t.is(missing.status?.message, 'leases.coordination.k8s.io "nope" not found');
});

const deployment = (name: string): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'obs' },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'holmes:1.0' }] } },
  },
});

test('Deployments: rollout restart patch bumps generation, status stays server-owned', async (t) => {
  const emu = await emulator(t);
  const { apps } = clients(emu);
  const created = await apps.createNamespacedDeployment({ namespace: 'obs', body: deployment('holmes') });
  t.is(created.metadata?.generation, 1);
  t.is(created.spec?.replicas, 1);
  t.is(created.spec?.strategy?.type, 'RollingUpdate');
  t.is(created.spec?.template?.spec?.containers[0]?.imagePullPolicy, 'IfNotPresent');

  const restartedAt = '2024-05-01T10:00:00Z';
  const patched = await apps.patchNamespacedDeployment(
    {
      name: 'holmes',
      namespace: 'obs',
      body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.is(patched.metadata?.generation, 2);
  t.is(patched.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], restartedAt);
  t.deepEqual(patched.spec?.template?.metadata?.labels, { app: 'holmes' });
  t.is(patched.spec?.template?.spec?.containers.length, 1);

  // Strategic merge merges containers by name; merge patch would replace the list.
  const smp = await apps.patchNamespacedDeployment(
    { name: 'holmes', namespace: 'obs', body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'holmes:1.1' }] } } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.is(smp.spec?.template?.spec?.containers[0]?.image, 'holmes:1.1');
  t.is(smp.spec?.template?.spec?.containers[0]?.terminationMessagePath, '/dev/termination-log');
  t.is(smp.metadata?.generation, 3);

  // A status write through the main resource is ignored; the /status subresource takes it without a generation bump.
  const withStatus = structuredClone(smp);
  withStatus.status = { replicas: 5 };
  const replaced = await apps.replaceNamespacedDeployment({ name: 'holmes', namespace: 'obs', body: withStatus });
  t.is(replaced.status?.replicas, undefined);
  t.is(replaced.metadata?.resourceVersion, smp.metadata?.resourceVersion, 'no-op after status reset');
  const st = await apps.patchNamespacedDeploymentStatus(
    { name: 'holmes', namespace: 'obs', body: { status: { observedGeneration: 3, replicas: 1 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.is(st.status?.observedGeneration, 3);
  t.is(st.metadata?.generation, 3);

  const list = await apps.listDeploymentForAllNamespaces();
  t.is(list.items.length, 1);

  const bad = await apiError(
    apps.createNamespacedDeployment({
      namespace: 'obs',
      body: { ...deployment('bad'), spec: { ...deployment('bad').spec, selector: { matchLabels: { app: 'other' } } } as V1Deployment['spec'] },
    }),
  );
  t.is(bad.code, 422);
  t.regex(bad.status?.message ?? '', /`selector` does not match template `labels`/);
});

test('seed() accepts multi-document YAML with Lists', async (t) => {
  const emu = await emulator(t);
  const stored = emu.seed(`
apiVersion: v1
kind: Service
metadata: {name: prometheus, namespace: monitoring, labels: {app: prometheus}}
spec:
  ports: [{name: web, port: 9090}]
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: holmes-toolsets, namespace: obs}
    data: {toolsets.yaml: "{}"}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: grafana, namespace: monitoring}
    spec:
      selector: {matchLabels: {app: grafana}}
      template:
        metadata: {labels: {app: grafana}}
        spec: {containers: [{name: grafana, image: grafana/grafana}]}
`);
  t.is(stored.length, 3);
  const { core } = clients(emu);
  const svcs = await core.listServiceForAllNamespaces({ labelSelector: 'app=prometheus' });
  t.is(svcs.items[0]?.spec?.ports?.[0]?.port, 9090);
  t.truthy(emu.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'grafana', namespace: 'monitoring' }));
  // Re-seeding the same objects is a no-op apply.
  const rv = emu.resourceVersion();
  emu.seed([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'holmes-toolsets', namespace: 'obs' }, data: { 'toolsets.yaml': '{}' } }]);
  t.is(emu.resourceVersion(), rv);
});
