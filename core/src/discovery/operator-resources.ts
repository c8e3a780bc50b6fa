// The live half of operator evidence: which operator kinds the API server serves (API discovery, asked again
// periodically so a CRD installed later is picked up and one removed is dropped), an informer per served kind, and
// one OperatorResourceIndex (operators.ts) they feed. A resource change re-detects the Services of its namespace:
// which of them it ties to depends on names, labels and owners, so the namespace is the unit (resources are few).
import type { Clock } from '../clock.js';
import { systemClock, untilCalledOr } from '../clock.js';
import { Informer } from './informer.js';
import type { InformerSource } from './informer.js';
import { OperatorResourceIndex, operatorGroupVersions, projectListedResource, servedOperatorKinds } from './operators.js';
import type { DiscoveredGroupVersion, OperatorKind, OperatorResource } from './operators.js';

type Log = {
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
};

export interface OperatorResourcesOptions {
  /** API discovery for these group/versions (kube-source.ts discoverGroupVersions). */
  discover: (groupVersions: readonly string[]) => Promise<DiscoveredGroupVersion[]>;
  /** The list/watch source of one kind at one version. */
  sourceFor: (kind: OperatorKind, version: string) => InformerSource;
  log: Log;
  clock?: Clock;
  /** How often discovery is asked again (default 60 s): how soon a CRD installed or removed is noticed. */
  rediscoverMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  staleAfterMs?: number;
  relistIntervalMs?: number;
}

interface Watched {
  kind: OperatorKind;
  version: string;
  informer: Informer<OperatorResource>;
}

function kindKey(kind: OperatorKind): string {
  return `${kind.group}/${kind.kind}`;
}

export class OperatorResources {
  readonly index = new OperatorResourceIndex();
  private readonly watched = new Map<string, Watched>();
  private readonly listeners = new Set<(namespaces: readonly string[]) => void>();
  private readonly clock: Clock;
  private timer: { cancel(): void } | undefined;
  private running = false;
  private discovered = false;
  private failing = false;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly options: OperatorResourcesOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Called with the namespaces whose Services to re-detect. */
  onChange(listener: (namespaces: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.rediscover();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    for (const w of this.watched.values()) w.informer.stop();
    this.watched.clear();
    for (const w of this.waiters.splice(0)) w();
  }

  /** The kinds watched now, `group/Kind@version`, sorted. */
  kinds(): string[] {
    return [...this.watched.values()].map((w) => `${kindKey(w.kind)}@${w.version}`).sort();
  }

  /** True once discovery answered and every served kind has listed (or discovery failed: nothing to wait for). */
  get ready(): boolean {
    return (this.discovered || this.failing) && [...this.watched.values()].every((w) => w.informer.hasSynced);
  }

  /** Resolves once the served kinds have listed, or after `timeoutMs`: the first detection should see them. */
  waitForFirstList(timeoutMs: number): Promise<void> {
    if (this.ready || !this.running) return Promise.resolve();
    return untilCalledOr(timeoutMs, (done) => this.waiters.push(done));
  }

  /** Asks discovery which kinds are served and starts or stops informers to match; then schedules the next ask. */
  async rediscover(): Promise<void> {
    try {
      const served = servedOperatorKinds(await this.options.discover(operatorGroupVersions()));
      if (!this.running) return;
      if (this.failing) this.options.log.info('operator resources: API discovery answers again');
      this.failing = false;
      this.discovered = true;
      this.apply(served);
    } catch (err) {
      if (!this.running) return;
      if (!this.failing) {
        this.options.log.warn('operator resources: API discovery failed; keeping the kinds watched so far and asking again', {
          error: (err as Error).message,
        });
      }
      this.failing = true;
    } finally {
      this.settle();
      if (this.running) {
        this.timer?.cancel();
        this.timer = this.clock.setTimeout(() => void this.rediscover(), this.options.rediscoverMs ?? 60_000);
      }
    }
  }

  private apply(served: ReadonlyArray<{ kind: OperatorKind; version: string }>): void {
    const want = new Map(served.map((s) => [kindKey(s.kind), s]));
    const dropped = new Set<string>();
    for (const [key, w] of this.watched) {
      const now = want.get(key);
      if (now !== undefined && now.version === w.version) continue;
      // No longer served (its CRD removed), or served at another version now: what was read of it goes.
      w.informer.stop();
      this.watched.delete(key);
      for (const r of this.index.deleteGroup(w.kind.group, w.kind.kind)) dropped.add(r.namespace);
      if (now === undefined) this.options.log.info('operator resources: kind no longer served; its resources are dropped', { kind: key });
    }
    for (const [key, s] of want) {
      if (this.watched.has(key)) continue;
      this.watched.set(key, this.watch(s.kind, s.version));
      this.options.log.info('operator resources: watching', { kind: key, version: s.version });
    }
    this.emit(dropped);
  }

  private watch(kind: OperatorKind, version: string): Watched {
    const { options } = this;
    const informer = new Informer<OperatorResource>({
      source: options.sourceFor(kind, version),
      project: (raw) => projectListedResource(raw, kind, version),
      keyOf: (r) => `${r.namespace}/${r.name}`,
      log: this.onceLog(kind),
      clock: this.clock,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}),
      ...(options.relistIntervalMs !== undefined ? { relistIntervalMs: options.relistIntervalMs } : {}),
    });
    const watched: Watched = { kind, version, informer };
    informer.onChange((keys) => {
      // A late event of an informer already replaced or stopped changes nothing.
      if (this.watched.get(kindKey(kind)) !== watched) return;
      const namespaces = new Set<string>();
      for (const key of keys) {
        const r = informer.get(key);
        if (r !== undefined) {
          if (this.index.upsert(r)) namespaces.add(r.namespace);
          continue;
        }
        const slash = key.indexOf('/');
        if (this.index.delete(key.slice(0, slash), kind.group, kind.kind, key.slice(slash + 1))) namespaces.add(key.slice(0, slash));
      }
      this.emit(namespaces);
      this.settle();
    });
    informer.start();
    return watched;
  }

  /**
   * The informer's log for one kind: each distinct failure to list or watch is said once, with what to do (a 403 is
   * missing RBAC), and its retries stay quiet — a kind the daemon may not read must not fill the log. Other
   * warnings pass.
   */
  private onceLog(kind: OperatorKind): Log {
    const { log } = this.options;
    const what = `${kind.plural}.${kind.group}`;
    const said = new Set<string>();
    return {
      warn: (message, meta) => {
        if (!message.startsWith('list/watch failed')) {
          log.warn(message, { kind: kindKey(kind), ...meta });
          return;
        }
        const error = String(meta?.error ?? '');
        if (said.has(error) || said.size >= 16) return;
        said.add(error);
        log.warn(`operator resources: cannot read ${what} (${error}); Services it made are decided without it until it can. Grant get, list and watch on ${what} (deploy/rbac.yaml), or run with --operator-resources=false`, { kind: kindKey(kind) });
      },
      info: (message, meta) => log.info(message, { kind: kindKey(kind), ...meta }),
    };
  }

  private settle(): void {
    if (this.ready) for (const w of this.waiters.splice(0)) w();
  }

  private emit(namespaces: ReadonlySet<string>): void {
    if (namespaces.size === 0) return;
    const list = [...namespaces].sort();
    for (const l of [...this.listeners]) l(list);
  }
}
