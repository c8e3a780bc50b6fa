// The set of loaded plugins: built-in bundles plus the bundles in the plugins directory, each loaded through
// the same sandbox. A bundle that fails to load never disturbs the running set, and a replaced bundle keeps its
// previous version running until the new one has loaded.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readManifestBanner } from '@kubernaut/toolset-sdk';
import { DEFAULT_CONFIG } from '../config/schema.js';
import type { Config } from '../config/schema.js';
import { SandboxedPlugin, DEFAULT_LIMITS } from '../sandbox/plugin.js';
import type { PluginObserver, PluginStats, SandboxLimits } from '../sandbox/plugin.js';
import { orderDetectors } from './order.js';
import type { OrderedDetector } from './order.js';

export type PluginSource = 'builtin' | 'file';
export type PluginStatus = 'active' | 'failed' | 'refused';

export interface PluginInfo {
  name: string;
  version?: string;
  description?: string;
  type?: string;
  apiVersion?: number;
  source: PluginSource;
  file: string;
  sha256: string;
  status: PluginStatus;
  /** Why the bundle is not (or not in its newest version) running. */
  lastError?: string;
  loadedAt?: string;
  stats?: PluginStats;
}

export interface RegistryLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

const silent: RegistryLogger = { info() {}, warn() {}, error() {} };

export interface RegistryOptions {
  builtinDir: string;
  /** The watched directory of external bundles; omitted → built-ins only. */
  pluginsDir?: string;
  limits?: SandboxLimits;
  observer?: PluginObserver;
  log?: RegistryLogger;
}

/** A detector ready to run: its place in the order and, if loaded and enabled, its plugin. */
export interface DetectorSlot extends OrderedDetector {
  plugin: SandboxedPlugin;
}

interface FileState {
  file: string;
  source: PluginSource;
  sha256: string;
  status: PluginStatus;
  plugin?: SandboxedPlugin;
  error?: string;
  loadedAt?: string;
  /** Manifest facts even when not active (e.g. refused for a duplicate name). */
  manifest?: { name: string; version?: string; description?: string; type?: string; apiVersion?: number };
}

export function sha256Of(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class PluginRegistry {
  private readonly files = new Map<string, FileState>();
  private config: Config = DEFAULT_CONFIG;
  private readonly listeners = new Set<() => void>();
  private readonly limits: SandboxLimits;
  private readonly log: RegistryLogger;
  private serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RegistryOptions) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.log = options.log ?? silent;
  }

  /** Called after every change of the active set or its configuration. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the built-ins and the plugins directory under `config`. */
  start(config: Config = DEFAULT_CONFIG): Promise<void> {
    return this.exclusive(async () => {
      this.config = config;
      const builtins = await listBundles(this.options.builtinDir);
      if (builtins.length === 0) this.log.error('no built-in plugin bundles found; run "npm run build"', { dir: this.options.builtinDir });
      for (const file of builtins) await this.loadFile(file, 'builtin');
      await this.scanExternal();
      await this.configurePlugins();
      this.emit();
    });
  }

  /** Re-reads the plugins directory: loads new bundles, replaces changed ones, unloads removed ones. */
  rescan(): Promise<void> {
    return this.exclusive(async () => {
      if (await this.scanExternal()) {
        await this.configurePlugins();
        this.emit();
      }
    });
  }

  /** Applies a new config: enablement, order, per-plugin config, sha256 pins and explicit paths. */
  applyConfig(config: Config): Promise<void> {
    return this.exclusive(async () => {
      this.config = config;
      // Pins or paths may now refuse an active plugin or admit a refused one; unaffected plugins keep running.
      for (const state of [...this.files.values()]) {
        if (state.status === 'refused') {
          this.files.delete(state.file); // re-decided by the scan below
        } else if (state.plugin) {
          const problem = this.pinProblem(state.plugin.name, state.sha256) ?? this.nameProblem(state.plugin.name, state.file, state.source);
          if (problem) {
            state.plugin.dispose();
            this.files.set(state.file, { ...state, plugin: undefined, status: 'refused', error: problem });
            this.log.error('plugin refused', { plugin: state.manifest?.name, file: state.file, error: problem });
          }
        }
      }
      await this.scanExternal();
      await this.configurePlugins();
      this.emit();
    });
  }

  /** Enabled, loaded detectors in run order. */
  detectors(): DetectorSlot[] {
    const active = this.activePlugins();
    const ordering = orderDetectors(
      [...active.entries()].map(([name, s]) => ({ name, builtin: s.source === 'builtin' })),
      this.config,
    );
    return ordering.detectors.filter((d) => d.enabled).map((d) => ({ ...d, plugin: active.get(d.name)!.plugin! }));
  }

  /** Every detector in order, enabled or not (for statistics and explain). */
  ordering(): { detectors: OrderedDetector[]; warnings: string[] } {
    const active = this.activePlugins();
    return orderDetectors(
      [...active.entries()].map(([name, s]) => ({ name, builtin: s.source === 'builtin' })),
      this.config,
    );
  }

  /** Every bundle the registry knows, loaded or not. */
  list(): PluginInfo[] {
    return [...this.files.values()]
      .map((s): PluginInfo => ({
        name: s.plugin?.name ?? s.manifest?.name ?? path.basename(s.file, '.js'),
        ...(s.manifest?.version !== undefined ? { version: s.manifest.version } : {}),
        ...(s.manifest?.description !== undefined ? { description: s.manifest.description } : {}),
        ...(s.manifest?.type !== undefined ? { type: s.manifest.type } : {}),
        ...(s.manifest?.apiVersion !== undefined ? { apiVersion: s.manifest.apiVersion } : {}),
        source: s.source,
        file: s.file,
        sha256: s.sha256,
        status: s.status,
        ...(s.error !== undefined ? { lastError: s.error } : {}),
        ...(s.loadedAt !== undefined ? { loadedAt: s.loadedAt } : {}),
        ...(s.plugin ? { stats: { ...s.plugin.stats } } : {}),
      }))
      .sort((a, b) => (a.source === b.source ? a.name.localeCompare(b.name) : a.source === 'builtin' ? -1 : 1));
  }

  /** Config warnings (e.g. a configured detector that is not loaded). */
  warnings(): string[] {
    return this.ordering().warnings;
  }

  stop(): Promise<void> {
    return this.exclusive(async () => {
      for (const s of this.files.values()) s.plugin?.dispose();
      this.files.clear();
    });
  }

  private activePlugins(): Map<string, FileState> {
    const out = new Map<string, FileState>();
    for (const s of this.files.values()) if (s.plugin) out.set(s.plugin.name, s);
    return out;
  }

  private emit(): void {
    for (const l of [...this.listeners]) l();
  }

  // One change at a time: loads are async, and two rescans must not race on the same file.
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.serial.then(fn, fn);
    this.serial = next.catch(() => undefined);
    return next;
  }

  private configuredPathFor(name: string): string | undefined {
    const rel = this.config.detectors[name]?.plugin?.path;
    return rel !== undefined && this.options.pluginsDir !== undefined ? path.resolve(this.options.pluginsDir, rel) : undefined;
  }

  private async scanExternal(): Promise<boolean> {
    const dir = this.options.pluginsDir;
    const wanted = new Set<string>();
    if (dir !== undefined) {
      for (const f of await listBundles(dir)) wanted.add(f);
      for (const d of Object.values(this.config.detectors)) {
        if (d.plugin?.path !== undefined) wanted.add(path.resolve(dir, d.plugin.path));
      }
    }
    let changed = false;
    for (const [file, state] of [...this.files]) {
      if (state.source === 'file' && !wanted.has(file)) {
        state.plugin?.dispose();
        this.files.delete(file);
        this.log.info('plugin removed', { plugin: state.plugin?.name ?? state.manifest?.name, file });
        changed = true;
      }
    }
    for (const file of [...wanted].sort()) {
      if (await this.loadFile(file, 'file')) changed = true;
    }
    return changed;
  }

  /** Loads or reloads one bundle if its content changed. Returns true when the active set changed. */
  private async loadFile(file: string, source: PluginSource): Promise<boolean> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      return this.recordFailure(file, source, '', `cannot read bundle: ${(err as Error).message}`);
    }
    const sha256 = sha256Of(bytes);
    const previous = this.files.get(file);
    if (previous && previous.sha256 === sha256) return false;
    const code = bytes.toString('utf8');

    // Refuse a pinned bundle whose hash is wrong before running any of its code.
    const banner = readManifestBanner(code);
    const early = banner?.name !== undefined ? this.pinProblem(banner.name, sha256) : undefined;
    if (early) return this.recordFailure(file, source, sha256, early, 'refused', banner);

    let plugin: SandboxedPlugin;
    try {
      plugin = await SandboxedPlugin.load(code, path.basename(file), this.limits, this.options.observer);
    } catch (err) {
      return this.recordFailure(file, source, sha256, (err as Error).message);
    }
    const manifest = plugin.manifest;
    const problem = this.pinProblem(manifest.name, sha256) ?? this.nameProblem(manifest.name, file, source);
    if (problem) {
      plugin.dispose();
      return this.recordFailure(file, source, sha256, problem, 'refused', manifest);
    }
    previous?.plugin?.dispose();
    this.files.set(file, { file, source, sha256, status: 'active', plugin, loadedAt: new Date().toISOString(), manifest });
    this.log.info(previous?.plugin ? 'plugin replaced' : 'plugin loaded', {
      plugin: manifest.name,
      version: manifest.version,
      source,
      file,
      sha256,
      ...(previous?.plugin ? { previousVersion: previous.plugin.manifest.version } : {}),
    });
    return true;
  }

  private pinProblem(name: string, sha256: string): string | undefined {
    const pin = this.config.detectors[name]?.plugin?.sha256;
    return pin !== undefined && pin !== sha256
      ? `sha256 mismatch for plugin "${name}": the config pins ${pin}, the bundle is ${sha256}; refusing a bundle that may have been tampered with`
      : undefined;
  }

  private nameProblem(name: string, file: string, source: PluginSource): string | undefined {
    for (const other of this.files.values()) {
      if (other.file !== file && other.plugin?.name === name) {
        return `duplicate plugin name "${name}": already provided by ${other.source === 'builtin' ? 'the built-in bundle' : 'bundle'} ${other.file}`;
      }
    }
    const configured = source === 'file' ? this.configuredPathFor(name) : undefined;
    if (configured !== undefined && configured !== file) {
      return `plugin "${name}" is configured to load from ${configured} (detectors.${name}.plugin.path); ignoring this copy`;
    }
    return undefined;
  }

  /** A failed (re)load keeps whatever was running from that file. Returns true if the active set changed. */
  private recordFailure(
    file: string,
    source: PluginSource,
    sha256: string,
    error: string,
    status: PluginStatus = 'failed',
    manifest?: FileState['manifest'] | Partial<{ name: string }>,
  ): boolean {
    const previous = this.files.get(file);
    const name = manifest?.name ?? previous?.plugin?.name ?? path.basename(file, '.js');
    if (previous?.plugin && status === 'failed') {
      previous.error = `new version (sha256 ${sha256.slice(0, 12)}) failed to load, still running version ${previous.plugin.manifest.version}: ${error}`;
      previous.sha256 = sha256 || previous.sha256;
      this.log.error('plugin update failed; previous version keeps running', { plugin: name, file, error });
      return false;
    }
    previous?.plugin?.dispose();
    this.files.set(file, { file, source, sha256, status, error, ...(manifest?.name ? { manifest: manifest as FileState['manifest'] } : {}) });
    this.log.error(status === 'refused' ? 'plugin refused' : 'plugin failed to load', { plugin: name, file, error });
    return previous?.plugin !== undefined;
  }

  private async configurePlugins(): Promise<void> {
    for (const s of this.files.values()) {
      if (s.plugin) await s.plugin.configure(this.config.detectors[s.plugin.name]?.plugin?.config ?? {});
    }
  }
}

/** Top-level `*.js` files of a directory, following symlinks (a mounted ConfigMap is all symlinks). */
export async function listBundles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir)) {
    if (!entry.endsWith('.js') || entry.startsWith('.')) continue;
    const file = path.join(dir, entry);
    try {
      if ((await stat(file)).isFile()) out.push(file);
    } catch {
      /* a dangling symlink mid-swap: the next rescan sees the new target */
    }
  }
  return out.sort();
}
