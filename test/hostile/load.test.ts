// Bundles that must not load: a syntax error, no registered detector, no detect(), an incompatible API version,
// an invalid definition, top-level code that throws or never ends, a bundle taking a built-in's name. Each is
// refused under its file (or declared) name with the reason; the running set is untouched. And the built-ins
// themselves are bundles loaded from plugins/dist through the very same loader and sandbox.
import test from 'ava';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readManifestBanner } from '@kubernaut/toolset-sdk';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { BUILTIN_PRIORITIES } from '../../core/src/config/schema.js';
import { SandboxedPlugin } from '../../core/src/sandbox/plugin.js';
import { CHECKOUT_URL, assertContained, baseline, daemon, hostileConfig, runHostile } from './helpers.js';

test.before(async () => {
  await baseline();
});

const REFUSED: Array<[name: string, status: 'failed' | 'refused', reason: RegExp]> = [
  ['syntax-error', 'failed', /^cannot compile bundle: Unexpected token .*\[syntax-error\.js:3:\d+\]$/],
  ['no-manifest', 'failed', /^the bundle registered no detector \(globalThis\.__toolsetPlugin is missing\)/],
  ['no-detect', 'failed', /^invalid manifest: hasDetect: the detector has no detect\(\) function$/],
  ['api-version-99', 'failed', /^incompatible SDK API version 99: this host runs version\(s\) 1/],
  ['invalid-definition', 'failed', /^bundle failed while loading: TypeError: defineDetector\(Invalid_Definition\): name must be a lower-case DNS label/],
  ['load-throw', 'failed', /^bundle failed while loading: Error: refusing to start$/],
  ['load-loop', 'failed', /^bundle failed while loading: exceeded its time limit and was stopped$/],
];

for (const [name, status, reason] of REFUSED) {
  // The endless one runs alone: the load time limit is wall-clock.
  (name === 'load-loop' ? test.serial : test)(`${name}: refused at load, by name, with the reason`, async (t) => {
    const run = await runHostile([name]);
    await assertContained(t, run);
    const info = run.plugin(name);
    t.is(info.status, status);
    t.regex(info.lastError ?? '', reason);
    t.is(info.stats, undefined, 'it never became a detector');
    t.true(info.file.endsWith(`${name}.js`));
    t.regex(info.sha256, /^[a-f0-9]{64}$/);
    t.deepEqual(run.report.warnings, [`detector "${name}" is configured but no such plugin is loaded`]);
    // Logged under its name, as the daemon logs it.
    t.like(
      run.logs.find((l) => l.level === 'error'),
      { message: 'plugin failed to load', meta: { plugin: name, error: info.lastError } },
    );
  });
}

test('a bundle declaring the name of a built-in (prometheus) is refused as a duplicate; the built-in keeps running', async (t) => {
  // No priority for it: that would also move the real prometheus detector.
  const run = await runHostile(['duplicate-prometheus'], { config: hostileConfig([]) });
  await assertContained(t, run);
  const impostor = run.report.plugins.find((p) => p.source === 'file');
  t.like(impostor, { name: 'prometheus', version: '9.9.9', status: 'refused' });
  t.regex(impostor?.lastError ?? '', /^duplicate plugin name "prometheus": already provided by the built-in bundle .*prometheus\.js$/);
  // The running prometheus is the shipped bundle, at its own version (not the impostor's 9.9.9).
  const shipped = readManifestBanner(await readFile(path.join(builtinPluginsDir(), 'prometheus.js'), 'utf8'));
  t.like(
    run.report.plugins.find((p) => p.source === 'builtin' && p.name === 'prometheus'),
    { status: 'active', version: shipped?.version },
  );
  t.false(run.report.records.some((r) => r.endpoint.includes('attacker')));
  t.like(
    run.logs.find((l) => l.level === 'error'),
    { message: 'plugin refused', meta: { plugin: 'prometheus', error: impostor?.lastError } },
  );
});

test('built-ins are bundles loaded from plugins/dist through the same loader and sandbox as external plugins', async (t) => {
  // The daemon's real built-in directory, not the suite's copy.
  const d = await daemon(['probe-process'], { builtin: builtinPluginsDir() });
  try {
    const builtins = d.registry.list().filter((p) => p.source === 'builtin');
    t.deepEqual(builtins.map((p) => p.name).sort(), Object.keys(BUILTIN_PRIORITIES).sort());
    for (const p of builtins) {
      t.is(path.dirname(p.file), path.resolve(builtinPluginsDir()), `${p.name} comes from plugins/dist`);
      t.is(p.file, path.join(builtinPluginsDir(), `${p.name}.js`));
      t.is(p.sha256, createHash('sha256').update(await readFile(p.file)).digest('hex'), `${p.name} sha256 is the bundle file's`);
      t.is(p.status, 'active');
    }
    // One class for all: the same SandboxedPlugin (and so the same isolate, harness and limits) for both kinds.
    const slots = d.registry.detectors();
    t.true(slots.length === builtins.length + 1);
    for (const slot of slots) t.true(slot.plugin instanceof SandboxedPlugin, `${slot.name} runs in a SandboxedPlugin`);
    // A detector loaded that way sees no process.
    const results = await d.detect();
    const checkout = results.find((r) => r.key === 'shop/checkout');
    t.is(checkout?.detected?.endpoint.url, `${CHECKOUT_URL}/process-undefined/globalThis-process-undefined`);
    t.is(checkout?.detected?.detector, 'probe-process');
    const base = await baseline();
    t.deepEqual(
      results.filter((r) => r.key !== 'shop/checkout').map((r) => r.detected?.endpoint.url ?? null),
      base.results.filter((r) => r.key !== 'shop/checkout').map((r) => r.detected?.endpoint.url ?? null),
    );
  } finally {
    await d.stop();
  }
});
