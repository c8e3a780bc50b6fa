// Every malformed config is rejected with where (file:line, key path) and what; valid ones get defaults.
import test from 'ava';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatProblem, parseConfig, parseConfigOffThread, loadConfigFile, MAX_CONFIG_BYTES, MAX_PROBLEMS } from './load.js';
import { INLINE_PARSE_BYTES } from './off-thread.js';
import { DEFAULT_CONFIG, parseDuration } from './schema.js';

const FILE = 'detector-config.yaml';

function errorsOf(text: string, options = {}): string[] {
  const r = parseConfig(text, FILE, options);
  if (r.ok) throw new Error('expected the config to be rejected');
  return r.errors.map(formatProblem);
}

const malformed: Array<[string, string, RegExp]> = [
  ['bad YAML (unclosed flow map)', 'detectors: {prometheus: {enabled: true}\n', /detector-config\.yaml:\d+: invalid YAML/],
  ['bad YAML (tab indentation)', 'detectors:\n\tprometheus: {}\n', /invalid YAML/],
  ['duplicate key', 'detectors:\n  grafana: {}\n  grafana: {}\n', /:3: invalid YAML: Map keys must be unique/],
  ['a list at the top', '- detectors\n', /:1: the config must be a mapping/],
  ['unknown top-level key', 'detector:\n  grafana: {}\n', /:1: detector: unknown key "detector"; allowed here: resync_interval, health_check/],
  ['unknown detector key (typo)', 'detectors:\n  grafana:\n    enabeld: false\n', /:3: detectors\.grafana\.enabeld: unknown key "enabeld"; allowed here: enabled, priority/],
  ['enabled not a boolean', 'detectors:\n  grafana:\n    enabled: "yes"\n', /:3: detectors\.grafana\.enabled: .*boolean/],
  ['negative priority', 'detectors:\n  loki:\n    priority: -5\n', /:3: detectors\.loki\.priority: must be 0 or more/],
  ['fractional priority', 'detectors:\n  loki:\n    priority: 1.5\n', /detectors\.loki\.priority: must be a whole number/],
  ['priority as string', 'detectors:\n  loki:\n    priority: "10"\n', /detectors\.loki\.priority: .*number/],
  ['duplicate priorities', 'detectors:\n  loki: {priority: 10}\n  tempo: {priority: 10}\n', /:3: detectors\.tempo\.priority: priority 10 is already used by detector "loki"/],
  ['detector name not a DNS label', 'detectors:\n  My_Detector: {}\n', /detectors\.My_Detector: detector names are lower-case DNS labels/],
  ['bad namespace glob', 'detectors:\n  grafana:\n    namespaces: {include: ["prod-[a-z]"]}\n', /:3: detectors\.grafana\.namespaces\.include\.0: must be a namespace name or a pattern/],
  ['namespaces not a list', 'detectors:\n  grafana:\n    namespaces: {exclude: kube-system}\n', /detectors\.grafana\.namespaces\.exclude: .*array/],
  ['unknown namespaces key', 'detectors:\n  grafana:\n    namespaces: {only: [a]}\n', /unknown key "only"; allowed here: include, exclude/],
  ['required_annotations with both all and any', 'detectors:\n  custom:\n    required_annotations: {all: [a], any: [b]}\n', /detectors\.custom\.required_annotations: must be \{all: \[\.\.\.\]\} or \{any: \[\.\.\.\]\}/],
  ['required_annotations empty list', 'detectors:\n  custom:\n    required_annotations: {all: []}\n', /required_annotations/],
  ['bad annotation key', 'detectors:\n  custom:\n    required_annotations: {any: ["bad key!"]}\n', /must be an annotation key/],
  ['bad duration unit', 'resync_interval: 5 minutes\n', /:1: resync_interval: "5 minutes" is not a duration/],
  ['duration as number', 'resync_interval: 300\n', /resync_interval: resync_interval must be a duration string/],
  ['resync too short', 'resync_interval: 1s\n', /resync_interval: 1s is out of range/],
  ['negative timeout', 'health_check:\n  timeout: -1s\n', /health_check\.timeout: "-1s" is not a duration/],
  ['retries too many', 'health_check:\n  retries: 100\n', /health_check\.retries: .*10/],
  ['concurrency zero', 'health_check:\n  concurrency: 0\n', /health_check\.concurrency/],
  ['unknown health_check key', 'health_check:\n  path: /x\n', /unknown key "path"; allowed here: enabled, timeout, retries, tls_verify, concurrency, interval/],
  ['detector health path without slash', 'detectors:\n  grafana:\n    health_check: {path: healthz}\n', /detectors\.grafana\.health_check\.path: must start with "\/"/],
  ['bad sha256', 'detectors:\n  acme:\n    plugin: {sha256: abc}\n', /:3: detectors\.acme\.plugin\.sha256: must be 64 lower-case hex characters/],
  ['absolute plugin path', 'detectors:\n  acme:\n    plugin: {path: /etc/passwd}\n', /detectors\.acme\.plugin\.path: must be relative to the plugins directory/],
  ['plugin path escaping the directory', 'detectors:\n  acme:\n    plugin: {path: ../x.js}\n', /must be relative to the plugins directory, without "\.\."/],
  ['plugin config not a mapping', 'detectors:\n  acme:\n    plugin: {config: [1, 2]}\n', /detectors\.acme\.plugin\.config: .*record|object/],
  ['primary not ns/name', 'primary:\n  prometheus: just-a-name\n', /primary\.prometheus: must be "<namespace>\/<service name>"/],
  ['holmesgpt unknown key', 'holmesgpt:\n  multi: true\n', /holmesgpt\.multi: unknown key "multi"; allowed here: multi_instance/],
  ['a priority equal to a built-in\'s default', 'detectors:\n  prometheus: {priority: 10}\n', /:2: detectors\.prometheus\.priority: priority 10 is already used by detector "custom" \(its default priority\)/],
  ['an external plugin\'s priority equal to a built-in\'s default', 'detectors:\n  acme:\n    priority: 40\n', /:3: detectors\.acme\.priority: priority 40 is already used by detector "grafana" \(its default priority\)/],
  ['an unknown YAML tag (python object)', 'detectors:\n  acme:\n    plugin:\n      config: !!python/object:os.system {cmd: ls}\n', /:4: invalid YAML: tag tag:yaml\.org,2002:python\/object:os\.system is not allowed/],
  ['a custom YAML tag', 'detectors:\n  grafana:\n    enabled: !vault false\n', /:3: invalid YAML: tag !vault is not allowed/],
  ['a YAML 1.1 tag (binary)', 'detectors:\n  acme:\n    plugin: {config: {blob: !!binary aGVsbG8=}}\n', /:3: invalid YAML: tag tag:yaml\.org,2002:binary is not allowed/],
  ['a YAML 1.1 set under a %YAML 1.1 directive', '%YAML 1.1\n---\ndetectors:\n  acme:\n    plugin: {config: {s: !!set {a, b}}}\n', /:5: invalid YAML: tag tag:yaml\.org,2002:set is not allowed/],
  ['a key that is a list', 'detectors:\n  ? [a, b]\n  : {}\n', /:2: invalid YAML: map keys must be plain values/],
  ['an alias before its anchor', 'detectors:\n  grafana: *later\n', /invalid YAML: .*(alias|anchor)/i],
  ['nesting deeper than the limit', `detectors:\n  acme:\n    plugin:\n      config: ${'{a: '.repeat(40)}1${'}'.repeat(40)}\n`, /:4: invalid YAML: nested more than 32 levels deep/],
];

for (const [title, text, expected] of malformed) {
  test(`rejects: ${title}`, (t) => {
    const errors = errorsOf(text);
    t.true(errors.some((e) => expected.test(e)), `got: ${errors.join(' | ')}`);
  });
}

test('a missing plugin file for an explicit path is an error when the plugins directory is known', (t) => {
  const errors = errorsOf('detectors:\n  acme:\n    plugin: {path: acme.js}\n', { pluginsDir: '/nonexistent-plugins' });
  t.regex(errors.join('\n'), /:3: detectors\.acme\.plugin\.path: plugin file \/nonexistent-plugins\/acme\.js does not exist/);
});

test('every problem is reported at once, in line order', (t) => {
  const errors = errorsOf('resync_interval: 5 minutes\ndetectors:\n  grafana: {priority: -1}\n  loki: {enabeld: true}\n');
  t.is(errors.length, 3);
  t.deepEqual(
    errors.map((e) => Number(/:(\d+):/.exec(e)?.[1])),
    [1, 3, 4],
  );
});

test('the shipped default config is valid and equals the built-in defaults', async (t) => {
  const r = await loadConfigFile('config/detector-config.yaml');
  t.true(r.ok);
  if (!r.ok) return;
  t.is(r.config.resyncIntervalMs, DEFAULT_CONFIG.resyncIntervalMs);
  t.deepEqual(r.config.healthCheck, DEFAULT_CONFIG.healthCheck);
  t.is(r.config.detectors.prometheus?.priority, 20);
});

test('a missing file means defaults, with a warning', async (t) => {
  const r = await loadConfigFile('/nonexistent/detector-config.yaml');
  t.true(r.ok);
  if (!r.ok) return;
  t.deepEqual(r.config, DEFAULT_CONFIG);
  t.regex(r.warnings[0]!.message, /file not found: using the defaults/);
});

test('valid configs get their values and the rest defaults', (t) => {
  const r = parseConfig(
    'resync_interval: 1m30s\nhealth_check: {timeout: 500ms, retries: 0}\nholmesgpt: {multi_instance: true}\ndetectors:\n  grafana: null\n  acme:\n    priority: 100\n    namespaces: {include: ["shop-*"], exclude: ["shop-test"]}\n    required_annotations: {any: ["acme.example.com/widget", "team=shop"]}\n    plugin: {config: {apiPath: /api}}\n',
    FILE,
  );
  t.true(r.ok);
  if (!r.ok) return;
  t.is(r.config.resyncIntervalMs, 90_000);
  t.is(r.config.healthCheck.timeoutMs, 500);
  t.is(r.config.healthCheck.retries, 0);
  t.is(r.config.healthCheck.concurrency, DEFAULT_CONFIG.healthCheck.concurrency);
  t.true(r.config.holmesgpt.multiInstance);
  t.deepEqual(r.config.detectors.grafana, {});
  t.deepEqual(r.config.detectors.acme?.plugin?.config, { apiPath: '/api' });
});

test('durations parse like Go durations', (t) => {
  t.is(parseDuration('500ms'), 500);
  t.is(parseDuration('1h2m3s'), 3_723_000);
  t.is(parseDuration('1.5s'), 1500);
  t.is(parseDuration('5'), undefined);
  t.is(parseDuration('-1s'), undefined);
});

// ---------------------------------------------------------------------------------------------------------------
// Bounded input (issue 12): size, aliases, tags, emptiness, effective priorities.

async function tmp(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cfg-bounds-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a 60 MiB config file is refused from its size, before it is read', async (t) => {
  const file = path.join(await tmp(t), 'detector-config.yaml');
  await writeFile(file, 'detectors:\n  grafana: {enabled: false}\n');
  // Sparse: 60 MiB long, nothing written past the first line. Reading it all would take a while and 60 MiB.
  const handle = await open(file, 'r+');
  await handle.truncate(60 * 1024 * 1024);
  await handle.close();
  const r = await loadConfigFile(file);
  t.false(r.ok);
  if (r.ok) return;
  t.is(r.errors.length, 1);
  t.is(formatProblem(r.errors[0]!), `${file}: the config is 60.0 MiB; the limit is 256 KiB (262144 bytes): refused without parsing it`);
});

test('a 40 MiB string inside plugin.config is refused from the file\'s size', async (t) => {
  const file = path.join(await tmp(t), 'detector-config.yaml');
  await writeFile(file, `detectors:\n  acme:\n    plugin:\n      config:\n        blob: "${'x'.repeat(40 * 1024 * 1024)}"\n`);
  const r = await loadConfigFile(file);
  t.false(r.ok);
  t.regex(r.ok ? '' : formatProblem(r.errors[0]!), /the config is 40\.0 MiB; the limit is 256 KiB .*refused without parsing it/);
});

test('the size cap holds for text given directly (a ConfigMap value), counted in UTF-8 bytes', async (t) => {
  const huge = `detectors:\n  acme:\n    plugin: {config: {blob: "${'x'.repeat(40 * 1024 * 1024)}"}}\n`;
  for (const r of [parseConfig(huge, FILE), await parseConfigOffThread(huge, FILE)]) {
    t.false(r.ok);
    t.regex(r.ok ? '' : formatProblem(r.errors[0]!), /detector-config\.yaml: the config is at least 40\.0 MiB; the limit is 256 KiB/);
  }
  // Under the cap in characters, over it in bytes: "é" is two bytes in UTF-8.
  const wide = `detectors:\n  acme:\n    plugin: {config: {s: "${'é'.repeat(MAX_CONFIG_BYTES / 2)}"}}\n`;
  t.true(wide.length < MAX_CONFIG_BYTES);
  const r = parseConfig(wide, FILE);
  t.false(r.ok);
  t.regex(r.ok ? '' : r.errors[0]!.message, /the config is 256 KiB; the limit is 256 KiB \(262144 bytes\)/);
});

test('an alias bomb is refused with a reason, not thrown', (t) => {
  // "Billion laughs": each level repeats the one before nine times.
  const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  }
  const text = `detectors:\n  acme:\n    plugin:\n      config:\n${levels.map((l) => `        ${l}\n`).join('')}`;
  const errors = errorsOf(text);
  t.is(errors.length, 1);
  t.regex(errors[0]!, /detector-config\.yaml: invalid YAML: aliases expand too often \(more than 100 resolved.*possible alias bomb/);
});

test('aliases of a large anchor that expand past 1 MiB are refused', (t) => {
  const big = 'x'.repeat(150 * 1024);
  const text = `detectors:\n  acme:\n    plugin:\n      config:\n        a: &big "${big}"\n        copies: [${Array(8).fill('*big').join(', ')}]\n`;
  t.true(Buffer.byteLength(text) < MAX_CONFIG_BYTES);
  t.regex(errorsOf(text)[0]!, /with its 8 alias\(es\) expanded the config is larger than 1\.0 MiB/);
  // A few aliases of a small anchor are fine: that is what anchors are for.
  const shared = parseConfig('detectors:\n  grafana:\n    namespaces: {include: &ns [prod, stage]}\n  loki:\n    namespaces: {include: *ns}\n', FILE);
  t.true(shared.ok);
  t.deepEqual(shared.ok ? shared.config.detectors.loki?.namespaces?.include : [], ['prod', 'stage']);
});

test('core-schema tags are allowed', (t) => {
  const r = parseConfig('detectors:\n  acme:\n    priority: !!int "95"\n    plugin: {config: {s: !!str 5, m: !!map {a: 1}}}\n', FILE);
  t.true(r.ok, r.ok ? '' : r.errors.map(formatProblem).join('\n'));
  t.deepEqual(r.ok ? r.config.detectors.acme?.plugin?.config : {}, { s: '5', m: { a: 1 } });
});

test('an empty or comments-only config is marked absent (defaults at start, refused on a reload); detectors: {} is not', (t) => {
  for (const text of ['', '\n\n', '# only a comment\n# and another\n', '---\n', 'null\n']) {
    const r = parseConfig(text, FILE);
    t.true(r.ok, JSON.stringify(text));
    if (!r.ok) continue;
    t.is(r.absent, 'empty', JSON.stringify(text));
    t.deepEqual(r.config, DEFAULT_CONFIG);
    t.regex(r.warnings[0]!.message, /the config is empty .*write "detectors: \{\}" to reset/);
  }
  const reset = parseConfig('detectors: {}\n', FILE);
  t.true(reset.ok);
  t.is(reset.ok ? reset.absent : 'x', undefined);
});

test('a missing file is marked absent too (the defaults at start)', async (t) => {
  const r = await loadConfigFile(path.join(await tmp(t), 'nope.yaml'));
  t.true(r.ok && r.absent === 'missing');
});

test('priorities: a built-in keeps its own default, and swapped or moved priorities are fine', (t) => {
  for (const text of [
    'detectors:\n  prometheus: {priority: 20}\n',
    'detectors:\n  prometheus: {priority: 30}\n  alertmanager: {priority: 20}\n',
    'detectors:\n  prometheus: {priority: 10}\n  custom: {priority: 5}\n',
    'detectors:\n  acme: {priority: 15}\n',
  ]) {
    const r = parseConfig(text, FILE);
    t.true(r.ok, `${text}: ${r.ok ? '' : r.errors.map(formatProblem).join(' | ')}`);
  }
  // The equal pair is named for what the admin wrote: the configured one, not the default it also hits.
  t.regex(errorsOf('detectors:\n  loki: {priority: 25}\n  tempo: {priority: 25}\n').join('\n'), /:3: detectors\.tempo\.priority: priority 25 is already used by detector "loki";/);
});

test('a generated config with thousands of problems reports the first ones and how many more', (t) => {
  const text = `detectors:\n${Array.from({ length: 5000 }, (_, i) => `  d${i}: {priority: -1}\n`).join('')}`;
  const errors = errorsOf(text);
  t.is(errors.length, MAX_PROBLEMS + 1);
  t.regex(errors[0]!, /:2: detectors\.d0\.priority: must be 0 or more/);
  t.regex(errors.at(-1)!, /detector-config\.yaml: 4950 more problem\(s\) not listed/);
});

test('duplicate keys are found in every map, flow or block', (t) => {
  t.regex(errorsOf('detectors:\n  acme:\n    plugin: {config: {a: 1, b: 2, a: 3}}\n').join('\n'), /:3: invalid YAML: Map keys must be unique \("a" is given twice\)/);
});

test('a large config is parsed on a worker thread: the event loop keeps turning, the result is the same', async (t) => {
  const text = `detectors:\n${Array.from({ length: 3000 }, (_, i) => `  d${i}: {enabled: ${i % 2 === 0}}\n`).join('')}`;
  t.true(text.length > INLINE_PARSE_BYTES);
  let turns = 0;
  let running = true;
  const turn = () => {
    turns++;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  // Parsed in place, the whole parse would run before any setImmediate callback could.
  const r = await parseConfigOffThread(text, FILE);
  running = false;
  t.true(turns > 0, 'the event loop turned while the config was parsed');
  t.deepEqual(r, parseConfig(text, FILE));
  t.true(r.ok && Object.keys(r.config.detectors).length === 3000);
  // Refusals come back from the worker just the same.
  const bad = await parseConfigOffThread(`${text}  d1: {}\n`, FILE);
  t.regex(bad.ok ? '' : formatProblem(bad.errors[0]!), /:3002: invalid YAML: Map keys must be unique \("d1" is given twice\)/);
});
