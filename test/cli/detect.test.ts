// `dynamic-toolset detect` as a user runs it: the installed bin, real files, stdin, exit codes.
import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { parse as parseYaml } from 'yaml';
import { repoRoot, service, tempDir } from '../helpers/bundles.js';

const bin = path.join(repoRoot, 'node_modules/.bin/dynamic-toolset');

function run(args: string[], input?: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const grafana = service('obs-grafana', 'monitoring', { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'obs' }, [
  { name: 'service', port: 80, targetPort: 3000, protocol: 'TCP' },
]);
const app = service('shop', 'apps', { app: 'shop' }, [{ name: 'http', port: 3000, protocol: 'TCP' }]);
const expected = [{ namespace: 'monitoring', name: 'obs-grafana', type: 'grafana', detector: 'grafana', endpoint: 'http://obs-grafana.monitoring.svc.cluster.local:80' }];

test('reads a v1 List from stdin (kubectl get svc -A -o yaml) and prints JSON records', async (t) => {
  const r = await run(['detect', '--manifests', '-'], stringify({ apiVersion: 'v1', kind: 'List', items: [grafana, app] }));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), expected);
});

test('reads multi-document YAML and JSON files from a directory, prints YAML with -o yaml', async (t) => {
  const { dir, cleanup } = await tempDir('cli-dir');
  t.teardown(cleanup);
  await writeFile(path.join(dir, 'a.yaml'), `${stringify(app)}---\n${stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } })}`);
  await writeFile(path.join(dir, 'b.json'), JSON.stringify(grafana));
  await writeFile(path.join(dir, 'notes.txt'), 'ignored');
  const r = await run(['detect', '--manifests', dir, '-o', 'yaml']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(parseYaml(r.stdout), expected);
});

test('flags can come from DYNAMIC_TOOLSET_* environment variables', async (t) => {
  const { dir, cleanup } = await tempDir('cli-env');
  t.teardown(cleanup);
  await writeFile(path.join(dir, 'svc.json'), JSON.stringify(grafana));
  const r = await run(['detect'], undefined, { DYNAMIC_TOOLSET_MANIFESTS: path.join(dir, 'svc.json'), DYNAMIC_TOOLSET_OUTPUT: 'yaml' });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(parseYaml(r.stdout), expected);
});

test('the config applies: a disabled detector finds nothing, a namespace filter skips', async (t) => {
  const { dir, cleanup } = await tempDir('cli-config');
  t.teardown(cleanup);
  await writeFile(path.join(dir, 'svc.json'), JSON.stringify(grafana));
  await writeFile(path.join(dir, 'off.yaml'), 'detectors:\n  grafana: {enabled: false}\n');
  await writeFile(path.join(dir, 'ns.yaml'), 'detectors:\n  grafana:\n    namespaces: {exclude: ["monitor*"]}\n');
  for (const cfg of ['off.yaml', 'ns.yaml']) {
    const r = await run(['detect', '--manifests', path.join(dir, 'svc.json'), '--config', path.join(dir, cfg)]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(JSON.parse(r.stdout), [], cfg);
  }
});

test('bad input exits 1 naming file and line; wrong usage exits 2; --help exits 0', async (t) => {
  const { dir, cleanup } = await tempDir('cli-bad');
  t.teardown(cleanup);
  await writeFile(path.join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: x\n');
  const bad = await run(['detect', '--manifests', path.join(dir, 'bad.yaml')]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /bad\.yaml:\d+: invalid YAML\/JSON/);
  t.is(bad.stdout, '');

  const missing = await run(['detect', '--manifests', path.join(dir, 'nope.yaml')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot read .*nope\.yaml: no such file or directory/);

  await writeFile(path.join(dir, 'cfg.yaml'), 'detectors:\n  grafana: {priority: -1}\n');
  const cfg = await run(['detect', '--manifests', '-', '--config', path.join(dir, 'cfg.yaml')], '');
  t.is(cfg.code, 1);
  t.regex(cfg.stderr, /cfg\.yaml:2: detectors\.grafana\.priority: must be 0 or more/);

  const usage = await run(['detect']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /required option '--manifests/);

  const help = await run(['detect', '--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /--manifests <file\|dir\|->[\s\S]*env:\s+DYNAMIC_TOOLSET_MANIFESTS/);
});
