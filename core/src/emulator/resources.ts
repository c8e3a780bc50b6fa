// The resource types the emulator serves and their per-kind strategies (defaulting, validation,
// update rules), mirroring pkg/registry/*/strategy.go of the real API server for the fields that matter.
import { errors, FieldError, GoLiteral, type GroupKind, type GroupResource } from './status.js';
import type { ListStrategies } from './patch.js';
import { deepEqual, isJsonObject, metaOf, str, stringMap, type JsonObject, type JsonValue, type KubeObject } from './types.js';
import { configMapKey, dns1035Label, dns1123Subdomain } from './validation.js';

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

function podTemplateLists(prefix: string): ListStrategies {
  const c = (field: string): string => `${prefix}.spec.${field}`;
  const out: Record<string, ListStrategies[string]> = {
    [`${prefix}.metadata.ownerReferences`]: { mergeKey: 'uid' },
    [`${prefix}.metadata.finalizers`]: 'set',
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

export const RESOURCE_TYPES: readonly ResourceType[] = [configMaps, services, deployments, leases];

/** Finds the type served at /{prefix}/{group}/{version}/{resource}. */
export function lookupResource(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** Finds the type for an object's apiVersion + kind (seeding, helpers). */
export function lookupKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}
