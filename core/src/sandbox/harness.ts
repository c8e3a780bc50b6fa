// The code that runs inside every plugin isolate before the plugin's bundle.
//
// It is the only thing the host calls: one entry point, `(op, payloadJson, delivered) → text`. Data crosses the
// boundary only as strings, so nothing a plugin returns can be a host object, a function or a getter on the
// host side. Builtins the harness relies on are captured before plugin code runs; a plugin that tampers with
// its own realm can only spoil its own answers, which the host validates anyway.
//
// The harness is kept as source text (not a host function's toString) so that bundling the daemon can
// never change what runs in the isolate.
// Being text, it cannot import anything at run time: the protocol's words (ops, failure kinds, reply keys, the
// globals of the channel) are interpolated from protocol.ts, which also decodes what it answers.
//
// Three rules keep plugin code from running where isolated-vm 5.0.4 has no timer on it (found by the
// hostile-plugin suite, test/hostile/; each of these hung the daemon for good, or crashed it):
//
// 1. No plugin value is ever thrown out of the isolate. isolated-vm copies a thrown value *after* the call's
//    timeout has ended, reading its `message`/`stack`/`name` (getters, Proxy traps): a looping getter then
//    spins forever and even `isolate.dispose()` cannot stop it (the process can no longer exit). So every op,
//    including running the bundle's top-level code (`load`, through a captured indirect eval), catches
//    everything and answers with text.
// 2. The same copy happens for the first promise rejection that is still unhandled when a call ends, and a
//    plugin can always leave one behind (`Promise.reject(x)`, an async function that throws). So every op
//    first leaves an unhandled rejection of its own, before any plugin code runs: isolated-vm reports the
//    first one, which is always the harness's. Its reason is a null-prototype object with plain data
//    properties only (`name` = HARNESS_DONE, `message` = the op's answer), so copying it runs no plugin code
//    (no inherited getter applies), and the host reads the answer from the rejection. Side effect: a plugin's
//    stray rejection no longer fails the whole call either.
//    For a call the host runs on its own thread (isolate.ts, `sync`) the reason is the primitive HARNESS_DONE
//    instead and the answer goes to the host through a callback (HOST_ANSWER): an object reason becomes a host
//    Error with stack traces, which costs more than the rest of a small call. The callback is also used
//    whenever a primitive reason of an earlier, cut-short call is still first in the list.
// 3. Globals whose callbacks V8 runs later, as tasks outside any call (and so outside any timeout), are
//    removed before the bundle runs: `FinalizationRegistry` (cleanup callbacks), `Atomics` (`waitAsync`
//    aborts the process) with `SharedArrayBuffer`, and `WebAssembly` (async compile callbacks; and wasm
//    memory is not counted against the isolate's memory limit, so it could exhaust the host's memory).
//
// V8's `gc` (isolate.ts turns it on for plugin contexts) is taken away too, and kept: the host asks for a
// collection after large batches, so that a plugin's isolate does not sit on its inputs' garbage.

import { FAILED_OP, HARNESS_DONE, HARNESS_ENTRY, HOST_ANSWER, HOST_SIBLINGS, MESSAGE_MAX, OPS, REPLY_KEYS } from './protocol.js';
import type { HarnessFailureKind, Op } from './protocol.js';

/** Globals taken away from plugins (rule 3). */
export const REMOVED_GLOBALS: readonly string[] = ['WebAssembly', 'FinalizationRegistry', 'Atomics', 'SharedArrayBuffer'];

/** Per-answer size limits (bytes of JSON), so a plugin cannot flood the host. */
export const MAX_DETECTION_JSON = 16 * 1024;
export const MAX_TOOLSETS_JSON = 256 * 1024;
const MAX_MANIFEST_JSON = 16 * 1024;

// The protocol's words as JavaScript literals for the source below. The helpers take the protocol's types, so a
// kind or op the protocol does not declare does not compile.
const lit = (value: string): string => JSON.stringify(value);
const kind = (k: HarnessFailureKind): string => lit(k);
/** `"key":` of a reply (protocol.ts, REPLY_KEYS), for JSON text the harness writes by hand. */
const key = (k: keyof typeof REPLY_KEYS): string => `${lit(REPLY_KEYS[k])}:`;

// Every op the protocol declares, and no other (a Record over Op: a missing or an unknown op does not compile).
// Each is a function expression over the harness's closure below; `payload` is the op's parsed JSON payload.
const OP_SOURCES: Record<Op, string> = {
  load: `function (payload) {
    indirectEval(payload.code + '\\n//# sourceURL=' + payload.filename);
    return 'true';
  }`,
  manifest: `function () {
    var p = G.__toolsetPlugin;
    if (p === undefined || p === null || typeof p !== 'object') {
      refuse('the bundle registered no detector (globalThis.__toolsetPlugin is missing): build it with "toolset-sdk build"');
    }
    plugin = p;
    var m = create(null);
    m.name = p.name; m.version = p.version; m.description = p.description; m.type = p.type; m.apiVersion = p.apiVersion;
    m.hasToolsets = typeof p.toolsets === 'function';
    m.hasDetect = typeof p.detect === 'function';
    if (p.evidence !== undefined) m.evidence = p.evidence;
    return serialise(m, MAX_MANIFEST, 'manifest');
  }`,
  configure: `function (payload) {
    config = deepFreeze(payload.config === undefined ? {} : payload.config);
    return 'true';
  }`,
  detect: `function (payload) {
    var services = payload.services;
    var cache = create(null);
    acc = ''; count = 0; finished = false;
    for (var i = 0; i < services.length; i++) {
      var one = detectOne(services[i], cache);
      acc = count === 0 ? one : acc + ',' + one;
      count++;
    }
    finished = true;
    return '[' + acc + ']';
  }`,
  // After a timeout: what the batch finished, and whether detect itself had returned for every Service.
  partial: `function () {
    var out = '{${key('finished')}' + bool(finished) + ',${key('answers')}[' + acc + ']}';
    acc = ''; count = 0; finished = false;
    return out;
  }`,
  // Whether a collection ran: without V8's gc (see isolate.ts) the host stops asking.
  gc: `function () {
    acc = '';
    if (collect === null) return 'false';
    // Twice: the first collection frees the batch's objects, but their pages stay committed until the next one
    // (measured: 10 MiB committed per isolate after one, 4 MiB after two; the second costs little on an emptied heap).
    collect();
    collect();
    return 'true';
  }`,
  toolsets: `function (payload) {
    if (typeof plugin.toolsets !== 'function') return '{${key('toolsets')}null}';
    try {
      var answer = plugin.toolsets(deepFreeze(payload.found), freeze({ config: config }));
      if (answer === null || answer === undefined) return '{${key('toolsets')}null}';
      if (isThenable(answer)) return failure(${kind('bad-result')}, 'toolsets returned a Promise; toolsets must be synchronous');
      if (typeof answer !== 'object' || isArray(answer)) return failure(${kind('bad-result')}, 'toolsets must return an object keyed by toolset name, or null, got ' + kindOf(answer));
      return '{${key('toolsets')}' + serialise(answer, MAX_TOOLSETS, 'toolsets answer') + '}';
    } catch (e) {
      return caught(e);
    }
  }`,
};

// Replies are encoded as protocol.ts decodes them (REPLY_KEYS, FAILED_OP).
export const HARNESS_SOURCE = `
(function () {
  'use strict';
  var G = globalThis;
  var parse = JSON.parse, stringify = JSON.stringify;
  var freeze = Object.freeze, isFrozen = Object.isFrozen, keys = Object.keys, create = Object.create;
  var isArray = Array.isArray, hasOwn = Object.prototype.hasOwnProperty, apply = Reflect.apply;
  var StringFn = String, sliceStr = String.prototype.slice, finite = Number.isFinite;
  var PromiseCtor = Promise, promiseReject = Promise.reject;
  var indirectEval = G.eval;
  var hostSiblings = G.${HOST_SIBLINGS}, hostAnswer = G.${HOST_ANSWER};
  delete G.${HOST_SIBLINGS};
  delete G.${HOST_ANSWER};
  var collect = typeof G.gc === 'function' ? G.gc : null;
  // V8 declares it like a global var: it cannot be deleted, only emptied (and made read-only).
  if (collect !== null) Object.defineProperty(G, 'gc', { value: undefined, writable: false });
  var removed = ${JSON.stringify(REMOVED_GLOBALS)};
  for (var r = 0; r < removed.length; r++) delete G[removed[r]];
  var DONE = ${lit(HARNESS_DONE)};
  var MAX_DETECTION = ${MAX_DETECTION_JSON}, MAX_TOOLSETS = ${MAX_TOOLSETS_JSON}, MAX_MANIFEST = ${MAX_MANIFEST_JSON};
  var MAX_MESSAGE = ${MESSAGE_MAX};

  var plugin = null;
  var config = freeze({});
  // Progress of the detect batch in progress (read back by the host after a timeout).
  var acc = '', count = 0, finished = false;
  // Our own unhandled rejections (rule 2) and their reasons, kept reachable (a collected promise would no
  // longer come first in isolated-vm's list) and out of plugin reach (null-prototype holders: no inherited
  // setter ever sees them). After a call that was cut short (a timeout) isolated-vm's list still starts with
  // that call's rejection, so every op writes its answer into all the reasons still outstanding; the host
  // says when an answer was delivered (isolated-vm then emptied its list) and they can go.
  var guards = create(null), reasons = create(null), guardCount = 0;

  function cut(s, n) { return apply(sliceStr, s, [0, n]); }
  function bool(b) { return b ? 'true' : 'false'; }

  function deepFreeze(v) {
    if (v !== null && typeof v === 'object' && !isFrozen(v)) {
      freeze(v);
      var k = keys(v);
      for (var i = 0; i < k.length; i++) deepFreeze(v[k[i]]);
    }
    return v;
  }

  // May run plugin code (getters, toString): only ever called inside an op, under the call's timeout.
  function describeError(e) {
    try {
      if (e !== null && typeof e === 'object') {
        var message = e.message;
        if (typeof message === 'string') {
          var name = e.name;
          return cut((typeof name === 'string' ? name : 'Error') + ': ' + message, MAX_MESSAGE);
        }
      }
      return cut('threw a non-Error value: ' + StringFn(e), MAX_MESSAGE);
    } catch (_) {
      return 'threw a value that cannot be described';
    }
  }

  // An ArrayBuffer the isolate's memory limit refused is a memory failure, not a bug in the plugin's logic.
  function errorKind(e) {
    try {
      if (e !== null && typeof e === 'object' && e.message === 'Array buffer allocation failed') return ${kind('memory')};
    } catch (_) {}
    return ${kind('thrown')};
  }

  // Output that JSON would drop or mangle is refused (a bad result), with where it was found.
  var REFUSED = {};
  var refusal = '';
  var CYCLE = 'TypeError: Converting circular structure to JSON';
  function refuse(message) {
    refusal = message;
    throw REFUSED;
  }

  function serialise(value, limit, what) {
    var text;
    try {
      text = stringify(value, function (k, v) {
        var t = typeof v;
        if (t === 'function' || t === 'symbol' || t === 'bigint' || (t === 'number' && !finite(v))) {
          refuse(what + ' contains ' + (t === 'number' ? 'a non-finite number' : t === 'bigint' ? 'a BigInt' : 'a ' + t) + (k ? ' at key "' + cut(k, 100) + '"' : ''));
        }
        return v;
      });
    } catch (e) {
      if (e !== REFUSED && cut(describeError(e), CYCLE.length) === CYCLE) refuse(what + ' contains a cycle');
      throw e;
    }
    if (typeof text !== 'string') refuse(what + ' is not serialisable');
    if (text.length > limit) refuse(what + ' is too large (' + text.length + ' bytes of JSON, limit ' + limit + ')');
    return text;
  }

  // The replies (protocol.ts decodes them): a Service's detection, or a failure of a Service's detect or of toolsets.
  function detected(json, usedSiblings) {
    return '{${key('detection')}' + json + ',${key('usedSiblings')}' + bool(usedSiblings) + '}';
  }

  function failure(kind, message, usedSiblings) {
    return '{${key('kind')}' + stringify(kind) + ',${key('message')}' + stringify(message) + (usedSiblings === undefined ? '' : ',${key('usedSiblings')}' + bool(usedSiblings)) + '}';
  }

  function opFailure(kind, message) {
    return ${lit(FAILED_OP)} + kind + ':' + message;
  }

  function caught(e, usedSiblings) {
    return e === REFUSED ? failure(${kind('bad-result')}, refusal, usedSiblings) : failure(errorKind(e), describeError(e), usedSiblings);
  }

  function isThenable(v) {
    return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
  }

  function kindOf(v) {
    return isArray(v) ? 'an array' : 'a ' + typeof v;
  }

  // ns and name are read before the plugin runs: a plugin that rewrites its copy of the Service cannot ask
  // for another namespace's Services (ones its namespace filters may hide from it).
  function siblingsOf(cache, ns, name) {
    var all = cache[ns];
    if (all === undefined) {
      all = deepFreeze(parse(hostSiblings(ns)));
      cache[ns] = all;
    }
    var out = [], n = 0;
    for (var i = 0; i < all.length; i++) if (all[i].metadata.name !== name) out[n++] = all[i];
    return freeze(out);
  }

  function detectOne(service, cache) {
    var usedSiblings = false;
    var ns = service.metadata.namespace, name = service.metadata.name;
    var ctx = freeze({
      config: config,
      siblings: function () { usedSiblings = true; return siblingsOf(cache, ns, name); },
    });
    try {
      var answer = plugin.detect(service, ctx);
      if (answer === null || answer === undefined) return detected('null', usedSiblings);
      if (isThenable(answer)) return failure(${kind('bad-result')}, 'detect returned a Promise; detect must be synchronous', usedSiblings);
      if (typeof answer !== 'object' || isArray(answer)) return failure(${kind('bad-result')}, 'detect must return an object or null, got ' + kindOf(answer), usedSiblings);
      return detected(serialise(answer, MAX_DETECTION, 'detection'), usedSiblings);
    } catch (e) {
      return caught(e, usedSiblings);
    }
  }

  var ops = create(null);
${OPS.map((op) => `  ops[${lit(op)}] = ${OP_SOURCES[op]};`).join('\n')}

  G.${HARNESS_ENTRY} = function (name, payloadJson, delivered, sync) {
    if (delivered === true) {
      guards = create(null);
      reasons = create(null);
      guardCount = 0;
    }
    var reason = DONE;
    if (sync !== true) {
      reason = create(null);
      reason.name = DONE;
      reason.message = '';
    }
    reasons[guardCount] = reason;
    guards[guardCount] = apply(promiseReject, PromiseCtor, [reason]);
    guardCount++;
    var out;
    try {
      if (typeof name !== 'string' || apply(hasOwn, ops, [name]) !== true) refuse('unknown harness op ' + StringFn(name));
      out = ops[name](payloadJson === undefined || payloadJson === null ? undefined : parse(payloadJson));
    } catch (e) {
      out = e === REFUSED ? opFailure(${kind('bad-result')}, refusal) : opFailure(errorKind(e), describeError(e));
    }
    var viaHost = sync === true;
    for (var i = 0; i < guardCount; i++) {
      if (typeof reasons[i] === 'object') reasons[i].message = out;
      else viaHost = true;
    }
    if (viaHost) hostAnswer(out);
    return out;
  };
})();
`;
