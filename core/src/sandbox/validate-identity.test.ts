// Detection.identity and scheme 'auto' (SDK API version 2): accepted within bounds, refused with a reason that names
// the field otherwise — always as the plugin's fault, since an identity check is the plugin's knowledge of its
// product, never a Service's text.
import test from 'ava';
import type { ServiceView } from '@kubernaut/toolset-sdk';
import { checkDetection, validateDetection } from './validate.js';

const view: ServiceView = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'prom', namespace: 'monitoring', labels: {}, annotations: { 'x/path': '/a b' } },
  spec: { ports: [{ name: 'http', port: 9090 }] },
};

const BUILDINFO = { path: '/api/v1/status/buildinfo', json: { status: 'success', 'data.version': true }, what: 'Prometheus' };

test('an identity check and scheme auto are accepted as given', (t) => {
  const r = validateDetection({ port: 'http', scheme: 'auto', identity: { ...BUILDINFO, contains: ['"version"'], key: 'data.revision' } });
  t.true(r.ok);
  if (r.ok) t.deepEqual(r.value.identity, { ...BUILDINFO, contains: ['"version"'], key: 'data.revision' });
  t.true(validateDetection({ port: 'http', identity: { path: '/', contains: ['You Know, for Search'] } }).ok);
  t.true(validateDetection({ port: 'http', identity: { path: '/api/health?x=1', json: { database: 'ok', n: 3, up: false } } }).ok);
});

test('malformed identity checks are refused with the field named, and blamed on the plugin', (t) => {
  const refused = (identity: unknown): string => {
    const r = checkDetection({ port: 'http', identity }, view);
    if (r.ok) return 'accepted';
    t.is(r.input, undefined, `plugin's fault: ${JSON.stringify(identity)}`);
    return r.reason;
  };
  t.regex(refused({ path: 'api/health', contains: ['x'] }), /identity\.path: must start with "\/"/);
  t.regex(refused({ path: '/a/../b', contains: ['x'] }), /identity\.path: must not contain "\." or "\.\." segments/);
  t.regex(refused({ path: '/a b', contains: ['x'] }), /identity\.path/); // even where a Service's annotation says "/a b"
  t.regex(refused({ path: '/' }), /identity: an identity check needs something to check/);
  t.regex(refused({ path: '/', contains: [] }), /needs something to check/);
  t.regex(refused({ path: '/', contains: Array.from({ length: 9 }, (_, i) => `s${i}`) }), /identity\.contains: at most 8 strings/);
  t.regex(refused({ path: '/', contains: ['x'.repeat(257)] }), /identity\.contains\.0/);
  t.regex(refused({ path: '/', json: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, true])) }), /identity\.json: at most 8 conditions/);
  t.regex(refused({ path: '/', json: { 'a..b': true } }), /identity\.json\.a\.\.b: Invalid key/);
  t.regex(refused({ path: '/', json: { a: { nested: 1 } } }), /identity\.json\.a/);
  t.regex(refused({ path: '/', contains: ['x'], key: 'a'.repeat(129) }), /identity\.key/);
  t.regex(refused({ path: '/', contains: ['x'], key: '__proto__ x' }), /identity\.key: must be a dotted JSON path/);
  t.regex(refused({ path: '/', contains: ['x'], what: 'w'.repeat(65) }), /identity\.what/);
  t.regex(refused({ path: '/', contains: ['x'], extra: 1 }), /identity/);
  t.regex(refused('/'), /identity/);
});

test('scheme accepts http, https and auto only', (t) => {
  for (const scheme of ['http', 'https', 'auto']) t.true(validateDetection({ port: 'http', scheme }).ok, scheme);
  const r = validateDetection({ port: 'http', scheme: 'AUTO' });
  t.false(r.ok);
  if (!r.ok) t.regex(r.reason, /^scheme:/);
});
