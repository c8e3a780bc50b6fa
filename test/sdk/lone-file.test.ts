// A plugin author's single file builds anywhere: the README's example detector, saved alone in an empty folder
// outside the repository (no package.json, no node_modules), builds with the checkout's `toolset-sdk build`, tests
// with `toolset-sdk test`, and runs in `dynamic-toolset detect --plugins-dir`. The example is read from the README,
// so this fails when the documented example stops building. An entry folder with its own installed SDK keeps it.
import test from 'ava';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readManifestBanner, SDK_API_VERSION } from '@kubernaut/toolset-sdk';
import { repoRoot } from '../helpers/bundles.js';

const run = promisify(execFile);
const bin = (name: string) => path.join(repoRoot, 'node_modules/.bin', name);
const fixtures = path.join(repoRoot, 'sdk/examples/acme-widget/test/fixtures.yaml');

/** The first ```js block of the README's "Writing a plugin" section: the example detector as documented. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Writing a plugin\n'));
  const block = section?.match(/^```js\n([\s\S]*?)^```$/m)?.[1];
  if (block === undefined) throw new Error('README.md: no ```js example in the "Writing a plugin" section');
  return block;
}

async function sdkVersion(): Promise<string> {
  return (JSON.parse(await readFile(path.join(repoRoot, 'sdk/package.json'), 'utf8')) as { version: string }).version;
}

/** An empty folder outside the repository, so nothing up its tree provides @kubernaut/toolset-sdk. */
async function emptyFolder(t: import('ava').ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.true(path.relative(repoRoot, dir).startsWith('..'), `${dir} must lie outside ${repoRoot}`);
  return dir;
}

test("the README's example detector, saved alone in an empty folder, builds with the checkout's SDK, tests, and runs in detect", async (t) => {
  t.timeout(90_000);
  const dir = await emptyFolder(t, 'lone-detector-');
  await writeFile(path.join(dir, 'my-detector.js'), await readmeExample());

  const built = await run(bin('toolset-sdk'), ['build', 'my-detector.js', '--out', 'x.js'], { cwd: dir });
  const version = await sdkVersion();
  t.regex(built.stdout, new RegExp(`built acme-widget@1\\.2\\.0 \\(type widget, SDK API ${SDK_API_VERSION}\\) → x\\.js`));
  t.regex(built.stdout, /bundled @kubernaut\/toolset-sdk@\S+ \(the building SDK's own/);
  const code = await readFile(path.join(dir, 'x.js'), 'utf8');
  t.deepEqual(readManifestBanner(code)?.sdk, { builtWith: version, bundled: version, from: 'builder' });
  t.false(/\bimport\b|\brequire\(/.test(code.split('\n').slice(1).join('\n')), 'no imports left in the bundle');

  // `toolset-sdk test` bundles the same lone file through the same fallback.
  await copyFile(fixtures, path.join(dir, 'fixtures.yaml'));
  await writeFile(
    path.join(dir, 'expected.yaml'),
    [
      '- {namespace: shop, name: shop-acme-widget, detected: true, endpoint: "http://shop-acme-widget.shop.svc.cluster.local:8080/api"}',
      '- {namespace: shop, name: shop-acme-widget-headless, detected: false}',
      '- {namespace: shop, name: storefront, detected: false}',
      '',
    ].join('\n'),
  );
  const tested = await run(bin('toolset-sdk'), ['test', 'my-detector.js', '--fixtures', 'fixtures.yaml', '--expect', 'expected.yaml'], { cwd: dir });
  t.regex(tested.stdout, /ok: 3 fixture Service\(s\) as expected \(acme-widget@1\.2\.0, in the sandbox\)/);

  const plugins = path.join(dir, 'plugins');
  await mkdir(plugins);
  await copyFile(path.join(dir, 'x.js'), path.join(plugins, 'acme-widget.js'));
  const detected = await run(bin('dynamic-toolset'), ['detect', '--manifests', 'fixtures.yaml', '--plugins-dir', plugins], { cwd: dir });
  t.deepEqual(JSON.parse(detected.stdout), [
    { namespace: 'shop', name: 'shop-acme-widget', type: 'widget', detector: 'acme-widget', endpoint: 'http://shop-acme-widget.shop.svc.cluster.local:8080/api' },
  ]);
});

test('an entry folder with its own installed @kubernaut/toolset-sdk keeps using it, and the banner says so', async (t) => {
  t.timeout(60_000);
  const dir = await emptyFolder(t, 'own-sdk-detector-');
  // A copy of this SDK's runtime under another version, installed next to the entry as npm would.
  const own = path.join(dir, 'node_modules/@kubernaut/toolset-sdk');
  await mkdir(own, { recursive: true });
  await writeFile(
    path.join(own, 'package.json'),
    JSON.stringify({ name: '@kubernaut/toolset-sdk', version: '0.0.1-own', type: 'module', exports: { '.': './index.js' } }),
  );
  await copyFile(path.join(repoRoot, 'sdk/dist/index.js'), path.join(own, 'index.js'));
  await writeFile(path.join(dir, 'my-detector.js'), await readmeExample());

  const built = await run(bin('toolset-sdk'), ['build', 'my-detector.js', '--out', 'x.js'], { cwd: dir });
  t.regex(built.stdout, /bundled @kubernaut\/toolset-sdk@0\.0\.1-own \(installed next to the entry\)/);
  const code = await readFile(path.join(dir, 'x.js'), 'utf8');
  t.deepEqual(readManifestBanner(code)?.sdk, { builtWith: await sdkVersion(), bundled: '0.0.1-own', from: 'entry' });
  // esbuild names each bundled module by its path: the entry's copy, not the checkout's sdk/dist.
  t.regex(code, /\/\/ node_modules\/@kubernaut\/toolset-sdk\/index\.js/);
  t.notRegex(code, /sdk\/dist\/index\.js/);
});

test('a lone file that imports a package neither its folder nor the SDK has still fails with the reason', async (t) => {
  const dir = await emptyFolder(t, 'lone-missing-');
  await writeFile(
    path.join(dir, 'my-detector.js'),
    "import { defineDetector } from '@kubernaut/toolset-sdk';\nimport leftPad from 'left-pad-not-installed';\nexport default defineDetector({ name: 'x', version: '1.0.0', description: 'x', type: 'x', detect(s) { return leftPad ? null : null; } });\n",
  );
  const err = await t.throwsAsync(run(bin('toolset-sdk'), ['build', 'my-detector.js', '--out', 'x.js'], { cwd: dir }));
  const e = err as Error & { code?: number; stderr?: string };
  t.is(e.code, 1);
  t.regex(e.stderr ?? '', /Could not resolve "left-pad-not-installed"/);
  t.notRegex(e.stderr ?? '', /Could not resolve "@kubernaut\/toolset-sdk"/);
});
