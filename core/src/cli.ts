// dynamic-toolset's command line. Each command lives in commands/; this file only assembles them and maps
// failures to exit codes (see commands/shared.ts: 0 ok, 1 failed, 2 usage).
import { Command, CommanderError } from 'commander';
import { registerConfigValidate } from './commands/config-validate.js';
import { registerDetect } from './commands/detect.js';
import { registerPluginsValidate } from './commands/plugins-validate.js';
import { registerServe } from './commands/serve.js';
import { registerDiscover } from './commands/discover.js';
import { registerToolsetsValidate } from './commands/toolsets-validate.js';
import { CommandError, EXIT } from './commands/shared.js';

export function makeProgram(): Command {
  const program = new Command('dynamic-toolset')
    .description('Discovers observability services in Kubernetes and keeps HolmesGPT toolset configuration right.')
    .showHelpAfterError()
    .exitOverride()
    .configureHelp({ showGlobalOptions: true });
  registerServe(program);
  registerDiscover(program);
  registerDetect(program);
  registerConfigValidate(program);
  registerPluginsValidate(program);
  registerToolsetsValidate(program);
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await makeProgram().parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CommandError) {
      process.stderr.write(`dynamic-toolset: ${err.message}\n`);
      return err.code;
    }
    process.stderr.write(`dynamic-toolset: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failed;
  }
}

process.exitCode = await main(process.argv.slice(2));
