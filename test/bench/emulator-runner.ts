// The API emulator in its own process for the benchmarks, seeded fast from JSON and set up for the run:
//   node --no-node-snapshot --conditions=development --import=tsx test/bench/emulator-runner.ts \
//     --kubeconfig <file> [--seed-json services.json] [--setup setup.json]
// (core/src/emulator/main.ts reads YAML seeds, which is slow for 50,000 Services; this one reads a JSON array or
// List and also registers service-proxy targets, tokens and grants, which main.ts has no flags for.)
// Prints one JSON line {url, kubeconfig, token, seeded, seed_ms, rss} once ready. Stops on SIGTERM/SIGINT and when
// its stdin closes (the bench died), so it never outlives the bench.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startEmulator } from '../../core/src/emulator/index.js';
import type { Grant, ProxyTarget, TokenUser } from '../../core/src/emulator/index.js';

export interface EmulatorSetup {
  proxyTargets?: ProxyTarget[];
  tokens?: Array<{ token: string; user: TokenUser }>;
  grants?: Grant[];
}

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    'seed-json': { type: 'string' },
    setup: { type: 'string' },
  },
  strict: true,
});
if (!values.kubeconfig) throw new Error('--kubeconfig is required');

const emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
let stopping = false;
const shutdown = (code = 0): void => {
  if (stopping) return;
  stopping = true;
  void emulator.stop().finally(() => process.exit(code));
};
process.on('SIGTERM', () => shutdown());
process.on('SIGINT', () => shutdown());
process.stdin.on('end', () => shutdown());
process.stdin.on('error', () => shutdown());
process.stdin.resume();

try {
  const setup: EmulatorSetup = values.setup ? (JSON.parse(await readFile(values.setup, 'utf8')) as EmulatorSetup) : {};
  for (const t of setup.proxyTargets ?? []) emulator.registerProxyTarget(t);
  for (const t of setup.tokens ?? []) emulator.addToken(t.token, t.user);
  for (const g of setup.grants ?? []) emulator.grant(g);

  let seeded = 0;
  const started = process.hrtime.bigint();
  if (values['seed-json']) {
    const parsed = JSON.parse(await readFile(values['seed-json'], 'utf8')) as unknown;
    const items = Array.isArray(parsed) ? parsed : (parsed as { items: unknown[] }).items;
    // In slices, so a huge seed does not hold one giant array of stored copies.
    for (let i = 0; i < items.length; i += 1000) seeded += emulator.seed(items.slice(i, i + 1000) as Array<Record<string, unknown>>).length;
  }
  const seedMs = Number(process.hrtime.bigint() - started) / 1e6;
  await emulator.writeKubeconfig(values.kubeconfig);
  process.stdout.write(
    `${JSON.stringify({ url: emulator.url, kubeconfig: values.kubeconfig, token: emulator.adminToken, seeded, seed_ms: Math.round(seedMs), rss: process.memoryUsage().rss })}\n`,
  );
} catch (err) {
  process.stderr.write(`emulator-runner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  shutdown(1);
}
