#!/usr/bin/env -S node --no-node-snapshot
// isolated-vm needs V8's startup snapshot off on Node >= 20, hence the flag in the line above.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('dynamic-toolset is not built: run "npm run build" at the repository root (npm ci does it too)\n');
  process.exit(70);
}
await import(cli.href);
