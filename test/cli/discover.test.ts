// `dynamic-toolset discover --once [--dry-run]` against the API emulator, as a process.
import test from 'ava';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmulator } from '../../core/src/emulator/index.js';
import { repoRoot, tempDir } from '../helpers/bundles.js';
import { backend, cmRef, grafanaService } from '../daemon/helpers.js';

const run = promisify(execFile);
const bin = path.join(repoRoot, 'node_modules/.bin/dynamic-toolset');

test('--dry-run prints the ConfigMap and its diff and writes nothing; --once writes it; a second dry run shows no changes', async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.stop());
  const { dir, cleanup } = await tempDir('discover');
  t.teardown(cleanup);
  const kubeconfig = await emu.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const graf = await backend(t);
  emu.registerProxyTarget({ namespace: 'monitoring', name: 'obs-grafana', port: 'service', url: graf.url });
  emu.create(grafanaService('obs'));
  const args = ['discover', '--once', '--kubeconfig', kubeconfig, '--plugins-dir', path.join(dir, 'plugins'), '--workload-evidence', 'false'];

  const dry = await run(bin, [...args, '--dry-run'], { cwd: repoRoot });
  t.regex(dry.stdout, /# ConfigMap kubernaut-system\/kubernaut-toolset-config as discover would write it \(1 Service\(s\) detected; nothing written\)/);
  t.regex(dry.stdout, /kind: ConfigMap[\s\S]*grafana-toolset\.yaml/);
  t.regex(dry.stdout, /--- live\/grafana-toolset\.yaml \(absent\)\n\+\+\+ new\/grafana-toolset\.yaml\n[\s\S]*\+  url: http:\/\/obs-grafana\.monitoring\.svc\.cluster\.local:80/);
  t.is(emu.get(cmRef), undefined, 'nothing written');

  const once = await run(bin, args, { cwd: repoRoot });
  t.regex(once.stdout, /ConfigMap kubernaut-system\/kubernaut-toolset-config: created \(1 Service\(s\) detected\)/);
  t.truthy((emu.get(cmRef) as { data: Record<string, string> }).data['grafana-toolset.yaml']);

  const again = await run(bin, [...args, '--dry-run'], { cwd: repoRoot });
  t.regex(again.stdout, /# no changes/);
});

test('discover without --once is a usage error (exit 2)', async (t) => {
  const err = await t.throwsAsync(run(bin, ['discover'], { cwd: repoRoot }));
  t.is((err as { code?: number }).code, 2);
  t.regex((err as { stderr?: string }).stderr ?? '', /required option '--once'/);
});
