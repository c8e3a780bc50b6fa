// The data flow the README promises, held by the suite: discovery → detection (sandbox, plugins) → model → health →
// toolsets → reconcile; no module imports one downstream of it, and the stages after detection never reach into
// the sandbox or the plugin registry.
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain .mjs script without types
import { violations } from '../../scripts/check-imports.mjs';

const check = violations as (srcDir?: string) => string[];

test('core/src imports follow the data flow', (t) => {
  t.deepEqual(check(), []);
});

test('the check sees an import against the flow, a type-only one too, and reconcile reaching into the sandbox', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'imports-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const d of ['model', 'detection', 'reconcile', 'sandbox']) mkdirSync(path.join(dir, d));
  writeFileSync(path.join(dir, 'model', 'store.ts'), "export const x = 1;\n");
  writeFileSync(path.join(dir, 'sandbox', 'plugin.ts'), "export class P {}\n");
  writeFileSync(path.join(dir, 'detection', 'controller.ts'), "import type { x } from '../model/store.js';\nexport const y = 2;\n");
  writeFileSync(path.join(dir, 'reconcile', 'desired.ts'), "import { P } from '../sandbox/plugin.js';\nimport { x } from '../model/store.js';\n");
  const found = check(dir);
  t.is(found.length, 2, found.join('\n'));
  t.true(found.some((v) => v.startsWith('detection/controller.ts') && v.includes('downstream')));
  t.true(found.some((v) => v.startsWith('reconcile/desired.ts') && v.includes('sandbox')));
});
