// The Emulator: wires store, registry, auth, watch, proxy and faults behind one HTTP server and
// offers direct object helpers (which go through the same registry, so they validate, bump
// resourceVersions and emit watch events exactly like API calls).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Authenticator, type TokenUser } from './auth.js';
import { CustomResources } from './custom.js';
import { Faults } from './faults.js';
import { buildKubeconfig } from './kubeconfig.js';
import { type PatchType } from './patch.js';
import { ProxyRegistry, type ProxyTarget } from './proxy.js';
import { Authorizer, type Grant } from './rbac.js';
import { Registry, type WriteContext } from './registry.js';
import { lookupKind, type ResourceType } from './resources.js';
import { parseManifests } from './seed.js';
import { ApiServer } from './server.js';
import { ApiError } from './status.js';
import { Store } from './store.js';
import { isJsonObject, metaOf, str, toJson, type KubeObject, type ObjectInput } from './types.js';
import { WatchHub } from './watch.js';

export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Bearer token of the built-in admin (default: random). */
  adminToken?: string;
  /** Identity behind the admin token (default kubernetes-admin in system:masters, which holds cluster-admin). */
  adminUser?: TokenUser;
  /** Events retained per resource for watch replay before "too old resource version" (default 1000). */
  historyWindow?: number;
  /** Interval between watch bookmarks (default 60000 ms, like the real server). */
  bookmarkIntervalMs?: number;
  /** Watch lifetime when the client sends no timeoutSeconds (default 1800 s). */
  defaultWatchTimeoutSeconds?: number;
  /** Audiences audience-agnostic tokens are valid for in TokenReview. */
  apiAudiences?: string[];
  /** Objects (or multi-document YAML) loaded before the server accepts requests. */
  seed?: readonly ObjectInput[] | string;
  /** Time source for timestamps (tests). */
  clock?: () => Date;
}

/** Addresses one object: apiVersion + kind pick the resource type. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Defaults to "default" for namespaced kinds. */
  namespace?: string;
}

export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface HelperOptions {
  /** managedFields manager name for the write. */
  manager?: string;
  /** Write the status subresource (patch only). */
  subresource?: 'status';
}

function asObject(input: ObjectInput): KubeObject {
  const obj = toJson(input);
  if (!isJsonObject(obj)) throw new Error('kube emulator: expected a Kubernetes object');
  return obj;
}

function typeOf(apiVersion: unknown, kind: unknown, custom?: CustomResources): ResourceType {
  const rt = typeof apiVersion === 'string' && typeof kind === 'string' ? (lookupKind(apiVersion, kind) ?? custom?.lookupKind(apiVersion, kind)) : undefined;
  if (!rt) throw new Error(`kube emulator: unsupported kind ${String(apiVersion)}/${String(kind)}`);
  return rt;
}

function nsFor(rt: ResourceType, namespace: unknown): string | undefined {
  if (!rt.namespaced) return undefined;
  return typeof namespace === 'string' && namespace !== '' ? namespace : 'default';
}

export class Emulator {
  readonly faults: Faults;
  private readonly registry: Registry;
  private readonly authn: Authenticator;
  private readonly authz: Authorizer;
  private readonly proxies: ProxyRegistry;
  private readonly custom: CustomResources;

  /** @internal use startEmulator() */
  constructor(
    readonly url: string,
    readonly adminToken: string,
    private readonly server: ApiServer,
    parts: { registry: Registry; authn: Authenticator; authz: Authorizer; proxies: ProxyRegistry; faults: Faults; custom: CustomResources },
  ) {
    this.registry = parts.registry;
    this.custom = parts.custom;
    this.authn = parts.authn;
    this.authz = parts.authz;
    this.proxies = parts.proxies;
    this.faults = parts.faults;
  }

  /** Kubeconfig YAML pointing at this emulator (admin token unless another is given). */
  kubeconfig(opts: { token?: string; namespace?: string; name?: string } = {}): string {
    return buildKubeconfig({ server: this.url, token: opts.token ?? this.adminToken, namespace: opts.namespace, name: opts.name });
  }

  async writeKubeconfig(path: string, opts: { token?: string; namespace?: string; name?: string } = {}): Promise<string> {
    await writeFile(path, this.kubeconfig(opts), { mode: 0o600 });
    return path;
  }

  addToken(token: string, user: TokenUser): void {
    this.authn.addToken(token, user);
  }

  removeToken(token: string): boolean {
    return this.authn.removeToken(token);
  }

  /** Adds an RBAC-like grant; the returned function revokes it. */
  grant(rule: Grant): () => void {
    return this.authz.grant(rule);
  }

  /** Routes the service proxy for (namespace, name[, port]) to a local URL; returns an unregister function. */
  registerProxyTarget(target: ProxyTarget): () => void {
    return this.proxies.register(target);
  }

  /** The cluster-wide resourceVersion of the last write. */
  resourceVersion(): string {
    return String(this.registry.store.currentResourceVersion());
  }

  private wc(manager: string, opts: HelperOptions): WriteContext {
    return { manager: opts.manager ?? manager, explicitManager: true };
  }

  /** Creates an object (409 AlreadyExists as an ApiError if present). */
  create(input: ObjectInput, opts: HelperOptions = {}): KubeObject {
    const obj = asObject(input);
    const rt = typeOf(obj.apiVersion, obj.kind, this.custom);
    return this.registry.create(rt, nsFor(rt, metaOf(obj).namespace), obj, this.wc('kubectl-create', opts));
  }

  /** Creates or replaces (unconditionally) an object, keeping server-owned fields such as status. */
  apply(input: ObjectInput, opts: HelperOptions = {}): KubeObject {
    const copy = asObject(input);
    const rt = typeOf(copy.apiVersion, copy.kind, this.custom);
    const md = metaOf(copy);
    const ns = nsFor(rt, md.namespace);
    const name = str(md.name);
    const wc = this.wc('kubectl-client-side-apply', opts);
    if (name === undefined || !this.registry.store.get(rt, ns, name)) return this.registry.create(rt, ns, copy, wc);
    delete md.resourceVersion;
    return this.registry.update(rt, ns, name, copy, wc);
  }

  /** PUT semantics: a stale metadata.resourceVersion fails with 409 Conflict. */
  update(input: ObjectInput, opts: HelperOptions = {}): KubeObject {
    const obj = asObject(input);
    const rt = typeOf(obj.apiVersion, obj.kind, this.custom);
    const md = metaOf(obj);
    return this.registry.update(rt, nsFor(rt, md.namespace), str(md.name) ?? '', obj, this.wc('kubectl-edit', opts));
  }

  patch(ref: ObjectRef, patch: unknown, type: PatchType = 'merge', opts: HelperOptions = {}): KubeObject {
    const rt = typeOf(ref.apiVersion, ref.kind, this.custom);
    return this.registry.patch(rt, nsFor(rt, ref.namespace), ref.name, type, toJson(patch), this.wc('kubectl-patch', opts), opts.subresource).object;
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const rt = typeOf(ref.apiVersion, ref.kind, this.custom);
    try {
      return this.registry.get(rt, nsFor(rt, ref.namespace), ref.name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** Objects of a kind (with kind/apiVersion set), optionally filtered like a list call. */
  list(apiVersion: string, kind: string, query: ListQuery = {}): KubeObject[] {
    const rt = typeOf(apiVersion, kind, this.custom);
    const ns = rt.namespaced && query.namespace ? query.namespace : undefined;
    const list = this.registry.list(rt, ns, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector });
    const items = Array.isArray(list.items) ? (list.items as KubeObject[]) : [];
    return items.map((i) => ({ kind: rt.kind, apiVersion: list.apiVersion ?? '', ...i }) as KubeObject);
  }

  /** Deletes an object; false when it did not exist. */
  delete(ref: ObjectRef): boolean {
    const rt = typeOf(ref.apiVersion, ref.kind, this.custom);
    try {
      this.registry.delete(rt, nsFor(rt, ref.namespace), ref.name, undefined, {});
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return false;
      throw e;
    }
  }

  /**
   * Loads objects (or multi-document YAML) with apply semantics; returns the stored objects. A status in
   * the input (a `kubectl get -o yaml` dump: Pods' readiness, Services' load balancer) is then written
   * through the status subresource, as the controllers owning it would have, since create resets it.
   */
  seed(objects: readonly ObjectInput[] | string): KubeObject[] {
    const list = typeof objects === 'string' ? parseManifests(objects, 'seed') : objects;
    return list.map((o) => {
      const stored = this.apply(o);
      const status = asObject(o).status;
      const rt = typeOf(stored.apiVersion, stored.kind, this.custom);
      if (status === undefined || !rt.statusSubresource) return stored;
      const md = metaOf(stored);
      return this.registry.update(rt, nsFor(rt, md.namespace), str(md.name) ?? '', { ...stored, status }, this.wc('kube-controller-manager', {}), 'status');
    });
  }

  /** Number of watch streams currently open. */
  openWatches(): number {
    return this.faults.openWatches();
  }

  /** Stops the server, closing every connection (including watches and held requests) promptly. */
  stop(): Promise<void> {
    return this.server.stop();
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const store = new Store(Math.max(1, options.historyWindow ?? 1000));
  const registry = new Registry(store, options.clock);
  const authn = new Authenticator(options.apiAudiences ?? ['https://kubernetes.default.svc.cluster.local']);
  const authz = new Authorizer();
  const adminToken = options.adminToken ?? randomBytes(24).toString('hex');
  authn.addToken(adminToken, options.adminUser ?? { username: 'kubernetes-admin', uid: 'kubernetes-admin', groups: ['system:masters'] });
  const watches = new WatchHub(registry, {
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    defaultTimeoutSeconds: options.defaultWatchTimeoutSeconds ?? 1800,
  });
  const faults = new Faults(watches);
  const proxies = new ProxyRegistry();
  const custom = new CustomResources(registry, (rt) => watches.endResource(rt));
  const server = new ApiServer({ registry, authn, authz, watches, proxies, faults, custom });
  const host = options.host ?? '127.0.0.1';
  const addr = await server.listen(options.port ?? 0, host);
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const emulator = new Emulator(`http://${urlHost}:${addr.port}`, adminToken, server, { registry, authn, authz, proxies, faults, custom });
  if (options.seed !== undefined) {
    try {
      emulator.seed(options.seed);
    } catch (e) {
      await emulator.stop();
      throw e;
    }
  }
  return emulator;
}
