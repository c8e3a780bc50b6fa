// Informer sources backed by the real API server (through @kubernetes/client-node): list, then watch from the
// list's resourceVersion with bookmarks and a server-side timeout, so a watch is renewed regularly.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RequestOptions } from 'node:https';
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

/** A progress check's watch: the server closes it after this (the smallest timeoutSeconds there is). */
const PROBE_WATCH_SECONDS = 1;
/** A progress check that has not answered by then cannot tell. */
const PROBE_DEADLINE_MS = 5000;

/**
 * The informer's progress check: a watch from `resourceVersion` that the server ends after a second. The API
 * server replays every event after that resourceVersion from its watch cache first (k8s.io/apiserver
 * pkg/storage/cacher/watch_cache.go, getAllEventsSince), so any event at all means a change after it; an ERROR
 * (410: that history is gone) means changes were missed too. A clean end with nothing means nothing changed.
 */
function probeVia(kc: KubeConfig, path: string, options: SourceOptions): NonNullable<InformerSource['probe']> {
  return (resourceVersion) =>
    new Promise<boolean>((resolve, reject) => {
      let settled = false;
      let controller: AbortController | undefined;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        controller?.abort();
        fn();
      };
      const deadline = setTimeout(() => settle(() => reject(new Error('progress check did not answer'))), PROBE_DEADLINE_MS);
      deadline.unref?.();
      new Watch(kc)
        .watch(
          path,
          {
            resourceVersion,
            timeoutSeconds: PROBE_WATCH_SECONDS,
            ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
            ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
          },
          (type: string) => {
            if (type !== 'BOOKMARK') settle(() => resolve(true));
          },
          (err: unknown) => settle(() => (err ? reject(err) : resolve(false))),
        )
        .then(
          (c) => {
            controller = c;
            if (settled) c.abort();
          },
          (err: unknown) => settle(() => reject(err)),
        );
    });
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
    probe: probeVia(kc, '/api/v1/services', options),
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
    probe: probeVia(kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`, { ...options, fieldSelector }),
  };
}

/** A list page larger than this is refused rather than parsed (500 Pods are a few MiB; etcd caps an object at 1.5 MiB). */
export const MAX_LIST_PAGE_BYTES = 256 * 1024 * 1024;

/** An API error answered by the server: `statusCode` as the informer and callers read it, the Status message. */
export class ApiStatusError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * GET of a JSON document through the kubeconfig's TLS and credentials, parsed as plain data. Workload lists use
 * this instead of client-node's typed clients: its ObjectSerializer turns every Pod into model class instances
 * (dates included) that are projected and dropped at once, several times the cost of the parse itself.
 */
async function getJson(kc: KubeConfig, path: string, query: Record<string, string>): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${cluster.server.replace(/\/+$/, '')}${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const request: RequestOptions = { headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(request);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  try {
    return await new Promise<unknown>((resolve, reject) => {
      const req = send(url, { ...request, method: 'GET' }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_LIST_PAGE_BYTES) {
            req.destroy(new Error(`${path}: a list page over ${MAX_LIST_PAGE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve(JSON.parse(text));
            } catch (err) {
              reject(new Error(`${path}: the answer is not JSON: ${(err as Error).message}`));
            }
            return;
          }
          let message = `HTTP ${status}`;
          try {
            const s = JSON.parse(text) as { message?: unknown };
            if (typeof s.message === 'string') message = s.message;
          } catch {
            // not a Status body: the code says enough
          }
          reject(new ApiStatusError(status, message));
        });
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    if (request.agent instanceof HttpAgent) request.agent.destroy();
  }
}

/** Paged list of a cluster-wide collection as plain JSON, each page handed over (and dropped) before the next. */
function rawList(kc: KubeConfig, path: string, options: SourceOptions): InformerSource['list'] {
  return async (onPage) => {
    let cont: string | undefined;
    let resourceVersion = '';
    const items: unknown[] = [];
    do {
      const page = (await getJson(kc, path, {
        limit: String(LIST_PAGE_SIZE),
        ...(cont ? { continue: cont } : {}),
        ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
        ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
      })) as { items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown } } | null;
      const pageItems = Array.isArray(page?.items) ? (page.items as unknown[]) : [];
      if (onPage) onPage(pageItems);
      else items.push(...pageItems);
      if (typeof page?.metadata?.resourceVersion === 'string') resourceVersion = page.metadata.resourceVersion;
      cont = typeof page?.metadata?.continue === 'string' && page.metadata.continue !== '' ? page.metadata.continue : undefined;
    } while (cont);
    return { items, resourceVersion };
  };
}

/** All Pods of the cluster (workload evidence), listed as plain JSON. */
export function podSource(kc: KubeConfig, options: SourceOptions = {}): InformerSource {
  return { list: rawList(kc, '/api/v1/pods', options), watch: watchVia(kc, '/api/v1/pods', options), probe: probeVia(kc, '/api/v1/pods', options) };
}

/** All discovery.k8s.io/v1 EndpointSlices of the cluster (which Pods back which Service), listed as plain JSON. */
export function endpointSliceSource(kc: KubeConfig, options: SourceOptions = {}): InformerSource {
  const path = '/apis/discovery.k8s.io/v1/endpointslices';
  return { list: rawList(kc, path, options), watch: watchVia(kc, path, options), probe: probeVia(kc, path, options) };
}

/** The custom resources of one kind at one version, cluster-wide, listed as plain JSON (operator evidence). */
export function customResourceSource(kc: KubeConfig, group: string, version: string, plural: string, options: SourceOptions = {}): InformerSource {
  const path = `/apis/${group}/${version}/${plural}`;
  return { list: rawList(kc, path, options), watch: watchVia(kc, path, options), probe: probeVia(kc, path, options) };
}

/** One APIResourceList of API discovery, as much of it as operator detection reads. */
export interface ServedGroupVersion {
  groupVersion: string;
  resources: Array<{ name: string; kind: string }>;
}

/**
 * API discovery for the group/versions asked for (`group/version`): one GET of /apis for the groups and versions
 * served, then /apis/<group>/<version> for each one asked for that is there. A group/version the server stops
 * serving between the two calls (404) is simply absent.
 */
export async function discoverGroupVersions(kc: KubeConfig, wanted: readonly string[]): Promise<ServedGroupVersion[]> {
  const want = new Set(wanted);
  const list = (await getJson(kc, '/apis', {})) as { groups?: unknown } | null;
  const served: string[] = [];
  for (const g of Array.isArray(list?.groups) ? (list.groups as unknown[]) : []) {
    const versions = (g as { versions?: unknown } | null)?.versions;
    for (const v of Array.isArray(versions) ? (versions as unknown[]) : []) {
      const gv = (v as { groupVersion?: unknown } | null)?.groupVersion;
      if (typeof gv === 'string' && want.has(gv)) served.push(gv);
    }
  }
  const out: ServedGroupVersion[] = [];
  for (const gv of served) {
    let doc: { resources?: unknown } | null;
    try {
      doc = (await getJson(kc, `/apis/${gv}`, {})) as { resources?: unknown } | null;
    } catch (err) {
      if ((err as { statusCode?: unknown }).statusCode === 404) continue;
      throw err;
    }
    const resources: Array<{ name: string; kind: string }> = [];
    for (const r of Array.isArray(doc?.resources) ? (doc.resources as unknown[]) : []) {
      const o = r as { name?: unknown; kind?: unknown } | null;
      if (typeof o?.name === 'string' && typeof o.kind === 'string') resources.push({ name: o.name, kind: o.kind });
    }
    out.push({ groupVersion: gv, resources });
  }
  return out;
}
