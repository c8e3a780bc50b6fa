// Drift means drift: the reconciler's own writes — and the watch events they cause, however late the watch
// delivers them — are never reported as drift; someone else's edit of a generated key is, once, and repaired.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import { startEmulator } from '../../core/src/emulator/index.js';
import { Informer } from '../../core/src/discovery/informer.js';
import { configMapSource } from '../../core/src/discovery/kube-source.js';
import { ConfigMapReconciler } from '../../core/src/reconcile/reconciler.js';
import { projectConfigMap } from '../../core/src/discovery/configmap.js';
import type { ReconcileResult } from '../../core/src/reconcile/reconciler.js';
import { GENERATED_SHA256_ANNOTATION } from '../../core/src/reconcile/merge.js';
import type { Desired } from '../../core/src/reconcile/merge.js';
import type { ConfigMapShape } from '../../core/src/discovery/configmap.js';
import { NotLeaderError } from '../../core/src/leader/elector.js';
import { eventually } from '../helpers/bundles.js';

const NS = 'kubernaut-system';
const NAME = 'kubernaut-toolset-config';
const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: NAME };

function desiredFor(n: number): Desired {
  return {
    data: {
      'kubernetes-toolset.yaml': 'toolset: kubernetes\n',
      'custom_toolset.yaml': `toolsets:\n  prometheus/metrics: {config: {prometheus_url: "http://p${n}"}}\n`,
      ...(n % 2 === 0 ? { 'prometheus-toolset.yaml': `url: http://p${n}\n` } : {}),
    },
    overridesTemplate: '# overrides\n',
    checksum: `c${n}`,
  };
}

async function setup(t: ExecutionContext, opts: { stallWatchFirst?: boolean; fence?: ConstructorParameters<typeof ConfigMapReconciler>[0]['fence'] } = {}) {
  const emu = await startEmulator();
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  let n = 0;
  const drift: string[][] = [];
  const errors: string[] = [];
  const results: ReconcileResult[] = [];
  const logs: string[] = [];
  const informer = new Informer<ConfigMapShape>({
    source: configMapSource(kc, NS, NAME),
    project: projectConfigMap,
    keyOf: (cm) => `${cm.metadata.namespace}/${cm.metadata.name}`,
    backoff: { baseMs: 20, maxMs: 100 },
  });
  const reconciler = new ConfigMapReconciler({
    kc,
    namespace: NS,
    name: NAME,
    desired: () => desiredFor(n),
    informer,
    debounceMs: 5,
    backoff: { baseMs: 20, maxMs: 200 },
    ...(opts.fence ? { isLeader: () => true, fence: opts.fence } : {}),
    observer: { drift: (keys) => drift.push([...keys]), updateError: (e) => errors.push(e), reconciled: (r) => results.push(r) },
    log: { info: () => {}, warn: (m) => logs.push(m), error: (m) => logs.push(m) },
  });
  informer.start();
  await informer.waitForSync();
  // Nothing the watch sends arrives: the cache never sees the reconciler's own writes.
  if (opts.stallWatchFirst) emu.faults.deadWatches({ includeNew: true });
  reconciler.start();
  t.teardown(async () => {
    await reconciler.stop();
    informer.stop();
    await emu.stop();
  });
  const live = () => emu.get(ref) as unknown as ConfigMapShape | undefined;
  return {
    emu,
    informer,
    reconciler,
    drift,
    errors,
    results,
    logs,
    live,
    /** Changes the desired state and waits until the ConfigMap shows it. */
    async change(to: number) {
      n = to;
      reconciler.trigger();
      await eventually(() => live()?.metadata.annotations?.['toolset.kubernaut.io/custom-toolset-sha256'] === `c${to}`);
    },
  };
}

test('a create followed at once by changes, before the watch delivered the create: no drift', async (t) => {
  const r = await setup(t, { stallWatchFirst: true });
  await eventually(() => r.live());
  t.is(r.informer.get(`${NS}/${NAME}`), undefined, 'the cache has not seen the create');
  for (let i = 1; i <= 5; i++) await r.change(i);
  r.emu.faults.resumeWatches();
  await eventually(() => r.informer.get(`${NS}/${NAME}`)?.metadata.resourceVersion === r.live()?.metadata.resourceVersion);
  await r.change(6);
  await r.reconciler.whenIdle();
  t.deepEqual(r.drift, []);
  t.false(r.logs.includes('generated keys were edited in the ConfigMap; repairing them'));
});

test('changes while the watch lags behind the reconciler\'s own updates: merged against its own write, no 409, no drift', async (t) => {
  const r = await setup(t);
  await r.change(1);
  await eventually(() => r.informer.get(`${NS}/${NAME}`)?.metadata.resourceVersion === r.live()?.metadata.resourceVersion);
  r.emu.faults.deadWatches({ includeNew: true });
  for (let i = 2; i <= 8; i++) await r.change(i);
  t.deepEqual(r.errors, [], 'each update was based on the reconciler\'s own last write');
  r.emu.faults.resumeWatches();
  await eventually(() => r.informer.get(`${NS}/${NAME}`)?.metadata.resourceVersion === r.live()?.metadata.resourceVersion);
  await r.change(9);
  t.deepEqual(r.drift, []);
});

test('someone else\'s edit of a generated key is drift: counted once, repaired; the daemon\'s own changes after it are not', async (t) => {
  const r = await setup(t);
  await r.change(1);
  t.truthy(r.live()!.metadata.annotations![GENERATED_SHA256_ANNOTATION]);
  // The repair fails twice first: retries of the same edit are not counted again.
  r.emu.faults.failNext(2, 500, { method: 'PUT', path: /configmaps/ });
  r.emu.patch(ref, { data: { 'custom_toolset.yaml': 'toolsets: {}\n# edited by hand\n' } });
  await eventually(() => r.live()?.data?.['custom_toolset.yaml'] === desiredFor(1).data['custom_toolset.yaml']);
  t.deepEqual(r.drift, [['custom_toolset.yaml']]);
  t.true(r.results.includes('error'), 'the repair was retried');
  for (let i = 2; i <= 6; i++) await r.change(i);
  t.is(r.drift.length, 1);
  // A generated key removed by someone else is an edit too; an admin key added beside it is not.
  r.emu.patch(ref, { data: { 'kubernetes-toolset.yaml': null, 'admin.txt': 'mine' } });
  await eventually(() => r.live()?.data?.['kubernetes-toolset.yaml'] === 'toolset: kubernetes\n');
  t.deepEqual(r.drift, [['custom_toolset.yaml'], ['kubernetes-toolset.yaml']]);
  t.is(r.live()!.data!['admin.txt'], 'mine');
});

test('the write is fenced: a replica that still believes it leads writes nothing once the fence says no', async (t) => {
  let leading = false;
  const fenceCalls: boolean[] = [];
  const r = await setup(t, {
    fence: async (write) => {
      fenceCalls.push(leading);
      if (!leading) throw new NotLeaderError('me', 'other');
      return write(new AbortController().signal);
    },
  });
  await eventually(() => r.results.includes('not_leader'));
  t.is(r.live(), undefined, 'nothing written without leadership at the write');
  leading = true;
  r.reconciler.trigger();
  await eventually(() => r.live());
  t.deepEqual([...new Set(fenceCalls)], [false, true]);
});
