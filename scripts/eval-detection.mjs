#!/usr/bin/env node
// Scores the built-in detectors on fixture dumps: precision, recall, F1 and URL accuracy against expected.yaml.
// Runs the same code as `dynamic-toolset detect --manifests` (core/src/detection/{manifests,offline}.ts) over the
// built bundles in plugins/dist, so run `npm run build --silent` after changing a detector.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HELP = `usage: node scripts/eval-detection.mjs [--services-only] [--json] [--verbose] [dir...]

Runs the built-in detector set over each dump in each dir (default: test/fixtures/evidence, operators, heldout and charts)
and prints precision, recall, F1 and URL accuracy against the dir's expected.yaml. A detection is right when an
expected Service is detected with the expected type; its URL counts when the endpoint equals the expected one (URL
accuracy = right URLs / right detections).
  --services-only  drop Pods and EndpointSlices: what Service metadata alone gives
  --json           print the scores as JSON
  --verbose        list every wrong, missing or extra detection`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// The detectors run in isolated-vm (needs --no-node-snapshot) and the evaluation is TypeScript (tsx).
if (!process.execArgv.includes('--no-node-snapshot')) {
  const r = spawnSync(process.execPath, ['--no-node-snapshot', '--conditions=development', '--import=tsx', fileURLToPath(import.meta.url), ...args], { stdio: 'inherit', cwd: root });
  process.exit(r.status ?? 1);
}

const { evaluate, readExpected } = await import(pathToFileURL(path.join(root, 'test/helpers/eval-detection.ts')).href);
const dirs = args.filter((a) => !a.startsWith('--'));
const servicesOnly = args.includes('--services-only');
const out = {};
for (const dir of dirs.length > 0 ? dirs : ['test/fixtures/evidence', 'test/fixtures/operators', 'test/fixtures/heldout', 'test/fixtures/charts']) {
  const abs = path.resolve(root, dir);
  const score = await evaluate(abs, servicesOnly);
  out[dir] = { precision: score.precision, recall: score.recall, f1: score.f1, url_accuracy: score.urlAccuracy };
  if (args.includes('--json')) continue;
  const f = (n) => n.toFixed(3);
  process.stdout.write(`${dir}${servicesOnly ? ' (services only)' : ''}: precision ${f(score.precision)}  recall ${f(score.recall)}  F1 ${f(score.f1)}  URL accuracy ${f(score.urlAccuracy)}\n`);
  if (!args.includes('--verbose')) continue;
  const expected = readExpected(abs);
  for (const s of score.files) {
    const want = new Map((expected[s.file] ?? []).map((e) => [`${e.namespace}/${e.name}`, e]));
    for (const g of s.got) {
      const e = want.get(`${g.namespace}/${g.name}`);
      if (e === undefined) process.stdout.write(`  ${s.file}: extra ${g.namespace}/${g.name} (${g.type} ${g.endpoint})\n`);
      else if (e.type !== g.type) process.stdout.write(`  ${s.file}: wrong type ${g.namespace}/${g.name}: ${g.type}, want ${e.type}\n`);
      else if (e.endpoint !== g.endpoint) process.stdout.write(`  ${s.file}: wrong URL ${g.namespace}/${g.name}: ${g.endpoint}, want ${e.endpoint}\n`);
      want.delete(`${g.namespace}/${g.name}`);
    }
    for (const e of want.values()) process.stdout.write(`  ${s.file}: missing ${e.namespace}/${e.name} (${e.type} ${e.endpoint})\n`);
  }
}
if (args.includes('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
