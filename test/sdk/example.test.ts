// The SDK example works exactly as documented: it builds with `toolset-sdk build`, its test helper runs it in
// the daemon's sandbox, and the daemon's `detect` picks up the built bundle from a plugins directory.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadDetector } from '@kubernaut/toolset-sdk/testing';
import { readManifestBanner, SDK_API_VERSION } from '@kubernaut/toolset-sdk';
import { repoRoot, tempDir } from '../helpers/bundles.js';

const run = promisify(execFile);
const example = path.join(repoRoot, 'sdk/examples/acme-widget');
const bin = (name: string) => path.join(repoRoot, 'node_modules/.bin', name);

test('the example detector claims the widget Service (not its headless twin or an unrelated one) inside the sandbox', async (t) => {
  const widget = await loadDetector(path.join(example, 'index.js'));
  t.teardown(() => widget.dispose());
  t.like(widget.manifest, { name: 'acme-widget', version: '1.2.0', type: 'widget', apiVersion: SDK_API_VERSION, hasToolsets: true });
  const results = await widget.detect(path.join(example, 'test/fixtures.yaml'));
  t.deepEqual(
    results.map((r) => [r.name, r.outcome, r.endpoint]),
    [
      ['shop-acme-widget', 'detected', 'http://shop-acme-widget.shop.svc.cluster.local:8080/api'],
      ['shop-acme-widget-headless', 'none', undefined],
      ['storefront', 'none', undefined],
    ],
  );
  const toolsets = await widget.toolsets(results[0]!);
  t.deepEqual(toolsets?.['acme/widgets']?.config, {
    endpoints: [{ hosts: ['shop-acme-widget.shop.svc.cluster.local:8080'], paths: ['/api/*'], methods: ['GET'] }],
  });
});

test('ctx.config reaches the detector', async (t) => {
  const widget = await loadDetector(path.join(example, 'index.js'), { config: { apiPath: '/v2' } });
  t.teardown(() => widget.dispose());
  const [r] = await widget.detect(path.join(example, 'test/fixtures.yaml'));
  t.is(r?.endpoint, 'http://shop-acme-widget.shop.svc.cluster.local:8080/v2');
});

test('npx toolset-sdk build writes a self-contained bundle with its manifest, and the daemon loads it from --plugins-dir', async (t) => {
  const { dir, cleanup } = await tempDir('example');
  t.teardown(cleanup);
  const out = path.join(dir, 'plugins', 'acme-widget.js');
  const built = await run(bin('toolset-sdk'), ['build', path.join(example, 'index.js'), '--out', out]);
  t.regex(built.stdout, new RegExp(`built acme-widget@1\\.2\\.0 \\(type widget, SDK API ${SDK_API_VERSION}\\)`));
  const code = await readFile(out, 'utf8');
  t.like(readManifestBanner(code), { name: 'acme-widget', version: '1.2.0', description: 'Detects ACME widget servers', type: 'widget', apiVersion: SDK_API_VERSION });
  t.false(/\bimport\b|\brequire\(/.test(code.split('\n').slice(1).join('\n')), 'no imports left in the bundle');

  const detected = await run(bin('dynamic-toolset'), ['detect', '--manifests', path.join(example, 'test/fixtures.yaml'), '--plugins-dir', path.dirname(out)]);
  t.deepEqual(JSON.parse(detected.stdout), [
    { namespace: 'shop', name: 'shop-acme-widget', type: 'widget', detector: 'acme-widget', endpoint: 'http://shop-acme-widget.shop.svc.cluster.local:8080/api' },
  ]);

  const validated = await run(bin('dynamic-toolset'), ['plugins', 'validate', out]);
  t.like(JSON.parse(validated.stdout)[0], { ok: true, name: 'acme-widget', version: '1.2.0', type: 'widget' });
});

test('toolset-sdk build explains why a detector that uses Node APIs cannot be bundled', async (t) => {
  const { dir, cleanup } = await tempDir('nodeapi');
  t.teardown(cleanup);
  const { writeFile } = await import('node:fs/promises');
  const entry = path.join(dir, 'bad.mjs');
  await writeFile(entry, "import fs from 'node:fs';\nimport { defineDetector } from '@kubernaut/toolset-sdk';\nexport default defineDetector({ name: 'bad', version: '1.0.0', description: 'x', type: 'x', detect() { return fs ? null : null; } });\n");
  const err = await t.throwsAsync(run(bin('toolset-sdk'), ['build', entry, '--out', path.join(dir, 'bad.js')]));
  const e = err as Error & { code?: number; stderr?: string };
  t.is(e.code, 1);
  t.regex(e.stderr ?? '', /cannot bundle .*bad\.mjs/);
  t.regex(e.stderr ?? '', /plugins run in a sandbox without Node\.js/);
});

test('toolset-sdk build refuses a definition with an invalid name at build time, naming the problem', async (t) => {
  const { dir, cleanup } = await tempDir('badname');
  t.teardown(cleanup);
  const { writeFile } = await import('node:fs/promises');
  const entry = path.join(dir, 'badname.mjs');
  await writeFile(entry, "import { defineDetector } from '@kubernaut/toolset-sdk';\nexport default defineDetector({ name: 'Bad_Name', version: '1.0', description: 'x', type: 'x', detect() { return null; } });\n");
  const err = await t.throwsAsync(run(bin('toolset-sdk'), ['build', entry, '--out', path.join(dir, 'b.js')]));
  const stderr = (err as { stderr?: string }).stderr ?? '';
  t.regex(stderr, /does not load in the sandbox/);
  t.regex(stderr, /name must be a lower-case DNS label/);
  t.regex(stderr, /version must be a semantic version/);
});

test('a minimal detector that answers every Service (no evidence, an empty toolsets()) builds and runs', async (t) => {
  const { dir, cleanup } = await tempDir('literal');
  t.teardown(cleanup);
  const { writeFile } = await import('node:fs/promises');
  const entry = path.join(dir, 'literal.mjs');
  await writeFile(
    entry,
    `import { defineDetector } from '@kubernaut/toolset-sdk';
export default defineDetector({
  name: 'acme-widget', version: '1.2.0', description: 'Detects ACME widget servers',
  type: 'widget',                       // the service type it reports
  detect(service, ctx) {                // service: plain Kubernetes Service JSON (metadata + spec)
    // return null for "not mine", or a detection:
    return { port: 'http' /* name or number */, scheme: 'http', path: '/api', health: { path: '/healthz' } };
  },
  toolsets(found, ctx) { /* optional: HolmesGPT toolset entries for this service */ },
});
`,
  );
  const widget = await loadDetector(entry);
  t.teardown(() => widget.dispose());
  const results = await widget.detect(path.join(example, 'test/fixtures.yaml'));
  t.deepEqual(
    results.map((r) => [r.name, r.outcome, r.healthPath ?? null]),
    [
      ['shop-acme-widget', 'detected', '/healthz'],
      ['shop-acme-widget-headless', 'detected', '/healthz'],
      ['storefront', 'detected', '/healthz'],
    ],
  );
  t.is(await widget.toolsets(results[0]!), null, 'a toolsets() that returns nothing yields no entries');
});
