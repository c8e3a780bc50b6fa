// Hot reload sources: a plain file, a kubelet-mounted ConfigMap directory (..data symlink swap), and a ConfigMap
// read through the API. Each change is loaded and validated whole; invalid ones keep the running config.
import test from 'ava';
import { mkdir, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import type { ReloadOutcome } from '../../core/src/config/reloader.js';
import { configMapConfigSource, fileConfigSource } from '../../core/src/config/source.js';
import type { ConfigSource } from '../../core/src/config/source.js';
import type { Config } from '../../core/src/config/schema.js';
import { startEmulator } from '../../core/src/emulator/index.js';
import { eventually, tempDir } from '../helpers/bundles.js';

const quiet = { info() {}, warn() {}, error() {} };

async function follow(t: import('ava').ExecutionContext, source: ConfigSource, running?: Config) {
  const applied: Config[] = [];
  const outcomes: ReloadOutcome[] = [];
  const reloader = new ConfigReloader({
    source,
    apply: async (c) => {
      applied.push(c);
      return { enabled: 8, disabled: 0, warnings: [] };
    },
    log: quiet,
    onOutcome: (o) => outcomes.push(o),
  });
  // As the daemon does: the config it started with is the running one.
  if (running) reloader.started(running);
  await reloader.start();
  t.teardown(() => reloader.stop());
  return { applied, outcomes };
}

test('a plain file: a change is applied; an invalid change is reported and not applied', async (t) => {
  const { dir, cleanup } = await tempDir('cfg-file');
  t.teardown(cleanup);
  const file = path.join(dir, 'detector-config.yaml');
  await writeFile(file, 'detectors:\n  grafana: {priority: 1}\n');
  const { applied, outcomes } = await follow(t, fileConfigSource(file, {}, 20));
  await writeFile(file, 'detectors:\n  grafana: {priority: 2}\n');
  await eventually(() => applied.some((c) => c.detectors.grafana?.priority === 2));
  await writeFile(file, 'detectors:\n  grafana: {priority: two}\n');
  await eventually(() => outcomes.some((o) => o.status === 'invalid'));
  t.is(applied.at(-1)?.detectors.grafana?.priority, 2);
  const invalid = outcomes.find((o) => o.status === 'invalid');
  t.regex(invalid?.status === 'invalid' ? invalid.messages.join('\n') : '', /detector-config\.yaml:2: detectors\.grafana\.priority/);
});

test('a mounted ConfigMap directory: the kubelet\'s atomic ..data swap is noticed', async (t) => {
  const { dir, cleanup } = await tempDir('cfg-mount');
  t.teardown(cleanup);
  // The layout the kubelet creates: timestamped dir, ..data → it, and the key as a symlink through ..data.
  await mkdir(path.join(dir, '..2026_01_01_v1'));
  await writeFile(path.join(dir, '..2026_01_01_v1', 'detector-config.yaml'), 'detectors:\n  loki: {enabled: true}\n');
  await symlink('..2026_01_01_v1', path.join(dir, '..data'));
  await symlink('..data/detector-config.yaml', path.join(dir, 'detector-config.yaml'));
  const { applied } = await follow(t, fileConfigSource(path.join(dir, 'detector-config.yaml'), {}, 20));

  await mkdir(path.join(dir, '..2026_01_01_v2'));
  await writeFile(path.join(dir, '..2026_01_01_v2', 'detector-config.yaml'), 'detectors:\n  loki: {enabled: false}\n');
  await symlink('..2026_01_01_v2', path.join(dir, '..data_tmp'));
  await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  await eventually(() => applied.some((c) => c.detectors.loki?.enabled === false));
  t.pass();
});

test('a ConfigMap through the API: loaded, followed, and a missing key means defaults with a warning', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  emu.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dt-config', namespace: 'ops' }, data: { 'detector-config.yaml': 'detectors:\n  tempo: {priority: 5}\n' } });
  const source = configMapConfigSource(kc, 'ops', 'dt-config');
  const first = await source.load();
  t.true(first.ok && first.config.detectors.tempo?.priority === 5);
  const { applied, outcomes } = await follow(t, source);
  emu.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ops', name: 'dt-config' }, { data: { 'detector-config.yaml': 'detectors:\n  tempo: {priority: 6}\n' } });
  await eventually(() => applied.some((c) => c.detectors.tempo?.priority === 6));
  emu.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ops', name: 'dt-config' }, { data: { 'detector-config.yaml': 'detectors: [' } });
  await eventually(() => outcomes.some((o) => o.status === 'invalid'));
  const bad = outcomes.find((o) => o.status === 'invalid');
  t.regex(bad?.status === 'invalid' ? bad.messages[0]! : '', /ConfigMap ops\/dt-config key detector-config\.yaml:1: invalid YAML/);
  emu.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ops', name: 'dt-config' });
  await eventually(() => outcomes.at(-1)?.status === 'success' && applied.at(-1)?.detectors.tempo === undefined);
  const missing = await source.load();
  t.true(missing.ok);
  t.regex(missing.ok ? missing.warnings[0]!.message : '', /ConfigMap not found: using the defaults/);
});

// ---------------------------------------------------------------------------------------------------------------
// Refused at runtime, the running config kept (issue 12): empty, comments-only, deleted, oversized, unknown tag,
// alias bomb, colliding priority; and a ConfigMap value over the cap or empty.

const lastInvalid = (outcomes: ReloadOutcome[]) => {
  const o = outcomes.at(-1);
  return o?.status === 'invalid' ? o.messages.join('\n') : '';
};

test('a plain file at runtime: each bad state is refused with a reason and the running config stays; detectors: {} resets', async (t) => {
  const { dir, cleanup } = await tempDir('cfg-refuse');
  t.teardown(cleanup);
  const file = path.join(dir, 'detector-config.yaml');
  await writeFile(file, 'detectors:\n  grafana: {enabled: false}\n');
  const source = fileConfigSource(file, {}, 20);
  const applied: Config[] = [];
  const outcomes: ReloadOutcome[] = [];
  const warned: string[] = [];
  const reloader = new ConfigReloader({
    source,
    apply: async (c) => {
      applied.push(c);
      return { enabled: 7, disabled: 1, warnings: [] };
    },
    log: { ...quiet, warn: (m: string, meta?: Record<string, unknown>) => warned.push(`${m} ${JSON.stringify(meta ?? {})}`) },
    onOutcome: (o) => outcomes.push(o),
  });
  const first = await source.load();
  t.true(first.ok);
  if (first.ok) reloader.started(first.config);
  t.teardown(() => reloader.stop());

  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['empty', () => writeFile(file, ''), /detector-config\.yaml: the config is empty \(no keys, only comments or whitespace\): the running config stays; to reset every detector to its defaults, write "detectors: \{\}"/],
    ['comments only', () => writeFile(file, '# detectors:\n#   grafana: {enabled: false}\n'), /the config is empty .*the running config stays/],
    ['deleted', () => rm(file), /detector-config\.yaml: the config file no longer exists: the running config stays/],
    ['60 MiB', async () => {
      await writeFile(file, 'detectors: {}\n');
      await truncate(file, 60 * 1024 * 1024);
    }, /the config is 60\.0 MiB; the limit is 256 KiB/],
    ['unknown tag', () => writeFile(file, 'detectors:\n  grafana: !!python/object:os.system {enabled: false}\n'), /:2: invalid YAML: tag tag:yaml\.org,2002:python\/object:os\.system is not allowed/],
    ['alias bomb', () => writeFile(file, `a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [${Array(10).fill('*a').join(',')}]\nc: [${Array(10).fill('*b').join(',')}]\n`), /possible alias bomb/],
    ['colliding priority', () => writeFile(file, 'detectors:\n  grafana: {enabled: false}\n  prometheus: {priority: 10}\n'), /:3: detectors\.prometheus\.priority: priority 10 is already used by detector "custom" \(its default priority\)/],
  ];
  for (const [what, change, expected] of cases) {
    await change();
    const o = await reloader.reload('api');
    t.is(o.status, 'invalid', what);
    t.regex(lastInvalid(outcomes), expected, what);
    t.is(applied.length, 0, `${what}: nothing applied`);
  }
  t.true(warned.some((w) => /config reload refused: the config is empty or missing/.test(w)), 'empty and missing are logged as warnings');

  // The file watcher sees a deletion like the API does.
  await writeFile(file, 'detectors:\n  grafana: {enabled: false}\n  loki: {enabled: false}\n');
  await reloader.start();
  await reloader.reload('api');
  t.is(applied.length, 1);
  await rm(file);
  await eventually(() => /the config file no longer exists/.test(lastInvalid(outcomes)) && outcomes.at(-1) !== undefined);
  t.is(applied.length, 1, 'a deleted file changes nothing');

  // The deliberate reset.
  await writeFile(file, 'detectors: {}\n');
  await eventually(() => applied.length === 2);
  t.deepEqual(applied[1]!.detectors, {});
});

test('a reload never throws: a source that fails is a refused reload', async (t) => {
  const reloader = new ConfigReloader({
    source: { description: 'broken', load: () => Promise.reject(new Error('boom')), watch: async () => async () => {} },
    apply: async () => ({ enabled: 0, disabled: 0, warnings: [] }),
    log: quiet,
  });
  const o = await reloader.reload('api');
  t.is(o.status, 'invalid');
  t.deepEqual(o.status === 'invalid' ? o.messages : [], ['broken: cannot load the config: boom']);
});

test('a ConfigMap through the API: a value over the size cap or an empty value is refused, the running config stays', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ops', name: 'dt-config' };
  emu.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dt-config', namespace: 'ops' }, data: { 'detector-config.yaml': 'detectors:\n  tempo: {enabled: false}\n' } });
  const source = configMapConfigSource(kc, 'ops', 'dt-config');
  const initial = await source.load();
  t.true(initial.ok);
  const { applied, outcomes } = await follow(t, source, initial.ok ? initial.config : undefined);
  emu.patch(ref, { data: { 'detector-config.yaml': `detectors:\n  acme:\n    plugin: {config: {blob: "${'x'.repeat(300 * 1024)}"}}\n` } });
  await eventually(() => outcomes.some((o) => o.status === 'invalid'));
  t.regex(lastInvalid(outcomes), /ConfigMap ops\/dt-config key detector-config\.yaml: the config is at least 300 KiB; the limit is 256 KiB/);
  emu.patch(ref, { data: { 'detector-config.yaml': '# nothing here\n' } });
  await eventually(() => /the config is empty/.test(lastInvalid(outcomes)));
  t.is(applied.length, 0, 'neither was applied');
  emu.patch(ref, { data: { 'detector-config.yaml': 'detectors:\n  tempo: {enabled: true}\n' } });
  await eventually(() => applied.length === 1);
  t.true(applied[0]!.detectors.tempo?.enabled);
});

test('a file missing at start: a reload keeps the defaults (nothing to keep); once the file has existed, deleting it is refused', async (t) => {
  const { dir, cleanup } = await tempDir('cfg-late');
  t.teardown(cleanup);
  const file = path.join(dir, 'detector-config.yaml');
  const source = fileConfigSource(file, {}, 20);
  const applied: Config[] = [];
  const reloader = new ConfigReloader({
    source,
    apply: async (c) => {
      applied.push(c);
      return { enabled: 8, disabled: 0, warnings: [] };
    },
    log: quiet,
  });
  const first = await source.load();
  t.true(first.ok && first.absent === 'missing');
  if (first.ok) reloader.started(first.config);
  const again = await reloader.reload('api');
  t.is(again.status, 'success');
  t.regex(again.status === 'success' ? again.warnings.join('\n') : '', /file not found: using the defaults/);
  await writeFile(file, 'detectors:\n  jaeger: {enabled: false}\n');
  t.is((await reloader.reload('api')).status, 'success');
  t.false(applied.at(-1)?.detectors.jaeger?.enabled ?? true);
  await rm(file);
  const gone = await reloader.reload('api');
  t.is(gone.status, 'invalid');
  t.false(applied.at(-1)?.detectors.jaeger?.enabled ?? true, 'still the last good config');
});
