// The pure parts of detection: admission filters, port resolution, host-side de-duplication, projection.
import test from 'ava';
import fc from 'fast-check';
import { admission, globToRegExp } from './filters.js';
import { resolveDetection } from './resolve.js';
import { dedupe } from './dedupe.js';
import type { DetectedService } from './engine.js';
import { toServiceView } from './view.js';

const svc = (ns: string, annotations: Record<string, string> = {}) =>
  toServiceView({ metadata: { name: 's', namespace: ns, annotations }, spec: { ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] } });

test('namespace include/exclude with wildcards; exclude wins', (t) => {
  const settings = { namespaces: { include: ['prod-*', 'monitoring'], exclude: ['prod-test?'] } };
  t.is(admission(svc('prod-eu'), settings), null);
  t.is(admission(svc('monitoring'), settings), null);
  t.like(admission(svc('prod-test1'), settings), { reason: 'namespace_excluded' });
  t.like(admission(svc('dev'), settings), { reason: 'namespace_not_included' });
  t.regex(admission(svc('dev'), settings)!.detail, /matches no include pattern \(prod-\*, monitoring\)/);
});

test('required annotations: all / any, key or key=value', (t) => {
  const all = { required_annotations: { all: ['a.io/x', 'a.io/env=prod'] } };
  t.is(admission(svc('n', { 'a.io/x': '', 'a.io/env': 'prod' }), all), null);
  t.like(admission(svc('n', { 'a.io/x': '1', 'a.io/env': 'dev' }), all), { reason: 'annotations_missing', detail: 'missing required annotation(s): a.io/env=prod' });
  const any = { required_annotations: { any: ['a.io/x', 'a.io/y'] } };
  t.is(admission(svc('n', { 'a.io/y': '1' }), any), null);
  t.like(admission(svc('n', {}), any), { reason: 'annotations_missing' });
});

test('globs match only what they say', (t) => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z0-9-]{1,20}$/), (ns) => {
      return globToRegExp('*').test(ns) && globToRegExp(ns).test(ns) && !globToRegExp(`${ns}?`).test(ns);
    }),
  );
  t.false(globToRegExp('a.b').test('axb'), 'dots are literal');
});

test('ports resolve by name or number; unknown and UDP ports are refused with the list', (t) => {
  const v = svc('ns');
  t.like(resolveDetection(v, { port: 'http' }, 'x'), { ok: true, endpoint: { url: 'http://s.ns.svc.cluster.local:80', port: 80, portName: 'http' } });
  t.like(resolveDetection(v, { port: 80, scheme: 'https', path: '/api' }, 'x'), { ok: true, endpoint: { url: 'https://s.ns.svc.cluster.local:80/api' } });
  const missing = resolveDetection(v, { port: 'web' }, 'x');
  t.false(missing.ok);
  t.regex((missing as { reason: string }).reason, /port "web" is not a port of the Service \(ports: http:80\/TCP, dns:53\/UDP\)/);
  t.regex((resolveDetection(v, { port: 'dns' }, 'x') as { reason: string }).reason, /is UDP; an HTTP API needs a TCP port/);
  t.like(resolveDetection(v, { endpoint: 'https://sentry.example.com/api/' }, 'x', 'cluster.local'), {
    ok: true,
    endpoint: { url: 'https://sentry.example.com:443/api', explicitEndpoint: true, type: 'x' },
  });
  t.like(resolveDetection(v, { port: 'http', type: 'sentry' }, 'custom', 'corp.internal'), { ok: true, endpoint: { type: 'sentry', url: 'http://s.ns.svc.corp.internal:80' } });
});

function detected(key: string, type: string, headless: boolean, selector: Record<string, string>): DetectedService {
  const [namespace, name] = key.split('/') as [string, string];
  return {
    key, namespace, name, type, detector: type, headless, selector, labels: {}, annotations: {},
    endpoint: { type, url: `http://${name}`, scheme: 'http', host: name, port: 80, path: '', healthPath: null, explicitEndpoint: false },
  };
}

test('a headless twin with the same selector is a duplicate of the normal Service; a lone headless one is kept', (t) => {
  const sel = { app: 'prom' };
  const r = dedupe([detected('m/prom-headless', 'prometheus', true, sel), detected('m/prom', 'prometheus', false, sel), detected('o/operated', 'prometheus', true, sel)]);
  t.deepEqual(r.kept.map((d) => d.key), ['m/prom', 'o/operated']);
  t.deepEqual([...r.duplicates], [['m/prom-headless', 'm/prom']]);
});

test('de-duplication is deterministic whatever the input order', (t) => {
  const items = [detected('a/x', 't', true, { a: '1' }), detected('a/y', 't', false, { a: '1' }), detected('a/z', 't', false, { a: '1' }), detected('b/w', 'u', false, {})];
  fc.assert(
    fc.property(fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }), (shuffled) => {
      const r = dedupe(shuffled);
      return JSON.stringify(r.kept.map((d) => d.key)) === JSON.stringify(['a/y', 'a/z', 'b/w']) && r.duplicates.get('a/x') === 'a/y';
    }),
  );
  t.pass();
});

test('the projection drops server noise and normalises absent maps', (t) => {
  const v = toServiceView({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'x', namespace: 'y', resourceVersion: '5', managedFields: [{ manager: 'kubectl' }], ownerReferences: [{ kind: 'X' }],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' },
    },
    spec: { clusterIP: 'None', ports: [{ port: 1, name: 'a', nodePort: 3, bogus: true }] },
    status: { loadBalancer: {} },
  });
  t.deepEqual(v, {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'x', namespace: 'y', labels: {}, annotations: { keep: 'me' } },
    spec: { ports: [{ port: 1, name: 'a', nodePort: 3 }], clusterIP: 'None' },
  });
  t.throws(() => toServiceView({ kind: 'ConfigMap', metadata: { name: 'x' } }), { message: /not a Service/ });
});
