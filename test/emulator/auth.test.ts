import test from 'ava';
import { apiError, clients, cm, emulator, raw } from './helpers.js';

test('TokenReview authenticates known tokens and adds system:authenticated', async (t) => {
  const emu = await emulator(t);
  emu.addToken('daemon-token', { username: 'system:serviceaccount:obs:daemon', uid: 'u-1', groups: ['system:serviceaccounts'] });
  const { authn } = clients(emu);
  const ok = await authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'daemon-token' } } });
  t.is(ok.kind, 'TokenReview');
  t.true(ok.status?.authenticated);
  t.is(ok.status?.user?.username, 'system:serviceaccount:obs:daemon');
  t.is(ok.status?.user?.uid, 'u-1');
  t.deepEqual(ok.status?.user?.groups, ['system:serviceaccounts', 'system:authenticated']);

  const bad = await authn.createTokenReview({ body: { spec: { token: 'who-knows' } } });
  t.not(bad.status?.authenticated, true);
  t.truthy(bad.status?.error);

  const wire = await raw(emu, '/apis/authentication.k8s.io/v1/tokenreviews', {
    method: 'POST',
    contentType: 'application/json',
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'who-knows' } }),
  });
  t.is(wire.status, 201);
  const status = (wire.json() as { status: Record<string, unknown> }).status;
  t.false('authenticated' in status, 'authenticated is omitempty on the wire, like the real server');
  t.deepEqual(status.user, {});

  const audience = await authn.createTokenReview({ body: { spec: { token: 'daemon-token', audiences: ['https://kubernetes.default.svc.cluster.local'] } } });
  t.true(audience.status?.authenticated);
  t.deepEqual(audience.status?.audiences, ['https://kubernetes.default.svc.cluster.local']);
  const wrongAudience = await authn.createTokenReview({ body: { spec: { token: 'daemon-token', audiences: ['vault'] } } });
  t.not(wrongAudience.status?.authenticated, true);
});

test('SubjectAccessReview: default discovery grant allows /api/*, resources are denied without a grant', async (t) => {
  const emu = await emulator(t);
  const { authz } = clients(emu);
  const discovery = await authz.createSubjectAccessReview({
    body: { spec: { user: 'alice', groups: ['system:authenticated'], nonResourceAttributes: { path: '/api/v1', verb: 'get' } } },
  });
  t.true(discovery.status?.allowed);
  t.regex(discovery.status?.reason ?? '', /system:discovery/);

  const healthz = await authz.createSubjectAccessReview({
    body: { spec: { user: 'alice', groups: ['system:authenticated'], nonResourceAttributes: { path: '/healthz', verb: 'get' } } },
  });
  t.true(healthz.status?.allowed);

  const postApi = await authz.createSubjectAccessReview({
    body: { spec: { user: 'alice', groups: ['system:authenticated'], nonResourceAttributes: { path: '/api/v1', verb: 'post' } } },
  });
  t.false(postApi.status?.allowed);

  const denied = await authz.createSubjectAccessReview({
    body: {
      spec: { user: 'alice', groups: ['system:authenticated'], resourceAttributes: { namespace: 'obs', verb: 'get', resource: 'configmaps', name: 'x' } },
    },
  });
  t.false(denied.status?.allowed);
  t.falsy(denied.status?.denied);

  emu.grant({ name: 'cm-reader', subjects: { users: ['alice'] }, apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'], namespaces: ['obs'] });
  const allowed = await authz.createSubjectAccessReview({
    body: { spec: { user: 'alice', resourceAttributes: { namespace: 'obs', verb: 'get', resource: 'configmaps', name: 'x' } } },
  });
  t.true(allowed.status?.allowed);
  t.is(allowed.status?.reason, 'RBAC: allowed by RoleBinding "cm-reader/obs" of Role "cm-reader" to User "alice"');
  const otherNs = await authz.createSubjectAccessReview({
    body: { spec: { user: 'alice', resourceAttributes: { namespace: 'web', verb: 'get', resource: 'configmaps' } } },
  });
  t.false(otherNs.status?.allowed);

  const invalid = await apiError(authz.createSubjectAccessReview({ body: { spec: { nonResourceAttributes: { path: '/api', verb: 'get' } } } }));
  t.is(invalid.code, 422);
  t.regex(invalid.status?.message ?? '', /at least one of user or group must be specified/);
});

test('grant matching: wildcards, subresources, resourceNames, groups and non-resource URLs', async (t) => {
  const emu = await emulator(t);
  const { authz } = clients(emu);
  const check = async (spec: Record<string, unknown>): Promise<boolean> =>
    (await authz.createSubjectAccessReview({ body: { spec } })).status?.allowed ?? false;
  emu.grant({ subjects: { groups: ['ops'] }, apiGroups: ['*'], resources: ['*/status'], verbs: ['*'] });
  emu.grant({ subjects: { users: ['bob'] }, apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'], resourceNames: ['web'] });
  emu.grant({ subjects: { users: ['bob'] }, nonResourceURLs: ['/metrics*'], verbs: ['get'] });
  t.true(await check({ groups: ['ops'], resourceAttributes: { group: 'apps', resource: 'deployments', subresource: 'status', verb: 'update', namespace: 'a' } }));
  t.false(await check({ groups: ['ops'], resourceAttributes: { group: 'apps', resource: 'deployments', verb: 'update', namespace: 'a' } }));
  t.true(await check({ user: 'bob', resourceAttributes: { group: 'apps', resource: 'deployments', verb: 'patch', name: 'web', namespace: 'x' } }));
  t.false(await check({ user: 'bob', resourceAttributes: { group: 'apps', resource: 'deployments', verb: 'patch', name: 'api', namespace: 'x' } }));
  t.true(await check({ user: 'bob', nonResourceAttributes: { path: '/metrics/cadvisor', verb: 'get' } }));
  t.false(await check({ user: 'bob', nonResourceAttributes: { path: '/logs', verb: 'get' } }));
  const revoke = emu.grant({ subjects: { users: ['carol'] }, apiGroups: [''], resources: ['services'], verbs: ['list'] });
  t.true(await check({ user: 'carol', resourceAttributes: { resource: 'services', verb: 'list' } }));
  revoke();
  t.false(await check({ user: 'carol', resourceAttributes: { resource: 'services', verb: 'list' } }));
});

test('a kubeconfig whose token lacks rights gets 403 with the real message shape', async (t) => {
  const emu = await emulator(t);
  emu.create(cm('x', {}, undefined, 'ns'));
  emu.addToken('limited', { username: 'u', groups: ['viewers'] });
  const { core } = clients(emu, 'limited');
  const get = await apiError(core.readNamespacedConfigMap({ name: 'x', namespace: 'ns' }));
  t.is(get.code, 403);
  t.deepEqual(get.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'configmaps "x" is forbidden: User "u" cannot get resource "configmaps" in API group "" in the namespace "ns"',
    reason: 'Forbidden',
    details: { name: 'x', kind: 'configmaps' },
    code: 403,
  });
  const list = await apiError(core.listConfigMapForAllNamespaces());
  t.is(list.status?.message, 'configmaps is forbidden: User "u" cannot list resource "configmaps" in API group "" at the cluster scope');
  const nonResource = await raw(emu, '/metrics', { token: 'limited' });
  t.is(nonResource.status, 403);
  t.is((nonResource.json() as { message: string }).message, 'forbidden: User "u" cannot get path "/metrics"');
  // Discovery is open to every authenticated user.
  t.is((await raw(emu, '/api', { token: 'limited' })).status, 200);
  t.is((await raw(emu, '/apis/apps/v1', { token: 'limited' })).status, 200);

  emu.grant({ subjects: { groups: ['viewers'] }, apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'], namespaces: ['ns'] });
  const ok = await core.readNamespacedConfigMap({ name: 'x', namespace: 'ns' });
  t.is(ok.metadata?.name, 'x');
  const nsList = await core.listNamespacedConfigMap({ namespace: 'ns' });
  t.is(nsList.items.length, 1);
  const write = await apiError(core.deleteNamespacedConfigMap({ name: 'x', namespace: 'ns' }));
  t.is(write.code, 403);
  const deployments = await apiError(clients(emu, 'limited').apps.readNamespacedDeployment({ name: 'd', namespace: 'ns' }));
  t.is(deployments.status?.message, 'deployments.apps "d" is forbidden: User "u" cannot get resource "deployments" in API group "apps" in the namespace "ns"');
});

test('SelfSubjectAccessReview answers for the caller', async (t) => {
  const emu = await emulator(t);
  emu.addToken('t1', { username: 'dora' });
  emu.grant({ subjects: { users: ['dora'] }, apiGroups: [''], resources: ['services'], verbs: ['watch'] });
  const res = await raw(emu, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    method: 'POST',
    token: 't1',
    contentType: 'application/json',
    body: JSON.stringify({ spec: { resourceAttributes: { verb: 'watch', resource: 'services' } } }),
  });
  t.is(res.status, 201);
  t.like(res.json() as object, { kind: 'SelfSubjectAccessReview', status: { allowed: true } });
});
