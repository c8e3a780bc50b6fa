// A loaded detector plugin: its manifest, its isolate, and the bookkeeping that contains its failures.
// Every method here returns values; nothing a plugin does can make them throw.
import type { Detection, FoundService, PluginManifest, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';
import { PluginIsolate, SandboxError, SharedPayload } from './isolate.js';
import type { SiblingSource } from './isolate.js';
import { FAILURE_TRAITS, MALFORMED, decodeDetectReply, decodeManifestReply, decodePartialReply, decodeToolsetsReply } from './protocol.js';
import type { FailureKind, PartialReply, ServiceReply } from './protocol.js';
import { checkDetection, validateManifest, validateToolsets } from './validate.js';
import type { InputField, Validated } from './validate.js';

export interface SandboxLimits {
  /** V8 heap limit per isolate, MiB. */
  memoryLimitMb: number;
  /** Time for a bundle's top-level code. */
  loadTimeoutMs: number;
  /** Time budget of one call: base plus a share per Service in the batch. */
  callBaseMs: number;
  callPerServiceMs: number;
  /** Consecutive failed calls after which the plugin is quarantined (not called again until reloaded). */
  quarantineAfter: number;
  /**
   * Largest batch run on the daemon's own thread (isolate.ts, `call`): re-detecting a changed Service then
   * costs microseconds instead of a thread round trip per plugin. 0 turns it off.
   */
  syncBatchMax: number;
  /** A call on the daemon's thread that uses more CPU than this moves the plugin to isolate threads for good. */
  syncSlowMs: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  memoryLimitMb: 32,
  loadTimeoutMs: 1000,
  callBaseMs: 200,
  callPerServiceMs: 1,
  quarantineAfter: 5,
  syncBatchMax: 16,
  syncSlowMs: 50,
};

/** What a plugin answered for one Service. */
export type DetectAnswer =
  | { kind: 'none'; usedSiblings: boolean }
  | { kind: 'detected'; detection: Detection; usedSiblings: boolean }
  /**
   * The plugin answered, but the answer is malformed: counts as "not mine". errorType `input`: malformed because
   * of what the Service says, not counted against the plugin.
   */
  | { kind: 'rejected'; reason: string; errorType: FailureKind; usedSiblings: boolean }
  /** The call failed (threw, timed out, ran out of memory) or the plugin is quarantined. */
  | { kind: 'failed'; reason: string; errorType: FailureKind | 'quarantined'; usedSiblings: boolean };

export interface PluginFailure {
  plugin: string;
  kind: FailureKind;
  message: string;
  /** `namespace/name` of the Service being examined, when one is to blame. */
  service?: string;
  /** Kind `input` only: the Service's namespace and the answer's field its text made invalid. */
  input?: { namespace: string; field: InputField };
}

/** Hooks for logging and metrics; the plugin module itself neither logs nor counts globally. */
export interface PluginObserver {
  failure?(failure: PluginFailure): void;
  quarantined?(plugin: string, reason: string): void;
  call?(plugin: string, op: string, seconds: number, ok: boolean): void;
}

export interface PluginStats {
  calls: number;
  failures: number;
  consecutiveFailures: number;
  restarts: number;
  quarantined: boolean;
  /**
   * Small batches may run on the daemon's thread. Lost for good (until the bundle is loaded again) at the
   * first timeout, memory kill or crash, or a call using more CPU than `syncSlowMs`: a plugin that once held up the
   * daemon does not get to do it again.
   */
  syncCalls: boolean;
  /** Why `syncCalls` was lost. */
  syncCallsLost?: string;
  /** Answers rejected because of what a Service says (kind `input`): not failures, never towards quarantine. */
  inputRejections: number;
  lastError?: { kind: FailureKind; message: string; at: string; service?: string };
}

const ASYNC_TIMEOUT =
  'timed out after detect() had returned for every Service: asynchronous work it left behind (a Promise callback or an async function) kept running; detect must be synchronous';

export class SandboxedPlugin {
  readonly stats: PluginStats = { calls: 0, failures: 0, consecutiveFailures: 0, restarts: 0, quarantined: false, syncCalls: true, inputRejections: 0 };
  private configJson = '{"config":{}}';
  /** Payload characters sent since the isolate last collected its garbage (see collectGarbage). */
  private sinceCollect = 0;
  /** False when this V8 offers the harness no gc (then garbage is V8's business alone). */
  private canCollect = true;

  private constructor(
    readonly manifest: PluginManifest,
    private isolate: PluginIsolate,
    private readonly code: string,
    private readonly filename: string,
    private readonly limits: SandboxLimits,
    private readonly observer: PluginObserver,
  ) {}

  get name(): string {
    return this.manifest.name;
  }

  /**
   * Loads a bundle into a fresh isolate and reads its manifest. Rejects (with the reason) a bundle that does
   * not compile, throws or loops at load, registers no detector, or has an invalid or incompatible manifest.
   */
  static async load(code: string, filename: string, limits: SandboxLimits = DEFAULT_LIMITS, observer: PluginObserver = {}): Promise<SandboxedPlugin> {
    const isolate = await PluginIsolate.create(code, { memoryLimitMb: limits.memoryLimitMb, loadTimeoutMs: limits.loadTimeoutMs, filename });
    let raw: string;
    try {
      raw = await isolate.call('manifest', undefined, limits.loadTimeoutMs);
    } catch (err) {
      isolate.dispose();
      const message = err instanceof Error ? err.message : String(err);
      // The missing-detector reason speaks for itself; anything else happened while reading the definition.
      throw new SandboxError('load', message.startsWith('the bundle registered no detector') ? message : `reading the detector definition failed: ${message}`);
    }
    const manifest = validateManifest(decodeManifestReply(raw));
    if (!manifest.ok) {
      isolate.dispose();
      throw new SandboxError('load', manifest.reason);
    }
    return new SandboxedPlugin(manifest.value, isolate, code, filename, limits, observer);
  }

  /** Hands the plugin its `plugin.config` (frozen inside the isolate). */
  async configure(config: unknown): Promise<void> {
    this.configJson = JSON.stringify({ config: config ?? {} });
    try {
      // Inside the try: re-creating an isolate lost to a memory kill runs the bundle again, which may fail.
      await this.ensureIsolate();
      await this.isolate.call('configure', this.configJson, this.limits.callBaseMs);
    } catch (err) {
      this.recordFailure(toSandboxError(err));
    }
  }

  /**
   * Runs `detect` over a batch. `payload` is `detectPayload(views)`, made once and shared by every plugin that
   * gets the same batch. Returns one answer per view, in order. Never throws.
   */
  async detect(views: readonly ServiceView[], payload: SharedPayload, siblings: SiblingSource): Promise<DetectAnswer[]> {
    const answers: DetectAnswer[] = [];
    let offset = 0;
    let input: SharedPayload | string = payload;
    while (offset < views.length) {
      if (this.stats.quarantined) {
        for (let i = offset; i < views.length; i++) answers.push({ kind: 'failed', reason: 'plugin is quarantined', errorType: 'quarantined', usedSiblings: false });
        break;
      }
      const remaining = views.length - offset;
      // After a failure part way: the rest of the batch, for this plugin alone.
      if (offset > 0) input = detectPayloadText(views.slice(offset));
      const started = process.hrtime.bigint();
      const sync = this.stats.syncCalls && remaining <= this.limits.syncBatchMax;
      let partial: PartialReply | undefined;
      try {
        await this.ensureIsolate();
        const isolate = this.isolate;
        const cpuBefore = isolate.cpuTimeNs;
        const out = await isolate.call(
          'detect',
          input,
          this.limits.callBaseMs + this.limits.callPerServiceMs * remaining,
          siblings,
          (text) => {
            partial = decodePartialReply(text);
          },
          sync,
        );
        // CPU time, not wall time: a daemon thread that was merely descheduled on a busy node is no plugin's fault.
        const cpuMs = Number(isolate.cpuTimeNs - cpuBefore) / 1e6;
        if (sync && cpuMs > this.limits.syncSlowMs) this.loseSyncCalls(`a call took ${Math.round(cpuMs)} ms of CPU (more than ${this.limits.syncSlowMs} ms)`);
        this.stats.calls += 1;
        this.observer.call?.(this.name, 'detect', seconds(started), true);
        this.sinceCollect += typeof input === 'string' ? input.length : input.text.length;
        if (this.sinceCollect >= COLLECT_EVERY_CHARS) await this.collectGarbage();
        const replies = decodeDetectReply(out, remaining);
        if (replies === undefined) throw new SandboxError('bad-result', MALFORMED);
        for (let i = 0; i < replies.length; i++) answers.push(this.interpret(replies[i]!, views[offset + i]!));
        offset += replies.length;
      } catch (err) {
        this.stats.calls += 1;
        this.observer.call?.(this.name, 'detect', seconds(started), false);
        const e = toSandboxError(err);
        if (e.kind === 'timeout' && partial?.finished) {
          // Every Service was answered, then Promise callbacks the plugin queued ran out the clock. Which
          // Service queued them is unknown, so the whole call failed, counted once.
          this.recordFailure(new SandboxError('timeout', ASYNC_TIMEOUT));
          for (let i = offset; i < views.length; i++) answers.push({ kind: 'failed', reason: ASYNC_TIMEOUT, errorType: 'timeout', usedSiblings: false });
          offset = views.length;
          continue;
        }
        // Keep what the plugin finished before the failure; blame the Service it was working on.
        const done = (partial?.replies ?? []).slice(0, views.length - offset);
        for (let i = 0; i < done.length; i++) answers.push(this.interpret(done[i]!, views[offset + i]!));
        offset += done.length;
        const culprit = views[offset];
        const blamed = e.kind === 'timeout' && culprit ? culprit : undefined;
        this.recordFailure(e, blamed ? keyOf(blamed) : undefined);
        if (blamed) {
          answers.push({ kind: 'failed', reason: e.message, errorType: e.kind, usedSiblings: false });
          offset += 1;
        } else {
          // Memory kill or crash: progress is lost with the isolate; the rest of this batch is "not mine".
          for (let i = offset; i < views.length; i++) answers.push({ kind: 'failed', reason: e.message, errorType: e.kind, usedSiblings: false });
          offset = views.length;
        }
      }
    }
    return answers;
  }

  /** Runs the optional `toolsets(found)`; `null` when the plugin has none or answered nothing. Never throws. */
  async toolsets(found: FoundService): Promise<Validated<Record<string, ToolsetEntry> | null>> {
    if (!this.manifest.hasToolsets) return { ok: true, value: null };
    if (this.stats.quarantined) return { ok: false, reason: 'plugin is quarantined' };
    const started = process.hrtime.bigint();
    const service = `${found.service.namespace}/${found.service.name}`;
    try {
      await this.ensureIsolate();
      const out = decodeToolsetsReply(await this.isolate.call('toolsets', JSON.stringify({ found }), this.limits.callBaseMs));
      this.stats.calls += 1;
      this.observer.call?.(this.name, 'toolsets', seconds(started), true);
      if (!out.ok) {
        this.recordFailure(new SandboxError(out.kind, `toolsets(): ${out.message}`), service);
        return { ok: false, reason: out.message };
      }
      if (out.toolsets === null) {
        this.recordSuccess();
        return { ok: true, value: null };
      }
      const v = validateToolsets(out.toolsets);
      if (!v.ok) {
        this.recordFailure(new SandboxError('bad-result', `toolsets() answer rejected: ${v.reason}`), service);
        return v;
      }
      this.recordSuccess();
      return v;
    } catch (err) {
      this.stats.calls += 1;
      this.observer.call?.(this.name, 'toolsets', seconds(started), false);
      const e = toSandboxError(err);
      // The Service whose toolsets were asked for is the one to blame (a timeout or memory kill, too).
      this.recordFailure(e, service);
      return { ok: false, reason: e.message };
    }
  }

  /** After a run: has the isolate collect its garbage if the run sent it a fair amount (see collectGarbage). */
  settle(): Promise<void> {
    return this.collectGarbage(SETTLE_MIN_CHARS);
  }

  /**
   * Has the isolate collect its garbage, if it was sent at least `minChars` of payload since it last did.
   * Parsed batches outlive the isolate's small young generation, and V8 would let the old generation grow to
   * half the memory limit before collecting it: with a dozen plugins that is most of the daemon's memory.
   * Never throws; a failed collection is not counted against the plugin.
   */
  private async collectGarbage(minChars = 1): Promise<void> {
    if (!this.canCollect || this.stats.quarantined || this.isolate.disposed || this.sinceCollect < minChars) return;
    this.sinceCollect = 0;
    try {
      this.canCollect = (await this.isolate.call('gc', undefined, this.limits.callBaseMs)) === 'true';
    } catch {
      /* the next call finds out whether the isolate is still usable */
    }
  }

  /** Bytes of V8 heap the isolate uses now. */
  heapUsed(): Promise<number> {
    return this.isolate.heapUsed();
  }

  dispose(): void {
    this.isolate.dispose();
  }

  private interpret(reply: ServiceReply, view: ServiceView): DetectAnswer {
    const usedSiblings = reply.usedSiblings;
    if (!reply.ok) {
      this.recordFailure(new SandboxError(reply.kind, reply.message), keyOf(view));
      return FAILURE_TRAITS[reply.kind].answered
        ? { kind: 'rejected', reason: reply.message, errorType: reply.kind, usedSiblings }
        : { kind: 'failed', reason: reply.message, errorType: reply.kind, usedSiblings };
    }
    if (reply.detection === null) {
      this.recordSuccess();
      return { kind: 'none', usedSiblings };
    }
    const v = checkDetection(reply.detection, view);
    if (!v.ok && v.input) {
      const reason = `the Service's input was rejected: ${v.input.reason}`;
      this.recordFailure(new SandboxError('input', reason), keyOf(view), { namespace: view.metadata.namespace, field: v.input.field });
      return { kind: 'rejected', reason, errorType: 'input', usedSiblings };
    }
    if (!v.ok) {
      this.recordFailure(new SandboxError('bad-result', `answer rejected: ${v.reason}`), keyOf(view));
      return { kind: 'rejected', reason: `answer rejected: ${v.reason}`, errorType: 'bad-result', usedSiblings };
    }
    this.recordSuccess();
    return { kind: 'detected', detection: v.value, usedSiblings };
  }

  private loseSyncCalls(reason: string): void {
    if (!this.stats.syncCalls) return;
    this.stats.syncCalls = false;
    this.stats.syncCallsLost = reason;
  }

  private recordSuccess(): void {
    this.stats.consecutiveFailures = 0;
  }

  /**
   * Reports a failure; what it does to the plugin is the kind's traits (protocol.ts). One that is not the plugin's
   * fault (`input`: what a Service says made the answer invalid) is neutral: neither a failure nor a success.
   */
  private recordFailure(e: SandboxError, service?: string, input?: PluginFailure['input']): void {
    const traits = FAILURE_TRAITS[e.kind];
    const report = (): void => this.observer.failure?.({ plugin: this.name, kind: e.kind, message: e.message, ...(service ? { service } : {}), ...(input ? { input } : {}) });
    if (!traits.pluginsFault) {
      this.stats.inputRejections += 1;
      report();
      return;
    }
    this.stats.failures += 1;
    this.stats.consecutiveFailures += 1;
    this.stats.lastError = { kind: e.kind, message: e.message, at: new Date().toISOString(), ...(service ? { service } : {}) };
    report();
    if (traits.losesSyncCalls) this.loseSyncCalls(`${e.kind}: ${e.message}`);
    if (!this.stats.quarantined && (this.stats.consecutiveFailures >= this.limits.quarantineAfter || traits.quarantinesAtOnce)) {
      this.stats.quarantined = true;
      const reason = `${this.stats.consecutiveFailures} consecutive failures, last: ${e.kind}: ${e.message}`;
      this.observer.quarantined?.(this.name, reason);
      this.isolate.dispose();
    }
  }

  /** A memory kill or crash leaves the isolate unusable; start a fresh one from the same bundle. */
  private async ensureIsolate(): Promise<void> {
    if (!this.isolate.disposed || this.stats.quarantined) return;
    this.isolate = await PluginIsolate.create(this.code, {
      memoryLimitMb: this.limits.memoryLimitMb,
      loadTimeoutMs: this.limits.loadTimeoutMs,
      filename: this.filename,
    });
    this.stats.restarts += 1;
    await this.isolate.call('manifest', undefined, this.limits.loadTimeoutMs);
    await this.isolate.call('configure', this.configJson, this.limits.callBaseMs);
  }
}

/** A collection in the middle of a long run, every this many payload characters (about 12,000 Services). */
const COLLECT_EVERY_CHARS = 8 * 1024 * 1024;
/** Payload since the last collection for `settle` to collect: not after re-detecting a changed Service. */
const SETTLE_MIN_CHARS = 256 * 1024;

/** The payload of a `detect` call over `views`, to hand to every plugin that gets this batch. */
export function detectPayload(views: readonly ServiceView[]): SharedPayload {
  return new SharedPayload(detectPayloadText(views));
}

function detectPayloadText(views: readonly ServiceView[]): string {
  return `{"services":${JSON.stringify(views)}}`;
}

function toSandboxError(err: unknown): SandboxError {
  if (err instanceof SandboxError) return err;
  return new SandboxError('thrown', err instanceof Error ? err.message : String(err));
}

function keyOf(view: ServiceView): string {
  return `${view.metadata.namespace}/${view.metadata.name}`;
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
