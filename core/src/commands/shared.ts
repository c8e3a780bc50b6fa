// What every command shares: exit codes, option definitions backed by DYNAMIC_TOOLSET_* env vars, output.
import { Option } from 'commander';
import { stringify } from 'yaml';
import { connect, NoClusterError } from '../kube/connect.js';
import type { Connection } from '../kube/connect.js';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The command ran and found a problem (invalid config, bundle that does not load, unreadable input). */
  failed: 1,
  /** Wrong usage (unknown flag, missing argument). */
  usage: 2,
} as const;

/** A failure the command already explained; main prints the message and exits with `code`. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** `--flag-name` ↔ `DYNAMIC_TOOLSET_FLAG_NAME`, one rule for every flag. */
export function envName(flag: string): string {
  return `DYNAMIC_TOOLSET_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

export function envOption(flags: string, description: string): Option {
  const long = flags.split(/[ ,|]+/).find((f) => f.startsWith('--'))!;
  return new Option(flags, description).env(envName(long));
}

export const DEFAULT_CONFIG_FILE = 'config/detector-config.yaml';
export const DEFAULT_PLUGINS_DIR = '/plugins';

export const configOption = () => envOption('--config <file>', 'detector config file').default(DEFAULT_CONFIG_FILE);
export const pluginsDirOption = () => envOption('--plugins-dir <dir>', 'directory of external plugin bundles').default(DEFAULT_PLUGINS_DIR);
export const outputOption = () => envOption('-o, --output <format>', 'output format').choices(['json', 'yaml']).default('json');

export function printData(data: unknown, format: string): void {
  process.stdout.write(format === 'yaml' ? stringify(data, { sortMapEntries: false }) : `${JSON.stringify(data, null, 2)}\n`);
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `<namespace>/<name>` from a flag value; a CommandError naming the flag otherwise. */
export function parseRef(text: string, flag: string): { namespace: string; name: string } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(text);
  if (!m) throw new CommandError(`${flag} must be "<namespace>/<name>", got "${text}"`, EXIT.usage);
  return { namespace: m[1]!, name: m[3]! };
}

/** The cluster connection for a command; "no cluster" becomes a CommandError with its explanation. */
export function connectOrFail(kubeconfig: string | undefined): Connection {
  try {
    return connect(kubeconfig);
  } catch (err) {
    if (err instanceof NoClusterError) throw new CommandError(err.message);
    throw err;
  }
}
