// `dynamic-toolset toolsets validate <file>`: would HolmesGPT 2026 load this custom_toolset.yaml (the daemon's
// own or a hand-written one), every toolset recognised and config-valid? Checked against the same model the
// daemon renders with (toolsets/holmes.ts, toolsets/check.ts); every problem is printed with its line and path.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { checkToolsetsDocument, formatPath } from '../toolsets/check.js';
import { overridesLine } from '../toolsets/overrides.js';
import { CommandError } from './shared.js';

export function registerToolsetsValidate(program: Command): void {
  const toolsets = program.command('toolsets').description('Work with HolmesGPT toolset files.');
  toolsets
    .command('validate')
    .description(
      'Check a HolmesGPT toolsets file (custom_toolset.yaml) against what HolmesGPT 2026 loads: entry and config keys, ' +
        'instances, custom (type: http) toolsets, MCP servers, no "." in keys. Print every problem with line and path. Exit 0 when it loads, 1 when not.',
    )
    .argument('<file>', 'the toolsets file (YAML), or - for stdin')
    .action(async (file: string) => {
      let text: string;
      try {
        text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
      } catch (err) {
        throw new CommandError(`${file}: cannot read: ${(err as Error).message}`);
      }
      const counter = new LineCounter();
      const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
      if (doc.errors.length > 0) {
        const lines = doc.errors.map((e) => `${file}:${counter.linePos(e.pos[0]).line}: invalid YAML: ${e.message.split('\n')[0]}`);
        throw new CommandError(`${file} does not parse (HolmesGPT would load no toolset at all):\n  ${lines.join('\n  ')}`);
      }
      const problems = checkToolsetsDocument(doc.toJS({ maxAliasCount: 100 }) as unknown);
      if (problems.length > 0) {
        const lines = problems
          .map((p) => ({ p, line: overridesLine(text, p.path) }))
          .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
          .map(({ p, line }) => `${file}${line !== undefined ? `:${line}` : ''}: ${formatPath(p.path) || '(root)'}: ${p.message}`);
        throw new CommandError(`${file} would not load as written in HolmesGPT (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`);
      }
      process.stdout.write(`${file} loads in HolmesGPT 2026\n`);
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
