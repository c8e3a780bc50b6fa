// The bytes the emulator serves for stored objects: one serialisation shared by a write's answer, its watch event
// and later reads, objects the helpers hand out are the caller's own copies, and events committed together still
// reach every watcher one line each.
import http from 'node:http';
import test from 'ava';
import type { Emulator } from '../../core/src/emulator/index.js';
import { nextManagedFields } from '../../core/src/emulator/managedfields.js';
import { deepClone, type JsonObject, type JsonValue } from '../../core/src/emulator/types.js';
import { cm, emulator, raw, svc, waitFor } from './helpers.js';

/** A raw watch: every byte received, split into lines; destroyed in teardown. */
function rawWatch(t: Parameters<typeof emulator>[0], emu: Emulator, path: string): Promise<{ lines: () => string[]; ended: () => boolean }> {
  const u = new URL(emu.url);
  let text = '';
  let ended = false;
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname: u.hostname, port: u.port, path, headers: { authorization: `Bearer ${emu.adminToken}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => (ended = true));
      resolve({ lines: () => text.split('\n').filter((l) => l !== ''), ended: () => ended });
    });
    req.on('error', reject);
    t.teardown(() => req.destroy());
  });
}

const objectJson = (line: string): string => JSON.stringify((JSON.parse(line) as { object: unknown }).object);

test("a write's answer, its watch event, later reads and a Service's DELETE answer carry the same bytes", async (t) => {
  const emu = await emulator(t);
  const w = await rawWatch(t, emu, '/api/v1/namespaces/default/services?watch=true');
  const created = await raw(emu, '/api/v1/namespaces/default/services', { method: 'POST', body: JSON.stringify(svc('web')), contentType: 'application/json' });
  t.is(created.status, 201);
  const body = created.text.replace(/\n$/, '');
  await waitFor(() => w.lines().length >= 1, 'the ADDED event');
  t.is(w.lines()[0], `{"type":"ADDED","object":${body}}`);
  t.is((await raw(emu, '/api/v1/namespaces/default/services/web')).text, created.text);

  const edited = JSON.parse(body) as JsonObject;
  (edited.metadata as JsonObject).labels = { tier: 'front' };
  const replaced = await raw(emu, '/api/v1/namespaces/default/services/web', { method: 'PUT', body: JSON.stringify(edited), contentType: 'application/json' });
  t.is(replaced.status, 200);
  await waitFor(() => w.lines().length >= 2, 'the MODIFIED event');
  t.is(w.lines()[1], `{"type":"MODIFIED","object":${replaced.text.replace(/\n$/, '')}}`);

  // A Service's DELETE answers with the object as it was; the DELETED event carries it at the delete's resourceVersion.
  const deleted = await raw(emu, '/api/v1/namespaces/default/services/web', { method: 'DELETE' });
  t.is(deleted.text, replaced.text);
  await waitFor(() => w.lines().length >= 3, 'the DELETED event');
  const gone = JSON.parse(w.lines()[2] ?? '') as { type: string; object: { metadata: { resourceVersion: string } } };
  t.is(gone.type, 'DELETED');
  t.is(gone.object.metadata.resourceVersion, emu.resourceVersion());
  gone.object.metadata.resourceVersion = (JSON.parse(deleted.text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  t.is(JSON.stringify(gone.object), deleted.text.replace(/\n$/, ''));

  // ?pretty is still indented, from the same object.
  await raw(emu, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: JSON.stringify(cm('c', { a: '1' })), contentType: 'application/json' });
  const compact = await raw(emu, '/api/v1/namespaces/default/configmaps/c');
  const pretty = await raw(emu, '/api/v1/namespaces/default/configmaps/c?pretty=true');
  t.is(pretty.text, `${JSON.stringify(JSON.parse(compact.text), null, 2)}\n`);
});

test('objects the helpers return are the caller’s own copies', async (t) => {
  const emu = await emulator(t);
  const made = emu.create(svc('api', 'default', [{ name: 'http', port: 80 }], { app: 'api' }));
  const before = (await raw(emu, '/api/v1/namespaces/default/services/api')).text;
  const ref = { apiVersion: 'v1', kind: 'Service', name: 'api' };
  for (const o of [made, emu.get(ref)!, emu.list('v1', 'Service')[0]!]) {
    ((o.metadata as JsonObject).labels as JsonObject).app = 'changed';
    ((o.spec as JsonObject).ports as JsonObject[])[0]!.port = 1;
    (o.status as JsonObject).loadBalancer = { ingress: [{ ip: '6.6.6.6' }] };
  }
  t.is((await raw(emu, '/api/v1/namespaces/default/services/api')).text, before);
  const w = await rawWatch(t, emu, '/api/v1/namespaces/default/services?watch=true');
  await waitFor(() => w.lines().length >= 1, 'the synthetic ADDED event');
  t.is(objectJson(w.lines()[0] ?? ''), before.replace(/\n$/, ''));
});

test('events committed in one turn reach every watcher one line each, also when the stream ends in that turn', async (t) => {
  const emu = await emulator(t);
  const all = await rawWatch(t, emu, '/api/v1/configmaps?watch=true');
  const some = await rawWatch(t, emu, '/api/v1/configmaps?watch=true&labelSelector=even%3Dyes');
  const n = 300;
  for (let i = 0; i < n; i++) emu.create(cm(`c${i}`, { i: String(i) }, { even: i % 2 === 0 ? 'yes' : 'no' }));
  t.deepEqual(
    emu.faults.watchStats().map((s) => s.sent),
    [n, n / 2],
  );
  emu.faults.dropWatches(); // a clean end in the same turn: what was written still arrives, then the end
  await waitFor(() => all.ended() && some.ended(), 'both streams to end');
  const names = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { type: string; object: { metadata: { name: string } } }).object.metadata.name);
  t.deepEqual(
    names(all.lines()),
    Array.from({ length: n }, (_, i) => `c${i}`),
  );
  t.deepEqual(
    names(some.lines()),
    Array.from({ length: n / 2 }, (_, i) => `c${i * 2}`),
  );
  t.true(all.lines().every((l) => (JSON.parse(l) as { type: string }).type === 'ADDED'));
});

test('events written in the turn a watch is cut abruptly are still handed to the connection', async (t) => {
  const emu = await emulator(t);
  const w = await rawWatch(t, emu, '/api/v1/configmaps?watch=true');
  for (let i = 0; i < 50; i++) emu.create(cm(`c${i}`));
  t.is(emu.faults.dropWatches({ abrupt: true }), 1);
  await waitFor(() => w.lines().length === 50, 'all 50 events', 10_000);
  t.deepEqual(
    w.lines().map((l) => (JSON.parse(l) as { object: { metadata: { name: string } } }).object.metadata.name),
    Array.from({ length: 50 }, (_, i) => `c${i}`),
  );
});

test('a body over the 3 MiB limit is refused with 413 RequestEntityTooLarge', async (t) => {
  const emu = await emulator(t);
  const body = JSON.stringify(cm('big', { k: 'x'.repeat(3 * 1024 * 1024) }));
  const res = await raw(emu, '/api/v1/namespaces/default/configmaps', { method: 'POST', body, contentType: 'application/json' });
  t.is(res.status, 413);
  t.like(res.json() as object, { kind: 'Status', status: 'Failure', reason: 'RequestEntityTooLarge', code: 413 });
  t.is(emu.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'big' }), undefined);
  // The server is still serving.
  t.is((await raw(emu, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: JSON.stringify(cm('small')), contentType: 'application/json' })).status, 201);
});

test('deepClone copies JSON trees, own "__proto__" keys included', (t) => {
  const src = JSON.parse('{"__proto__":{"polluted":true},"a":[1,{"b":null}],"c":"d"}') as JsonObject;
  const copy = deepClone(src);
  t.is(JSON.stringify(copy), JSON.stringify(src));
  t.deepEqual(Object.keys(copy), ['__proto__', 'a', 'c']);
  t.is(Object.getPrototypeOf(copy), Object.prototype);
  t.is((copy as { polluted?: boolean }).polluted, undefined);
  t.not(copy.a, src.a);
  t.not((copy.a as JsonValue[])[1], (src.a as JsonValue[])[1]);
});

test('managedFields list every level of FieldsV1 in sorted order, "." first', (t) => {
  const obj: JsonObject = {
    spec: { z: 1, ports: [{ port: 80, name: 'b', y: 1, a: 2 }], selector: { zz: 'a', aa: 'b' }, a: { y: 1, b: 2 } },
    metadata: { name: 'x', labels: { z: '1', a: '2' }, annotations: { b: '1' } },
    data: { k: 'v' },
  };
  const entries = nextManagedFields(undefined, obj, { 'spec.ports': { mergeKey: 'port' } }, { manager: 'm', operation: 'Update', apiVersion: 'v1', time: 't' });
  const fields = (entries[0] as JsonObject).fieldsV1 as JsonObject;
  const check = (set: JsonObject, path: string): void => {
    const keys = Object.keys(set);
    const want = [...keys].sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    t.deepEqual(keys, want, path);
    for (const [k, v] of Object.entries(set)) check(v as JsonObject, `${path}/${k}`);
  };
  check(fields, '');
  t.deepEqual(Object.keys((fields['f:spec'] as JsonObject)['f:ports'] as JsonObject), ['.', 'k:{"port":80}']);
  t.deepEqual(Object.keys(((fields['f:spec'] as JsonObject)['f:ports'] as JsonObject)['k:{"port":80}'] as JsonObject), ['.', 'f:a', 'f:name', 'f:port', 'f:y']);
});
