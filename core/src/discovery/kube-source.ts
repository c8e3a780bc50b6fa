// Informer sources backed by the real API server (through @kubernetes/client-node): list, then watch from the
// list's resourceVersion with bookmarks and a server-side timeout, so a watch is renewed regularly.
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { InformerSource, WatchEvent, WatchHandle } from './informer.js';

/** Items per list page: bounds the memory a relist of a large cluster needs at once. */
export const LIST_PAGE_SIZE = 500;

export interface SourceOptions {
  /** Server-side watch timeout; the informer reconnects from its resourceVersion after it. */
  watchTimeoutSeconds?: number;
  labelSelector?: string;
  fieldSelector?: string;
}

const WATCH_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

function watchVia(kc: KubeConfig, path: string, options: SourceOptions): InformerSource['watch'] {
  return async (resourceVersion, onEvent, onDone): Promise<WatchHandle> => {
    const timeout = options.watchTimeoutSeconds ?? 300;
    const controller = await new Watch(kc).watch(
      path,
      {
        resourceVersion,
        allowWatchBookmarks: true,
        // Jitter spreads reconnects of many replicas.
        timeoutSeconds: Math.round(timeout * (0.9 + Math.random() * 0.2)),
        ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
        ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
      },
      (type: string, object: unknown) => {
        if (WATCH_TYPES.has(type)) onEvent({ type, object } as WatchEvent);
      },
      (err: unknown) => onDone(err ?? undefined),
    );
    return { abort: () => controller.abort() };
  };
}

/** All Services of the cluster. */
export function serviceSource(kc: KubeConfig, options: SourceOptions = {}): InformerSource {
  const api = kc.makeApiClient(CoreV1Api);
  return {
    async list(onPage) {
      // Paged (limit/continue), each page handed over and dropped before the next is fetched.
      let cont: string | undefined;
      let resourceVersion = '';
      const items: unknown[] = [];
      do {
        const page = await api.listServiceForAllNamespaces({
          limit: LIST_PAGE_SIZE,
          ...(cont ? { _continue: cont } : {}),
          ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
          ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
        });
        if (onPage) onPage(page.items);
        else items.push(...page.items);
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        cont = page.metadata?._continue || undefined;
      } while (cont);
      return { items, resourceVersion };
    },
    watch: watchVia(kc, '/api/v1/services', options),
  };
}

/** One ConfigMap (by name), watched so that drift is repaired within seconds. */
export function configMapSource(kc: KubeConfig, namespace: string, name: string, options: SourceOptions = {}): InformerSource {
  const api = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  return {
    async list() {
      const list = await api.listNamespacedConfigMap({ namespace, fieldSelector });
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: watchVia(kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`, { ...options, fieldSelector }),
  };
}
