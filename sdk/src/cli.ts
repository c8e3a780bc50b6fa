// toolset-sdk: the plugin author's command line.
// Exit codes: 0 success, 1 the work failed (build error, failing test), 2 wrong usage.
import { Command, CommanderError } from 'commander';
import { BuildError, buildPlugin } from './build.js';

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

  return program;
}

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
    if (err instanceof BuildError) {
      process.stderr.write(`toolset-sdk: ${err.message}\n`);
      return EXIT.failed;
    }
    process.stderr.write(`toolset-sdk: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
