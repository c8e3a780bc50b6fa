// A loaded detector plugin: its manifest, its isolate, and the bookkeeping that contains its failures.
// Every method here returns values; nothing a plugin does can make them throw.
import type { Detection, FoundService, PluginManifest, ServiceView, ToolsetEntry } from '@kubernaut/toolset-sdk';
import { PluginIsolate, SandboxError } from './isolate.js';
import type { FailureKind, SiblingSource } from './isolate.js';
import { validateDetection, validateManifest, validateToolsets } from './validate.js';
import type { Validated } from './validate.js';

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
}

export const DEFAULT_LIMITS: SandboxLimits = {
  memoryLimitMb: 32,
  loadTimeoutMs: 1000,
  callBaseMs: 200,
  callPerServiceMs: 1,
  quarantineAfter: 5,
};

/** What a plugin answered for one Service. */
export type DetectAnswer =
  | { kind: 'none'; usedSiblings: boolean }
  | { kind: 'detected'; detection: Detection; usedSiblings: boolean }
  /** The plugin answered, but the answer is malformed: counts as "not mine". */
  | { kind: 'rejected'; reason: string; errorType: FailureKind; usedSiblings: boolean }
  /** The call failed (threw, timed out, ran out of memory) or the plugin is quarantined. */
  | { kind: 'failed'; reason: string; errorType: FailureKind | 'quarantined'; usedSiblings: boolean };

export interface PluginFailure {
  plugin: string;
  kind: FailureKind;
  message: string;
  /** `namespace/name` of the Service being examined, when one is to blame. */
  service?: string;
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
  lastError?: { kind: FailureKind; message: string; at: string; service?: string };
}

type HarnessAnswer = { d: null; s: boolean } | { j: string; s: boolean } | { e: FailureKind; m: string; s: boolean };
type HarnessToolsets = { t: null } | { j: string } | { e: FailureKind; m: string };

export class SandboxedPlugin {
  readonly stats: PluginStats = { calls: 0, failures: 0, consecutiveFailures: 0, restarts: 0, quarantined: false };
  private configJson = '{"config":{}}';

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
    try {
      const raw = await isolate.call('manifest', undefined, limits.loadTimeoutMs);
      const manifest = validateManifest(JSON.parse(raw));
      if (!manifest.ok) throw new SandboxError('load', manifest.reason);
      return new SandboxedPlugin(manifest.value, isolate, code, filename, limits, observer);
    } catch (err) {
      isolate.dispose();
      if (err instanceof SandboxError) throw new SandboxError('load', err.message);
      throw new SandboxError('load', err instanceof Error ? err.message : String(err));
    }
  }

  /** Hands the plugin its `plugin.config` (frozen inside the isolate). */
  async configure(config: unknown): Promise<void> {
    this.configJson = JSON.stringify({ config: config ?? {} });
    await this.ensureIsolate();
    try {
      await this.isolate.call('configure', this.configJson, this.limits.callBaseMs);
    } catch (err) {
      this.recordFailure(toSandboxError(err));
    }
  }

  /**
   * Runs `detect` over a batch. `servicesJson` is the JSON of `views` (shared by all plugins of a run, so it is
   * serialised once). Returns one answer per view, in order. Never throws.
   */
  async detect(views: readonly ServiceView[], servicesJson: string, siblings: SiblingSource): Promise<DetectAnswer[]> {
    const answers: DetectAnswer[] = [];
    let offset = 0;
    let json = servicesJson;
    while (offset < views.length) {
      if (this.stats.quarantined) {
        for (let i = offset; i < views.length; i++) answers.push({ kind: 'failed', reason: 'plugin is quarantined', errorType: 'quarantined', usedSiblings: false });
        break;
      }
      const remaining = views.length - offset;
      if (offset > 0) json = JSON.stringify(views.slice(offset));
      const started = process.hrtime.bigint();
      let partial: HarnessAnswer[] | undefined;
      try {
        await this.ensureIsolate();
        const out = await this.isolate.call(
          'detect',
          `{"services":${json}}`,
          this.limits.callBaseMs + this.limits.callPerServiceMs * remaining,
          siblings,
          async () => {
            partial = JSON.parse(await this.isolate.callHeld('partial', this.limits.callBaseMs)) as HarnessAnswer[];
          },
        );
        this.stats.calls += 1;
        this.observer.call?.(this.name, 'detect', seconds(started), true);
        const raw = JSON.parse(out) as HarnessAnswer[];
        for (let i = 0; i < raw.length; i++) answers.push(this.interpret(raw[i]!, views[offset + i]!));
        offset += raw.length;
        if (raw.length !== remaining) throw new SandboxError('bad-result', 'harness answered for the wrong number of Services');
      } catch (err) {
        this.stats.calls += 1;
        this.observer.call?.(this.name, 'detect', seconds(started), false);
        const e = toSandboxError(err);
        // Keep what the plugin finished before the failure; blame the Service it was working on.
        const done = partial ?? [];
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
    try {
      await this.ensureIsolate();
      const out = JSON.parse(await this.isolate.call('toolsets', JSON.stringify({ found }), this.limits.callBaseMs)) as HarnessToolsets;
      this.stats.calls += 1;
      this.observer.call?.(this.name, 'toolsets', seconds(started), true);
      const service = `${found.service.namespace}/${found.service.name}`;
      if ('e' in out) {
        this.recordFailure(new SandboxError(out.e, `toolsets(): ${out.m}`), service);
        return { ok: false, reason: out.m };
      }
      if ('t' in out) {
        this.recordSuccess();
        return { ok: true, value: null };
      }
      const v = validateToolsets(JSON.parse(out.j));
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
      this.recordFailure(e);
      return { ok: false, reason: e.message };
    }
  }

  /** Bytes of V8 heap the isolate uses now. */
  heapUsed(): Promise<number> {
    return this.isolate.heapUsed();
  }

  dispose(): void {
    this.isolate.dispose();
  }

  private interpret(raw: HarnessAnswer, view: ServiceView): DetectAnswer {
    const usedSiblings = raw.s === true;
    if ('e' in raw) {
      this.recordFailure(new SandboxError(raw.e, raw.m), keyOf(view));
      return raw.e === 'bad-result'
        ? { kind: 'rejected', reason: raw.m, errorType: raw.e, usedSiblings }
        : { kind: 'failed', reason: raw.m, errorType: raw.e, usedSiblings };
    }
    if ('d' in raw) {
      this.recordSuccess();
      return { kind: 'none', usedSiblings };
    }
    const v = validateDetection(JSON.parse(raw.j));
    if (!v.ok) {
      this.recordFailure(new SandboxError('bad-result', `answer rejected: ${v.reason}`), keyOf(view));
      return { kind: 'rejected', reason: `answer rejected: ${v.reason}`, errorType: 'bad-result', usedSiblings };
    }
    this.recordSuccess();
    return { kind: 'detected', detection: v.value, usedSiblings };
  }

  private recordSuccess(): void {
    this.stats.consecutiveFailures = 0;
  }

  private recordFailure(e: SandboxError, service?: string): void {
    this.stats.failures += 1;
    this.stats.consecutiveFailures += 1;
    this.stats.lastError = { kind: e.kind, message: e.message, at: new Date().toISOString(), ...(service ? { service } : {}) };
    this.observer.failure?.({ plugin: this.name, kind: e.kind, message: e.message, ...(service ? { service } : {}) });
    if (!this.stats.quarantined && this.stats.consecutiveFailures >= this.limits.quarantineAfter) {
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
