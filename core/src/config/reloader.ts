// Hot reload: on a change of the source (or POST /api/v1/config/reload), load and validate the whole config and
// hand it over in one piece. An invalid config changes nothing: the running one stays, and the problem is
// reported (log, metric, the reload answer, the plugins endpoint).
import { formatProblem } from './load.js';
import type { ConfigProblem, ConfigResult } from './load.js';
import type { Config } from './schema.js';
import type { ConfigSource } from './source.js';

function absentProblem(absent: 'missing' | 'empty', file: string): ConfigProblem {
  const what = absent === 'missing' ? 'the config file no longer exists' : 'the config is empty (no keys, only comments or whitespace)';
  return { file, message: `${what}: the running config stays; to reset every detector to its defaults, write "detectors: {}"` };
}

export type ReloadOutcome =
  | { status: 'success'; detectors_enabled: number; detectors_disabled: number; reload_time: string; warnings: string[] }
  | { status: 'invalid'; errors: ConfigProblem[]; messages: string[]; reload_time: string };

export interface ReloaderOptions {
  source: ConfigSource;
  /** Applies a validated config; resolves when the new config is in force. */
  apply: (config: Config) => Promise<{ enabled: number; disabled: number; warnings: string[] }>;
  log: { info(m: string, meta?: Record<string, unknown>): void; warn(m: string, meta?: Record<string, unknown>): void; error(m: string, meta?: Record<string, unknown>): void };
  onOutcome?: (outcome: ReloadOutcome) => void;
  now?: () => Date;
}

export class ConfigReloader {
  private stopWatch: (() => Promise<void>) | undefined;
  private serial: Promise<unknown> = Promise.resolve();
  /** What the running config was loaded from, to skip watch events that changed nothing. */
  private lastApplied: string | undefined;
  private lastRejected: string | undefined;
  last: ReloadOutcome | undefined;

  constructor(private readonly options: ReloaderOptions) {}

  /** Records the config the daemon started with, so an unchanged file does not re-apply it. */
  started(config: Config): void {
    this.lastApplied = JSON.stringify(config);
  }

  private stopped = false;

  async start(): Promise<void> {
    if (this.stopped) return;
    const stop = await this.options.source.watch(() => {
      void this.reload('watch');
    });
    if (this.stopped) await stop(); // stopped while the watch was being set up
    else this.stopWatch = stop;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stopWatch?.();
    await this.serial;
  }

  /** Loads, validates and applies. Reloads never overlap; each sees the source as it is when it runs. */
  reload(trigger: 'watch' | 'api' = 'api'): Promise<ReloadOutcome> {
    const run = async (): Promise<ReloadOutcome> => {
      const now = (this.options.now ?? (() => new Date()))().toISOString();
      const result = await this.load();
      // A config that was there and is now empty or gone is refused like an invalid one: the running config
      // stays (a truncating editor or a broken mount must not re-enable what the admin disabled). When the
      // defaults are what runs (the file was missing at start too), or nothing is known to run yet, there is
      // nothing to keep: the defaults apply, as at start.
      const resets = result.ok && result.absent !== undefined && this.lastApplied !== undefined && JSON.stringify(result.config) !== this.lastApplied;
      if (!result.ok || resets) {
        const refused = result.ok ? [absentProblem(result.absent ?? 'empty', result.warnings[0]?.file ?? this.options.source.description)] : result.errors;
        const messages = refused.map(formatProblem);
        const key = messages.join('\n');
        // A watch event for a file that is still equally broken is not news.
        if (trigger === 'watch' && key === this.lastRejected && this.last) return this.last;
        this.lastRejected = key;
        const meta = { trigger, source: this.options.source.description, errors: messages };
        // Empty or missing is a warning (often a passing state while a file is rewritten), invalid an error.
        if (result.ok) this.options.log.warn('config reload refused: the config is empty or missing; the running config stays', meta);
        else this.options.log.error('config reload rejected; the running config stays', meta);
        return this.record({ status: 'invalid', errors: refused, messages, reload_time: now });
      }
      const text = JSON.stringify(result.config);
      this.lastRejected = undefined;
      if (trigger === 'watch' && text === this.lastApplied) {
        // Unchanged (a confirming look, or a file reverted to the running config): nothing to apply.
        if (this.last?.status === 'success') return this.last;
        if (this.last === undefined) return { status: 'success', detectors_enabled: 0, detectors_disabled: 0, reload_time: now, warnings: [] };
      }
      const applied = await this.options.apply(result.config);
      this.lastApplied = text;
      const warnings = [...result.warnings.map(formatProblem), ...applied.warnings];
      this.options.log.info('config reloaded', { trigger, source: this.options.source.description, enabled: applied.enabled, disabled: applied.disabled });
      for (const w of warnings) this.options.log.warn(w);
      return this.record({ status: 'success', detectors_enabled: applied.enabled, detectors_disabled: applied.disabled, reload_time: now, warnings });
    };
    const next = this.serial.then(run, run);
    this.serial = next.catch(() => undefined);
    return next;
  }

  /** The source's load, with any failure (a bug, an API error) turned into a problem: a reload never throws. */
  private async load(): Promise<ConfigResult> {
    try {
      return await this.options.source.load();
    } catch (err) {
      return { ok: false, errors: [{ file: this.options.source.description, message: `cannot load the config: ${(err as Error).message}` }] };
    }
  }

  private record(outcome: ReloadOutcome): ReloadOutcome {
    this.last = outcome;
    this.options.onOutcome?.(outcome);
    return outcome;
  }
}
