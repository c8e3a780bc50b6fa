// The code that runs inside every plugin isolate before the plugin's bundle.
//
// It is the only thing the host calls: one entry point, `op(name, payloadJson) → resultJson`. Data crosses
// the boundary only as JSON strings, so nothing a plugin returns can be a host object, a function or a
// getter on the host side. Builtins the harness relies on are captured before plugin code runs; a plugin
// that tampers with its own realm can only spoil its own answers, which the host validates anyway.
//
// The harness is kept as source text (not a host function's toString) so that bundling the daemon can
// never change what runs in the isolate.

/** The global through which the host fetches the harness entry point; removed once fetched. */
export const HARNESS_ENTRY = '__dtHarnessEntry';
/** The global the host sets to a sync callback returning the JSON of a namespace's Services. */
export const HOST_SIBLINGS = '__dtHostSiblings';

/** Per-answer size limits (bytes of JSON), so a plugin cannot flood the host. */
export const MAX_DETECTION_JSON = 16 * 1024;
export const MAX_TOOLSETS_JSON = 256 * 1024;

export const HARNESS_SOURCE = `
(function () {
  'use strict';
  var G = globalThis;
  var parse = JSON.parse, stringify = JSON.stringify, freeze = Object.freeze, keys = Object.keys;
  var isArray = Array.isArray, ObjectProto = Object.prototype, StringFn = String;
  var hostSiblings = G.${HOST_SIBLINGS};
  delete G.${HOST_SIBLINGS};
  var MAX_DETECTION = ${MAX_DETECTION_JSON}, MAX_TOOLSETS = ${MAX_TOOLSETS_JSON};

  var plugin = null;
  var config = freeze({});
  var partial = null; // results of the batch in progress, read back by the host after a timeout

  function deepFreeze(v) {
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
      freeze(v);
      var k = keys(v);
      for (var i = 0; i < k.length; i++) deepFreeze(v[k[i]]);
    }
    return v;
  }

  function describeError(e) {
    try {
      if (e !== null && typeof e === 'object' && typeof e.message === 'string') {
        var name = typeof e.name === 'string' ? e.name : 'Error';
        return (name + ': ' + e.message).slice(0, 500);
      }
      return ('threw a non-Error value: ' + StringFn(e)).slice(0, 500);
    } catch (_) {
      return 'threw a value that cannot be described';
    }
  }

  // Serialises a plugin answer, refusing what JSON would silently drop or mangle.
  function serialise(value, limit, what) {
    var text = stringify(value, function (k, v) {
      var t = typeof v;
      if (t === 'function') throw new TypeError(what + ' contains a function' + (k ? ' at key "' + k + '"' : ''));
      if (t === 'symbol') throw new TypeError(what + ' contains a symbol' + (k ? ' at key "' + k + '"' : ''));
      if (t === 'number' && !isFinite(v)) throw new TypeError(what + ' contains a non-finite number' + (k ? ' at key "' + k + '"' : ''));
      return v;
    });
    if (text === undefined) throw new TypeError(what + ' is not serialisable');
    if (text.length > limit) throw new TypeError(what + ' is too large (' + text.length + ' bytes, limit ' + limit + ')');
    return text;
  }

  function isThenable(v) {
    return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
  }

  function siblingsOf(cache, service) {
    var ns = service.metadata.namespace, name = service.metadata.name;
    var all = cache[ns];
    if (all === undefined) {
      all = deepFreeze(parse(hostSiblings(ns)));
      cache[ns] = all;
    }
    var out = [];
    for (var i = 0; i < all.length; i++) if (all[i].metadata.name !== name) out.push(all[i]);
    return freeze(out);
  }

  function detectOne(service, cache) {
    var usedSiblings = false;
    var ctx = freeze({
      config: config,
      siblings: function () { usedSiblings = true; return siblingsOf(cache, service); },
    });
    try {
      var answer = plugin.detect(service, ctx);
      if (isThenable(answer)) return { e: 'bad-result', m: 'detect returned a Promise; detect must be synchronous', s: usedSiblings };
      if (answer === null || answer === undefined) return { d: null, s: usedSiblings };
      if (typeof answer !== 'object' || isArray(answer)) return { e: 'bad-result', m: 'detect must return an object or null, got ' + (isArray(answer) ? 'an array' : typeof answer), s: usedSiblings };
      return { j: serialise(answer, MAX_DETECTION, 'detection'), s: usedSiblings };
    } catch (e) {
      return { e: 'thrown', m: describeError(e), s: usedSiblings };
    }
  }

  var ops = {
    manifest: function () {
      var p = G.__toolsetPlugin;
      if (p === undefined || p === null || typeof p !== 'object') {
        throw new Error('the bundle registered no detector (globalThis.__toolsetPlugin is missing): build it with "toolset-sdk build"');
      }
      plugin = p;
      return {
        name: p.name, version: p.version, description: p.description, type: p.type,
        apiVersion: p.apiVersion, hasToolsets: typeof p.toolsets === 'function', hasDetect: typeof p.detect === 'function',
      };
    },
    configure: function (payload) {
      config = deepFreeze(payload.config === undefined ? {} : payload.config);
      return true;
    },
    detect: function (payload) {
      var services = payload.services;
      var cache = {};
      partial = [];
      for (var i = 0; i < services.length; i++) {
        partial.push(detectOne(services[i], cache));
      }
      var done = partial;
      partial = null;
      return done;
    },
    partial: function () {
      var p = partial || [];
      partial = null;
      return p;
    },
    toolsets: function (payload) {
      if (typeof plugin.toolsets !== 'function') return { t: null };
      try {
        var answer = plugin.toolsets(deepFreeze(payload.found), freeze({ config: config }));
        if (isThenable(answer)) return { e: 'bad-result', m: 'toolsets returned a Promise; toolsets must be synchronous' };
        if (answer === null || answer === undefined) return { t: null };
        if (typeof answer !== 'object' || isArray(answer)) return { e: 'bad-result', m: 'toolsets must return an object keyed by toolset name, or null' };
        return { j: serialise(answer, MAX_TOOLSETS, 'toolsets answer') };
      } catch (e) {
        return { e: 'thrown', m: describeError(e) };
      }
    },
  };

  G.${HARNESS_ENTRY} = function (name, payloadJson) {
    var fn = ops[name];
    if (typeof fn !== 'function' || ObjectProto.hasOwnProperty.call(ops, name) !== true) throw new Error('unknown harness op ' + name);
    return stringify(fn(payloadJson === undefined ? undefined : parse(payloadJson)));
  };
})();
`;
