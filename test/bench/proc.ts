// Child processes for the benchmarks (the emulator and the daemon each in their own process), speaking JSON lines
// on stdout. Every child started here is killed when the bench exits, whatever the reason; children also stop by
// themselves when their stdin closes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export type Line = Record<string, unknown>;

export class JsonChild {
  private readonly buffered: Line[] = [];
  private readonly waiters: Array<{ match: (l: Line) => boolean; resolve: (l: Line) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];
  private stderr = '';
  private exitCode: number | null | undefined;
  readonly exited: Promise<void>;
  readonly startedAt = process.hrtime.bigint();

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    live.add(proc);
    createInterface({ input: proc.stdout! }).on('line', (text) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        return; // not ours (a stray console.log); ignored
      }
      const i = this.waiters.findIndex((w) => w.match(line));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        clearTimeout(w!.timer);
        w!.resolve(line);
      } else {
        this.buffered.push(line);
        if (this.buffered.length > 1000) this.buffered.shift();
      }
    });
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8000);
    });
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        this.exitCode = code ?? (signal ? -1 : null);
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error(`${this.name} exited (${signal ?? code}) while waiting:\n${this.stderrTail()}`));
        }
        resolve();
      });
    });
    proc.stdin!.on('error', () => undefined); // EPIPE after the child went away
  }

  stderrTail(): string {
    return this.stderr.split('\n').slice(-30).join('\n');
  }

  /** The first line (already received or future) matching, within `timeoutMs`. */
  next(match: (l: Line) => boolean, timeoutMs: number, what = 'a reply'): Promise<Line> {
    const i = this.buffered.findIndex(match);
    if (i >= 0) return Promise.resolve(this.buffered.splice(i, 1)[0]!);
    if (this.exitCode !== undefined) return Promise.reject(new Error(`${this.name} is not running:\n${this.stderrTail()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const k = this.waiters.findIndex((w) => w.timer === timer);
        if (k >= 0) this.waiters.splice(k, 1);
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms\n${this.stderrTail()}`));
      }, timeoutMs);
      this.waiters.push({ match, resolve, reject, timer });
    });
  }

  /** Drops already received lines that match (stale events). */
  discard(match: (l: Line) => boolean): void {
    for (let i = this.buffered.length - 1; i >= 0; i--) if (match(this.buffered[i]!)) this.buffered.splice(i, 1);
  }

  /** Sends a command line and waits for the reply carrying `reply: <command>`. */
  async request(command: string, timeoutMs: number): Promise<Line> {
    const reply = this.next((l) => l.reply === command, timeoutMs, `reply to "${command}"`);
    this.proc.stdin!.write(`${command}\n`);
    const line = await reply;
    if (typeof line.error === 'string') throw new Error(`${this.name} ${command}: ${line.error}`);
    return line;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts a TypeScript entry point of this repository the way `npm run bench` runs TypeScript. */
export function spawnTs(name: string, script: string, args: string[], nodeArgs: string[] = []): JsonChild {
  const proc = spawn(process.execPath, ['--no-node-snapshot', '--conditions=development', '--import=tsx', ...nodeArgs, path.join(repoRoot, script), ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new JsonChild(name, proc);
}

/** Stops every child given, in parallel, ignoring those already gone. */
export async function stopAll(...children: Array<JsonChild | undefined>): Promise<void> {
  await Promise.all(children.map((c) => c?.stop().catch(() => undefined)));
}
