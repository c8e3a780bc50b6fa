// Leader election on a coordination.k8s.io/v1 Lease, in the manner of client-go's leaderelection
// (client-node has no helper). Every retryPeriod each replica reads the Lease; a free, expired or
// own lease is written back with the resourceVersion that was read, so the API server's optimistic
// concurrency (409 Conflict on a stale resourceVersion) decides races. The leader renews every
// retryPeriod and steps down when it could not renew for renewDeadline, which is shorter than the
// lease duration: it stops acting before anyone else may take over. All timing uses the injected
// Clock; no error escapes the loop.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { systemClock, type Clock, type Timer } from '../clock.js';
import { describeError, kubeLeaseClient, statusCodeOf, type LeaseClient } from './lease-client.js';
import { acquireSpec, isExpired, recordKey, recordOf, releaseSpec, renewSpec, withSpec, type LeaseRecord } from './record.js';

export const DEFAULT_LEASE_NAME = 'dynamic-toolset-leader';

/** Thrown by guard() (and used as the abort reason of its signal) when this replica is not the leader. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  constructor(
    readonly identity: string,
    readonly leader: string | undefined,
  ) {
    super(`${identity} is not the leader${leader ? ` (the leader is ${leader})` : ''}`);
  }
}

/** The log methods the elector uses (a winston Logger fits). */
export interface LeaderLog {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

export interface LeaderElectorOptions {
  /** Where the Lease lives; ignored when `client` is given. */
  kc?: KubeConfig;
  /** Lease calls (tests inject a fake); default: client-node built from `kc`. */
  client?: LeaseClient;
  namespace: string;
  /** Lease name (default 'dynamic-toolset-leader'). */
  name?: string;
  /** This replica's identity (default: defaultIdentity()). Must be unique among replicas. */
  identity?: string;
  /** How long a lease lasts without renewal before others may take it (default 15000 ms). */
  leaseDurationMs?: number;
  /** The leader steps down when it could not renew for this long (default 10000 ms; < leaseDurationMs). */
  renewDeadlineMs?: number;
  /** Pause between acquire attempts and between renewals (default 2000 ms; < renewDeadlineMs). */
  retryPeriodMs?: number;
  clock?: Clock;
  log?: LeaderLog;
  /** This replica became the leader; `signal` aborts when it stops being the leader. */
  onStartedLeading?: (signal: AbortSignal) => unknown;
  /** This replica stopped being the leader (lost, step-down, or stop()). */
  onStoppedLeading?: () => unknown;
  /** The observed holder changed (including to this replica). */
  onNewLeader?: (identity: string) => unknown;
}

/** A snapshot for health endpoints and tests. */
export interface LeaderStatus {
  identity: string;
  running: boolean;
  leading: boolean;
  /** The holder as last observed ('' when released, undefined when never seen). */
  holder: string | undefined;
  /** Clock time of the last successful acquire/renew request (0 if never). */
  lastRenewAt: number;
  /** Clock time at which the observed record last changed (0 if never). */
  observedAt: number;
  /** resourceVersion of the Lease as last seen. */
  resourceVersion: string | undefined;
}

/** `<hostname>_<random>` as client-go recommends; set POD_NAME (downward API) to use the pod name. */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const pod = env.POD_NAME?.trim();
  if (pod) return pod;
  return `${hostname()}_${randomBytes(4).toString('hex')}`;
}

const noLog: LeaderLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export class LeaderElector {
  readonly identity: string;
  readonly namespace: string;
  readonly name: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;

  private readonly client: LeaseClient;
  private readonly clock: Clock;
  private readonly log: LeaderLog;
  private readonly opts: LeaderElectorOptions;

  private running = false;
  private crashed = false;
  /** Bumped by crash()/revive(): a loop from an older generation drops whatever it was doing. */
  private generation = 0;
  private loop: Promise<void> | undefined;
  private sleepTimer: Timer | undefined;
  private wake: (() => void) | undefined;

  private leading = false;
  private leadership: AbortController | undefined;
  private lease: V1Lease | undefined;
  private observedKey: string | undefined;
  private observedAt = 0;
  private lastRenewAt = 0;
  private holder: string | undefined;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(opts: LeaderElectorOptions) {
    this.opts = opts;
    this.namespace = opts.namespace;
    this.name = opts.name ?? DEFAULT_LEASE_NAME;
    this.identity = opts.identity ?? defaultIdentity();
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? noLog;
    if (!this.identity) throw new Error('leader election: identity must not be empty');
    if (!(this.retryPeriodMs > 0)) throw new Error('leader election: retryPeriodMs must be > 0');
    if (!(this.renewDeadlineMs > this.retryPeriodMs)) throw new Error('leader election: renewDeadlineMs must be greater than retryPeriodMs');
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new Error('leader election: leaseDurationMs must be greater than renewDeadlineMs');
    if (opts.client) this.client = opts.client;
    else if (opts.kc) this.client = kubeLeaseClient(opts.kc);
    else throw new Error('leader election: either kc or client is required');
  }

  /** Starts trying to acquire the lease (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.crashed = false;
    this.runLoop();
  }

  /**
   * Stops the loop. If this replica leads it stops acting as leader first (onStoppedLeading, the
   * guard() signal aborts, in-flight guarded calls get up to renewDeadline to settle); then, if the
   * lease as last seen names this replica, releases it so another replica can take over at once.
   */
  async stop(): Promise<void> {
    const wasCrashed = this.crashed;
    this.running = false;
    this.crashed = false;
    this.wakeUp();
    if (wasCrashed) {
      // A crashed replica cannot release anything; just forget the state.
      this.generation++;
      this.leading = false;
      this.leadership?.abort(new NotLeaderError(this.identity, this.holder));
      return;
    }
    await this.loop;
    this.stepDown('stopping');
    await this.settleInflight();
    // Even after a step-down the record may still name us; the resourceVersion guard makes the
    // release succeed only if nobody wrote the lease since we last saw it.
    await this.release();
  }

  /** True while this replica holds the lease and renewed it less than renewDeadline ago. */
  isLeader(): boolean {
    return this.leading && this.clock.now() - this.lastRenewAt < this.renewDeadlineMs;
  }

  /** The holder as last observed (undefined when none or unknown). */
  leader(): string | undefined {
    return this.holder || undefined;
  }

  status(): LeaderStatus {
    return {
      identity: this.identity,
      running: this.running,
      leading: this.isLeader(),
      holder: this.holder,
      lastRenewAt: this.lastRenewAt,
      observedAt: this.observedAt,
      resourceVersion: this.lease?.metadata?.resourceVersion,
    };
  }

  /**
   * Fencing for writers: runs `fn` only while this replica is the leader, else rejects with
   * NotLeaderError. `signal` aborts as soon as leadership is lost; pass it to the write.
   */
  async guard<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const leadership = this.leadership;
    if (!this.isLeader() || !leadership) throw new NotLeaderError(this.identity, this.leader());
    const p = fn(leadership.signal);
    this.inflight.add(p);
    try {
      return await p;
    } finally {
      this.inflight.delete(p);
    }
  }

  /**
   * Test hook: simulates a killed or frozen process. The loop halts where it is — no release, no
   * callbacks, state kept — so the lease simply stops being renewed. isLeader() still turns false
   * once renewDeadline has passed.
   */
  crash(): void {
    this.generation++;
    this.running = false;
    this.crashed = true;
    this.wakeUp();
  }

  /** Test hook: a crash()ed (frozen) replica carries on from the state it had, like SIGCONT. */
  revive(): void {
    if (!this.crashed) return;
    this.crashed = false;
    this.running = true;
    this.runLoop();
  }

  // ---- the loop -------------------------------------------------------------------------------

  private runLoop(): void {
    const gen = ++this.generation;
    this.loop = this.run(gen).catch((e: unknown) => {
      this.log.error('leader election loop failed', { error: describeError(e) });
    });
  }

  private live(gen: number): boolean {
    return gen === this.generation;
  }

  private async run(gen: number): Promise<void> {
    await this.sleep(0); // the first round runs from a timer too, so start() never does I/O itself
    while (this.running && this.live(gen)) {
      await this.round(gen);
      if (!this.running || !this.live(gen)) break;
      await this.sleep(this.nextDelay());
    }
  }

  /**
   * Followers retry every retryPeriod. Leaders renew every retryPeriod counted from when the last
   * successful renewal was sent (so a slow answer does not push renewals towards the deadline),
   * retry failures every retryPeriod, and wake in time to step down exactly at the renew deadline.
   */
  private nextDelay(): number {
    if (!this.leading) return this.retryPeriodMs;
    const now = this.clock.now();
    const untilDeadline = this.lastRenewAt + this.renewDeadlineMs - now;
    const sinceRenew = now - this.lastRenewAt;
    const next = sinceRenew < this.retryPeriodMs ? this.retryPeriodMs - sinceRenew : this.retryPeriodMs;
    return Math.max(0, Math.min(next, untilDeadline));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = this.clock.setTimeout(resolve, ms);
    });
  }

  private wakeUp(): void {
    this.sleepTimer?.cancel();
    this.sleepTimer = undefined;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async round(gen: number): Promise<void> {
    try {
      if (this.leading && this.clock.now() - this.lastRenewAt >= this.renewDeadlineMs) {
        // Try to acquire again only next round, so a flapping API does not flap leadership.
        this.stepDown(`could not renew the lease within the renew deadline (${this.renewDeadlineMs} ms)`);
        return;
      }
      if (this.leading && this.lease) await this.renew(gen, this.lease);
      else await this.tryAcquire(gen);
    } catch (e) {
      if (!this.live(gen)) return;
      this.log.warn(this.leading ? 'lease renewal failed; retrying' : 'lease acquire attempt failed; retrying', {
        lease: this.name,
        identity: this.identity,
        error: describeError(e),
      });
      if (this.leading && this.clock.now() - this.lastRenewAt >= this.renewDeadlineMs) {
        this.stepDown(`could not renew the lease within the renew deadline (${this.renewDeadlineMs} ms)`);
      }
    }
  }

  /** Runs one Lease call with a deadline on our clock. */
  private async call<T>(timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctl = new AbortController();
    const timer = this.clock.setTimeout(() => ctl.abort(new Error(`lease request timed out after ${timeoutMs} ms`)), Math.max(1, timeoutMs));
    try {
      return await fn(ctl.signal);
    } finally {
      timer.cancel();
    }
  }

  /** Leader fast path: PUT the lease we last wrote, guarded by its resourceVersion. */
  private async renew(gen: number, lease: V1Lease): Promise<void> {
    const now = this.clock.now();
    const body = withSpec(lease, renewSpec(recordOf(lease), this.identity, now, this.leaseDurationMs));
    const timeout = this.lastRenewAt + this.renewDeadlineMs - now;
    let updated: V1Lease;
    try {
      updated = await this.call(timeout, (signal) => this.client.replace(this.namespace, this.name, body, { signal }));
    } catch (e) {
      if (!this.live(gen)) return;
      const code = statusCodeOf(e);
      if (code === 409 || code === 404) {
        // Someone else wrote (or deleted) the lease since our last renewal: we no longer hold it.
        this.lease = undefined;
        this.stepDown(code === 409 ? 'the lease was updated by another replica (409 Conflict)' : 'the lease was deleted (404)');
        return;
      }
      throw e;
    }
    if (!this.live(gen)) return;
    this.lastRenewAt = now;
    this.observe(updated, now);
    this.log.debug('lease renewed', { lease: this.name, identity: this.identity, resourceVersion: updated.metadata?.resourceVersion });
  }

  /** Follower path: read; create if missing; take over if free, expired or already ours. */
  private async tryAcquire(gen: number): Promise<void> {
    const current = await this.call(this.renewDeadlineMs, (signal) => this.client.get(this.namespace, this.name, { signal }));
    if (!this.live(gen)) return;
    const now = this.clock.now();
    if (!current) {
      await this.create(gen, now);
      return;
    }
    const prev = this.observe(current, now);
    if (prev.holderIdentity !== '' && prev.holderIdentity !== this.identity && !isExpired(prev, this.observedAt, now, this.leaseDurationMs)) {
      return; // someone else holds a valid lease: stay a follower
    }
    const body = withSpec(current, acquireSpec(prev, this.identity, now, this.leaseDurationMs));
    let updated: V1Lease;
    try {
      updated = await this.call(this.renewDeadlineMs, (signal) => this.client.replace(this.namespace, this.name, body, { signal }));
    } catch (e) {
      if (!this.live(gen)) return;
      if (statusCodeOf(e) === 409) {
        this.log.info('another replica updated the lease first (409 Conflict); not leader', { lease: this.name, identity: this.identity });
        return;
      }
      throw e;
    }
    if (!this.live(gen)) return;
    this.lastRenewAt = now;
    this.observe(updated, now);
    this.startLeading(prev.holderIdentity);
  }

  private async create(gen: number, now: number): Promise<void> {
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
      spec: acquireSpec(undefined, this.identity, now, this.leaseDurationMs),
    };
    let created: V1Lease;
    try {
      created = await this.call(this.renewDeadlineMs, (signal) => this.client.create(this.namespace, body, { signal }));
    } catch (e) {
      if (!this.live(gen)) return;
      if (statusCodeOf(e) === 409) {
        this.log.info('another replica created the lease first (409 AlreadyExists); not leader', { lease: this.name, identity: this.identity });
        return;
      }
      throw e;
    }
    if (!this.live(gen)) return;
    this.lastRenewAt = now;
    this.observe(created, now);
    this.startLeading(undefined);
  }

  /** Records what we saw; the expiry countdown restarts whenever the record changes. */
  private observe(lease: V1Lease, now: number): LeaseRecord {
    const rec = recordOf(lease);
    const key = recordKey(rec);
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = now;
    }
    this.lease = lease;
    if (rec.holderIdentity !== this.holder) {
      this.holder = rec.holderIdentity;
      if (rec.holderIdentity !== '') {
        this.log.info('new leader observed', { lease: this.name, leader: rec.holderIdentity, identity: this.identity });
        this.callback('onNewLeader', () => this.opts.onNewLeader?.(rec.holderIdentity));
      }
    }
    return rec;
  }

  private startLeading(previous: string | undefined): void {
    if (this.leading) return;
    this.leading = true;
    const ctl = new AbortController();
    this.leadership = ctl;
    this.log.info('became leader', { lease: this.name, identity: this.identity, previous: previous || undefined });
    this.callback('onStartedLeading', () => this.opts.onStartedLeading?.(ctl.signal));
  }

  private stepDown(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.leadership?.abort(new NotLeaderError(this.identity, undefined));
    const meta = { lease: this.name, identity: this.identity, reason };
    if (reason === 'stopping') this.log.info('stopped leading', meta);
    else this.log.warn('stopped leading', meta);
    this.callback('onStoppedLeading', () => this.opts.onStoppedLeading?.());
  }

  /** Callbacks run detached; their errors are logged, never thrown into the loop. */
  private callback(name: string, fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((e: unknown) => this.log.error(`${name} failed`, { error: describeError(e) }));
    } catch (e) {
      this.log.error(`${name} failed`, { error: describeError(e) });
    }
  }

  /** Waits (at most renewDeadline) for guarded calls that started while we led. */
  private async settleInflight(): Promise<void> {
    if (this.inflight.size === 0) return;
    let timer: Timer | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = this.clock.setTimeout(resolve, this.renewDeadlineMs);
    });
    await Promise.race([Promise.allSettled([...this.inflight]), limit]);
    timer?.cancel();
  }

  /** ReleaseOnCancel: clear the holder with a resourceVersion-guarded PUT; 409/404 mean it is not ours anyway. */
  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || recordOf(lease).holderIdentity !== this.identity) return;
    const now = this.clock.now();
    try {
      const released = await this.call(this.renewDeadlineMs, (signal) =>
        this.client.replace(this.namespace, this.name, withSpec(lease, releaseSpec(recordOf(lease), now)), { signal }),
      );
      this.lease = released;
      this.holder = '';
      this.log.info('released the lease', { lease: this.name, identity: this.identity });
    } catch (e) {
      const code = statusCodeOf(e);
      if (code === 409 || code === 404) this.log.info('lease not released: it is no longer ours', { lease: this.name, identity: this.identity, error: describeError(e) });
      else this.log.warn('lease release failed; others take over when it expires', { lease: this.name, identity: this.identity, error: describeError(e) });
    }
  }
}
