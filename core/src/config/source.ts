// Where the detector config comes from, and how a change is noticed: a file (watched through its directory,
// because a mounted ConfigMap is swapped by the kubelet via a `..data` symlink, not written in place), or a
// ConfigMap read through the API (--config-configmap ns/name).
import { watch } from 'chokidar';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Informer } from '../discovery/informer.js';
import { configMapSource } from '../discovery/kube-source.js';
import { projectConfigMap } from '../discovery/configmap.js';
import type { ConfigMapShape } from '../discovery/configmap.js';
import { loadConfigFile, parseConfigOffThread } from './load.js';
import type { ConfigResult, LoadOptions } from './load.js';
import { DEFAULT_CONFIG } from './schema.js';

export interface ConfigSource {
  /** For logs and errors: "file config/detector-config.yaml" or "ConfigMap ns/name key detector-config.yaml". */
  readonly description: string;
  load(): Promise<ConfigResult>;
  /** Calls `onChange` (debounced) whenever the config may have changed; returns a stop function. */
  watch(onChange: () => void): Promise<() => Promise<void>>;
}

export function fileConfigSource(file: string, options: LoadOptions = {}, debounceMs = 100): ConfigSource {
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  const base = path.basename(absolute);
  return {
    description: `file ${file}`,
    load: () => loadConfigFile(file, options),
    async watch(onChange) {
      let timer: NodeJS.Timeout | undefined;
      let confirm: NodeJS.Timeout | undefined;
      const watcher = watch(dir, { ignoreInitial: true, depth: 1, followSymlinks: false, ignorePermissionErrors: true });
      watcher.on('all', (_event, changed) => {
        const rel = path.relative(dir, changed);
        // The file itself, or the kubelet's atomic swap of ..data (and the timestamped dir behind it).
        if (rel !== base && !rel.startsWith('..')) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          onChange();
          // File times are coarse and chokidar drops a change with an unchanged mtime: look once more shortly.
          if (confirm) clearTimeout(confirm);
          confirm = setTimeout(onChange, 300);
        }, debounceMs);
      });
      await new Promise<void>((r) => watcher.once('ready', () => r()));
      return async () => {
        if (timer) clearTimeout(timer);
        if (confirm) clearTimeout(confirm);
        await watcher.close();
      };
    },
  };
}

export const CONFIGMAP_CONFIG_KEY = 'detector-config.yaml';

export function configMapConfigSource(kc: KubeConfig, namespace: string, name: string, options: LoadOptions = {}, key = CONFIGMAP_CONFIG_KEY): ConfigSource {
  const informer = new Informer<ConfigMapShape>({
    source: configMapSource(kc, namespace, name),
    project: projectConfigMap,
    keyOf: (cm) => `${cm.metadata.namespace}/${cm.metadata.name}`,
  });
  const where = `ConfigMap ${namespace}/${name} key ${key}`;
  let started = false;
  const ensure = async () => {
    if (!started) {
      started = true;
      informer.start();
    }
    await informer.waitForSync();
  };
  return {
    description: where,
    async load() {
      await ensure();
      const cm = informer.get(`${namespace}/${name}`);
      const text = cm?.data?.[key];
      // A ConfigMap deleted (or its key removed) through the API is a deliberate act: the defaults, as at start.
      // An empty value is not: like an empty file, a reload keeps the running config (reloader.ts).
      if (text === undefined) {
        return { ok: true, config: DEFAULT_CONFIG, warnings: [{ file: where, message: cm ? `key ${key} not found: using the defaults` : 'ConfigMap not found: using the defaults' }] };
      }
      // The size cap is checked on the value's length before anything is parsed (parseConfigOffThread).
      return parseConfigOffThread(text, where, options);
    },
    async watch(onChange) {
      await ensure();
      const off = informer.onChange(() => onChange());
      return async () => {
        off();
        informer.stop();
      };
    },
  };
}
