// REST semantics on top of the store, like the generic registry (k8s.io/apiserver/pkg/registry/generic):
// create/update/patch/delete with validation, optimistic concurrency, no-op detection, system
// metadata and managedFields. Used by both the HTTP layer and the programmatic helpers.
import { randomUUID } from 'node:crypto';
import { nextManagedFields } from './managedfields.js';
import { applyJsonPatch, decodeJsonPatch, mergePatch, strategicMergePatch, type PatchType } from './patch.js';
import { apiVersionOf, groupKind, groupResource, type ResourceType, type StrategyContext } from './resources.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, type Selector } from './selectors.js';
import { ApiError, errors, FieldError, makeStatus } from './status.js';
import type { Store, StoredEvent } from './store.js';
import { deepClone, deepEqual, isJsonObject, metaOf, str, stringMap, type JsonObject, type JsonValue, type KubeObject } from './types.js';
import { validateMetaMaps } from './validation.js';

/** Who is writing and how: drives managedFields and dry runs. */
export interface WriteContext {
  /** Field manager: the `fieldManager` parameter or the user-agent prefix, as upstream. */
  manager: string;
  dryRun?: boolean;
  /** True when the caller passed `fieldManager` explicitly (server-side apply requires it). */
  explicitManager?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

const META_ORDER = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

/** metav1.Time: RFC 3339 at second precision. */
export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function orderMeta(md: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of META_ORDER) if (md[k] !== undefined) out[k] = md[k] as JsonValue;
  for (const [k, v] of Object.entries(md)) if (!(k in out)) out[k] = v;
  return out;
}

/**
 * Wire form: kind, apiVersion, metadata first and status last, like Go struct field order. A view for serialising at
 * once: new top level and metadata maps, every other value shared with `obj` (do not change it; toWire copies).
 */
export function wireView(rt: ResourceType, obj: KubeObject): KubeObject {
  const out: KubeObject = { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: orderMeta(metaOf({ ...obj })) };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'kind' || k === 'apiVersion' || k === 'metadata' || k === 'status') continue;
    out[k] = v;
  }
  if (obj.status !== undefined) out.status = obj.status;
  return out;
}

/** Wire form (see wireView), a copy the caller owns. */
export function toWire(rt: ResourceType, obj: KubeObject): KubeObject {
  return deepClone(wireView(rt, obj));
}

/**
 * The wire JSON of stored objects, made once per object and served version: the create's response, its watch event
 * on every stream, later GETs and the DELETE answer all carry the same bytes. Only for objects the store holds (or
 * held), which nothing changes once committed.
 */
const wireCache = new WeakMap<KubeObject, { apiVersion: string; kind: string; json: string }>();

export function storedWireJson(rt: ResourceType, obj: KubeObject): string {
  const apiVersion = apiVersionOf(rt);
  const hit = wireCache.get(obj);
  if (hit !== undefined && hit.apiVersion === apiVersion && hit.kind === rt.kind) return hit.json;
  const json = JSON.stringify(wireView(rt, obj));
  wireCache.set(obj, { apiVersion, kind: rt.kind, json });
  return json;
}

/** What a read or write answers with, serialised without copying, or copied for a caller who keeps it. */
export class Reply {
  private constructor(
    private readonly rt: ResourceType | undefined,
    private readonly obj: KubeObject,
    private readonly stored: boolean,
  ) {}

  /** An object the store holds (or held): never changed again, so its JSON is cached. */
  static stored(rt: ResourceType, obj: KubeObject): Reply {
    return new Reply(rt, obj, true);
  }

  /** An object the store does not hold (a dry run's result). */
  static transient(rt: ResourceType, obj: KubeObject): Reply {
    return new Reply(rt, obj, false);
  }

  /** A body already in wire form that nothing else references (a Status). */
  static body(body: JsonObject): Reply {
    return new Reply(undefined, body, false);
  }

  /** The body to send (pretty: what JSON.stringify(body, null, 2) gives). */
  json(pretty = false): string {
    if (this.rt === undefined) return pretty ? JSON.stringify(this.obj, null, 2) : JSON.stringify(this.obj);
    if (pretty) return JSON.stringify(wireView(this.rt, this.obj), null, 2);
    return this.stored ? storedWireJson(this.rt, this.obj) : JSON.stringify(wireView(this.rt, this.obj));
  }

  /** The wire object, the caller's own copy. */
  object(): KubeObject {
    return this.rt === undefined ? this.obj : toWire(this.rt, this.obj);
  }
}

/** List items carry no kind/apiVersion on the real server. */
export function toListItem(rt: ResourceType, obj: KubeObject): KubeObject {
  const w = toWire(rt, obj);
  delete w.kind;
  delete w.apiVersion;
  return w;
}

export function compileSelector(rt: ResourceType, labelSelector?: string, fieldSelector?: string): Selector {
  return { labels: parseLabelSelector(labelSelector ?? ''), fields: parseFieldSelector(fieldSelector ?? '', rt.fieldSelectors) };
}

export function selectorIsEmpty(sel: Selector): boolean {
  return sel.labels.length === 0 && sel.fields.length === 0;
}

export function objectMatches(rt: ResourceType, sel: Selector, obj: KubeObject): boolean {
  if (selectorIsEmpty(sel)) return true;
  return matchesLabels(sel.labels, stringMap(metaOf({ ...obj }).labels)) && matchesFields(sel.fields, rt.fields(obj));
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

/** Sequential allocators for Service cluster IPs (10.96.0.0/12) and node ports (30000-32767). */
class Allocators implements StrategyContext {
  private readonly ips = new Set<string>();
  private readonly ports = new Set<number>();
  private nextIp = 10;
  private nextPort = 30000;

  allocateClusterIP(requested: string | undefined): string | undefined {
    if (requested) {
      if (this.ips.has(requested)) return undefined;
      this.ips.add(requested);
      return requested;
    }
    for (let tries = 0; tries < 1 << 20; tries++) {
      const n = this.nextIp++;
      const ip = `10.${96 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
      if (!this.ips.has(ip)) {
        this.ips.add(ip);
        return ip;
      }
    }
    return undefined;
  }
  releaseClusterIP(ip: string): void {
    this.ips.delete(ip);
  }
  allocateNodePort(requested: number | undefined): number | undefined {
    if (requested !== undefined) {
      if (this.ports.has(requested)) return undefined;
      this.ports.add(requested);
      return requested;
    }
    for (let tries = 0; tries <= 2767; tries++) {
      const p = 30000 + ((this.nextPort++ - 30000) % 2768);
      if (!this.ports.has(p)) {
        this.ports.add(p);
        return p;
      }
    }
    return undefined;
  }
  releaseNodePort(port: number): void {
    this.ports.delete(port);
  }
}

interface ContinueToken {
  rv: number;
  start: string;
}

/** The revision in a continue token that asks for the rest of a list as of now (upstream's "inconsistent continue"). */
const INCONSISTENT_RV = -1;

const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const raw: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (isJsonObject(raw as JsonValue) && (raw as JsonObject).v === 'meta.k8s.io/v1') {
      const o = raw as JsonObject;
      if (typeof o.rv === 'number' && typeof o.start === 'string') return { rv: o.rv, start: o.start };
    }
  } catch {
    // fall through to the error below
  }
  throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export class Registry {
  private readonly alloc = new Allocators();

  constructor(
    readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObject {
    return this.getReply(rt, namespace, name).object();
  }

  getReply(rt: ResourceType, namespace: string | undefined, name: string): Reply {
    const obj = this.store.get(rt, namespace, name);
    if (!obj) throw errors.notFound(groupResource(rt), name);
    return Reply.stored(rt, obj);
  }

  list(rt: ResourceType, namespace: string | undefined, opts: ListOptions = {}): JsonObject {
    const sel = compileSelector(rt, opts.labelSelector, opts.fieldSelector);
    let rv = this.store.currentResourceVersion();
    let start: string | undefined;
    let stored = this.store.list(rt, namespace);
    if (opts.continue) {
      const t = decodeContinue(opts.continue);
      start = t.start;
      // Later pages come from the first page's revision, as etcd serves them; -1 (the token a 410 hands out)
      // means "the rest, as of now", knowingly inconsistent.
      if (t.rv !== INCONSISTENT_RV) {
        const at = this.store.listAt(rt, namespace, t.rv);
        if ('expired' in at) {
          const status = errors.expired(CONTINUE_TOO_OLD).status;
          (status.metadata as { continue?: string }).continue = encodeContinue({ rv: INCONSISTENT_RV, start: t.start });
          throw new ApiError(status);
        }
        rv = t.rv;
        stored = at.items;
      }
    }
    const matching = stored.filter((e) => (start === undefined || e.key >= start) && objectMatches(rt, sel, e.object));
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined;
    const page = limit === undefined ? matching : matching.slice(0, limit);
    const metadata: JsonObject = { resourceVersion: String(rv) };
    if (limit !== undefined && matching.length > limit) {
      const last = page[page.length - 1];
      metadata.continue = encodeContinue({ rv, start: `${last?.key ?? ''}\u0000` });
      // Upstream only reports a count when it is exact, i.e. the list is unfiltered.
      if (selectorIsEmpty(sel)) metadata.remainingItemCount = matching.length - limit;
    }
    return { kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata, items: page.map((e) => toListItem(rt, e.object)) };
  }

  /** Decodes a request body into storage form, rejecting kind/apiVersion mismatches like the codec does. */
  private decodeBody(rt: ResourceType, body: JsonValue): KubeObject {
    if (!isJsonObject(body)) throw errors.badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: the object is not a JSON map`);
    const obj = deepClone(body);
    const apiVersion = str(obj.apiVersion);
    const kind = str(obj.kind);
    if (apiVersion && apiVersion !== apiVersionOf(rt)) {
      throw errors.badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${apiVersionOf(rt)})`);
    }
    if (kind && kind !== rt.kind) throw errors.badRequest(`the kind in the data (${kind}) does not match the expected kind (${rt.kind})`);
    delete obj.kind;
    delete obj.apiVersion;
    if (obj.metadata !== undefined && !isJsonObject(obj.metadata)) {
      throw errors.badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: json: cannot unmarshal into Go struct field ${rt.kind}.metadata of type v1.ObjectMeta`);
    }
    metaOf(obj);
    rt.decode?.(obj);
    return obj;
  }

  private checkNamespace(rt: ResourceType, md: JsonObject, namespace: string | undefined): void {
    if (!rt.namespaced) {
      delete md.namespace;
      return;
    }
    const bodyNs = str(md.namespace);
    if (bodyNs && namespace !== undefined && bodyNs !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    md.namespace = namespace ?? bodyNs ?? 'default';
  }

  private invalidUnless(rt: ResourceType, name: string, errs: FieldError[]): void {
    if (errs.length > 0) throw errors.invalid(groupKind(rt), name, errs);
  }

  create(rt: ResourceType, namespace: string | undefined, body: JsonValue, wc: WriteContext, operation: 'Update' | 'Apply' = 'Update'): KubeObject {
    return this.createReply(rt, namespace, body, wc, operation).object();
  }

  createReply(rt: ResourceType, namespace: string | undefined, body: JsonValue, wc: WriteContext, operation: 'Update' | 'Apply' = 'Update'): Reply {
    const obj = this.decodeBody(rt, body);
    const md = metaOf(obj);
    this.checkNamespace(rt, md, namespace);
    const rv = str(md.resourceVersion);
    if (rv) throw errors.internal('resourceVersion should not be set on objects to be created');
    let name = str(md.name) ?? '';
    const generateName = str(md.generateName);
    if (!name && generateName) {
      do name = generateName + randomSuffix();
      while (this.store.get(rt, str(md.namespace), name));
      md.name = name;
    }
    if (!name) this.invalidUnless(rt, '', [FieldError.required('metadata.name', 'name or generateName is required')]);
    this.invalidUnless(
      rt,
      name,
      rt.validateName(name).map((e) => FieldError.invalid('metadata.name', name, e)),
    );
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generation']) delete md[k];
    const managed = nextManagedFields(undefined, obj, rt.listStrategies, this.managerInfo(rt, wc, operation));

    rt.applyDefaults?.(obj);
    this.invalidUnless(rt, name, [...validateMetaMaps(md), ...(rt.validate?.(obj, undefined) ?? [])]);
    if (this.store.get(rt, str(md.namespace), name)) throw errors.alreadyExists(groupResource(rt), name);
    rt.prepareForCreate?.(obj, this.alloc);

    md.uid = randomUUID();
    md.creationTimestamp = rfc3339(this.clock());
    if (rt.generationChanged) md.generation = 1;
    if (managed.length > 0) md.managedFields = managed;
    obj.metadata = orderMeta(md);
    if (wc.dryRun) {
      rt.release?.(obj, this.alloc);
      return Reply.transient(rt, obj);
    }
    this.store.commit(rt, 'ADDED', obj);
    return Reply.stored(rt, obj);
  }

  update(rt: ResourceType, namespace: string | undefined, name: string, body: JsonValue, wc: WriteContext, subresource?: string): KubeObject {
    return this.updateReply(rt, namespace, name, body, wc, subresource).object();
  }

  updateReply(rt: ResourceType, namespace: string | undefined, name: string, body: JsonValue, wc: WriteContext, subresource?: string): Reply {
    const obj = this.decodeBody(rt, body);
    const md = metaOf(obj);
    const bodyName = str(md.name) ?? '';
    if (bodyName !== name) throw errors.badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    this.checkNamespace(rt, md, namespace);
    const old = this.store.get(rt, namespace, name);
    if (!old) throw errors.notFound(groupResource(rt), name);
    return this.commitUpdate(rt, old, obj, wc, subresource);
  }

  patch(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: JsonValue,
    wc: WriteContext,
    subresource?: string,
  ): { object: KubeObject; created: boolean } {
    const out = this.patchReply(rt, namespace, name, type, patch, wc, subresource);
    return { object: out.reply.object(), created: out.created };
  }

  patchReply(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: JsonValue,
    wc: WriteContext,
    subresource?: string,
  ): { reply: Reply; created: boolean } {
    if (type === 'apply' && !wc.explicitManager) {
      throw errors.invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [FieldError.required('fieldManager', 'is required for apply patch')]);
    }
    const old = this.store.get(rt, namespace, name);
    if (!old) {
      if (type !== 'apply') throw errors.notFound(groupResource(rt), name);
      if (!isJsonObject(patch)) throw errors.badRequest('error decoding YAML: the object is not a map');
      const body = deepClone(patch);
      const md = metaOf(body);
      if (md.name === undefined) md.name = name;
      return { reply: this.createReply(rt, namespace, body, wc, 'Apply'), created: true };
    }
    // The patch functions copy what they keep of `current` (and the result is decoded into a copy).
    const current = wireView(rt, old);
    let patched: JsonValue;
    switch (type) {
      case 'merge':
        patched = mergePatch(current, patch);
        break;
      case 'strategic':
      case 'apply':
        if (!isJsonObject(patch)) throw errors.badRequest('json: cannot unmarshal into Go value of type map[string]interface {}');
        patched = strategicMergePatch(current, patch, rt.listStrategies);
        break;
      case 'json':
        patched = applyJsonPatch(current, decodeJsonPatch(patch));
        break;
    }
    if (!isJsonObject(patched)) throw errors.badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: the object is not a JSON map`);
    const obj = this.decodeBody(rt, patched);
    const md = metaOf(obj);
    const patchedName = str(md.name) ?? '';
    if (patchedName !== name) throw errors.badRequest(`the name of the object (${patchedName}) does not match the name on the URL (${name})`);
    this.checkNamespace(rt, md, namespace);
    return { reply: this.commitUpdate(rt, old, obj, wc, subresource, type === 'apply' ? 'Apply' : 'Update'), created: false };
  }

  private managerInfo(rt: ResourceType, wc: WriteContext, operation: 'Update' | 'Apply' = 'Update', subresource?: string) {
    return { manager: wc.manager, operation, apiVersion: apiVersionOf(rt), time: rfc3339(this.clock()), subresource };
  }

  private commitUpdate(
    rt: ResourceType,
    old: KubeObject,
    obj: KubeObject,
    wc: WriteContext,
    subresource: string | undefined,
    operation: 'Update' | 'Apply' = 'Update',
  ): Reply {
    const md = metaOf(obj);
    const oldMd = metaOf({ ...old });
    const name = str(oldMd.name) ?? '';
    const wantRV = str(md.resourceVersion);
    if (wantRV && wantRV !== oldMd.resourceVersion) throw errors.conflict(groupResource(rt), name);

    const errs: FieldError[] = [];
    let next: KubeObject;
    if (subresource === 'status') {
      next = deepClone(old);
      if (obj.status === undefined) delete next.status;
      else next.status = deepClone(obj.status);
    } else {
      next = obj;
      const nmd = metaOf(next);
      const uid = str(nmd.uid);
      if (uid && uid !== oldMd.uid) errs.push(FieldError.invalid('metadata.uid', uid, 'field is immutable'));
      nmd.uid = oldMd.uid ?? null;
      nmd.creationTimestamp = oldMd.creationTimestamp ?? null;
      if (oldMd.generation !== undefined) nmd.generation = oldMd.generation;
      else delete nmd.generation;
      for (const k of ['selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
        if (oldMd[k] === undefined) delete nmd[k];
        else nmd[k] = oldMd[k] as JsonValue;
      }
      rt.applyDefaults?.(next);
      rt.prepareForUpdate?.(next, old, this.alloc);
      if (rt.generationChanged?.(next, old) && typeof oldMd.generation === 'number') nmd.generation = oldMd.generation + 1;
      errs.push(...validateMetaMaps(nmd), ...(rt.validate?.(next, old) ?? []));
    }
    this.invalidUnless(rt, name, errs);

    const nmd = metaOf(next);
    nmd.resourceVersion = oldMd.resourceVersion ?? null;
    if (oldMd.managedFields !== undefined) nmd.managedFields = oldMd.managedFields;
    else delete nmd.managedFields;
    // A no-op write is not persisted: same resourceVersion, no watch event (GuaranteedUpdate upstream).
    if (deepEqual(next, old)) return Reply.stored(rt, old);

    const managed = nextManagedFields(old, next, rt.listStrategies, this.managerInfo(rt, wc, operation, subresource));
    if (managed.length > 0) nmd.managedFields = managed;
    next.metadata = orderMeta(nmd);
    if (wc.dryRun) return Reply.transient(rt, next);
    this.store.commit(rt, 'MODIFIED', next, old);
    return Reply.stored(rt, next);
  }

  delete(rt: ResourceType, namespace: string | undefined, name: string, options: JsonValue | undefined, wc: Pick<WriteContext, 'dryRun'>): KubeObject {
    return this.deleteReply(rt, namespace, name, options, wc).object();
  }

  deleteReply(rt: ResourceType, namespace: string | undefined, name: string, options: JsonValue | undefined, wc: Pick<WriteContext, 'dryRun'>): Reply {
    const old = this.store.get(rt, namespace, name);
    if (!old) throw errors.notFound(groupResource(rt), name);
    const oldMd = metaOf({ ...old });
    const pre = isJsonObject(options) && isJsonObject(options.preconditions) ? options.preconditions : {};
    const preUid = str(pre.uid);
    if (preUid && preUid !== oldMd.uid) {
      throw errors.conflict(groupResource(rt), name, `Precondition failed: UID in precondition: ${preUid}, UID in object meta: ${str(oldMd.uid) ?? ''}`);
    }
    const preRv = str(pre.resourceVersion);
    if (preRv && preRv !== oldMd.resourceVersion) {
      throw errors.conflict(
        groupResource(rt),
        name,
        `Precondition failed: ResourceVersion in precondition: ${preRv}, ResourceVersion in object meta: ${str(oldMd.resourceVersion) ?? ''}`,
      );
    }
    if (!wc.dryRun) {
      this.store.commit(rt, 'DELETED', deepClone(old), old);
      rt.release?.(old, this.alloc);
    }
    // The object as it was before the delete (the store no longer holds it, but it was never changed).
    if (rt.returnDeletedObject) return Reply.stored(rt, old);
    // finalizeDelete's Status carries no code (omitempty) and names the resource in details.kind.
    const status = makeStatus(200, undefined, undefined, { name, group: rt.group, kind: rt.resource, uid: str(oldMd.uid) });
    const out = JSON.parse(JSON.stringify(status)) as JsonObject;
    delete out.code;
    return Reply.body(out);
  }

  /**
   * What a watcher with `sel` in `namespace` sees of a stored event, following the watch cache:
   * entering the selection is ADDED, leaving it is DELETED, nothing when it never matched.
   */
  static visibleType(rt: ResourceType, ev: StoredEvent, namespace: string | undefined, sel: Selector): 'ADDED' | 'MODIFIED' | 'DELETED' | undefined {
    const inNs = (o: KubeObject | undefined): boolean => o !== undefined && (namespace === undefined || str(metaOf({ ...o }).namespace) === namespace);
    const cur = ev.type !== 'DELETED' && inNs(ev.object) && objectMatches(rt, sel, ev.object);
    const prev = ev.prev !== undefined && inNs(ev.prev) && objectMatches(rt, sel, ev.prev);
    if (cur) return prev ? 'MODIFIED' : 'ADDED';
    return prev ? 'DELETED' : undefined;
  }

  /** The wire object for an event seen as `type`; independent of the watcher's selector. */
  static eventObject(rt: ResourceType, ev: StoredEvent, type: 'ADDED' | 'MODIFIED' | 'DELETED'): KubeObject {
    if (type !== 'DELETED' || ev.prev === undefined) return toWire(rt, ev.object);
    // Upstream: the previous content, stamped with the event's resourceVersion.
    const gone = toWire(rt, ev.prev);
    metaOf(gone).resourceVersion = String(ev.rv);
    return gone;
  }

  /** JSON.stringify(Registry.eventObject(...)), from the stored object's cached wire JSON where there is one. */
  static eventObjectJson(rt: ResourceType, ev: StoredEvent, type: 'ADDED' | 'MODIFIED' | 'DELETED'): string {
    if (type !== 'DELETED' || ev.prev === undefined) return storedWireJson(rt, ev.object);
    // Upstream: the previous content, stamped with the event's resourceVersion (on the view's own metadata map).
    const gone = wireView(rt, ev.prev);
    metaOf(gone).resourceVersion = String(ev.rv);
    return JSON.stringify(gone);
  }

  /** Current objects as a watcher with no resourceVersion sees them (synthetic ADDED). */
  snapshot(rt: ResourceType, namespace: string | undefined, sel: Selector): KubeObject[] {
    return this.store
      .list(rt, namespace)
      .filter((e) => objectMatches(rt, sel, e.object))
      .map((e) => toWire(rt, e.object));
  }
}

