// Watches the plugins directory and asks the registry to rescan it. Any event — a bundle written, replaced,
// removed, or a mounted ConfigMap's `..data` symlink swapped by the kubelet — triggers the same level-triggered
// rescan (the registry diffs by content hash), debounced so a burst of writes costs one rescan. A slow periodic
// rescan covers filesystems whose events get lost (and a directory that appears later). File timestamps are
// coarse (a few ms), and chokidar drops a change whose mtime equals the previous one, so every event-driven
// rescan is followed by one confirming rescan a moment later.
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';

export interface PluginWatcherOptions {
  dir: string;
  rescan: () => Promise<void>;
  debounceMs?: number;
  /** Safety-net rescan period; 0 disables it. */
  periodMs?: number;
  /** Delay of the confirming rescan after an event-driven one. */
  settleMs?: number;
  onError?: (err: unknown) => void;
}

export class PluginWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private again = false;

  constructor(private readonly options: PluginWatcherOptions) {}

  start(): void {
    this.watcher = watch(this.options.dir, {
      ignoreInitial: true,
      depth: 1, // the top-level bundles and the kubelet's ..data/ swap
      followSymlinks: false,
      ignorePermissionErrors: true,
    });
    this.watcher.on('all', () => this.schedule(true));
    this.watcher.on('error', (err) => this.options.onError?.(err));
    const period = this.options.periodMs ?? 30_000;
    if (period > 0) {
      this.periodic = setInterval(() => this.schedule(false), period);
      this.periodic.unref();
    }
  }

  /** Resolves when any rescan in progress (or scheduled) has finished. */
  async idle(): Promise<void> {
    while (this.timer || this.running || this.settle) {
      await (this.running ?? new Promise((r) => setTimeout(r, this.options.debounceMs ?? 50)));
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.settle) clearTimeout(this.settle);
    if (this.periodic) clearInterval(this.periodic);
    this.timer = undefined;
    this.settle = undefined;
    this.stopped = true;
    await this.watcher?.close();
    await this.running;
  }

  private schedule(fromEvent: boolean): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
      if (fromEvent) {
        if (this.settle) clearTimeout(this.settle);
        this.settle = setTimeout(() => {
          this.settle = undefined;
          void this.run();
        }, this.options.settleMs ?? 300);
      }
    }, this.options.debounceMs ?? 50);
  }

  // One rescan at a time; events during a rescan cause exactly one more.
  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.options.rescan();
        } catch (err) {
          this.options.onError?.(err);
        }
      } while (this.again);
    })();
    await this.running;
    this.running = undefined;
  }
}
