// The resource types the emulator serves and their per-kind strategies (defaulting, validation,
// update rules), mirroring pkg/registry/*/strategy.go of the real API server for the fields that matter.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { errors, FieldError, GoLiteral, type GroupKind, type GroupResource } from './status.js';
import type { ListStrategies } from './patch.js';
import { deepClone, deepEqual, isJsonObject, metaOf, str, stringMap, type JsonObject, type JsonValue, type KubeObject } from './types.js';
import { configMapKey, dns1035Label, dns1123Label, dns1123Subdomain, qualifiedName } from './validation.js';

/** Stateful services a strategy may need (cluster IP / node port allocation). */
export interface StrategyContext {
  /** undefined when the requested address is taken. */
  allocateClusterIP(requested: string | undefined): string | undefined;
  releaseClusterIP(ip: string): void;
  allocateNodePort(requested: number | undefined): number | undefined;
  releaseNodePort(port: number): void;
}

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, lower-case: the URL segment and the RBAC resource. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  /** Bumps metadata.generation when this returns true for (new, old). */
  generationChanged?: (next: KubeObject, old: KubeObject) => boolean;
  /** Has a /status subresource: main-resource writes cannot change status and vice versa. */
  statusSubresource: boolean;
  /** DELETE answers with the object instead of a Success Status (services do, most kinds don't). */
  returnDeletedObject: boolean;
  validateName(name: string): string[];
  /** Field selector keys the resource indexes, with their values for an object. */
  fieldSelectors: ReadonlySet<string>;
  fields(obj: KubeObject): Record<string, string>;
  listStrategies: ListStrategies;
  /** Decoding-level type checks (400 BadRequest on failure, like JSON unmarshalling). */
  decode?(obj: KubeObject): void;
  /** Defaulting applied on every write, like the scheme defaulters run on every decode. */
  applyDefaults?(obj: KubeObject): void;
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  prepareForUpdate?(next: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  validate?(obj: KubeObject, old: KubeObject | undefined): FieldError[];
  /** Frees allocations held by a deleted object. */
  release?(obj: KubeObject, ctx: StrategyContext): void;
}

export function apiVersionOf(rt: ResourceType): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

export function groupResource(rt: ResourceType): GroupResource {
  return { group: rt.group, resource: rt.resource };
}

export function groupKind(rt: ResourceType): GroupKind {
  return { group: rt.group, kind: rt.kind };
}

const META_FIELDS = new Set(['metadata.name', 'metadata.namespace']);

function metaFields(obj: KubeObject): Record<string, string> {
  const md = isJsonObject(obj.metadata) ? obj.metadata : {};
  return { 'metadata.name': str(md.name) ?? '', 'metadata.namespace': str(md.namespace) ?? '' };
}

/** Merge keys shared by all kinds (ObjectMeta). */
const META_LISTS: ListStrategies = {
  'metadata.ownerReferences': { mergeKey: 'uid' },
  'metadata.finalizers': 'set',
};

/** Merge keys inside a PodSpec at `spec` (e.g. `spec` for a Pod, `spec.template.spec` for a template). */
function podSpecLists(spec: string): Record<string, ListStrategies[string]> {
  const c = (field: string): string => `${spec}.${field}`;
  const out: Record<string, ListStrategies[string]> = {
    [c('volumes')]: { mergeKey: 'name' },
    [c('imagePullSecrets')]: { mergeKey: 'name' },
    [c('hostAliases')]: { mergeKey: 'ip' },
  };
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    out[c(list)] = { mergeKey: 'name' };
    out[`${c(list)}[].env`] = { mergeKey: 'name' };
    out[`${c(list)}[].ports`] = { mergeKey: 'containerPort' };
    out[`${c(list)}[].volumeMounts`] = { mergeKey: 'mountPath' };
    out[`${c(list)}[].volumeDevices`] = { mergeKey: 'devicePath' };
  }
  return out;
}

function podTemplateLists(prefix: string): ListStrategies {
  return {
    [`${prefix}.metadata.ownerReferences`]: { mergeKey: 'uid' },
    [`${prefix}.metadata.finalizers`]: 'set',
    ...podSpecLists(`${prefix}.spec`),
  };
}

function ensureObject(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isJsonObject(v)) return v;
  const fresh: JsonObject = {};
  parent[key] = fresh;
  return fresh;
}

function decodeStringMap(kind: string, obj: KubeObject, field: string): void {
  const v = obj[field];
  if (v === undefined || v === null) return;
  if (!isJsonObject(v)) {
    throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${kind}.${field} of type map[string]string`);
  }
  for (const x of Object.values(v)) {
    if (typeof x !== 'string') {
      throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonTypeName(x)} into Go struct field ${kind}.${field} of type string`);
    }
  }
}

function jsonTypeName(v: JsonValue): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

// ---- core/v1 ConfigMap ------------------------------------------------------------------------

const configMaps: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  namespaced: true,
  shortNames: ['cm'],
  statusSubresource: false,
  returnDeletedObject: false,
  validateName: dns1123Subdomain,
  fieldSelectors: META_FIELDS,
  fields: metaFields,
  listStrategies: META_LISTS,
  decode(obj) {
    decodeStringMap('ConfigMap', obj, 'data');
    decodeStringMap('ConfigMap', obj, 'binaryData');
  },
  validate(obj, old) {
    const errs: FieldError[] = [];
    const data = stringMap(obj.data);
    const binary = stringMap(obj.binaryData);
    for (const k of Object.keys(data)) for (const e of configMapKey(k)) errs.push(FieldError.invalid('data', k, e));
    for (const k of Object.keys(binary)) {
      for (const e of configMapKey(k)) errs.push(FieldError.invalid('binaryData', k, e));
      if (Object.hasOwn(data, k)) errs.push(FieldError.invalid('binaryData', k, 'duplicate of key present in data'));
    }
    if (old && old.immutable === true) {
      if (obj.immutable !== true) errs.push(FieldError.forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (!deepEqual(obj.data, old.data)) errs.push(FieldError.forbidden('data', 'field is immutable when `immutable` is set'));
      if (!deepEqual(obj.binaryData, old.binaryData)) errs.push(FieldError.forbidden('binaryData', 'field is immutable when `immutable` is set'));
    }
    return errs;
  },
};

// ---- core/v1 Service --------------------------------------------------------------------------

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function servicePorts(spec: JsonObject): JsonObject[] {
  return Array.isArray(spec.ports) ? spec.ports.filter(isJsonObject) : [];
}

const services: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'services',
  singular: 'service',
  kind: 'Service',
  listKind: 'ServiceList',
  namespaced: true,
  shortNames: ['svc'],
  statusSubresource: true,
  returnDeletedObject: true,
  validateName: dns1035Label,
  fieldSelectors: new Set([...META_FIELDS, 'spec.clusterIP', 'spec.type']),
  fields(obj) {
    const spec = isJsonObject(obj.spec) ? obj.spec : {};
    return { ...metaFields(obj), 'spec.clusterIP': str(spec.clusterIP) ?? '', 'spec.type': str(spec.type) ?? '' };
  },
  listStrategies: { ...META_LISTS, 'spec.ports': { mergeKey: 'port' } },
  applyDefaults(obj) {
    const spec = ensureObject(obj, 'spec');
    if (spec.type === undefined || spec.type === '') spec.type = 'ClusterIP';
    if (spec.sessionAffinity === undefined) spec.sessionAffinity = 'None';
    for (const p of servicePorts(spec)) {
      if (p.protocol === undefined || p.protocol === '') p.protocol = 'TCP';
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port ?? 0;
    }
    if (spec.type !== 'ExternalName') {
      if (spec.internalTrafficPolicy === undefined) spec.internalTrafficPolicy = 'Cluster';
    }
    if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && spec.externalTrafficPolicy === undefined) {
      spec.externalTrafficPolicy = 'Cluster';
    }
    if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
  },
  prepareForCreate(obj, ctx) {
    const spec = ensureObject(obj, 'spec');
    if (spec.type !== 'ExternalName') {
      const requested = str(spec.clusterIP) || (Array.isArray(spec.clusterIPs) ? str(spec.clusterIPs[0]) : undefined) || undefined;
      const ip = requested === 'None' ? 'None' : ctx.allocateClusterIP(requested);
      if (ip === undefined) {
        throw errors.invalid({ group: '', kind: 'Service' }, str(metaOf(obj).name) ?? '', [
          FieldError.invalid('spec.clusterIPs', new GoLiteral(`[]string{"${requested}"}`), `failed to allocate IP ${requested}: provided IP is already allocated`),
        ]);
      }
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      if (spec.ipFamilies === undefined) spec.ipFamilies = ['IPv4'];
      if (spec.ipFamilyPolicy === undefined) spec.ipFamilyPolicy = 'SingleStack';
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
        servicePorts(spec).forEach((p, i) => {
          const requestedPort = typeof p.nodePort === 'number' && p.nodePort > 0 ? p.nodePort : undefined;
          const port = ctx.allocateNodePort(requestedPort);
          if (port === undefined) {
            throw errors.invalid({ group: '', kind: 'Service' }, str(metaOf(obj).name) ?? '', [
              FieldError.invalid(`spec.ports[${i}].nodePort`, requestedPort ?? 0, 'provided port is already allocated'),
            ]);
          }
          p.nodePort = port;
        });
      }
    }
    obj.status = { loadBalancer: {} };
  },
  prepareForUpdate(next, old, ctx) {
    const spec = ensureObject(next, 'spec');
    const oldSpec = isJsonObject(old.spec) ? old.spec : {};
    // Allocated values survive an update that omits them (patchAllocatedValues upstream).
    if ((spec.clusterIP === undefined || spec.clusterIP === '') && spec.type !== 'ExternalName' && oldSpec.clusterIP !== undefined) {
      spec.clusterIP = oldSpec.clusterIP;
      if (spec.clusterIPs === undefined) spec.clusterIPs = oldSpec.clusterIPs ?? [oldSpec.clusterIP];
    }
    if (spec.clusterIPs === undefined && typeof spec.clusterIP === 'string' && spec.clusterIP !== '') spec.clusterIPs = [spec.clusterIP];
    if (spec.type !== 'ExternalName') {
      if (spec.ipFamilies === undefined && oldSpec.ipFamilies !== undefined) spec.ipFamilies = oldSpec.ipFamilies;
      if (spec.ipFamilyPolicy === undefined && oldSpec.ipFamilyPolicy !== undefined) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      const oldPorts = servicePorts(oldSpec);
      for (const p of servicePorts(spec)) {
        if (typeof p.nodePort === 'number' && p.nodePort > 0) continue;
        const prev = oldPorts.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        p.nodePort = typeof prev?.nodePort === 'number' ? prev.nodePort : (ctx.allocateNodePort(undefined) ?? 0);
      }
    }
    next.status = old.status ?? { loadBalancer: {} };
  },
  validate(obj, old) {
    const errs: FieldError[] = [];
    const spec = isJsonObject(obj.spec) ? obj.spec : {};
    const type = str(spec.type) ?? 'ClusterIP';
    if (!SERVICE_TYPES.includes(type)) errs.push(FieldError.notSupported('spec.type', type, SERVICE_TYPES));
    const ports = servicePorts(spec);
    const headless = spec.clusterIP === 'None';
    if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(FieldError.required('spec.ports'));
    if (type === 'ExternalName' && !str(spec.externalName)) errs.push(FieldError.required('spec.externalName'));
    const names = new Set<string>();
    ports.forEach((p, i) => {
      const at = `spec.ports[${i}]`;
      const name = str(p.name) ?? '';
      if (ports.length > 1 && name === '') errs.push(FieldError.required(`${at}.name`));
      else if (name !== '') {
        if (names.has(name)) errs.push(FieldError.duplicate(`${at}.name`, name));
        names.add(name);
      }
      if (typeof p.port !== 'number' || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
        errs.push(FieldError.invalid(`${at}.port`, p.port ?? 0, 'must be between 1 and 65535, inclusive'));
      }
      const proto = str(p.protocol) ?? 'TCP';
      if (!PROTOCOLS.includes(proto)) errs.push(FieldError.notSupported(`${at}.protocol`, proto, PROTOCOLS));
    });
    if (old) {
      const oldSpec = isJsonObject(old.spec) ? old.spec : {};
      const oldIP = str(oldSpec.clusterIP);
      const newIP = str(spec.clusterIP);
      if (oldIP && newIP && oldIP !== newIP && type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
        errs.push(FieldError.invalid('spec.clusterIPs[0]', new GoLiteral(`[]string{"${newIP}"}`), 'may not change once set'));
      }
    }
    return errs;
  },
  release(obj, ctx) {
    const spec = isJsonObject(obj.spec) ? obj.spec : {};
    const ip = str(spec.clusterIP);
    if (ip && ip !== 'None') ctx.releaseClusterIP(ip);
    for (const p of servicePorts(spec)) if (typeof p.nodePort === 'number') ctx.releaseNodePort(p.nodePort);
  },
};

// ---- apps/v1 Deployment -----------------------------------------------------------------------

function defaultPodSpec(podSpec: JsonObject): void {
  if (podSpec.restartPolicy === undefined) podSpec.restartPolicy = 'Always';
  if (podSpec.terminationGracePeriodSeconds === undefined) podSpec.terminationGracePeriodSeconds = 30;
  if (podSpec.dnsPolicy === undefined) podSpec.dnsPolicy = 'ClusterFirst';
  if (podSpec.securityContext === undefined) podSpec.securityContext = {};
  if (podSpec.schedulerName === undefined) podSpec.schedulerName = 'default-scheduler';
  for (const list of ['containers', 'initContainers']) {
    const cs = podSpec[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      if (!isJsonObject(c)) continue;
      if (c.resources === undefined) c.resources = {};
      if (c.terminationMessagePath === undefined) c.terminationMessagePath = '/dev/termination-log';
      if (c.terminationMessagePolicy === undefined) c.terminationMessagePolicy = 'File';
      if (c.imagePullPolicy === undefined) {
        const image = str(c.image) ?? '';
        const tag = image.includes('@') ? 'digest' : (image.split('/').pop() ?? '').split(':')[1];
        c.imagePullPolicy = tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
      }
      if (Array.isArray(c.ports)) for (const p of c.ports) if (isJsonObject(p) && p.protocol === undefined) p.protocol = 'TCP';
    }
  }
}

function labelSelectorMatches(selector: JsonValue | undefined, labels: Record<string, string>): boolean {
  if (!isJsonObject(selector)) return false;
  const ml = stringMap(selector.matchLabels);
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isJsonObject) : [];
  for (const e of exprs) {
    const key = str(e.key) ?? '';
    const values = Array.isArray(e.values) ? e.values.filter((v): v is string => typeof v === 'string') : [];
    const has = Object.hasOwn(labels, key);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key] as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return Object.keys(ml).length > 0 || exprs.length > 0;
}

function goMapLiteral(m: Record<string, string>): string {
  const body = Object.keys(m)
    .sort()
    .map((k) => `"${k}":"${m[k]}"`)
    .join(', ');
  return `map[string]string{${body}}`;
}

const deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  singular: 'deployment',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  namespaced: true,
  shortNames: ['deploy'],
  // apps/v1: spec changes and annotation changes both bump generation (annotations are copied to ReplicaSets).
  generationChanged: (next, old) => !deepEqual(next.spec, old.spec) || !deepEqual(metaOf(next).annotations, metaOf(old).annotations),
  statusSubresource: true,
  returnDeletedObject: false,
  validateName: dns1123Subdomain,
  fieldSelectors: META_FIELDS,
  fields: metaFields,
  listStrategies: { ...META_LISTS, ...podTemplateLists('spec.template'), 'status.conditions': { mergeKey: 'type' } },
  applyDefaults(obj) {
    const spec = ensureObject(obj, 'spec');
    if (spec.replicas === undefined) spec.replicas = 1;
    if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
    if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
    const strategy = ensureObject(spec, 'strategy');
    if (strategy.type === undefined) strategy.type = 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = ensureObject(strategy, 'rollingUpdate');
      if (ru.maxUnavailable === undefined) ru.maxUnavailable = '25%';
      if (ru.maxSurge === undefined) ru.maxSurge = '25%';
    }
    const template = ensureObject(spec, 'template');
    defaultPodSpec(ensureObject(template, 'spec'));
  },
  prepareForCreate(obj) {
    obj.status = {};
  },
  prepareForUpdate(next, old) {
    next.status = old.status ?? {};
  },
  validate(obj, old) {
    const errs: FieldError[] = [];
    const spec = isJsonObject(obj.spec) ? obj.spec : {};
    const template = isJsonObject(spec.template) ? spec.template : {};
    const tmplLabels = stringMap(isJsonObject(template.metadata) ? template.metadata.labels : undefined);
    if (!isJsonObject(spec.selector)) errs.push(FieldError.required('spec.selector'));
    else if (!labelSelectorMatches(spec.selector, tmplLabels)) {
      errs.push(FieldError.invalid('spec.template.metadata.labels', new GoLiteral(goMapLiteral(tmplLabels)), '`selector` does not match template `labels`'));
    }
    if (typeof spec.replicas === 'number' && spec.replicas < 0) errs.push(FieldError.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
    const podSpec = isJsonObject(template.spec) ? template.spec : {};
    const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
    if (containers.length === 0) errs.push(FieldError.required('spec.template.spec.containers'));
    containers.forEach((c, i) => {
      if (!isJsonObject(c)) return;
      if (!str(c.name)) errs.push(FieldError.required(`spec.template.spec.containers[${i}].name`));
      if (!str(c.image)) errs.push(FieldError.required(`spec.template.spec.containers[${i}].image`));
    });
    if (old) {
      const oldSpec = isJsonObject(old.spec) ? old.spec : {};
      if (!deepEqual(spec.selector, oldSpec.selector)) errs.push(FieldError.invalid('spec.selector', new GoLiteral(JSON.stringify(spec.selector ?? null)), 'field is immutable'));
    }
    return errs;
  },
};

// ---- coordination.k8s.io/v1 Lease -------------------------------------------------------------

const MICRO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/** metav1.MicroTime round-trips as RFC 3339 with exactly six fractional digits in UTC. */
export function normalizeMicroTime(value: string): string | undefined {
  const m = MICRO_TIME.exec(value);
  if (!m) return undefined;
  const [, base, frac = '', zone] = m as unknown as [string, string, string | undefined, string];
  const micros = (frac + '000000').slice(0, 6);
  if (zone === 'Z') return `${base}.${micros}Z`;
  const d = new Date(`${base}${zone}`);
  if (Number.isNaN(d.getTime())) return undefined;
  return `${d.toISOString().slice(0, 19)}.${micros}Z`;
}

const leases: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  listKind: 'LeaseList',
  namespaced: true,
  shortNames: [],
  statusSubresource: false,
  returnDeletedObject: false,
  validateName: dns1123Subdomain,
  fieldSelectors: META_FIELDS,
  fields: metaFields,
  listStrategies: META_LISTS,
  decode(obj) {
    const spec = obj.spec;
    if (!isJsonObject(spec)) return;
    for (const f of ['acquireTime', 'renewTime']) {
      const v = spec[f];
      if (v === undefined || v === null) continue;
      const norm = typeof v === 'string' ? normalizeMicroTime(v) : undefined;
      if (norm === undefined) {
        throw errors.badRequest(
          `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(JSON.stringify(v))} as "2006-01-02T15:04:05.000000Z07:00": cannot parse`,
        );
      }
      spec[f] = norm;
    }
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const spec = isJsonObject(obj.spec) ? obj.spec : {};
    const d = spec.leaseDurationSeconds;
    if (d !== undefined && d !== null && (typeof d !== 'number' || d <= 0)) errs.push(FieldError.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
    const t = spec.leaseTransitions;
    if (t !== undefined && t !== null && (typeof t !== 'number' || t < 0)) errs.push(FieldError.invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
    return errs;
  },
};

// ---- core/v1 Pod ------------------------------------------------------------------------------
// pkg/registry/core/pod/strategy.go (create resets status to Pending + QoS class, updates keep it,
// status only through /status) and pkg/apis/core/validation (ValidatePodCreate/ValidatePodUpdate),
// for the fields a client notices. The emulator has no scheduler or kubelet: Pods stay as written, and
// a DELETE removes the Pod at once, as the real server does for a Pod bound to no node
// (CheckGracefulDelete: no spec.nodeName → grace period 0).

const RESTART_POLICIES = ['Always', 'Never', 'OnFailure'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];

function containersOf(spec: JsonObject, list: string): JsonObject[] {
  const cs = spec[list];
  return Array.isArray(cs) ? cs.filter(isJsonObject) : [];
}

/** IsValidPortName (k8s.io/apimachinery/pkg/util/validation): an IANA_SVC_NAME. */
export function portName(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(value)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (value.includes('--')) errs.push('must not contain consecutive hyphens');
  if (!/[a-z]/.test(value)) errs.push('must contain at least one letter (a-z)');
  if (value.startsWith('-') || value.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

function quantityPresent(resources: JsonValue | undefined, kind: 'requests' | 'limits'): Record<string, string> {
  const r = isJsonObject(resources) ? resources[kind] : undefined;
  const out: Record<string, string> = {};
  if (!isJsonObject(r)) return out;
  for (const [k, v] of Object.entries(r)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  return out;
}

/**
 * GetPodQOS (pkg/apis/core/helper/qos): BestEffort without any cpu/memory request or limit,
 * Guaranteed when every container limits cpu and memory and requests (defaulted to the limits) equal
 * them, else Burstable. Quantities compare as written, which holds for the forms clients send.
 */
export function podQOS(spec: JsonObject): string {
  const containers = [...containersOf(spec, 'containers'), ...containersOf(spec, 'initContainers')];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const requests = quantityPresent(c.resources, 'requests');
    const limits = quantityPresent(c.resources, 'limits');
    for (const r of ['cpu', 'memory']) {
      if (requests[r] !== undefined || limits[r] !== undefined) any = true;
      if (limits[r] === undefined || (requests[r] !== undefined && requests[r] !== limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function validateContainers(spec: JsonObject, list: 'containers' | 'initContainers', names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  containersOf(spec, list).forEach((c, i) => {
    const at = `spec.${list}[${i}]`;
    const name = str(c.name) ?? '';
    if (name === '') errs.push(FieldError.required(`${at}.name`));
    else {
      for (const e of dns1123Label(name)) errs.push(FieldError.invalid(`${at}.name`, name, e));
      if (names.has(name)) errs.push(FieldError.duplicate(`${at}.name`, name));
      names.add(name);
    }
    if (!str(c.image)) errs.push(FieldError.required(`${at}.image`));
    const ports = Array.isArray(c.ports) ? c.ports.filter(isJsonObject) : [];
    const portNames = new Set<string>();
    ports.forEach((p, j) => {
      const pat = `${at}.ports[${j}]`;
      const pn = str(p.name) ?? '';
      if (pn !== '') {
        for (const e of portName(pn)) errs.push(FieldError.invalid(`${pat}.name`, pn, e));
        if (portNames.has(pn)) errs.push(FieldError.duplicate(`${pat}.name`, pn));
        portNames.add(pn);
      }
      const cp = p.containerPort;
      if (cp === undefined || cp === null || cp === 0) errs.push(FieldError.required(`${pat}.containerPort`));
      else if (typeof cp !== 'number' || !Number.isInteger(cp) || cp < 1 || cp > 65535) {
        errs.push(FieldError.invalid(`${pat}.containerPort`, cp, 'must be between 1 and 65535, inclusive'));
      }
      const proto = str(p.protocol) ?? 'TCP';
      if (!PROTOCOLS.includes(proto)) errs.push(FieldError.notSupported(`${pat}.protocol`, proto, PROTOCOLS));
    });
  });
  return errs;
}

/** The fields ValidatePodUpdate lets a main-resource update change (images, deadline, grace period, tolerations). */
function withoutMutableSpecFields(spec: JsonObject, old: JsonObject): JsonObject {
  const out = deepClone(spec);
  for (const list of ['containers', 'initContainers']) {
    const now = out[list];
    const before = old[list];
    if (!Array.isArray(now) || !Array.isArray(before) || now.length !== before.length) continue;
    now.forEach((c, i) => {
      const b = before[i];
      if (isJsonObject(c) && isJsonObject(b)) {
        if (b.image === undefined) delete c.image;
        else c.image = b.image;
      }
    });
  }
  for (const f of ['activeDeadlineSeconds', 'terminationGracePeriodSeconds', 'tolerations']) {
    if (old[f] === undefined) delete out[f];
    else out[f] = old[f] as JsonValue;
  }
  return out;
}

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

const pods: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'pods',
  singular: 'pod',
  kind: 'Pod',
  listKind: 'PodList',
  namespaced: true,
  shortNames: ['po'],
  statusSubresource: true,
  // pkg/registry/core/pod/storage/storage.go: ReturnDeletedObject: true.
  returnDeletedObject: true,
  validateName: dns1123Subdomain,
  // ToSelectableFields in pkg/registry/core/pod/strategy.go.
  fieldSelectors: new Set([
    ...META_FIELDS,
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ]),
  fields(obj) {
    const spec = isJsonObject(obj.spec) ? obj.spec : {};
    const status = isJsonObject(obj.status) ? obj.status : {};
    const podIPs = Array.isArray(status.podIPs) ? status.podIPs : [];
    const first = podIPs[0];
    return {
      ...metaFields(obj),
      'spec.nodeName': str(spec.nodeName) ?? '',
      'spec.restartPolicy': str(spec.restartPolicy) ?? '',
      'spec.schedulerName': str(spec.schedulerName) ?? '',
      'spec.serviceAccountName': str(spec.serviceAccountName) ?? '',
      'spec.hostNetwork': String(spec.hostNetwork === true),
      'status.phase': str(status.phase) ?? '',
      'status.podIP': (isJsonObject(first) ? str(first.ip) : undefined) ?? '',
      'status.nominatedNodeName': str(status.nominatedNodeName) ?? '',
    };
  },
  listStrategies: {
    ...META_LISTS,
    ...podSpecLists('spec'),
    'status.conditions': { mergeKey: 'type' },
    'status.podIPs': { mergeKey: 'ip' },
  },
  applyDefaults(obj) {
    const spec = ensureObject(obj, 'spec');
    defaultPodSpec(spec);
    if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending', qosClass: podQOS(isJsonObject(obj.spec) ? obj.spec : {}) };
  },
  prepareForUpdate(next, old) {
    next.status = old.status ?? {};
  },
  validate(obj, old) {
    const errs: FieldError[] = [];
    const spec = isJsonObject(obj.spec) ? obj.spec : {};
    if (containersOf(spec, 'containers').length === 0) errs.push(FieldError.required('spec.containers'));
    const names = new Set<string>();
    errs.push(...validateContainers(spec, 'containers', names), ...validateContainers(spec, 'initContainers', names));
    const restart = str(spec.restartPolicy) ?? 'Always';
    if (!RESTART_POLICIES.includes(restart)) errs.push(FieldError.notSupported('spec.restartPolicy', restart, RESTART_POLICIES));
    const dns = str(spec.dnsPolicy) ?? 'ClusterFirst';
    if (!DNS_POLICIES.includes(dns)) errs.push(FieldError.notSupported('spec.dnsPolicy', dns, DNS_POLICIES));
    if (old && errs.length === 0) {
      const oldSpec = isJsonObject(old.spec) ? old.spec : {};
      // The real message appends a diff of the specs; the rule and its wording are what clients act on.
      if (!deepEqual(withoutMutableSpecFields(spec, oldSpec), oldSpec)) errs.push(FieldError.forbidden('spec', POD_UPDATE_FORBIDDEN));
    }
    return errs;
  },
};

// ---- discovery.k8s.io/v1 EndpointSlice --------------------------------------------------------
// pkg/registry/discovery/endpointslice/strategy.go (generation bumps on any non-metadata change or a
// label change), pkg/apis/discovery/v1/defaults.go (port name "", protocol TCP) and
// pkg/apis/discovery/validation/validation.go (addressType required and immutable; 1..100
// addresses per endpoint, valid for the address type; at most 1000 endpoints and 100 ports; unique
// DNS-label port names). `endpoints` and `ports` carry no omitempty in k8s.io/api/discovery/v1, and
// etcd's protobuf keeps no empty list, so an empty or missing list is read back as null.

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
/** Accepted on update only (deprecatedAddressTypes upstream). */
const DEPRECATED_ADDRESS_TYPES = ['IP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;

function ipv4Octets(value: string): number[] | undefined {
  if (!isIPv4(value)) return undefined;
  return value.split('.').map((x) => Number.parseInt(x, 10));
}

/** ValidateNonSpecialIP (pkg/apis/core/validation): no unspecified, loopback or link-local addresses. */
function specialIPErrors(value: string): string[] {
  const errs: string[] = [];
  const v4 = ipv4Octets(value);
  if (v4) {
    const [a, b, c] = v4 as [number, number, number, number];
    if (v4.every((x) => x === 0)) errs.push(`may not be unspecified (${value})`);
    if (a === 127) errs.push('may not be in the loopback range (127.0.0.0/8, ::1/128)');
    if (a === 169 && b === 254) errs.push('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
    if (a === 224 && b === 0 && c === 0) errs.push('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
    return errs;
  }
  const lower = value.toLowerCase();
  if (/^[0:]+$/.test(lower)) errs.push(`may not be unspecified (${value})`);
  if (/^[0:]*:0*1$/.test(lower) && lower.includes('::')) errs.push('may not be in the loopback range (127.0.0.0/8, ::1/128)');
  if (/^fe[89ab][0-9a-f]?:/.test(lower)) errs.push('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
  if (/^ff[0-9a-f]2:/.test(lower)) errs.push('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  return errs;
}

/** IsFullyQualifiedDomainName (k8s.io/apimachinery/pkg/util/validation). */
function fqdnErrors(value: string): string[] {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const errs = dns1123Subdomain(name);
  if (name.split('.').length < 2) errs.unshift('should be a domain with at least two segments separated by dots');
  return errs;
}

function validateSliceEndpoints(endpoints: JsonValue | undefined, addressType: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = Array.isArray(endpoints) ? endpoints : [];
  if (list.length > MAX_ENDPOINTS) return [FieldError.tooMany('endpoints', list.length, MAX_ENDPOINTS)];
  list.forEach((ep, i) => {
    const at = `endpoints[${i}]`;
    const e = isJsonObject(ep) ? ep : {};
    const addresses = Array.isArray(e.addresses) ? e.addresses : [];
    if (addresses.length === 0) errs.push(FieldError.required(`${at}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(FieldError.tooMany(`${at}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => {
      const path = `${at}.addresses[${j}]`;
      const address = typeof a === 'string' ? a : '';
      if (addressType === 'IPv4' || addressType === 'IPv6') {
        const ok = addressType === 'IPv4' ? isIPv4(address) : isIPv6(address);
        if (!ok) errs.push(FieldError.invalid(path, address, `must be a valid ${addressType} address`));
        if (!isIP(address)) errs.push(FieldError.invalid(path, address, 'must be a valid IP address'));
        else for (const m of specialIPErrors(address)) errs.push(FieldError.invalid(path, address, m));
      } else if (addressType === 'FQDN') {
        for (const m of fqdnErrors(address)) errs.push(FieldError.invalid(path, address, m));
      } else if (addressType === 'IP' && !isIP(address)) {
        errs.push(FieldError.invalid(path, address, 'must be a valid IP address'));
      }
    });
    const hostname = e.hostname;
    if (typeof hostname === 'string') for (const m of dns1123Label(hostname)) errs.push(FieldError.invalid(`${at}.hostname`, hostname, m));
  });
  return errs;
}

function validateSlicePorts(ports: JsonValue | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const list = Array.isArray(ports) ? ports : [];
  if (list.length > MAX_PORTS) return [FieldError.tooMany('ports', list.length, MAX_PORTS)];
  const names = new Set<string>();
  list.forEach((p, i) => {
    const at = `ports[${i}]`;
    const port = isJsonObject(p) ? p : {};
    const name = str(port.name) ?? '';
    if (name !== '') for (const m of dns1123Label(name)) errs.push(FieldError.invalid(`${at}.name`, name, m));
    if (names.has(name)) errs.push(FieldError.duplicate(`${at}.name`, name));
    else names.add(name);
    const proto = str(port.protocol);
    if (proto === undefined) errs.push(FieldError.required(`${at}.protocol`));
    else if (!PROTOCOLS.includes(proto)) errs.push(FieldError.notSupported(`${at}.protocol`, proto, PROTOCOLS));
    const app = port.appProtocol;
    if (typeof app === 'string') for (const m of qualifiedName(app)) errs.push(FieldError.invalid(`${at}.appProtocol`, app, m));
  });
  return errs;
}

function withoutMetadata(obj: KubeObject): JsonObject {
  const { metadata: _metadata, ...rest } = obj;
  return rest;
}

const endpointSlices: ResourceType = {
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  singular: 'endpointslice',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  namespaced: true,
  shortNames: [],
  generationChanged: (next, old) => !deepEqual(withoutMetadata(next), withoutMetadata(old)) || !deepEqual(metaOf(next).labels, metaOf(old).labels),
  statusSubresource: false,
  returnDeletedObject: false,
  validateName: dns1123Subdomain,
  fieldSelectors: META_FIELDS,
  fields: metaFields,
  // endpoints and ports are +listType=atomic: a strategic merge patch replaces them.
  listStrategies: META_LISTS,
  decode(obj) {
    for (const f of ['endpoints', 'ports']) {
      const v = obj[f];
      if (v !== undefined && v !== null && !Array.isArray(v)) {
        throw errors.badRequest(
          `EndpointSlice in version "v1" cannot be handled as a EndpointSlice: json: cannot unmarshal ${jsonTypeName(v)} into Go struct field EndpointSlice.${f} of type []v1.${f === 'ports' ? 'EndpointPort' : 'Endpoint'}`,
        );
      }
    }
  },
  applyDefaults(obj) {
    for (const f of ['endpoints', 'ports']) {
      const v = obj[f];
      if (!Array.isArray(v) || v.length === 0) obj[f] = null;
    }
    if (Array.isArray(obj.endpoints)) {
      for (const ep of obj.endpoints) {
        if (!isJsonObject(ep)) continue;
        if (!isJsonObject(ep.conditions)) ep.conditions = {};
        // Not writable through v1 (dropTopologyOnV1).
        delete ep.deprecatedTopology;
      }
    }
    if (Array.isArray(obj.ports)) {
      for (const p of obj.ports) {
        if (!isJsonObject(p)) continue;
        if (p.name === undefined || p.name === null) p.name = '';
        if (p.protocol === undefined || p.protocol === null) p.protocol = 'TCP';
      }
    }
  },
  validate(obj, old) {
    const errs: FieldError[] = [];
    const addressType = str(obj.addressType) ?? '';
    const allowed = old ? [...ADDRESS_TYPES, ...DEPRECATED_ADDRESS_TYPES].sort() : ADDRESS_TYPES;
    if (addressType === '') errs.push(FieldError.required('addressType'));
    else if (!allowed.includes(addressType)) errs.push(FieldError.notSupported('addressType', addressType, allowed));
    errs.push(...validateSliceEndpoints(obj.endpoints, addressType), ...validateSlicePorts(obj.ports));
    if (old && addressType !== (str(old.addressType) ?? '')) errs.push(FieldError.invalid('addressType', addressType, 'field is immutable'));
    return errs;
  },
};

export const RESOURCE_TYPES: readonly ResourceType[] = [configMaps, services, pods, deployments, leases, endpointSlices];

/** Finds the type served at /{prefix}/{group}/{version}/{resource}. */
export function lookupResource(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** Finds the type for an object's apiVersion + kind (seeding, helpers). */
export function lookupKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}
