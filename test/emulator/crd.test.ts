// CustomResourceDefinitions in the emulator, through the real client-node: a CRD, once created, is Established and
// its group/version appears in API discovery; its custom resources are served (CRUD, list, watch, status
// subresource); deleting the CRD deletes its objects and drops it from discovery. This is what the daemon's operator
// resources (core/src/discovery/operators.ts) will be read through.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { ApiextensionsV1Api, ApisApi, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch, type KubernetesObject, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { apiError, clients, emulator, raw, waitFor } from './helpers.js';

type Emu = Awaited<ReturnType<typeof emulator>>;

function crd(group: string, plural: string, kind: string, versions: Array<{ name: string; served: boolean; storage: boolean }>, status = true): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, kind, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: versions.map((v) => ({
        ...v,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        ...(status ? { subresources: { status: {} } } : {}),
      })),
    },
  };
}

const PROMETHEUS_CRD = crd('monitoring.coreos.com', 'prometheuses', 'Prometheus', [{ name: 'v1', served: true, storage: true }]);

function apis(emu: Emu): { ext: ApiextensionsV1Api; custom: CustomObjectsApi; discovery: ApisApi; kc: ReturnType<typeof clients>['kc'] } {
  const { kc } = clients(emu);
  return { ext: kc.makeApiClient(ApiextensionsV1Api), custom: kc.makeApiClient(CustomObjectsApi), discovery: kc.makeApiClient(ApisApi), kc };
}

async function established(ext: ApiextensionsV1Api, name: string): Promise<V1CustomResourceDefinition> {
  return waitFor(async () => {
    const c = await ext.readCustomResourceDefinition({ name });
    return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') ? c : undefined;
  }, `${name} Established`);
}

async function groups(discovery: ApisApi): Promise<Map<string, string>> {
  const list = await discovery.getAPIVersions();
  return new Map(list.groups.map((g) => [g.name, g.preferredVersion?.version ?? '']));
}

const prometheus = (name: string, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'Prometheus',
  metadata: { name, namespace: 'monitoring' },
  spec,
});

const P = { group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheuses' };

test('a created CRD is Established, appears in discovery, and its custom resources are served with CRUD, list and status', async (t) => {
  const emu = await emulator(t);
  const { ext, custom, discovery } = apis(emu);
  t.false((await groups(discovery)).has('monitoring.coreos.com'));
  t.is((await apiError(custom.listClusterCustomObject(P))).code, 404, 'not served before its CRD');
  t.true((await groups(discovery)).has('apiextensions.k8s.io'));

  await ext.createCustomResourceDefinition({ body: PROMETHEUS_CRD });
  const c = await established(ext, 'prometheuses.monitoring.coreos.com');
  t.deepEqual(c.status?.acceptedNames?.plural, 'prometheuses');
  t.deepEqual(c.status?.storedVersions, ['v1']);
  t.is((await groups(discovery)).get('monitoring.coreos.com'), 'v1');
  const resources = await custom.getAPIResources({ group: P.group, version: P.version });
  t.deepEqual(
    resources.resources.map((r) => [r.name, r.kind, r.namespaced]),
    [
      ['prometheuses', 'Prometheus', true],
      ['prometheuses/status', 'Prometheus', true],
    ],
  );

  const created = await custom.createNamespacedCustomObject({ ...P, namespace: 'monitoring', body: prometheus('k8s', { routePrefix: '/prom' }) });
  t.is(created.kind, 'Prometheus');
  t.is(created.metadata.generation, 1);
  t.truthy(created.metadata.uid);
  const got = await custom.getNamespacedCustomObject({ ...P, namespace: 'monitoring', name: 'k8s' });
  t.is(got.spec.routePrefix, '/prom');
  const patched = await custom.patchNamespacedCustomObject(
    { ...P, namespace: 'monitoring', name: 'k8s', body: { spec: { routePrefix: '/p' }, status: { availableReplicas: 9 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.is(patched.metadata.generation, 2, 'a spec change bumps the generation');
  t.is(patched.status, undefined, 'the main resource cannot write status when the status subresource is on');
  await custom.createNamespacedCustomObject({ ...P, namespace: 'other', body: { ...prometheus('second'), metadata: { name: 'second', namespace: 'other' } } });
  const all = await custom.listClusterCustomObject(P);
  t.is(all.kind, 'PrometheusList');
  t.deepEqual(
    all.items.map((i: KubernetesObject) => `${i.metadata?.namespace}/${i.metadata?.name}`),
    ['monitoring/k8s', 'other/second'],
  );
  t.is((await custom.listNamespacedCustomObject({ ...P, namespace: 'other' })).items.length, 1);
  t.is((await apiError(custom.createNamespacedCustomObject({ ...P, namespace: 'monitoring', body: prometheus('k8s') }))).code, 409);
  const deleted = await custom.deleteNamespacedCustomObject({ ...P, namespace: 'other', name: 'second' });
  t.is(deleted.metadata.name, 'second', 'custom resources answer DELETE with the object');
  t.is((await apiError(custom.getNamespacedCustomObject({ ...P, namespace: 'other', name: 'second' }))).code, 404);
});

test('a watch on custom resources sees changes; deleting the CRD deletes its objects and drops it from discovery', async (t) => {
  const emu = await emulator(t);
  const { ext, custom, discovery, kc } = apis(emu);
  await ext.createCustomResourceDefinition({ body: PROMETHEUS_CRD });
  await established(ext, 'prometheuses.monitoring.coreos.com');

  const events: string[] = [];
  let ended = false;
  const ctl = await new Watch(kc).watch(
    '/apis/monitoring.coreos.com/v1/prometheuses',
    { allowWatchBookmarks: true },
    (type: string, obj: KubernetesObject) => {
      if (type !== 'BOOKMARK') events.push(`${type} ${obj.metadata?.namespace}/${obj.metadata?.name} ${obj.kind}`);
    },
    () => {
      ended = true;
    },
  );
  t.teardown(() => ctl.abort());

  await custom.createNamespacedCustomObject({ ...P, namespace: 'monitoring', body: prometheus('k8s') });
  await custom.patchNamespacedCustomObject(
    { ...P, namespace: 'monitoring', name: 'k8s', body: { spec: { replicas: 2 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await waitFor(() => events.length >= 2, 'ADDED and MODIFIED');

  await ext.deleteCustomResourceDefinition({ name: 'prometheuses.monitoring.coreos.com' });
  await waitFor(() => events.length >= 3, 'the DELETED event of the object');
  t.deepEqual(events, ['ADDED monitoring/k8s Prometheus', 'MODIFIED monitoring/k8s Prometheus', 'DELETED monitoring/k8s Prometheus']);
  // The resource is no longer served: its watch ends, cleanly, after the deletions.
  await waitFor(() => ended, 'the watch to end');
  t.false(events.some((e) => e.startsWith('ERROR')));
  t.false((await groups(discovery)).has('monitoring.coreos.com'));
  t.is((await raw(emu, '/apis/monitoring.coreos.com/v1')).status, 404);
  t.is((await apiError(custom.listClusterCustomObject(P))).code, 404);

  // Installed again, it starts empty: the old objects went with the old CRD.
  await ext.createCustomResourceDefinition({ body: PROMETHEUS_CRD });
  await established(ext, 'prometheuses.monitoring.coreos.com');
  t.deepEqual((await custom.listClusterCustomObject(P)).items, []);
});

test('several served versions share one storage; the preferred version is the most stable; unserving a version hides it', async (t) => {
  const emu = await emulator(t);
  const { ext, custom, discovery } = apis(emu);
  const es = crd('elasticsearch.k8s.elastic.co', 'elasticsearches', 'Elasticsearch', [
    { name: 'v1beta1', served: true, storage: false },
    { name: 'v1', served: true, storage: true },
  ]);
  await ext.createCustomResourceDefinition({ body: es });
  await established(ext, 'elasticsearches.elasticsearch.k8s.elastic.co');
  t.is((await groups(discovery)).get('elasticsearch.k8s.elastic.co'), 'v1');
  const E = { group: 'elasticsearch.k8s.elastic.co', plural: 'elasticsearches', namespace: 'elastic' };
  await custom.createNamespacedCustomObject({
    ...E,
    version: 'v1',
    body: { apiVersion: 'elasticsearch.k8s.elastic.co/v1', kind: 'Elasticsearch', metadata: { name: 'quickstart' }, spec: { version: '8.17.0' } },
  });
  const old = await custom.getNamespacedCustomObject({ ...E, version: 'v1beta1', name: 'quickstart' });
  t.is(old.apiVersion, 'elasticsearch.k8s.elastic.co/v1beta1', 'conversion None: the same object under the asked version');
  t.is(old.spec.version, '8.17.0');

  const ends = { v1beta1: false, v1: false };
  for (const v of ['v1beta1', 'v1'] as const) {
    const ctl = await new Watch(apis(emu).kc).watch(`/apis/elasticsearch.k8s.elastic.co/${v}/elasticsearches`, {}, () => {}, () => {
      ends[v] = true;
    });
    t.teardown(() => ctl.abort());
  }
  const current = await ext.readCustomResourceDefinition({ name: 'elasticsearches.elasticsearch.k8s.elastic.co' });
  current.spec.versions = current.spec.versions.map((v) => (v.name === 'v1beta1' ? { ...v, served: false } : v));
  await ext.replaceCustomResourceDefinition({ name: 'elasticsearches.elasticsearch.k8s.elastic.co', body: current });
  t.is((await apiError(custom.getNamespacedCustomObject({ ...E, version: 'v1beta1', name: 'quickstart' }))).code, 404);
  t.is((await custom.getNamespacedCustomObject({ ...E, version: 'v1', name: 'quickstart' })).metadata.name, 'quickstart');
  await waitFor(() => ends.v1beta1, 'the unserved version\'s watch to end');
  t.false(ends.v1, 'the still served version keeps its watch');
});

test('a CRD whose name, scope or versions the API server would refuse is refused with the field', async (t) => {
  const emu = await emulator(t);
  const { ext } = apis(emu);
  const wrongName = { ...PROMETHEUS_CRD, metadata: { name: 'prometheus.monitoring.coreos.com' } };
  const a = await apiError(ext.createCustomResourceDefinition({ body: wrongName }));
  t.is(a.code, 422);
  t.true(a.status?.details?.causes?.some((c) => c.field === 'metadata.name'));
  const noStorage = crd('example.com', 'widgets', 'Widget', [{ name: 'v1', served: true, storage: false }]);
  const b = await apiError(ext.createCustomResourceDefinition({ body: noStorage }));
  t.is(b.code, 422);
  t.true(b.status?.details?.causes?.some((c) => c.field === 'spec.versions'));
  const badScope = { ...crd('example.com', 'widgets', 'Widget', [{ name: 'v1', served: true, storage: true }]) };
  (badScope.spec as { scope: string }).scope = 'Galaxy';
  t.is((await apiError(ext.createCustomResourceDefinition({ body: badScope }))).code, 422);
});

test('the emulator helpers seed CRDs and custom resources together, e.g. an operator fixture', async (t) => {
  const emu = await emulator(t);
  const { custom } = apis(emu);
  const fixture = readFileSync(fileURLToPath(new URL('../fixtures/operators/eck.yaml', import.meta.url)), 'utf8');
  const es = crd('elasticsearch.k8s.elastic.co', 'elasticsearches', 'Elasticsearch', [{ name: 'v1', served: true, storage: true }]);
  emu.seed([es as unknown as Record<string, unknown>]);
  emu.seed(fixture);
  const list = await custom.listNamespacedCustomObject({ group: 'elasticsearch.k8s.elastic.co', version: 'v1', namespace: 'elastic', plural: 'elasticsearches' });
  t.deepEqual(
    list.items.map((i: KubernetesObject) => i.metadata?.name),
    ['plain', 'quickstart'],
  );
  t.is(emu.list('elasticsearch.k8s.elastic.co/v1', 'Elasticsearch', { namespace: 'elastic' }).length, 2);
  t.true(emu.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'elasticsearches.elasticsearch.k8s.elastic.co' }));
  t.throws(() => emu.list('elasticsearch.k8s.elastic.co/v1', 'Elasticsearch'), { message: /unsupported kind/ });
});
