// toolset-sdk: the plugin author's command line.
// Exit codes: 0 success, 1 the work failed (build error, failing test), 2 wrong usage.
import { Command, CommanderError } from 'commander';
import { BuildError, buildPlugin } from './build.js';
import { compare, readExpectations } from './fixture-check.js';
import { scaffold, ScaffoldError } from './scaffold.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function makeProgram(): Command {
  const program = new Command('toolset-sdk')
    .description('Write, build and test detector plugins for dynamic-toolset.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('build')
    .description('Bundle a detector into one self-contained .js file the daemon can load, and check it loads in the sandbox.')
    .argument('<entry>', 'the detector source (JS or TS) whose default export is defineDetector({...})')
    .requiredOption('-o, --out <file.js>', 'where to write the bundle')
    .option('--minify', 'minify the bundle (default: readable, for audits)', false)
    .option('--skip-verify', 'do not load the bundle into the sandbox after building', false)
    .action(async (entry: string, opts: { out: string; minify: boolean; skipVerify: boolean }) => {
      await buildPlugin({ entry, out: opts.out, minify: opts.minify, skipVerify: opts.skipVerify });
    });

  program
    .command('init')
    .description('Create a detector project (source, fixture, expectations, build and test scripts) that uses this SDK.')
    .argument('<dir>', 'the project directory (created; must be empty)')
    .option('--name <name>', 'plugin name (default: the directory name)')
    .option('--type <type>', 'the service type it reports (default: the name)')
    .action(async (dir: string, opts: { name?: string; type?: string }) => {
      const written = await scaffold(dir, opts);
      process.stdout.write(`created ${dir}: ${written.join(', ')}\nnext: cd ${dir} && npm install && npm test && npm run build\n`);
    });

  program
    .command('test')
    .description("Run a detector over fixture Services inside the daemon's sandbox; with --expect, check the answers (exit 1 on any mismatch).")
    .argument('<entry>', 'the detector source, or a built bundle')
    .requiredOption('--fixtures <file|dir>', 'Service manifests (YAML/JSON, a v1 List, or a directory of them)')
    .option('--expect <file>', 'expected results: a YAML list of {namespace, name, detected, endpoint?, type?}')
    .option('--config <json>', "the plugin's config as JSON (what detectors.<name>.plugin.config would give it)")
    .action(async (entry: string, opts: { fixtures: string; expect?: string; config?: string }) => {
      let config: Record<string, unknown> | undefined;
      if (opts.config !== undefined) {
        try {
          config = JSON.parse(opts.config) as Record<string, unknown>;
        } catch (err) {
          throw new UsageError(`--config must be JSON: ${(err as Error).message}`);
        }
      }
      const { loadDetector } = await import('./testing.js');
      const detector = await loadDetector(entry, config ? { config } : {});
      try {
        const results = await detector.detect(opts.fixtures);
        for (const r of results) {
          const what = r.outcome === 'detected' ? `${r.type} ${r.endpoint}` : `${r.outcome}${r.reason ? `: ${r.reason}` : ''}`;
          process.stdout.write(`${r.namespace}/${r.name}: ${what}\n`);
        }
        if (opts.expect) {
          const problems = compare(results, await readExpectations(opts.expect));
          if (problems.length > 0) throw new TestFailure(`${problems.length} expectation(s) failed:\n  ${problems.join('\n  ')}`);
          process.stdout.write(`ok: ${results.length} fixture Service(s) as expected (${detector.manifest.name}@${detector.manifest.version}, in the sandbox)\n`);
        }
      } finally {
        await detector.dispose();
      }
    });

  return program;
}

class UsageError extends Error {}
class TestFailure extends Error {}

export async function main(argv: readonly string[]): Promise<number> {
  const program = makeProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`toolset-sdk: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof BuildError || err instanceof ScaffoldError || err instanceof TestFailure) {
      process.stderr.write(`toolset-sdk: ${err.message}\n`);
      return EXIT.failed;
    }
    process.stderr.write(`toolset-sdk: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
