#!/usr/bin/env node
// Runs ava with TAP output, passes it through, and ends with the line CI reads: `N passed, M failed`.
// Skipped tests (e.g. the real-cluster suite without E2E_KUBECONFIG) are counted and named, never hidden.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const args = ['ava', '--tap', ...process.argv.slice(2)];
const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
let passed = 0;
let failed = 0;
let skipped = 0;
let todo = 0;
const rl = createInterface({ input: child.stdout });
rl.on('line', (line) => {
  process.stdout.write(`${line}\n`);
  if (/^not ok \d+/.test(line)) {
    if (/# TODO/i.test(line)) todo += 1;
    else failed += 1;
  } else if (/^ok \d+/.test(line)) {
    if (/# SKIP/i.test(line)) skipped += 1;
    else if (/# TODO/i.test(line)) todo += 1;
    else passed += 1;
  }
});
child.on('close', (code, signal) => {
  // A crash of the runner itself must not read as green.
  if ((code !== 0 || signal) && failed === 0) failed = 1;
  const extra = skipped > 0 ? `, ${skipped} skipped` : '';
  process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${extra}\n`);
  process.exit(code ?? 1);
});
