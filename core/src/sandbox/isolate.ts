// One plugin, one V8 isolate: create with a memory limit, run the harness, load the bundle with a time limit,
// then serve calls through the harness entry point. Disposal happens exactly once.
import v8 from 'node:v8';
import ivm from 'isolated-vm';
import { HARNESS_SOURCE } from './harness.js';
import { HARNESS_DONE, HARNESS_ENTRY, HOST_ANSWER, HOST_SIBLINGS, MESSAGE_MAX, decodeOpReply } from './protocol.js';
import type { FailureKind, Op } from './protocol.js';

// Declared in protocol.ts; still offered here, where SandboxError always brought it.
export type { FailureKind } from './protocol.js';

export class SandboxError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

// V8 gives a context a `gc` function when this flag is on as the context is created; only contexts created from
// here on get one (the daemon's own context does not). The harness takes it away from plugin code and keeps it
// to collect after large batches (harness.ts): an isolate's young generation is about a megabyte, so a parsed
// batch ends up in the old generation, which V8 lets grow to half the memory limit before it looks at it.
v8.setFlagsFromString('--expose-gc');

/** Returns the JSON text of all Services in a namespace, as ServiceViews. */
export type SiblingSource = (namespace: string) => string;

const noSiblings: SiblingSource = () => '[]';

/**
 * Last line of defence: how long past its own timeout a call may stay unanswered before the host gives up on
 * the isolate. The harness keeps plugin code off isolated-vm's untimed paths (see harness.ts), so this should
 * never fire; if it does, the isolate is abandoned and the plugin quarantined instead of hanging every run.
 */
const RUNAWAY_GRACE_MS = 2000;
/** Time for reading a batch's progress after a timeout (harness code, plus any Promise callbacks left queued). */
const PROGRESS_TIMEOUT_MS = 1000;

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

type Args = [op: Op, payload: string | ivm.Copy<string> | null, delivered: boolean, sync: boolean];
type Entry = ivm.Reference<(...args: Args) => string>;

/**
 * An op's payload that several isolates read, serialised once. Large text crosses as one external copy that
 * every isolate reads in place (isolated-vm makes it an external string): no copy per plugin, on no thread.
 * `release` once every call that uses it has returned.
 */
export class SharedPayload {
  private external: ivm.ExternalCopy<string> | undefined;

  constructor(readonly text: string) {}

  /** @internal what `call` hands to isolated-vm */
  transferable(): string | ivm.Copy<string> {
    if (this.text.length < SHARED_MIN_CHARS) return this.text;
    this.external ??= new ivm.ExternalCopy(this.text);
    return this.external.copyInto();
  }

  release(): void {
    this.external?.release();
    this.external = undefined;
  }
}

/** Below this, a plain string copy is as cheap as sharing. */
const SHARED_MIN_CHARS = 4096;

export class PluginIsolate {
  private siblings: SiblingSource = noSiblings;
  private queue: Promise<unknown> = Promise.resolve();
  private crashed: string | undefined;
  /** The last call's answer arrived, so isolated-vm's list of unhandled rejections is empty (harness.ts, rule 2). */
  private delivered = true;
  /** The answer the harness handed over through HOST_ANSWER during the current op (harness.ts, rule 2). */
  private handed: string | undefined;

  private constructor(
    private readonly isolate: ivm.Isolate,
    private readonly context: ivm.Context,
    private readonly entry: Entry,
  ) {}

  /** Creates the isolate and evaluates `code` in it. Throws SandboxError('load') with the reason on any failure. */
  static async create(code: string, options: IsolateOptions): Promise<PluginIsolate> {
    const memoryLimit = Math.max(8, Math.floor(options.memoryLimitMb));
    // isolated-vm refuses to evaluate strings longer than an eighth of the memory limit (in characters).
    const maxCode = Math.floor((memoryLimit * 1024 * 1024) / 8);
    if (code.length > maxCode) {
      throw new SandboxError('load', `bundle is too large (${code.length} characters; at most ${maxCode} with a ${memoryLimit} MiB memory limit)`);
    }
    let self: PluginIsolate | undefined;
    let crashedWith: string | undefined;
    const isolate = new ivm.Isolate({
      memoryLimit,
      onCatastrophicError: (message) => {
        crashedWith = message;
        if (self) self.crashed = message;
        options.onCatastrophicError?.(message);
      },
    });
    try {
      const context = await isolate.createContext();
      // The isolate may ask for a namespace's Services while a detect call runs; arguments arrive as copies.
      await context.global.set(
        HOST_SIBLINGS,
        new ivm.Callback((namespace: unknown) => (typeof namespace === 'string' && self ? self.siblings(namespace) : '[]')),
      );
      await context.global.set(
        HOST_ANSWER,
        new ivm.Callback((answer: unknown) => {
          if (self && typeof answer === 'string') self.handed = answer;
        }),
      );
      await context.eval(HARNESS_SOURCE, { timeout: 1000, filename: 'dynamic-toolset:harness' });
      const entry = (await context.global.get(HARNESS_ENTRY, { reference: true })) as Entry;
      await context.global.delete(HARNESS_ENTRY);
      // Compiled here only for a precise syntax error (file:line:column); the harness runs the code (rule 1 in
      // harness.ts: a value thrown by top-level code must be caught inside the isolate).
      try {
        (await isolate.compileScript(code, { filename: options.filename })).release();
      } catch (err) {
        throw new SandboxError('load', `cannot compile bundle: ${messageOf(err)}`);
      }
      self = new PluginIsolate(isolate, context, entry);
      if (crashedWith !== undefined) self.crashed = crashedWith;
      const filename = options.filename.replace(/[^\w.@+-]/g, '_');
      try {
        await self.call('load', JSON.stringify({ code, filename }), options.loadTimeoutMs);
      } catch (err) {
        throw new SandboxError('load', `bundle failed while loading: ${messageOf(err)}`);
      }
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
   * plugin code sees. After a timeout the harness's progress report is read at once (this also runs, under a
   * timeout, any Promise callbacks the plugin left queued) and handed to `onTimeout`.
   *
   * `sync` runs the op on this thread (isolated-vm's applySync, same time limit) instead of handing it to an
   * isolate thread and back: about a tenth of the cost, which is what makes re-detecting one changed Service
   * cheap. The price is that this thread waits for the plugin, up to the time limit, and that the runaway
   * watchdog (RUNAWAY_GRACE_MS) cannot run meanwhile; the caller offers it only to plugins with a clean
   * record and only for small batches (see SandboxedPlugin.detect).
   */
  call(op: Op, payload: string | SharedPayload | undefined, timeoutMs: number, siblings?: SiblingSource, onTimeout?: (partialJson: string) => void, sync = false): Promise<string> {
    const run = async (): Promise<string> => {
      if (this.crashed !== undefined) throw new SandboxError('crashed', `isolate crashed: ${this.crashed}`);
      if (this.isolate.isDisposed) throw new SandboxError('crashed', 'isolate was disposed');
      this.siblings = siblings ?? noSiblings;
      try {
        return sync ? this.invokeSync(op, payload, timeoutMs) : await this.invoke(op, payload, timeoutMs);
      } catch (err) {
        const e = err instanceof SandboxError ? err : classify(err, this.isolate);
        if (e.kind === 'timeout' && !this.isolate.isDisposed && this.crashed === undefined) {
          this.siblings = noSiblings;
          try {
            const partial = await this.invoke('partial', undefined, Math.min(timeoutMs, PROGRESS_TIMEOUT_MS));
            onTimeout?.(partial);
          } catch {
            /* progress is lost; the timeout stays the reported failure */
          }
        }
        throw e;
      } finally {
        this.siblings = noSiblings;
      }
    };
    return this.exclusive(run);
  }

  /** One task on this isolate at a time (see heapUsed for why that matters beyond the sibling source). */
  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * One op. It ends with isolated-vm reporting the harness's own rejection, whose message is the op's answer
   * (harness.ts, rule 2). An answer may report the op's failure (protocol.ts, FAILED_OP).
   */
  private async invoke(op: Op, payload: string | SharedPayload | undefined, timeoutMs: number): Promise<string> {
    const args: Args = [op, transferable(payload), this.delivered, false];
    this.delivered = false;
    this.handed = undefined;
    let out: unknown;
    try {
      out = await this.guarded(this.entry.apply(undefined, args, { timeout: timeoutMs, result: { copy: true } }), timeoutMs);
    } catch (err) {
      out = this.answerOf(err);
    }
    return this.delivery(out);
  }

  /** `invoke` on this thread (see `call`). */
  private invokeSync(op: Op, payload: string | SharedPayload | undefined, timeoutMs: number): string {
    const args: Args = [op, transferable(payload), this.delivered, true];
    this.delivered = false;
    this.handed = undefined;
    let out: unknown;
    try {
      out = this.entry.applySync(undefined, args, { timeout: timeoutMs, result: { copy: true } });
    } catch (err) {
      out = this.answerOf(err);
    }
    return this.delivery(out);
  }

  /**
   * The harness's own rejection ends every op: it carries the answer, or (the primitive HARNESS_DONE) says the
   * answer came through HOST_ANSWER. Any other failure is classified and thrown.
   */
  private answerOf(err: unknown): unknown {
    if (err instanceof Error && err.name === HARNESS_DONE) return err.message;
    if (err === HARNESS_DONE && this.handed !== undefined) return this.handed;
    throw err instanceof SandboxError ? err : classify(err, this.isolate);
  }

  private delivery(out: unknown): string {
    this.delivered = true;
    const reply = decodeOpReply(out);
    if (!reply.ok) throw new SandboxError(reply.kind, reply.message);
    return reply.text;
  }

  /** Races a call against the runaway deadline; on expiry the isolate is abandoned (see RUNAWAY_GRACE_MS). */
  private guarded<T>(call: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.crashed = `a call did not return ${timeoutMs + RUNAWAY_GRACE_MS} ms after it started (its time limit was ${timeoutMs} ms); the isolate was abandoned`;
        call.catch(() => undefined);
        this.dispose();
        reject(new SandboxError('crashed', this.crashed));
      }, timeoutMs + RUNAWAY_GRACE_MS);
      timer.unref?.();
    });
    return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
  }

  /**
   * V8 heap in use by this isolate, in bytes (0 once disposed). Queued behind calls: every isolated-vm task
   * ends by running the isolate's pending Promise callbacks with no time limit, and a call that timed out may
   * leave some until `call` has drained them under a timeout.
   */
  heapUsed(): Promise<number> {
    return this.exclusive(async () => {
      if (this.isolate.isDisposed) return 0;
      try {
        const s = await this.isolate.getHeapStatistics();
        return s.used_heap_size + s.externally_allocated_size;
      } catch {
        return 0;
      }
    });
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

// Strings are primitives: isolated-vm copies them into the isolate without being asked.
function transferable(payload: string | SharedPayload | undefined): string | ivm.Copy<string> | null {
  if (payload === undefined) return null;
  return typeof payload === 'string' ? payload : payload.transferable();
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
  return new SandboxError('thrown', message.slice(0, MESSAGE_MAX));
}
