// Versioned object storage: one cluster-wide, strictly rising resourceVersion (like etcd's revision)
// shared by every kind, plus a bounded per-resource event history that watches replay from
// (like the API server's per-resource watch cache).
import type { ResourceType } from './resources.js';
import { metaOf, str, type KubeObject } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A stored change. Objects are in storage form (no kind/apiVersion) and must not be mutated. */
export interface StoredEvent {
  type: EventType;
  rv: number;
  object: KubeObject;
  /** The state before this change (MODIFIED and DELETED). */
  prev?: KubeObject;
}

export type Listener = (event: StoredEvent) => void;

interface History {
  events: StoredEvent[];
  /** True once the window dropped an event: from then on old resourceVersions can expire. */
  evicted: boolean;
}

export type SinceResult = { events: StoredEvent[] } | { expired: true; oldest: number };

function resourceKey(rt: ResourceType): string {
  return `${rt.group}/${rt.resource}`;
}

/** etcd key order: namespace/name as bytes, so cluster-wide lists sort like the real server's. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class Store {
  private rv: number;
  private readonly tables = new Map<string, Map<string, KubeObject>>();
  private readonly histories = new Map<string, History>();
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly historyWindow: number,
    initialResourceVersion = 1,
  ) {
    this.rv = initialResourceVersion;
  }

  currentResourceVersion(): number {
    return this.rv;
  }

  private table(rt: ResourceType): Map<string, KubeObject> {
    const k = resourceKey(rt);
    let t = this.tables.get(k);
    if (!t) {
      t = new Map();
      this.tables.set(k, t);
    }
    return t;
  }

  private history(rt: ResourceType): History {
    const k = resourceKey(rt);
    let h = this.histories.get(k);
    if (!h) {
      h = { events: [], evicted: false };
      this.histories.set(k, h);
    }
    return h;
  }

  /** The stored object (read-only: clone before changing it). */
  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.table(rt).get(objectKey(rt.namespaced ? namespace : undefined, name));
  }

  /** Stored objects in key order, optionally limited to one namespace (read-only). */
  list(rt: ResourceType, namespace?: string): Array<{ key: string; object: KubeObject }> {
    const out: Array<{ key: string; object: KubeObject }> = [];
    for (const [key, object] of this.table(rt)) {
      if (namespace !== undefined && str(metaOf(object).namespace) !== namespace) continue;
      out.push({ key, object });
    }
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  /**
   * Commits a change: stamps the next resourceVersion on `object` (which the store takes
   * ownership of), records it in the history window and notifies watchers synchronously,
   * so replay-then-subscribe in one tick never misses or duplicates an event.
   */
  commit(rt: ResourceType, type: EventType, object: KubeObject, prev?: KubeObject): StoredEvent {
    this.rv += 1;
    const md = metaOf(object);
    md.resourceVersion = String(this.rv);
    const key = objectKey(rt.namespaced ? str(md.namespace) : undefined, str(md.name) ?? '');
    if (type === 'DELETED') this.table(rt).delete(key);
    else this.table(rt).set(key, object);
    const event: StoredEvent = prev === undefined ? { type, rv: this.rv, object } : { type, rv: this.rv, object, prev };
    const h = this.history(rt);
    h.events.push(event);
    if (h.events.length > this.historyWindow) {
      h.events.splice(0, h.events.length - this.historyWindow);
      h.evicted = true;
    }
    for (const l of [...(this.listeners.get(resourceKey(rt)) ?? [])]) l(event);
    return event;
  }

  /**
   * Events after `rv` for one resource. Mirrors the watch cache's rule: once the window has
   * dropped events, anything older than (oldest retained - 1) is "too old".
   */
  since(rt: ResourceType, rv: number): SinceResult {
    const h = this.history(rt);
    const first = h.events[0];
    if (h.evicted && first !== undefined && rv < first.rv - 1) return { expired: true, oldest: first.rv - 1 };
    return { events: h.events.filter((e) => e.rv > rv) };
  }

  /**
   * Stored objects as they were at `rv`, in key order (read-only): what etcd serves for a list at an old
   * revision, which is how the API server keeps the pages of a paginated list consistent. The current table
   * with the changes since `rv` undone; expired when the history no longer reaches back that far.
   */
  listAt(rt: ResourceType, namespace: string | undefined, rv: number): { items: Array<{ key: string; object: KubeObject }> } | { expired: true } {
    const since = this.since(rt, rv);
    if ('expired' in since) return { expired: true };
    const current = this.list(rt, namespace);
    if (since.events.length === 0) return { items: current };
    // Per key touched since rv: its state at rv (undefined = it did not exist then).
    const then = new Map<string, KubeObject | undefined>();
    for (let i = since.events.length - 1; i >= 0; i--) {
      const ev = since.events[i]!;
      const md = metaOf(ev.object);
      then.set(objectKey(rt.namespaced ? str(md.namespace) : undefined, str(md.name) ?? ''), ev.type === 'ADDED' ? undefined : ev.prev);
    }
    const items = current.filter((e) => !then.has(e.key));
    for (const [key, object] of then) {
      if (object === undefined) continue;
      if (namespace !== undefined && str(metaOf(object).namespace) !== namespace) continue;
      items.push({ key, object });
    }
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items };
  }

  /** Namespaces that currently hold at least one object. */
  namespaces(): Set<string> {
    const out = new Set<string>();
    for (const table of this.tables.values()) {
      for (const obj of table.values()) {
        const ns = str(metaOf({ ...obj }).namespace);
        if (ns) out.add(ns);
      }
    }
    return out;
  }

  subscribe(rt: ResourceType, listener: Listener): () => void {
    const k = resourceKey(rt);
    let set = this.listeners.get(k);
    if (!set) {
      set = new Set();
      this.listeners.set(k, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}
