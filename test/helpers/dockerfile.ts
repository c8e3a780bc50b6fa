// The repository's Dockerfile, read as instructions per stage: the deploy tests check it, and the bench launches the
// daemon the way its runtime stage does (same node flags, same environment), so what the bench measures is what ships.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Instruction {
  op: string;
  args: string;
  stage: number;
}

export interface Dockerfile {
  instructions: Instruction[];
  stages: Array<{ from: string; name?: string }>;
}

export function readDockerfile(file = path.join(repoRoot, 'Dockerfile')): Dockerfile {
  const text = readFileSync(file, 'utf8').replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  const stages: Array<{ from: string; name?: string }> = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(trimmed);
    if (!m) throw new Error(`${file}: cannot read the instruction "${trimmed}"`);
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(m[2]!);
      if (!f) throw new Error(`${file}: cannot read "FROM ${m[2]}"`);
      stages.push({ from: f[1]!, ...(f[2] ? { name: f[2] } : {}) });
    }
    instructions.push({ op, args: m[2]!, stage: stages.length - 1 });
  }
  return { instructions, stages };
}

/** `ENV` arguments in the `KEY=value …` form (values optionally double-quoted); the legacy `ENV KEY value` too. */
export function envOfInstruction(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const m = /^(\S+)\s+(.*)$/.exec(args);
    if (m) out[m[1]!] = m[2]!;
    return out;
  }
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const v = m[2]!;
    out[m[1]!] = v.startsWith('"') ? (JSON.parse(v) as string) : v;
  }
  return out;
}

/** How the image starts the daemon: node's flags from the ENTRYPOINT and the environment its runtime stage sets. */
export interface Launch {
  nodeFlags: string[];
  env: Record<string, string>;
}

export function shippedLaunch(docker: Dockerfile = readDockerfile()): Launch {
  const last = docker.stages.length - 1;
  const runtime = docker.instructions.filter((i) => i.stage === last);
  const entry = runtime.filter((i) => i.op === 'ENTRYPOINT').at(-1);
  if (!entry) throw new Error('Dockerfile: the runtime stage has no ENTRYPOINT');
  const argv = JSON.parse(entry.args) as string[];
  if (argv[0] !== 'node') throw new Error(`Dockerfile: the ENTRYPOINT runs ${argv[0]}, not node`);
  const nodeFlags = argv.slice(1).filter((a) => a.startsWith('--'));
  const env: Record<string, string> = {};
  for (const i of runtime) if (i.op === 'ENV') Object.assign(env, envOfInstruction(i.args));
  return { nodeFlags, env };
}
