// The daemon's view of leadership (isLeader, change notifications, the write fence) on top of the Lease
// elector; it fits daemon.ts's Leadership structurally (leader/ does not import the composition root).
import { LeaderElector, NotLeaderError } from './elector.js';
import type { LeaderElectorOptions } from './elector.js';

export class LeaseLeadership {
  readonly elector: LeaderElector;
  private leading = false;
  private readonly listeners = new Set<(leading: boolean) => void>();

  constructor(options: Omit<LeaderElectorOptions, 'onStartedLeading' | 'onStoppedLeading'>) {
    this.elector = new LeaderElector({ ...options, onStartedLeading: () => this.set(true), onStoppedLeading: () => this.set(false) });
  }

  start(): void {
    this.elector.start();
  }

  stop(): Promise<void> {
    return this.elector.stop();
  }

  isLeader(): boolean {
    return this.leading && this.elector.isLeader();
  }

  /** The ConfigMap write's fence: the elector's guard, refused outright once this side has stepped down. */
  guard<T>(write: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (!this.leading) return Promise.reject(new NotLeaderError(this.elector.identity, this.elector.leader()));
    return this.elector.guard(write);
  }

  onChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    for (const l of [...this.listeners]) l(leading);
  }
}
