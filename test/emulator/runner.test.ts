import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('the standalone runner starts in a child process, prints its JSON line, and stops on SIGTERM', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kube-emulator-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const seedFile = join(dir, 'seed.yaml');
  await writeFile(seedFile, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seeded, namespace: demo}\ndata: {a: "1"}\n');
  const child = spawn(process.execPath, ['--import=tsx', '--no-node-snapshot', 'core/src/emulator/main.ts', '--port', '0', '--seed', seedFile], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`runner did not start: ${stderr}`)), 60_000);
    rl.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    void exited.then((code) => reject(new Error(`runner exited early (${code}): ${stderr}`)));
  });
  const ready = JSON.parse(line) as { url: string; kubeconfig: string };
  t.regex(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.true(existsSync(ready.kubeconfig));

  const kc = new KubeConfig();
  kc.loadFromString(await readFile(ready.kubeconfig, 'utf8'));
  const core = kc.makeApiClient(CoreV1Api);
  const got = await core.readNamespacedConfigMap({ name: 'seeded', namespace: 'demo' });
  t.deepEqual(got.data, { a: '1' });

  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.false(existsSync(ready.kubeconfig), 'its temporary kubeconfig is removed');
});
