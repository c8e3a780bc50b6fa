// Pure-function checks of the emulator's building blocks (no HTTP).
import test from 'ava';
import { ApiError } from '../../core/src/emulator/index.js';
import { applyJsonPatch, decodeJsonPatch, mergePatch, strategicMergePatch } from '../../core/src/emulator/patch.js';
import { parseRequestInfo } from '../../core/src/emulator/requestinfo.js';
import { normalizeMicroTime, RESOURCE_TYPES } from '../../core/src/emulator/resources.js';
import { matchesLabels, parseFieldSelector, parseLabelSelector } from '../../core/src/emulator/selectors.js';
import type { JsonValue } from '../../core/src/emulator/types.js';

test('label selector grammar', (t) => {
  const m = (sel: string, labels: Record<string, string>): boolean => matchesLabels(parseLabelSelector(sel), labels);
  t.true(m('', {}));
  t.true(m('a=b', { a: 'b' }));
  t.true(m('a==b,c', { a: 'b', c: '' }));
  t.true(m('a!=b', {}));
  t.false(m('a!=b', { a: 'b' }));
  t.true(m('a in (x, y),!z', { a: 'y' }));
  t.false(m('a notin (x,y)', { a: 'x' }));
  t.true(m('a notin (x,y)', {}));
  t.true(m('n>3,n<10', { n: '5' }));
  t.true(m('example.com/tier=front', { 'example.com/tier': 'front' }));
  t.true(m('a=', { a: '' }));
  for (const bad of ['a in b', 'a=(b', '!', 'a b', 'a=b=c', 'in', 'Bad Key=x', 'a>x']) {
    const err = t.throws(() => parseLabelSelector(bad), { instanceOf: ApiError }, bad);
    t.is(err?.code, 400);
  }
});

test('field selector grammar and supported fields', (t) => {
  const fields = new Set(['metadata.name', 'metadata.namespace']);
  t.deepEqual(parseFieldSelector('metadata.name=a,metadata.namespace!=b', fields), [
    { field: 'metadata.name', op: '=', value: 'a' },
    { field: 'metadata.namespace', op: '!=', value: 'b' },
  ]);
  t.deepEqual(parseFieldSelector('metadata.name==x\\,y', fields), [{ field: 'metadata.name', op: '==', value: 'x,y' }]);
  const err = t.throws(() => parseFieldSelector('spec.foo=1', fields), { instanceOf: ApiError });
  t.is(err?.message, 'field label not supported: spec.foo');
});

test('merge patch follows RFC 7386', (t) => {
  t.deepEqual(mergePatch({ a: 'b', c: { d: 'e', f: 'g' } }, { a: 'z', c: { f: null } }), { a: 'z', c: { d: 'e' } });
  t.deepEqual(mergePatch({ a: [1, 2] }, { a: [3] }), { a: [3] });
  t.deepEqual(mergePatch({ a: 'b' }, ['c']), ['c']);
});

test('strategic merge patch merges lists by key and honours directives', (t) => {
  const svc = RESOURCE_TYPES.find((r) => r.resource === 'services');
  const deploy = RESOURCE_TYPES.find((r) => r.resource === 'deployments');
  if (!svc || !deploy) return t.fail();
  const orig: JsonValue = { spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] }, metadata: { finalizers: ['a'] } };
  t.deepEqual(strategicMergePatch(orig, { spec: { ports: [{ port: 443, name: 'tls' }, { port: 8080, name: 'alt' }] }, metadata: { finalizers: ['b', 'a'] } }, svc.listStrategies), {
    spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'tls' }, { port: 8080, name: 'alt' }] },
    metadata: { finalizers: ['a', 'b'] },
  });
  t.deepEqual(strategicMergePatch(orig, { spec: { ports: [{ port: 80, $patch: 'delete' }] } }, svc.listStrategies), {
    spec: { ports: [{ port: 443, name: 'https' }] },
    metadata: { finalizers: ['a'] },
  });
  t.deepEqual(strategicMergePatch(orig, { spec: { ports: [{ $patch: 'replace' }, { port: 1 }] } }, svc.listStrategies), {
    spec: { ports: [{ port: 1 }] },
    metadata: { finalizers: ['a'] },
  });
  const containers: JsonValue = { spec: { template: { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'K', value: '1' }] }] } } } };
  t.deepEqual(
    strategicMergePatch(containers, { spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'L', value: '2' }] }] } } } }, deploy.listStrategies),
    { spec: { template: { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'K', value: '1' }, { name: 'L', value: '2' }] }] } } } },
  );
  t.deepEqual(strategicMergePatch({ a: { b: 1, c: 2 } }, { a: { $patch: 'replace', d: 3 } }, {}), { a: { d: 3 } });
  t.deepEqual(strategicMergePatch({ a: { b: 1 }, x: 1 }, { a: { $patch: 'delete' } }, {}), { x: 1 });
});

test('JSON patch supports all RFC 6902 operations and reports failures as 422/400', (t) => {
  const doc: JsonValue = { a: { b: [1, 2] }, c: 'x' };
  const out = applyJsonPatch(
    doc,
    decodeJsonPatch([
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'add', path: '/a/b/0', value: 0 },
      { op: 'copy', from: '/c', path: '/d' },
      { op: 'move', from: '/c', path: '/e' },
      { op: 'test', path: '/a/b', value: [0, 1, 2, 3] },
      { op: 'replace', path: '/a/b/1', value: 'one' },
    ]),
  );
  t.deepEqual(out, { a: { b: [0, 'one', 2, 3] }, d: 'x', e: 'x' });
  t.deepEqual(doc, { a: { b: [1, 2] }, c: 'x' }, 'input untouched');
  t.is(t.throws(() => applyJsonPatch(doc, decodeJsonPatch([{ op: 'remove', path: '/nope' }])), { instanceOf: ApiError })?.code, 422);
  t.is(t.throws(() => applyJsonPatch(doc, decodeJsonPatch([{ op: 'replace', path: '/zz', value: 1 }])), { instanceOf: ApiError })?.code, 422);
  t.is(t.throws(() => decodeJsonPatch({ op: 'add' }), { instanceOf: ApiError })?.code, 400);
  t.is(t.throws(() => decodeJsonPatch([{ op: 'frobnicate', path: '/a' }]), { instanceOf: ApiError })?.code, 400);
});

test('MicroTime normalisation', (t) => {
  t.is(normalizeMicroTime('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05.000000Z');
  t.is(normalizeMicroTime('2024-01-02T03:04:05.123456789Z'), '2024-01-02T03:04:05.123456Z');
  t.is(normalizeMicroTime('2024-01-02T05:04:05.5+02:00'), '2024-01-02T03:04:05.500000Z');
  t.is(normalizeMicroTime('yesterday'), undefined);
});

test('request info mirrors the real RequestInfoFactory', (t) => {
  const info = (m: string, p: string) => parseRequestInfo(m, new URL(p, 'http://x'));
  t.like(info('GET', '/api/v1/namespaces/ns/configmaps'), { isResourceRequest: true, verb: 'list', namespace: 'ns', resource: 'configmaps', name: '' });
  t.like(info('GET', '/api/v1/configmaps?watch=1'), { verb: 'watch', namespace: '', resource: 'configmaps' });
  t.like(info('GET', '/api/v1/namespaces/ns/configmaps?fieldSelector=metadata.name%3Dx'), { verb: 'list', name: 'x' });
  t.like(info('DELETE', '/apis/apps/v1/namespaces/ns/deployments'), { verb: 'deletecollection', apiGroup: 'apps' });
  t.like(info('PATCH', '/apis/apps/v1/namespaces/ns/deployments/d/status'), { verb: 'patch', name: 'd', subresource: 'status' });
  t.like(info('GET', '/api/v1/namespaces/ns/services/https:s:443/proxy/a/b'), { verb: 'get', name: 'https:s:443', subresource: 'proxy' });
  t.like(info('GET', '/api/v1/watch/namespaces/ns/configmaps/x'), { verb: 'watch', name: 'x', legacyWatch: true });
  t.like(info('GET', '/api/v1/namespaces/ns'), { verb: 'get', resource: 'namespaces', name: 'ns', namespace: 'ns' });
  t.like(info('GET', '/apis/apps/v1'), { isResourceRequest: false, verb: 'get', path: '/apis/apps/v1' });
  t.like(info('GET', '/healthz'), { isResourceRequest: false });
});
