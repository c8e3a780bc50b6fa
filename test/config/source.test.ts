// Hot reload sources: a plain file, a kubelet-mounted ConfigMap directory (..data symlink swap), and a ConfigMap
// read through the API. Each change is loaded and validated whole; invalid ones keep the running config.
import test from 'ava';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
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

async function follow(t: import('ava').ExecutionContext, source: ConfigSource) {
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
