// Every malformed config is rejected with where (file:line, key path) and what; valid ones get defaults.
import test from 'ava';
import { formatProblem, parseConfig, loadConfigFile } from './load.js';
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
    'resync_interval: 1m30s\nhealth_check: {timeout: 500ms, retries: 0}\nholmesgpt: {multi_instance: true}\ndetectors:\n  grafana: null\n  acme:\n    priority: 90\n    namespaces: {include: ["shop-*"], exclude: ["shop-test"]}\n    required_annotations: {any: ["acme.example.com/widget", "team=shop"]}\n    plugin: {config: {apiPath: /api}}\n',
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
