import test from 'ava';
import { PluginIsolate, SandboxError } from './isolate.js';
import {
  FAILURE_KINDS,
  FAILURE_TRAITS,
  HARNESS_FAILURE_KINDS,
  MALFORMED,
  MESSAGE_MAX,
  OPS,
  decodeDetectReply,
  decodeOpReply,
  decodePartialReply,
  decodeServiceReply,
  decodeToolsetsReply,
  harnessFailureKind,
  isFailureKind,
} from './protocol.js';
import type { Op } from './protocol.js';

test('each failure kind is declared once, has traits, and the harness reports only some of them', (t) => {
  t.is(new Set(FAILURE_KINDS).size, FAILURE_KINDS.length);
  t.deepEqual(Object.keys(FAILURE_TRAITS).sort(), [...FAILURE_KINDS].sort());
  for (const k of HARNESS_FAILURE_KINDS) t.true(isFailureKind(k), k);
  t.is(new Set(OPS).size, OPS.length);
  t.true(Object.isFrozen(FAILURE_KINDS) && Object.isFrozen(OPS));
  // What these traits mean for a plugin is pinned by plugin.ts's behaviour (test/hostile); this is their table.
  t.deepEqual(FAILURE_KINDS.filter((k) => FAILURE_TRAITS[k].answered), ['bad-result', 'input']);
  t.deepEqual(FAILURE_KINDS.filter((k) => FAILURE_TRAITS[k].losesSyncCalls), ['timeout', 'memory', 'crashed']);
  t.deepEqual(FAILURE_KINDS.filter((k) => FAILURE_TRAITS[k].quarantinesAtOnce), ['crashed']);
  // What a Service says is not the plugin's fault; the harness cannot say it either (the host alone finds it).
  t.deepEqual(FAILURE_KINDS.filter((k) => !FAILURE_TRAITS[k].pluginsFault), ['input']);
  t.false((HARNESS_FAILURE_KINDS as readonly string[]).includes('input'));
});

test('a kind the harness cannot report is read as thrown', (t) => {
  t.is(harnessFailureKind('memory'), 'memory');
  t.is(harnessFailureKind('bad-result'), 'bad-result');
  for (const k of ['timeout', 'crashed', 'load', 'input', 'other', '', 7, undefined]) t.is(harnessFailureKind(k), 'thrown', String(k));
  t.false(isFailureKind('other'));
  t.false(isFailureKind(undefined));
});

test('op replies: text, or a failure with its kind and a bounded message', (t) => {
  t.deepEqual(decodeOpReply('{"a":1}'), { ok: true, text: '{"a":1}' });
  t.deepEqual(decodeOpReply('true'), { ok: true, text: 'true' });
  t.deepEqual(decodeOpReply('!memory:Array buffer allocation failed'), { ok: false, kind: 'memory', message: 'Array buffer allocation failed' });
  t.deepEqual(decodeOpReply('!bad-result:a: b: c'), { ok: false, kind: 'bad-result', message: 'a: b: c' });
  t.deepEqual(decodeOpReply('!crashed:forged'), { ok: false, kind: 'thrown', message: 'forged' });
  const long = decodeOpReply(`!thrown:${'x'.repeat(2000)}`);
  t.true(!long.ok && long.message.length === MESSAGE_MAX);
  t.deepEqual(decodeOpReply(42), { ok: false, kind: 'bad-result', message: 'the sandbox answered with a non-string' });
});

test('per-Service replies: a detection, "not mine", a failure, or malformed', (t) => {
  t.deepEqual(decodeServiceReply({ d: { port: 9090 }, s: true }), { ok: true, detection: { port: 9090 }, usedSiblings: true });
  t.deepEqual(decodeServiceReply({ d: null, s: false }), { ok: true, detection: null, usedSiblings: false });
  t.deepEqual(decodeServiceReply({ e: 'thrown', m: 'Error: no', s: true }), { ok: false, kind: 'thrown', message: 'Error: no', usedSiblings: true });
  t.deepEqual(decodeServiceReply({ e: 'load', m: 'forged' }), { ok: false, kind: 'thrown', message: 'forged', usedSiblings: false });
  // A plugin cannot pass its failure off as the Service's.
  t.deepEqual(decodeServiceReply({ e: 'input', m: 'forged' }), { ok: false, kind: 'thrown', message: 'forged', usedSiblings: false });
  t.is((decodeServiceReply({ e: 'thrown', m: 'y'.repeat(1000) }) as { message: string }).message.length, MESSAGE_MAX);
  for (const v of [null, [], 'd', { s: true }, { e: 'thrown' }, { e: 1, m: 'x' }]) {
    t.deepEqual(decodeServiceReply(v), { ok: false, kind: 'bad-result', message: MALFORMED, usedSiblings: false }, JSON.stringify(v));
  }
});

test('a detect batch reply has one element per Service sent', (t) => {
  const text = '[{"d":null,"s":false},{"e":"bad-result","m":"no","s":true}]';
  t.deepEqual(decodeDetectReply(text, 2), [
    { ok: true, detection: null, usedSiblings: false },
    { ok: false, kind: 'bad-result', message: 'no', usedSiblings: true },
  ]);
  t.is(decodeDetectReply(text, 3), undefined);
  t.is(decodeDetectReply('{"d":null}', 1), undefined);
  t.is(decodeDetectReply('[', 1), undefined);
});

test('partial replies keep what was finished; unreadable ones are lost', (t) => {
  t.deepEqual(decodePartialReply('{"finished":true,"answers":[{"d":null,"s":false}]}'), {
    finished: true,
    replies: [{ ok: true, detection: null, usedSiblings: false }],
  });
  t.deepEqual(decodePartialReply('{"answers":[]}'), { finished: false, replies: [] });
  t.is(decodePartialReply('{"finished":true}'), undefined);
  t.is(decodePartialReply('nope'), undefined);
});

test('toolsets replies: entries, nothing, a failure, or malformed', (t) => {
  t.deepEqual(decodeToolsetsReply('{"t":{"x/y":{"enabled":true}}}'), { ok: true, toolsets: { 'x/y': { enabled: true } } });
  t.deepEqual(decodeToolsetsReply('{"t":null}'), { ok: true, toolsets: null });
  t.deepEqual(decodeToolsetsReply('{"e":"memory","m":"out"}'), { ok: false, kind: 'memory', message: 'out' });
  t.deepEqual(decodeToolsetsReply('[]'), { ok: false, kind: 'bad-result', message: MALFORMED });
  t.deepEqual(decodeToolsetsReply('{'), { ok: false, kind: 'bad-result', message: MALFORMED });
});

// The other side of the wire: the harness (source text built from protocol.ts) serves every op, and what it
// writes decodes as above.
const BUNDLE = `globalThis.__toolsetPlugin = {
  name: 'probe', version: '1.0.0', description: 'protocol test', type: 'probe', apiVersion: 1,
  detect(service, ctx) {
    switch (service.metadata.name) {
      case 'found': return { port: ctx.config.port };
      case 'asks': ctx.siblings(); return null;
      case 'throws': throw new TypeError('nope');
      case 'promise': return Promise.resolve({ port: 1 });
      default: return null;
    }
  },
  toolsets(found) { return found.name === 'none' ? null : { 'probe/x': { enabled: true } }; },
};`;

function service(name: string): unknown {
  return { metadata: { namespace: 'ns', name, labels: {}, annotations: {} }, spec: { ports: [] } };
}

test('the harness serves every op of the protocol, and its replies decode', async (t) => {
  const isolate = await PluginIsolate.create(BUNDLE, { memoryLimitMb: 16, loadTimeoutMs: 2000, filename: 'probe.js' });
  t.teardown(() => isolate.dispose());
  const served = new Set<Op>();
  const call = (op: Op, payload?: unknown, sync = false) => {
    served.add(op);
    return isolate.call(op, payload === undefined ? undefined : JSON.stringify(payload), 2000, () => '[]', undefined, sync);
  };

  const manifest = JSON.parse(await call('manifest')) as Record<string, unknown>;
  t.like(manifest, { name: 'probe', hasDetect: true, hasToolsets: true });
  t.is(await call('configure', { config: { port: 9090 } }), 'true');
  for (const sync of [false, true]) {
    const names = ['found', 'asks', 'throws', 'promise', 'other'];
    const replies = decodeDetectReply(await call('detect', { services: names.map(service) }, sync), names.length);
    t.deepEqual(
      replies,
      [
        { ok: true, detection: { port: 9090 }, usedSiblings: false },
        { ok: true, detection: null, usedSiblings: true },
        { ok: false, kind: 'thrown', message: 'TypeError: nope', usedSiblings: false },
        { ok: false, kind: 'bad-result', message: 'detect returned a Promise; detect must be synchronous', usedSiblings: false },
        { ok: true, detection: null, usedSiblings: false },
      ],
      sync ? 'on the daemon thread' : 'on an isolate thread',
    );
  }
  // partial reads back the last batch's progress (here all of it, finished), then forgets it.
  const partial = decodePartialReply(await call('partial'));
  t.is(partial?.finished, true);
  t.is(partial?.replies.length, 5);
  t.deepEqual(partial?.replies[2], { ok: false, kind: 'thrown', message: 'TypeError: nope', usedSiblings: false });
  t.deepEqual(decodePartialReply(await call('partial')), { finished: false, replies: [] });
  t.deepEqual(decodeToolsetsReply(await call('toolsets', { found: { name: 'svc' } })), { ok: true, toolsets: { 'probe/x': { enabled: true } } });
  t.deepEqual(decodeToolsetsReply(await call('toolsets', { found: { name: 'none' } })), { ok: true, toolsets: null });
  t.true(['true', 'false'].includes(await call('gc')));
  t.is(await call('load', { code: '1', filename: 'again.js' }), 'true');
  t.deepEqual([...served].sort(), [...OPS].sort(), 'every op was called above');

  // An op's own failure crosses as FAILED_OP + kind: the host's SandboxError.
  const bad = await t.throwsAsync(call('load', { code: 'throw new RangeError("at load")', filename: 'x.js' }), { instanceOf: SandboxError });
  t.like(bad, { kind: 'thrown', message: 'RangeError: at load' });
  const unknown = await t.throwsAsync(isolate.call('nope' as Op, undefined, 2000), { instanceOf: SandboxError });
  t.like(unknown, { kind: 'bad-result', message: 'unknown harness op nope' });
});
