// The plugin registry and its watcher: built-ins from their bundles, external drop-ins without a restart,
// replacement that keeps the previous version until the new one loads, sha256 pins, duplicates, ordering.
import test from 'ava';
import { rm, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { PluginRegistry, sha256Of } from '../../core/src/plugins/registry.js';
import { PluginWatcher } from '../../core/src/plugins/watcher.js';
import { withDefaults } from '../../core/src/config/schema.js';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { detectServices } from '../../core/src/detection/engine.js';
import { toServiceView } from '../../core/src/detection/view.js';
import { bundle, detectorSource, eventually, service, tempDir } from '../helpers/bundles.js';

const BUILTINS = ['alertmanager', 'custom', 'elasticsearch', 'grafana', 'jaeger', 'loki', 'prometheus', 'tempo', 'victorialogs'];

async function detectOne(registry: PluginRegistry, svc: Record<string, unknown>) {
  const view = toServiceView(svc);
  const [r] = await detectServices([view], registry.detectors(), { namespaceServices: () => [view] });
  return r!;
}

test('built-in detectors load from their bundle files, in default priority order', async (t) => {
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir() });
  await registry.start();
  t.teardown(() => registry.stop());
  const list = registry.list();
  t.deepEqual(list.map((p) => p.name).sort(), BUILTINS);
  for (const p of list) {
    t.is(p.source, 'builtin');
    t.is(p.status, 'active');
    t.is(path.dirname(p.file), path.resolve(builtinPluginsDir()));
    t.regex(p.sha256, /^[a-f0-9]{64}$/);
  }
  t.deepEqual(
    registry.detectors().map((d) => d.name),
    ['custom', 'prometheus', 'alertmanager', 'grafana', 'loki', 'tempo', 'jaeger', 'elasticsearch', 'victorialogs'],
  );
});

test('external plugins without config run after every built-in, ties broken by name; config reorders and disables', async (t) => {
  const { dir, cleanup } = await tempDir('order');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  await rm(plugins, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(plugins));
  await writeFile(path.join(plugins, 'zeta.js'), await bundle(dir, 'zeta', detectorSource({ name: 'zeta' })));
  await writeFile(path.join(plugins, 'alpha.js'), await bundle(dir, 'alpha', detectorSource({ name: 'alpha' })));
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir(), pluginsDir: plugins });
  await registry.start();
  t.teardown(() => registry.stop());
  const names = registry.detectors().map((d) => d.name);
  t.deepEqual(names.slice(-2), ['alpha', 'zeta']);

  await registry.applyConfig(
    withDefaults({ detectors: { zeta: { priority: 1 }, grafana: { enabled: false }, ghost: { priority: 5 } } }),
  );
  const after = registry.detectors().map((d) => d.name);
  t.is(after[0], 'zeta');
  t.false(after.includes('grafana'));
  t.deepEqual(registry.warnings(), ['detector "ghost" is configured but no such plugin is loaded']);
});

test('first match wins in priority order; a plugin earlier in the order takes a Service from a built-in', async (t) => {
  const { dir, cleanup } = await tempDir('first');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  await import('node:fs/promises').then((fs) => fs.mkdir(plugins));
  // Claims every Service labelled like a Grafana install.
  await writeFile(path.join(plugins, 'greedy.js'), await bundle(dir, 'greedy', detectorSource({ name: 'greedy', labelKey: 'app.kubernetes.io/name' })));
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir(), pluginsDir: plugins });
  await registry.start();
  t.teardown(() => registry.stop());
  const grafana = service('obs-grafana', 'monitoring', { 'app.kubernetes.io/name': 'grafana' }, [{ name: 'service', port: 80, targetPort: 3000, protocol: 'TCP' }]);
  // Unconfigured: runs after built-ins, so grafana wins.
  t.is((await detectOne(registry, grafana)).detected?.detector, 'grafana');
  await registry.applyConfig(withDefaults({ detectors: { greedy: { priority: 0 } } }));
  const r = await detectOne(registry, grafana);
  // greedy answers port 'http', which the Service does not have: rejected, so grafana still gets it.
  t.is(r.detected?.detector, 'grafana');
  t.like(r.trace[0], { detector: 'greedy', outcome: 'rejected' });
  t.regex((r.trace[0] as { reason: string }).reason, /port "http" is not a port of the Service \(ports: service:80\/TCP\)/);
});

test('drop-in, replace, failed replace and removal take effect without a restart', async (t) => {
  const { dir, cleanup } = await tempDir('watch');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  await import('node:fs/promises').then((fs) => fs.mkdir(plugins));
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir(), pluginsDir: plugins, });
  await registry.start();
  const watcher = new PluginWatcher({ dir: plugins, rescan: () => registry.rescan(), debounceMs: 20, periodMs: 0 });
  watcher.start();
  t.teardown(async () => {
    await watcher.stop();
    await registry.stop();
  });
  const svc = service('w', 'apps', { 'test/widget': 'yes' });
  const file = path.join(plugins, 'widget.js');

  // Written via a temp file and rename, as `kubectl cp`/ConfigMap updates effectively do.
  await writeFile(`${file}.tmp`, await bundle(dir, 'widget-v1', detectorSource({ name: 'widget', version: '1.0.0' })));
  await rename(`${file}.tmp`, file);
  await eventually(() => registry.list().find((p) => p.name === 'widget' && p.status === 'active'));
  t.is((await detectOne(registry, svc)).detected?.endpoint.url, 'http://w.apps.svc.cluster.local:8080');

  await writeFile(file, await bundle(dir, 'widget-v2', detectorSource({ name: 'widget', version: '2.0.0', answer: "{ port: 8080, path: '/v2' }" })));
  await eventually(() => registry.list().find((p) => p.name === 'widget' && p.version === '2.0.0'));
  t.is((await detectOne(registry, svc)).detected?.endpoint.url, 'http://w.apps.svc.cluster.local:8080/v2');

  await writeFile(file, 'this is ( not javascript');
  const failed = await eventually(() => registry.list().find((p) => p.name === 'widget' && p.lastError));
  t.is(failed.status, 'active', 'the previous version keeps running');
  t.is(failed.version, '2.0.0');
  t.regex(failed.lastError!, /failed to load, still running version 2\.0\.0: cannot compile bundle/);
  t.is((await detectOne(registry, svc)).detected?.endpoint.url, 'http://w.apps.svc.cluster.local:8080/v2');

  await rm(file);
  await eventually(() => !registry.list().some((p) => p.name === 'widget'));
  t.is((await detectOne(registry, svc)).detected, null);
});

test('a broken bundle is reported with its reason and does not disturb the running set', async (t) => {
  const { dir, cleanup } = await tempDir('broken');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  await import('node:fs/promises').then((fs) => fs.mkdir(plugins));
  await writeFile(path.join(plugins, 'syntax.js'), 'globalThis.__toolsetPlugin = {');
  await writeFile(path.join(plugins, 'nomanifest.js'), 'var x = 1;');
  await writeFile(path.join(plugins, 'ok.js'), await bundle(dir, 'ok', detectorSource({ name: 'ok' })));
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir(), pluginsDir: plugins });
  await registry.start();
  t.teardown(() => registry.stop());
  const byFile = new Map(registry.list().map((p) => [path.basename(p.file), p]));
  t.is(byFile.get('syntax.js')?.status, 'failed');
  t.regex(byFile.get('syntax.js')!.lastError!, /cannot compile bundle: .*Unexpected end of input/);
  t.is(byFile.get('nomanifest.js')?.status, 'failed');
  t.regex(byFile.get('nomanifest.js')!.lastError!, /registered no detector/);
  t.is(byFile.get('ok.js')?.status, 'active');
  t.is(registry.detectors().length, BUILTINS.length + 1);
});

test('a plugin named like a built-in is refused as a duplicate; the built-in keeps working', async (t) => {
  const { dir, cleanup } = await tempDir('dup');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  await import('node:fs/promises').then((fs) => fs.mkdir(plugins));
  await writeFile(path.join(plugins, 'fake-grafana.js'), await bundle(dir, 'fg', detectorSource({ name: 'grafana' })));
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir(), pluginsDir: plugins });
  await registry.start();
  t.teardown(() => registry.stop());
  const fake = registry.list().find((p) => p.file.endsWith('fake-grafana.js'))!;
  t.is(fake.status, 'refused');
  t.regex(fake.lastError!, /duplicate plugin name "grafana": already provided by the built-in bundle/);
  const builtin = registry.list().find((p) => p.name === 'grafana' && p.source === 'builtin')!;
  t.is(builtin.status, 'active');
});

test('a sha256 pin refuses a tampered bundle and admits the pinned one', async (t) => {
  const { dir, cleanup } = await tempDir('pin');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  await import('node:fs/promises').then((fs) => fs.mkdir(plugins));
  const good = await bundle(dir, 'pinned', detectorSource({ name: 'pinned' }));
  const file = path.join(plugins, 'pinned.js');
  await writeFile(file, `${good}\n// tampered`);
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir(), pluginsDir: plugins });
  await registry.start(withDefaults({ detectors: { pinned: { plugin: { sha256: sha256Of(good) } } } }));
  t.teardown(() => registry.stop());
  const refused = registry.list().find((p) => p.file === file)!;
  t.is(refused.status, 'refused');
  t.regex(refused.lastError!, /sha256 mismatch for plugin "pinned"/);
  t.false(registry.detectors().some((d) => d.name === 'pinned'));

  await writeFile(file, good);
  await registry.rescan();
  t.is(registry.list().find((p) => p.file === file)!.status, 'active');
  t.true(registry.detectors().some((d) => d.name === 'pinned'));
});

test('an explicit plugin.path loads a bundle from a subdirectory and passes it its config', async (t) => {
  const { dir, cleanup } = await tempDir('path');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  const fs = await import('node:fs/promises');
  await fs.mkdir(path.join(plugins, 'acme'), { recursive: true });
  const src = detectorSource({ name: 'configured', answer: "{ port: 'http', path: ctx.config.prefix }" }).replace('detect(service)', 'detect(service, ctx)');
  await writeFile(path.join(plugins, 'acme', 'configured.js'), await bundle(dir, 'configured', src));
  const registry = new PluginRegistry({ builtinDir: builtinPluginsDir(), pluginsDir: plugins });
  await registry.start(withDefaults({ detectors: { configured: { plugin: { path: 'acme/configured.js', config: { prefix: '/acme' } } } } }));
  t.teardown(() => registry.stop());
  const r = await detectOne(registry, service('c', 'apps', { 'test/configured': 'x' }));
  t.is(r.detected?.endpoint.url, 'http://c.apps.svc.cluster.local:8080/acme');
});
