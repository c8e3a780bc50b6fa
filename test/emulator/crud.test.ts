import test from 'ava';
import { PatchStrategy, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { apiError, clients, cm, emulator, raw, svc } from './helpers.js';

test('ConfigMap create/read/replace/delete through CoreV1Api', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const created = await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'cfg' }, data: { a: '1' } } });
  t.is(created.metadata?.namespace, 'team-a');
  t.truthy(created.metadata?.uid);
  t.regex(created.metadata?.resourceVersion ?? '', /^\d+$/);
  t.true(created.metadata?.creationTimestamp instanceof Date);
  t.is(created.metadata?.generation, undefined);
  const mf = created.metadata?.managedFields ?? [];
  t.is(mf.length, 1);
  t.is(mf[0]?.operation, 'Update');
  t.is(mf[0]?.fieldsType, 'FieldsV1');

  const read = await core.readNamespacedConfigMap({ name: 'cfg', namespace: 'team-a' });
  t.deepEqual(read.data, { a: '1' });

  read.data = { a: '2' };
  const replaced = await core.replaceNamespacedConfigMap({ name: 'cfg', namespace: 'team-a', body: read });
  t.deepEqual(replaced.data, { a: '2' });
  t.true(Number(replaced.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));
  t.is(replaced.metadata?.uid, created.metadata?.uid);

  const status = await core.deleteNamespacedConfigMap({ name: 'cfg', namespace: 'team-a' });
  t.is(status.status, 'Success');
  t.is(status.details?.name, 'cfg');
  t.is(status.details?.kind, 'configmaps');
  t.is(status.details?.uid, created.metadata?.uid);
  const gone = await apiError(core.readNamespacedConfigMap({ name: 'cfg', namespace: 'team-a' }));
  t.is(gone.code, 404);
});

test('404 NotFound carries the real Status shape', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const err = await apiError(core.readNamespacedConfigMap({ name: 'missing', namespace: 'default' }));
  t.is(err.code, 404);
  t.deepEqual(err.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'configmaps "missing" not found',
    reason: 'NotFound',
    details: { name: 'missing', kind: 'configmaps' },
    code: 404,
  } as unknown as typeof err.status);
});

test('replace with a stale resourceVersion is a 409 Conflict with the upstream message', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const first = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' }, data: { v: '1' } } });
  const stale: V1ConfigMap = structuredClone(first);
  first.data = { v: '2' };
  await core.replaceNamespacedConfigMap({ name: 'x', namespace: 'default', body: first });
  stale.data = { v: '3' };
  const err = await apiError(core.replaceNamespacedConfigMap({ name: 'x', namespace: 'default', body: stale }));
  t.is(err.code, 409);
  t.is(err.status?.reason, 'Conflict');
  t.is(
    err.status?.message,
    'Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply your changes to the latest version and try again',
  );
  t.deepEqual(err.status?.details, { name: 'x', kind: 'configmaps' });
  // An unconditional replace (no resourceVersion) still wins.
  delete stale.metadata?.resourceVersion;
  const ok = await core.replaceNamespacedConfigMap({ name: 'x', namespace: 'default', body: stale });
  t.deepEqual(ok.data, { v: '3' });
});

test('create conflicts, missing names, generateName and namespace mismatch', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } });
  const dup = await apiError(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } }));
  t.is(dup.code, 409);
  t.is(dup.status?.reason, 'AlreadyExists');
  t.is(dup.status?.message, 'configmaps "dup" already exists');

  const noName = await apiError(core.createNamespacedConfigMap({ namespace: 'default', body: { data: {} } }));
  t.is(noName.code, 422);
  t.is(noName.status?.reason, 'Invalid');
  t.is(noName.status?.message, 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
  t.deepEqual(noName.status?.details?.causes, [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);

  const badName = await apiError(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'Bad_Name' } } }));
  t.is(badName.code, 422);
  t.true(badName.status?.message?.startsWith('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'));

  const generated = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'gen-' } } });
  t.regex(generated.metadata?.name ?? '', /^gen-[a-z0-9]{5}$/);

  const mismatch = await apiError(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'm', namespace: 'other' } } }));
  t.is(mismatch.code, 400);
  t.is(mismatch.status?.message, 'the namespace of the provided object does not match the namespace sent on the request');
});

test('a no-op update keeps the resourceVersion and emits nothing', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'same' }, data: { a: '1' } } });
  const before = emu.resourceVersion();
  const again = await core.replaceNamespacedConfigMap({ name: 'same', namespace: 'default', body: created });
  t.is(again.metadata?.resourceVersion, created.metadata?.resourceVersion);
  const patched = await core.patchNamespacedConfigMap(
    { name: 'same', namespace: 'default', body: { data: { a: '1' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.is(patched.metadata?.resourceVersion, created.metadata?.resourceVersion);
  t.is(emu.resourceVersion(), before);
});

test('one cluster-wide resourceVersion rises across kinds', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  const s = await core.createNamespacedService({ namespace: 'default', body: svc('s') });
  const b = await core.createNamespacedConfigMap({ namespace: 'other', body: { metadata: { name: 'b' } } });
  const rvs = [a, s, b].map((o) => Number(o.metadata?.resourceVersion));
  t.true((rvs[0] as number) < (rvs[1] as number) && (rvs[1] as number) < (rvs[2] as number));
  const list = await core.listConfigMapForAllNamespaces();
  t.is(list.metadata?.resourceVersion, emu.resourceVersion());
});

test('merge, strategic and JSON patches with their content types', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'p', labels: { keep: 'yes', drop: 'yes' } }, data: { a: '1', b: '2' } },
  });
  const merged = await core.patchNamespacedConfigMap(
    { name: 'p', namespace: 'default', body: { metadata: { labels: { drop: null, added: 'x' } }, data: { b: null, c: '3' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.deepEqual(merged.metadata?.labels, { keep: 'yes', added: 'x' });
  t.deepEqual(merged.data, { a: '1', c: '3' });

  const strategic = await core.patchNamespacedConfigMap(
    { name: 'p', namespace: 'default', body: { metadata: { annotations: { note: 'n' } }, data: { d: '4' } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.deepEqual(strategic.data, { a: '1', c: '3', d: '4' });
  t.deepEqual(strategic.metadata?.annotations, { note: 'n' });

  const jsonPatched = await core.patchNamespacedConfigMap(
    {
      name: 'p',
      namespace: 'default',
      body: [
        { op: 'test', path: '/data/a', value: '1' },
        { op: 'replace', path: '/data/a', value: 'one' },
        { op: 'remove', path: '/data/d' },
        { op: 'add', path: '/metadata/labels/x~1y', value: 'slash' },
      ],
    },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  t.deepEqual(jsonPatched.data, { a: 'one', c: '3' });
  t.is(jsonPatched.metadata?.labels?.['x/y'], 'slash');

  const failedTest = await apiError(
    core.patchNamespacedConfigMap(
      { name: 'p', namespace: 'default', body: [{ op: 'test', path: '/data/a', value: 'nope' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    ),
  );
  t.is(failedTest.code, 422);
  t.is(failedTest.status?.reason, 'Invalid');

  const unsupported = await raw(emu, '/api/v1/namespaces/default/configmaps/p', { method: 'PATCH', body: '{}', contentType: 'application/json' });
  t.is(unsupported.status, 415);
  t.like(unsupported.json() as object, { kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });

  const missing = await apiError(
    core.patchNamespacedConfigMap({ name: 'nope', namespace: 'default', body: { data: {} } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
  );
  t.is(missing.code, 404);
});

test('a patch carrying a stale metadata.resourceVersion is rejected with 409', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const c = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'opt' }, data: { a: '1' } } });
  const rv = c.metadata?.resourceVersion ?? '';
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const ok = await core.patchNamespacedConfigMap({ name: 'opt', namespace: 'default', body: { metadata: { resourceVersion: rv }, data: { a: '2' } } }, merge);
  t.deepEqual(ok.data, { a: '2' });
  const err = await apiError(core.patchNamespacedConfigMap({ name: 'opt', namespace: 'default', body: { metadata: { resourceVersion: rv }, data: { a: '3' } } }, merge));
  t.is(err.code, 409);
  t.is(err.status?.reason, 'Conflict');
});

test('label and field selectors on namespaced and cluster-wide lists', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  emu.seed([
    cm('a', {}, { app: 'prom', tier: 'mon' }, 'ns1'),
    cm('b', {}, { app: 'graf', tier: 'mon' }, 'ns1'),
    cm('c', {}, { app: 'loki' }, 'ns2'),
    cm('d', {}, {}, 'ns2'),
  ]);
  const names = (l: { items: Array<{ metadata?: { name?: string } }> }): string[] => l.items.map((i) => i.metadata?.name ?? '');
  t.deepEqual(names(await core.listConfigMapForAllNamespaces({ labelSelector: 'tier=mon' })), ['a', 'b']);
  t.deepEqual(names(await core.listConfigMapForAllNamespaces({ labelSelector: 'app==loki' })), ['c']);
  t.deepEqual(names(await core.listConfigMapForAllNamespaces({ labelSelector: 'app!=prom' })), ['b', 'c', 'd']);
  t.deepEqual(names(await core.listConfigMapForAllNamespaces({ labelSelector: 'app in (prom, loki)' })), ['a', 'c']);
  t.deepEqual(names(await core.listConfigMapForAllNamespaces({ labelSelector: 'app notin (prom,loki)' })), ['b', 'd']);
  t.deepEqual(names(await core.listConfigMapForAllNamespaces({ labelSelector: 'tier' })), ['a', 'b']);
  t.deepEqual(names(await core.listConfigMapForAllNamespaces({ labelSelector: '!tier,app' })), ['c']);
  t.deepEqual(names(await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace=ns2' })), ['c', 'd']);
  t.deepEqual(names(await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name!=a,metadata.namespace==ns1' })), ['b']);
  t.deepEqual(names(await core.listNamespacedConfigMap({ namespace: 'ns1', fieldSelector: 'metadata.name=b' })), ['b']);

  const list = await raw(emu, '/api/v1/namespaces/ns1/configmaps');
  const body = list.json() as { kind: string; apiVersion: string; items: Array<Record<string, unknown>> };
  t.is(body.kind, 'ConfigMapList');
  t.is(body.apiVersion, 'v1');
  t.false('kind' in (body.items[0] ?? {}), 'list items carry no kind, like the real server');

  const badField = await apiError(core.listConfigMapForAllNamespaces({ fieldSelector: 'spec.foo=1' }));
  t.is(badField.code, 400);
  t.is(badField.status?.message, 'field label not supported: spec.foo');
  const badLabel = await apiError(core.listConfigMapForAllNamespaces({ labelSelector: 'app in prom' }));
  t.is(badLabel.code, 400);
});

test('limit and continue page through a list', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  emu.seed(['a', 'b', 'c', 'd', 'e'].map((n) => cm(n)));
  const seen: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  do {
    const page = await core.listNamespacedConfigMap({ namespace: 'default', limit: 2, _continue: cont });
    seen.push(...page.items.map((i) => i.metadata?.name ?? ''));
    cont = page.metadata?._continue;
    if (pages === 0) t.is(page.metadata?.remainingItemCount, 3);
    pages++;
  } while (cont);
  t.deepEqual(seen, ['a', 'b', 'c', 'd', 'e']);
  t.is(pages, 3);
});

test('later pages come from the first page\'s revision: writes in between do not show, as with etcd', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  emu.seed(['a', 'b', 'c', 'd', 'e'].map((n) => cm(n)));
  const first = await core.listNamespacedConfigMap({ namespace: 'default', limit: 2 });
  t.deepEqual(first.items.map((i) => i.metadata?.name), ['a', 'b']);
  // Between pages: one created, one deleted, one changed.
  emu.create(cm('cc'));
  emu.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'd' });
  emu.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'e' }, { data: { changed: 'yes' } });
  const rest = await core.listNamespacedConfigMap({ namespace: 'default', limit: 10, _continue: first.metadata?._continue });
  t.deepEqual(rest.items.map((i) => i.metadata?.name), ['c', 'd', 'e'], 'the list as it was when the first page was served');
  t.is(rest.items[2]?.data?.changed, undefined);
  t.is(rest.metadata?.resourceVersion, first.metadata?.resourceVersion);
  t.falsy(rest.metadata?._continue);
  // A fresh list sees the writes.
  const now = await core.listNamespacedConfigMap({ namespace: 'default' });
  t.deepEqual(now.items.map((i) => i.metadata?.name), ['a', 'b', 'c', 'cc', 'e']);
});

test('a continue token older than the history is 410 Expired, with a token for the rest as of now', async (t) => {
  const emu = await emulator(t, { historyWindow: 2 });
  const { core } = clients(emu);
  emu.seed(['a', 'b', 'c', 'd'].map((n) => cm(n)));
  const first = await core.listNamespacedConfigMap({ namespace: 'default', limit: 2 });
  for (const n of ['x1', 'x2', 'x3']) emu.create(cm(n));
  const res = await raw(emu, `/api/v1/namespaces/default/configmaps?limit=2&continue=${encodeURIComponent(first.metadata!._continue!)}`);
  t.is(res.status, 410);
  const status = res.json() as { reason: string; message: string; code: number; metadata: { continue?: string } };
  t.is(status.reason, 'Expired');
  t.regex(status.message, /^The provided continue parameter is too old to display a consistent list result/);
  t.truthy(status.metadata.continue);
  const rest = await core.listNamespacedConfigMap({ namespace: 'default', _continue: status.metadata.continue });
  t.deepEqual(rest.items.map((i) => i.metadata?.name), ['c', 'd', 'x1', 'x2', 'x3'], 'the inconsistent continuation: the rest, as of now');
});

test('Services get defaults, a cluster IP, and DELETE returns the object', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const s = await core.createNamespacedService({ namespace: 'mon', body: svc('prometheus', 'mon', [{ name: 'web', port: 9090 }]) });
  t.is(s.spec?.type, 'ClusterIP');
  t.regex(s.spec?.clusterIP ?? '', /^10\.\d+\.\d+\.\d+$/);
  t.deepEqual(s.spec?.clusterIPs, [s.spec?.clusterIP]);
  t.is(s.spec?.ports?.[0]?.protocol, 'TCP');
  t.is(s.spec?.ports?.[0]?.targetPort, 9090);
  t.deepEqual(JSON.parse(JSON.stringify(s.status)), { loadBalancer: {} });

  // Replacing without clusterIP keeps the allocated one; changing it is rejected.
  const body = structuredClone(s);
  delete body.spec?.clusterIP;
  delete body.spec?.clusterIPs;
  body.metadata = { ...body.metadata, labels: { a: 'b' } };
  const replaced = await core.replaceNamespacedService({ name: 'prometheus', namespace: 'mon', body });
  t.is(replaced.spec?.clusterIP, s.spec?.clusterIP);
  const moved = structuredClone(replaced);
  if (moved.spec) {
    moved.spec.clusterIP = '10.96.200.200';
    moved.spec.clusterIPs = ['10.96.200.200'];
  }
  const err = await apiError(core.replaceNamespacedService({ name: 'prometheus', namespace: 'mon', body: moved }));
  t.is(err.code, 422);

  const noPorts = await apiError(core.createNamespacedService({ namespace: 'mon', body: { metadata: { name: 'noports' }, spec: {} } }));
  t.is(noPorts.code, 422);
  t.is(noPorts.status?.message, 'Service "noports" is invalid: spec.ports: Required value');

  const deleted = await raw(emu, '/api/v1/namespaces/mon/services/prometheus', { method: 'DELETE' });
  t.is(deleted.status, 200);
  t.like(deleted.json() as object, { kind: 'Service', metadata: { name: 'prometheus' } });
});

test('dryRun=All validates without persisting', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const before = emu.resourceVersion();
  const dry = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dry' } }, dryRun: 'All' });
  t.is(dry.metadata?.name, 'dry');
  t.is(emu.resourceVersion(), before);
  t.is(emu.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'dry' }), undefined);
});

test('delete preconditions and wire details of delete/list', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  const c = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'pre' } } });
  const err = await apiError(core.deleteNamespacedConfigMap({ name: 'pre', namespace: 'default', body: { preconditions: { resourceVersion: '1' } } }));
  t.is(err.code, 409);
  t.regex(err.status?.message ?? '', /Precondition failed: ResourceVersion in precondition: 1/);
  await core.deleteNamespacedConfigMap({ name: 'pre', namespace: 'default', body: { preconditions: { uid: c.metadata?.uid ?? '' } } });
  t.is(emu.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'pre' }), undefined);
});

test('unauthenticated requests get 401 and unknown routes 404', async (t) => {
  const emu = await emulator(t);
  const none = await raw(emu, '/api/v1/namespaces/default/configmaps', { token: null });
  t.is(none.status, 401);
  t.deepEqual(none.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  const bad = await raw(emu, '/api/v1/namespaces/default/configmaps', { token: 'nope' });
  t.is(bad.status, 401);
  const unknown = await raw(emu, '/api/v1/namespaces/default/widgets');
  t.is(unknown.status, 404);
  t.like(unknown.json() as object, { reason: 'NotFound', message: 'the server could not find the requested resource' });
  const version = await raw(emu, '/version');
  t.like(version.json() as object, { major: '1' });
});

test('namespaces are implicit: any name reads as Active, lists include used ones', async (t) => {
  const emu = await emulator(t);
  const { core } = clients(emu);
  emu.create(cm('x', {}, undefined, 'observability'));
  const ns = await core.readNamespace({ name: 'anything' });
  t.is(ns.status?.phase, 'Active');
  t.is(ns.metadata?.labels?.['kubernetes.io/metadata.name'], 'anything');
  const list = await core.listNamespace();
  const names = list.items.map((i) => i.metadata?.name);
  t.true(names.includes('observability') && names.includes('default') && names.includes('kube-system'));
  const discovery = await raw(emu, '/api/v1');
  const resources = (discovery.json() as { resources: Array<{ name: string }> }).resources.map((r) => r.name);
  t.true(resources.includes('configmaps') && resources.includes('services/proxy') && resources.includes('namespaces'));
});
