import test from 'ava';
import type { ServiceView } from '@kubernaut/toolset-sdk';
import { checkDetection } from './validate.js';

function view(annotations: Record<string, string> = {}, labels: Record<string, string> = { app: 'widget' }): ServiceView {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'widget', namespace: 'team-a', labels, annotations },
    spec: { ports: [{ name: 'http', port: 8080 }] },
  };
}

const PATH = 'kubernaut.io/toolset-path';
const ENDPOINT = 'kubernaut.io/toolset-endpoint';

/** The input fault's field and source, or 'plugin' when the rejection is the plugin's own. */
function blamed(answer: unknown, v: ServiceView): { field: string; source: string } | 'plugin' | 'valid' {
  const r = checkDetection(answer, v);
  if (r.ok) return 'valid';
  return r.input ? { field: r.input.field, source: r.input.source } : 'plugin';
}

test('a path, health path or endpoint made invalid by the Service\'s own annotation is the input\'s fault', (t) => {
  t.deepEqual(blamed({ port: 'http', path: '/a b' }, view({ [PATH]: '/a b' })), { field: 'path', source: `annotation ${PATH}` });
  // The plugin normalised it (trimmed, added the leading "/"): still the annotation's text.
  t.deepEqual(blamed({ port: 'http', path: '/a b' }, view({ [PATH]: '  a b ' })), { field: 'path', source: `annotation ${PATH}` });
  // Composed into a longer value, with different case.
  t.deepEqual(blamed({ port: 'http', path: '/api/v1/A B?x' }, view({ [PATH]: 'a b?x' })), { field: 'path', source: `annotation ${PATH}` });
  t.deepEqual(blamed({ port: 'http', health: { path: '/health#z' } }, view({ 'x/health': 'health#z' })), { field: 'health_path', source: 'annotation x/health' });
  t.deepEqual(blamed({ port: 'http', path: `/${'p'.repeat(2000)}` }, view({ [PATH]: 'p'.repeat(2000) })), { field: 'path', source: `annotation ${PATH}` });
  t.deepEqual(blamed({ port: 'http', path: '/x/../y' }, view({ [PATH]: 'x/../y' })), { field: 'path', source: `annotation ${PATH}` });
  // A whole endpoint that was meant as a URL, and one composed from the host the Service gives.
  t.deepEqual(blamed({ endpoint: 'https://exa mple.com/api' }, view({ [ENDPOINT]: 'https://exa mple.com/api' })), { field: 'endpoint', source: `annotation ${ENDPOINT}` });
  t.deepEqual(blamed({ endpoint: 'http://user:pw@x.example.com' }, view({ [ENDPOINT]: 'http://user:pw@x.example.com' })), { field: 'endpoint', source: `annotation ${ENDPOINT}` });
  t.deepEqual(blamed({ endpoint: `https://x.example.com/${'q'.repeat(2100)}` }, view({ [ENDPOINT]: `https://x.example.com/${'q'.repeat(2100)}` })), { field: 'endpoint', source: `annotation ${ENDPOINT}` });
  t.deepEqual(blamed({ endpoint: 'http://my host:8080/api' }, view({ 'x/host': 'my host' })), { field: 'endpoint', source: 'annotation x/host' });
  // Built from two annotations, each with a defect.
  t.like(blamed({ port: 'http', path: '/a b/c d' }, view({ 'x/a': 'a b', 'x/c': 'c d' })), { field: 'path' });
  // Two bad fields, both the Service's.
  t.deepEqual(blamed({ port: 'http', path: '/a b', health: { path: '/c d' } }, view({ [PATH]: 'a b', 'x/h': '/c d' })), { field: 'path', source: `annotation ${PATH}` });
});

test('the reason names the field, the value, where it came from and what is wrong', (t) => {
  const r = checkDetection({ port: 'http', path: '/a b' }, view({ [PATH]: '/a b' }));
  t.false(r.ok);
  if (r.ok) return;
  t.is(r.input?.reason, `path "/a b" from the Service's annotation ${PATH}: must start with "/" and contain no query, fragment or whitespace`);
  // An over-long value is shortened in the reason.
  const long = checkDetection({ port: 'http', path: `/${'p'.repeat(2000)}` }, view({ [PATH]: 'p'.repeat(2000) }));
  t.true(!long.ok && long.input !== undefined && long.input.reason.length < 300);
});

test('a plugin\'s own defects stay its fault, whatever the Service carries', (t) => {
  const clean = view({ [PATH]: '/api', 'meta.helm.sh/release-name': 'widget', 'kubernaut.io/toolset': 'true' });
  // Invalid text the Service never had.
  t.is(blamed({ port: 'http', path: '/a b' }, clean), 'plugin');
  t.is(blamed({ port: 'http', path: 'no-slash' }, clean), 'plugin');
  t.is(blamed({ endpoint: 'not a url' }, clean), 'plugin');
  // The Service's clean text echoed without the "/" a path needs, or with a defect the plugin added.
  t.is(blamed({ port: 'http', path: 'widget' }, clean), 'plugin');
  t.is(blamed({ port: 'http', path: '/widget ' + 'x' }, clean), 'plugin');
  t.is(blamed({ port: 'http', path: '/api?debug=1' }, clean), 'plugin');
  t.is(blamed({ port: 'http', path: '/api/../etc' }, clean), 'plugin');
  // The Service's clean text repeated past the length limit (only one occurrence of each is the Service's).
  t.is(blamed({ port: 'http', path: `/${'widget'.repeat(200)}` }, clean), 'plugin');
  // An annotation that was not meant as a URL, echoed as the endpoint.
  t.is(blamed({ endpoint: 'true' }, clean), 'plugin');
  t.is(blamed({ endpoint: 'widget' }, clean), 'plugin');
  // A bad path the Service did give, but next to another problem of the plugin's own.
  const bad = view({ [PATH]: '/a b' });
  t.is(blamed({ port: 'http', path: '/a b', scheme: 'ftp' }, bad), 'plugin');
  t.is(blamed({ port: 'http', path: '/a b', extra: 1 }, bad), 'plugin');
  t.is(blamed({ path: '/a b' }, bad), 'plugin');
  t.is(blamed({ port: 'http', path: '/a b', health: { path: '/c d' } }, bad), 'plugin');
  t.is(blamed({ port: 'http', type: 'A B' }, view({ 'x/type': 'A B' })), 'plugin');
  t.is(blamed({ port: 'http', path: 7 }, bad), 'plugin');
  t.is(blamed('/a b', bad), 'plugin');
  // A valid answer is just valid.
  t.is(blamed({ port: 'http', path: '/api' }, clean), 'valid');
});
