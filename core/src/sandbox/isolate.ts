// One plugin, one V8 isolate: create with a memory limit, run the harness, compile and run the bundle with a
// time limit, then serve calls through the harness entry point. Disposal happens exactly once.
import ivm from 'isolated-vm';
import { HARNESS_ENTRY, HARNESS_SOURCE, HOST_SIBLINGS } from './harness.js';

/** How a call into a plugin can fail; also the `error_type` label of the detector error metric. */
export type FailureKind = 'timeout' | 'memory' | 'thrown' | 'bad-result' | 'crashed' | 'load';

export class SandboxError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

/** Returns the JSON text of all Services in a namespace, as ServiceViews. */
export type SiblingSource = (namespace: string) => string;

const noSiblings: SiblingSource = () => '[]';

export interface IsolateOptions {
  /** V8 heap limit of the isolate, in MiB (isolated-vm's minimum is 8). */
  memoryLimitMb: number;
  /** Time limit for evaluating the bundle's top-level code. */
  loadTimeoutMs: number;
  /** Shown in stack traces and syntax errors. */
  filename: string;
  /** Told when V8 loses control of the isolate; the plugin is then unusable. */
  onCatastrophicError?: (message: string) => void;
}

export class PluginIsolate {
  private siblings: SiblingSource = noSiblings;
  private queue: Promise<unknown> = Promise.resolve();
  private crashed: string | undefined;

  private constructor(
    private readonly isolate: ivm.Isolate,
    private readonly context: ivm.Context,
    private readonly entry: ivm.Reference<(op: string, payload?: string) => string>,
  ) {}

  /** Creates the isolate and evaluates `code` in it. Throws SandboxError('load') with the reason on any failure. */
  static async create(code: string, options: IsolateOptions): Promise<PluginIsolate> {
    let crashedWith: string | undefined;
    const isolate = new ivm.Isolate({
      memoryLimit: Math.max(8, Math.floor(options.memoryLimitMb)),
      onCatastrophicError: (message) => {
        crashedWith = message;
        options.onCatastrophicError?.(message);
      },
    });
    try {
      const context = await isolate.createContext();
      let self: PluginIsolate | undefined;
      // The isolate may ask for a namespace's Services while a detect call runs; arguments arrive as copies.
      await context.global.set(
        HOST_SIBLINGS,
        new ivm.Callback((namespace: unknown) => (typeof namespace === 'string' && self ? self.siblings(namespace) : '[]')),
      );
      await context.eval(HARNESS_SOURCE, { timeout: 1000, filename: 'dynamic-toolset:harness' });
      const entry = (await context.global.get(HARNESS_ENTRY, { reference: true })) as ivm.Reference<(op: string, payload?: string) => string>;
      await context.global.delete(HARNESS_ENTRY);
      let script: ivm.Script;
      try {
        script = await isolate.compileScript(code, { filename: options.filename });
      } catch (err) {
        throw new SandboxError('load', `cannot compile bundle: ${messageOf(err)}`);
      }
      try {
        await script.run(context, { timeout: options.loadTimeoutMs });
      } catch (err) {
        throw new SandboxError('load', `bundle failed while loading: ${classify(err, isolate).message}`);
      } finally {
        script.release();
      }
      self = new PluginIsolate(isolate, context, entry);
      if (crashedWith !== undefined) self.crashed = crashedWith;
      return self;
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw err instanceof SandboxError ? err : new SandboxError('load', messageOf(err));
    }
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  /**
   * Calls a harness op. Calls are serialised per isolate, so the sibling source set for a call is the one its
   * plugin code sees. On a timeout `onTimeout` runs while the isolate is still held, to read back progress.
   */
  call(op: string, payload: string | undefined, timeoutMs: number, siblings?: SiblingSource, onTimeout?: () => Promise<void>): Promise<string> {
    const run = async (): Promise<string> => {
      if (this.crashed !== undefined) throw new SandboxError('crashed', `isolate crashed: ${this.crashed}`);
      if (this.isolate.isDisposed) throw new SandboxError('crashed', 'isolate was disposed');
      this.siblings = siblings ?? noSiblings;
      try {
        const args: [string, string?] = payload === undefined ? [op] : [op, payload];
        const out: unknown = await this.entry.apply(undefined, args, { timeout: timeoutMs, arguments: { copy: true }, result: { copy: true } });
        if (typeof out !== 'string') throw new SandboxError('bad-result', 'harness returned a non-string');
        return out;
      } catch (err) {
        const e = err instanceof SandboxError ? err : classify(err, this.isolate);
        if (e.kind === 'timeout' && onTimeout && !this.isolate.isDisposed) await onTimeout();
        throw e;
      } finally {
        this.siblings = noSiblings;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Calls a harness op directly, for use inside `onTimeout` (the caller already holds the isolate). */
  async callHeld(op: string, timeoutMs: number): Promise<string> {
    try {
      return (await this.entry.apply(undefined, [op], { timeout: timeoutMs, result: { copy: true } })) as string;
    } catch (err) {
      throw classify(err, this.isolate);
    }
  }

  /** V8 heap in use by this isolate, in bytes (0 once disposed). */
  async heapUsed(): Promise<number> {
    if (this.isolate.isDisposed) return 0;
    try {
      const s = await this.isolate.getHeapStatistics();
      return s.used_heap_size + s.externally_allocated_size;
    } catch {
      return 0;
    }
  }

  /** CPU time the isolate has used, in nanoseconds. */
  get cpuTimeNs(): bigint {
    return this.isolate.isDisposed ? 0n : this.isolate.cpuTime;
  }

  /** Idempotent: disposing twice (e.g. after a memory-limit kill) would throw and can crash the process. */
  dispose(): void {
    try {
      this.entry.release();
    } catch {
      /* already gone with the isolate */
    }
    if (!this.isolate.isDisposed) {
      try {
        this.context.release();
        this.isolate.dispose();
      } catch {
        /* a racing memory-limit disposal */
      }
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Sorts a failed isolate call into a FailureKind. */
function classify(err: unknown, isolate: ivm.Isolate): SandboxError {
  const message = messageOf(err);
  if (isolate.isDisposed || /memory limit/i.test(message)) {
    return new SandboxError('memory', 'exceeded its memory limit and was stopped');
  }
  if (/timed out/i.test(message)) return new SandboxError('timeout', 'exceeded its time limit and was stopped');
  return new SandboxError('thrown', message.slice(0, 500));
}
