#!/usr/bin/env node
// Checks that core/src imports follow the data flow the daemon promises (README, "Architecture"):
//
//   discovery → detection (sandbox, plugins) → model → health → toolsets → reconcile
//
// A module may import its own stage, any stage upstream of it, and the shared foundations; it never imports a
// stage downstream of it (a producer may be *handed* a sink, it does not import its consumer). The composition
// roots (daemon.ts, cli.ts, demo.ts, commands/, http/, metrics/) sit above the flow and may import any stage.
// Type-only imports count too: a type from downstream is still knowledge of the consumer.
//
// Usage: node scripts/check-imports.mjs        (prints each violation, exits 1 if there is one)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SRC = path.join(root, 'core', 'src');

/**
 * Rank of each area: a module may import areas whose rank is lower or equal to its own, never higher.
 * Within the detection stage the machinery is ordered too: the sandbox knows nothing of plugins' registry or of
 * detection, the registry knows the sandbox, detection knows both.
 */
export const RANKS = {
  // Foundations: no knowledge of the flow.
  'clock.ts': 0, 'log.ts': 0, 'paths.ts': 0, 'version.ts': 0, 'heap.ts': 0, cache: 0, queue: 0, kube: 0, leader: 0,
  // The flow.
  discovery: 10,
  config: 15, // a side input read by every later stage; its live source watches a ConfigMap through discovery
  sandbox: 20,
  plugins: 21,
  detection: 22,
  model: 30,
  health: 40,
  toolsets: 50,
  reconcile: 60,
  // Composition roots and read-only observers of every stage.
  metrics: 90, http: 90, commands: 90, 'daemon.ts': 90, 'demo.ts': 90, 'cli.ts': 95,
  // The API emulator is test infrastructure that stands in for the API server: it must not know the daemon.
  emulator: -1,
};

/**
 * Stages after detection read what detection produced (the model); they never run plugins. So beyond the ranks,
 * model, health, toolsets and reconcile import nothing from the sandbox or the plugin registry.
 */
export const FORBIDDEN = {
  model: ['sandbox', 'plugins'],
  health: ['sandbox', 'plugins'],
  toolsets: ['sandbox', 'plugins'],
  reconcile: ['sandbox', 'plugins'],
};

/** The area a core/src-relative path belongs to: its first folder, or the file itself at the top level. */
export function areaOf(rel) {
  const first = rel.split('/')[0];
  return first;
}

/** Relative import specifiers of a source text (static, re-export and dynamic imports). */
export function importsOf(text) {
  const out = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^\s*import\s*['"](\.[^'"]+)['"]/gm;
  for (let m; (m = re.exec(text)); ) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

function walk(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) files.push(...walk(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) files.push(p);
  }
  return files;
}

/** Every import that runs against the flow, as `from → to (areas)` lines. */
export function violations(srcDir = SRC) {
  const found = [];
  for (const file of walk(srcDir)) {
    const rel = path.relative(srcDir, file).split(path.sep).join('/');
    const from = areaOf(rel);
    const fromRank = RANKS[from];
    if (fromRank === undefined) {
      found.push(`${rel}: area "${from}" has no rank in scripts/check-imports.mjs; give it one`);
      continue;
    }
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = path.relative(srcDir, path.resolve(path.dirname(file), spec)).split(path.sep).join('/').replace(/\.js$/, '.ts');
      if (target.startsWith('..')) continue; // outside core/src (none today)
      const to = areaOf(target);
      if (to === from) continue;
      const toRank = RANKS[to];
      if (toRank === undefined) {
        found.push(`${rel} imports ${spec}: area "${to}" has no rank`);
      } else if (fromRank === -1 || toRank === -1) {
        // The emulator is self-contained; nothing of the daemon imports it but the composition roots.
        if (fromRank === -1 && toRank !== 0) found.push(`${rel} imports ${spec}: the emulator must not know the daemon (${to})`);
        if (toRank === -1 && fromRank < 90) found.push(`${rel} imports ${spec}: only composition roots may use the emulator`);
      } else if (FORBIDDEN[from]?.includes(to)) {
        found.push(`${rel} imports ${spec}: ${from} only reads the model; it must not reach into ${to}`);
      } else if (toRank > fromRank) {
        found.push(`${rel} imports ${spec}: ${from} must not import ${to}, which is downstream of it`);
      }
    }
  }
  return found.sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = violations();
  for (const v of found) process.stdout.write(`${v}\n`);
  process.stdout.write(found.length === 0 ? 'imports follow the data flow\n' : `${found.length} import(s) run against the data flow\n`);
  process.exit(found.length === 0 ? 0 : 1);
}
