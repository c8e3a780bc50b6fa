// The ConfigMap reconciler against the API emulator through the real client: create, drift repair, recreation,
// admin edits kept through injected 409s and outages.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import { startEmulator } from '../../core/src/emulator/index.js';
import { Informer } from '../../core/src/discovery/informer.js';
import { configMapSource } from '../../core/src/discovery/kube-source.js';
import { ConfigMapReconciler } from '../../core/src/reconcile/reconciler.js';
import { projectConfigMap } from '../../core/src/discovery/configmap.js';
import type { Desired } from '../../core/src/reconcile/merge.js';
import type { ConfigMapShape } from '../../core/src/discovery/configmap.js';
import { eventually } from '../helpers/bundles.js';

const NS = 'kubernaut-system';
const NAME = 'kubernaut-toolset-config';
const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: NAME };

async function setup(t: ExecutionContext) {
  const emu = await startEmulator();
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  let desired: Desired = {
    data: { 'kubernetes-toolset.yaml': 'toolset: kubernetes\nenabled: true\n', 'custom_toolset.yaml': 'toolsets:\n  kubernetes/core: {enabled: true}\n' },
    overridesTemplate: '# overrides\ntoolsets: {}\n',
    checksum: 'c1',
  };
  const informer = new Informer<ConfigMapShape>({
    source: configMapSource(kc, NS, NAME),
    project: projectConfigMap,
    keyOf: (cm) => `${cm.metadata.namespace}/${cm.metadata.name}`,
    backoff: { baseMs: 20, maxMs: 100 },
  });
  const results: string[] = [];
  const reconciler = new ConfigMapReconciler({
    kc,
    namespace: NS,
    name: NAME,
    desired: async () => desired,
    informer,
    debounceMs: 10,
    backoff: { baseMs: 20, maxMs: 200 },
    observer: { reconciled: (r) => results.push(r) },
  });
  informer.start();
  await informer.waitForSync();
  reconciler.start();
  t.teardown(async () => {
    await reconciler.stop();
    informer.stop();
    await emu.stop();
  });
  return {
    emu,
    reconciler,
    results,
    setDesired(d: Partial<Desired>) {
      desired = { ...desired, ...d, data: { ...desired.data, ...(d.data ?? {}) } };
      reconciler.trigger();
    },
    live: () => emu.get(ref) as unknown as ConfigMapShape | undefined,
  };
}

test('creates the ConfigMap, recreates it when deleted, repairs an edited generated key', async (t) => {
  const { emu, live } = await setup(t);
  const created = await eventually(() => live());
  t.is(created.data!['kubernetes-toolset.yaml'], 'toolset: kubernetes\nenabled: true\n');
  t.is(created.data!['overrides.yaml'], '# overrides\ntoolsets: {}\n');

  emu.delete(ref);
  await eventually(() => live());

  emu.patch(ref, { data: { 'custom_toolset.yaml': 'toolsets: {}\n# hacked' } });
  await eventually(() => live()?.data?.['custom_toolset.yaml'] === 'toolsets:\n  kubernetes/core: {enabled: true}\n');
  t.pass();
});

test('admin keys, labels, annotations and overrides survive desired changes, concurrent edits and injected 409s', async (t) => {
  const { emu, live, setDesired } = await setup(t);
  await eventually(() => live());
  emu.patch(ref, {
    metadata: { labels: { team: 'sre' }, annotations: { 'admin/note': 'keep' } },
    data: { 'overrides.yaml': 'toolsets:\n  prometheus/metrics:\n    config: {headers: {X-Org: a}}\n', 'admin.txt': 'mine' },
  });
  for (let i = 0; i < 30; i++) {
    if (i % 5 === 0) emu.faults.failNext(1, 409, { method: 'PUT', path: /configmaps/ });
    setDesired({ data: { 'prometheus-toolset.yaml': `toolset: prometheus\nconfig: {url: http://p${i}}\n` }, checksum: `c${i}` });
    if (i % 3 === 0) emu.patch(ref, { data: { [`admin-${i}.txt`]: String(i) } });
    await new Promise((r) => setTimeout(r, 5));
  }
  const final = await eventually(() => (live()?.data?.["prometheus-toolset.yaml"]?.includes("http://p29") ? live() : undefined)).catch((e) => { t.log(JSON.stringify(live(), null, 1)); throw e; });
  t.is(final.data!['admin.txt'], 'mine');
  t.is(final.data!['overrides.yaml'], 'toolsets:\n  prometheus/metrics:\n    config: {headers: {X-Org: a}}\n');
  for (let i = 0; i < 30; i += 3) t.is(final.data![`admin-${i}.txt`], String(i));
  t.is(final.metadata.labels!.team, 'sre');
  t.is(final.metadata.annotations!['admin/note'], 'keep');
});

test('an API outage backs off and converges after recovery', async (t) => {
  const { emu, live, results } = await setup(t);
  await eventually(() => live());
  emu.faults.failNext(4, 503, { method: 'PUT' });
  emu.delete(ref); // forces a create… which works; the desired change below needs PUTs
  await eventually(() => live());
  (emu.faults as { failNext: typeof emu.faults.failNext }).failNext(3, 500, { path: /configmaps/ });
  emu.patch(ref, { data: { 'kubernetes-toolset.yaml': 'drifted' } });
  await eventually(() => live()?.data?.['kubernetes-toolset.yaml'] === 'toolset: kubernetes\nenabled: true\n');
  t.true(results.includes('error'));
});
