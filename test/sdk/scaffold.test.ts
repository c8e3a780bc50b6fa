// The plugin-author path end to end: toolset-sdk init → npm install → npm test (in the sandbox) → npm run build,
// then the bundle dropped into a running daemon's plugins directory is picked up and publishes its toolset.
import test from 'ava';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { withDefaults } from '../../core/src/config/schema.js';
import { repoRoot, eventually } from '../helpers/bundles.js';
import { startDaemon } from '../daemon/helpers.js';
import { SDK_API_VERSION } from '@kubernaut/toolset-sdk';

const run = promisify(execFile);

test('a scaffolded plugin builds, passes its own tests, and is picked up by a running daemon', async (t) => {
  t.timeout(120_000);
  const base = await mkdtemp(path.join(os.tmpdir(), 'toolset-plugin-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const project = path.join(base, 'acme-queue');
  const init = await run(path.join(repoRoot, 'node_modules/.bin/toolset-sdk'), ['init', project, '--type', 'queue']);
  t.regex(init.stdout, /created .*acme-queue: package\.json, src\/index\.js, test\/fixtures\.yaml, test\/expected\.yaml/);

  const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline'], { cwd: project, env });
  const tested = await run('npm', ['test', '--silent'], { cwd: project, env });
  t.regex(tested.stdout, /ok: 3 fixture Service\(s\) as expected \(acme-queue@0\.1\.0, in the sandbox\)/);
  const built = await run('npm', ['run', 'build', '--silent'], { cwd: project, env });
  t.regex(built.stdout, new RegExp(`built acme-queue@0\\.1\\.0 \\(type queue, SDK API ${SDK_API_VERSION}\\)`));

  // A failing expectation fails the project's test with the reason.
  const broken = await t.throwsAsync(run(path.join(project, 'node_modules/.bin/toolset-sdk'), ['test', 'src/index.js', '--fixtures', 'test/fixtures.yaml', '--expect', 'test/expected.yaml', '--config', '{"apiPath":"/v2"}'], { cwd: project, env }));
  t.regex((broken as { stderr?: string }).stderr ?? '', /expected endpoint http:\/\/prod-queue\.team-a\.svc\.cluster\.local:8080, got http:\/\/prod-queue\.team-a\.svc\.cluster\.local:8080\/v2/);

  const pluginsDir = path.join(base, 'plugins');
  await mkdir(pluginsDir);
  const h = await startDaemon(t, { config: withDefaults({ health_check: { enabled: false } }), options: { pluginsDir } });
  await eventually(() => h.configMap());
  await copyFile(path.join(project, 'dist/acme-queue.js'), path.join(pluginsDir, 'acme-queue.js'));
  await eventually(() => h.daemon.registry.list().some((p) => p.name === 'acme-queue' && p.status === 'active'));
  h.emu.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'orders-queue', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'queue' } },
    spec: { selector: { app: 'orders' }, ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }] },
  });
  await eventually(() => h.customToolsets()?.['queue/api']);
  t.regex(h.configMap()!.data!['queue-toolset.yaml']!, /url: http:\/\/orders-queue\.shop\.svc\.cluster\.local:8080/);
});
