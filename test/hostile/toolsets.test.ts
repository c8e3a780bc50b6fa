// Hostile toolsets(): one that never returns, one that throws, one that smuggles `{{ env.X }}` templates (HolmesGPT
// would fill them from its own pod's environment), one with entry keys HolmesGPT does not know (it would drop the
// whole entry). Each detects checkout normally; its toolsets() answer is refused with the reason, counted under its
// name (the endless one is quarantined when it keeps failing), and the built-ins' toolsets are unchanged.
import test from 'ava';
import type { ToolsetEntry } from '@kubernaut/toolset-sdk';
import { foundService } from '../../core/src/detection/found.js';
import type { ServiceResult } from '../../core/src/detection/engine.js';
import { CHECKOUT_URL, KEYS, LIMITS, daemon } from './helpers.js';

const HOSTILE = ['toolsets-loop', 'toolsets-throw', 'toolsets-template', 'toolsets-unknown-keys'];

type Daemon = Awaited<ReturnType<typeof daemon>>;

/** The toolsets every detected Service gets from its detector, by Service key (null: none or refused). */
async function allToolsets(d: Daemon, results: ServiceResult[]): Promise<Record<string, Record<string, ToolsetEntry> | null | string>> {
  const out: Record<string, Record<string, ToolsetEntry> | null | string> = {};
  for (const r of results) {
    if (!r.detected) continue;
    const answer = await d.slot(r.detected.detector).plugin.toolsets(foundService(r.detected));
    out[r.key] = answer.ok ? answer.value : `refused: ${answer.reason}`;
  }
  return out;
}

let builtinToolsets: Awaited<ReturnType<typeof allToolsets>>;

test.before(async () => {
  const d = await daemon([]);
  try {
    builtinToolsets = await allToolsets(d, await d.detect());
  } finally {
    await d.stop();
  }
});

for (const [name, errorType, reason] of [
  ['toolsets-loop', 'timeout', /^exceeded its time limit and was stopped$/],
  ['toolsets-throw', 'thrown', /^Error: no toolsets today$/],
  ['toolsets-template', 'bad-result', /^checkout\/api\.config\.api_key: template expressions \("\{\{ … \}\}"\) are not allowed in plugin output$/],
  ['toolsets-unknown-keys', 'bad-result', /^checkout\/api: Unrecognized keys?: "url", "run_as_root"/],
] as const) {
  test.serial(`${name}: refused, counted under its name, the built-ins' toolsets unchanged`, async (t) => {
    const d = await daemon([name]);
    try {
      const results = await d.detect();
      const checkout = results.find((r) => r.key === KEYS.checkout)!;
      t.is(checkout.detected?.detector, name);
      t.is(checkout.detected?.endpoint.url, CHECKOUT_URL);
      const started = Date.now();
      const answer = await d.slot(name).plugin.toolsets(foundService(checkout.detected!));
      t.true(Date.now() - started < 5000);
      t.false(answer.ok);
      if (!answer.ok) t.regex(answer.reason, reason);
      const stats = d.info(name).stats!;
      t.is(stats.failures, 1);
      t.like(stats.lastError, { kind: errorType, service: KEYS.checkout });
      // Every other detected Service gets exactly the toolsets it gets without the hostile plugin.
      const others = await allToolsets(d, results.filter((r) => r.key !== KEYS.checkout));
      t.deepEqual(others, builtinToolsets);
    } finally {
      await d.stop();
    }
  });
}

test.serial('a toolsets() that keeps looping is quarantined; its detect answers stop too', async (t) => {
  const d = await daemon(['toolsets-loop']);
  try {
    const checkout = (await d.detect()).find((r) => r.key === KEYS.checkout)!;
    for (let i = 0; i < LIMITS.quarantineAfter; i++) await d.slot('toolsets-loop').plugin.toolsets(foundService(checkout.detected!));
    t.like(d.info('toolsets-loop').stats, { failures: LIMITS.quarantineAfter, quarantined: true });
    const again = await d.slot('toolsets-loop').plugin.toolsets(foundService(checkout.detected!));
    t.deepEqual(again, { ok: false, reason: 'plugin is quarantined' });
    const results = await d.detect();
    t.like(results.find((r) => r.key === KEYS.checkout), { detected: null });
    t.deepEqual(await allToolsets(d, results), builtinToolsets);
  } finally {
    await d.stop();
  }
});

test.serial('all four side by side: each failure is counted under the plugin that caused it', async (t) => {
  const d = await daemon(HOSTILE);
  try {
    const checkout = (await d.detect()).find((r) => r.key === KEYS.checkout)!;
    t.is(checkout.detected?.detector, 'toolsets-loop', 'priority 1 claims it');
    const found = foundService(checkout.detected!);
    await Promise.all(HOSTILE.map((name) => d.slot(name).plugin.toolsets({ ...found, detector: name })));
    t.deepEqual(
      HOSTILE.map((name) => [name, d.info(name).stats?.failures, d.info(name).stats?.lastError?.kind]),
      [
        ['toolsets-loop', 1, 'timeout'],
        ['toolsets-throw', 1, 'thrown'],
        ['toolsets-template', 1, 'bad-result'],
        ['toolsets-unknown-keys', 1, 'bad-result'],
      ],
    );
    for (const p of d.registry.list().filter((p) => p.source === 'builtin')) t.is(p.stats?.failures, 0, `${p.name}: ${JSON.stringify(p.stats?.lastError)}`);
  } finally {
    await d.stop();
  }
});
