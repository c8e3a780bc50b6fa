// Standalone runner (benchmarks run the emulator in its own process):
//   node --import=tsx core/src/emulator/main.ts --port 0 [--seed objects.yaml] [--kubeconfig path]
// Prints one JSON line {"url","kubeconfig","token"} on stdout once ready; stops on SIGTERM/SIGINT.
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from './emulator.js';
import { parseManifests } from './seed.js';

function intOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string' },
      kubeconfig: { type: 'string' },
      token: { type: 'string' },
      'history-window': { type: 'string' },
      'bookmark-interval-ms': { type: 'string' },
    },
    strict: true,
  });
  const seed = values.seed ? parseManifests(await readFile(values.seed, 'utf8'), values.seed) : undefined;
  const emulator = await startEmulator({
    port: intOption(values.port, 'port'),
    host: values.host,
    adminToken: values.token,
    historyWindow: intOption(values['history-window'], 'history-window'),
    bookmarkIntervalMs: intOption(values['bookmark-interval-ms'], 'bookmark-interval-ms'),
    seed,
  });
  const ownKubeconfig = values.kubeconfig === undefined;
  const kubeconfigPath = values.kubeconfig ?? join(tmpdir(), `kube-emulator-${process.pid}.kubeconfig`);
  await emulator.writeKubeconfig(kubeconfigPath);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await emulator.stop();
      if (ownKubeconfig) await rm(kubeconfigPath, { force: true });
      process.exit(0);
    })();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdout.write(`${JSON.stringify({ url: emulator.url, kubeconfig: kubeconfigPath, token: emulator.adminToken })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`kube-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
