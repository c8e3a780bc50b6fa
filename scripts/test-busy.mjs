#!/usr/bin/env node
// Runs the suite (`npm test`, or the command after `--`) with two CPU-bound busy loops beside it —
// the same load as `for i in 1 2; do sh -c 'while :; do :; done' & done` — so a test that measures
// the clock instead of waiting on a condition fails here, not on a loaded developer machine.
// The loops die with the suite (normal end, failure, Ctrl-C, SIGTERM); the exit code is the suite's,
// and the suite's own last line (`tests: N passed, M failed`) stays the last line printed.
//
//   npm run test:busy                      # npm test with two busy loops
//   npm run test:busy -- npx ava test/emulator   # any command with the same load
//   BUSY_LOOPS=3 npm run test:busy         # more (or 0: none) loops
import { spawn } from 'node:child_process';

const given = process.argv.slice(process.argv[2] === '--' ? 3 : 2);
const [cmd, ...args] = given.length > 0 ? given : ['npm', 'test'];
const loops = Number.parseInt(process.env.BUSY_LOOPS ?? '2', 10);
if (!Number.isInteger(loops) || loops < 0) {
  process.stderr.write(`test-busy: BUSY_LOOPS must be a non-negative integer, got ${process.env.BUSY_LOOPS}\n`);
  process.exit(2);
}

// Each loop is its own process group leader (detached) so it can be killed by its id alone,
// whatever happens to this process's group; stdio ignored so it cannot hold the terminal.
const busy = [];
for (let i = 0; i < loops; i++) {
  const p = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore', detached: true });
  p.on('error', (e) => process.stderr.write(`test-busy: busy loop failed to start: ${e.message}\n`));
  busy.push(p);
}

function stopBusy() {
  for (const p of busy) {
    if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) continue;
    try {
      process.kill(-p.pid, 'SIGKILL'); // the loop's own group: sh and nothing else
    } catch {
      try {
        p.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
// Last resort: whatever path leads out of this process, the loops go with it.
process.on('exit', stopBusy);

const suite = spawn(cmd, args, { stdio: 'inherit', env: process.env });
suite.on('error', (e) => {
  process.stderr.write(`test-busy: could not run ${cmd}: ${e.message}\n`);
  stopBusy();
  process.exit(127);
});

// Ctrl-C reaches the suite directly (same foreground group); pass on signals sent to this process
// alone, and stay alive until the suite has ended so its summary is still printed.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    stopBusy();
    if (suite.exitCode === null && suite.signalCode === null) suite.kill(sig);
  });
}

suite.on('close', (code, signal) => {
  stopBusy();
  if (signal) {
    // Re-raise so the caller sees the same death (e.g. 130 for Ctrl-C in a shell).
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
