#!/usr/bin/env -S node --no-node-snapshot
// The build verifies bundles in the daemon's sandbox (isolated-vm), which needs V8's startup snapshot off.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('toolset-sdk is not built: run "npm run build" at the repository root (npm ci does it too)\n');
  process.exit(70);
}
await import(cli.href);
