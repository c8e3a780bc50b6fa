// CustomResourceDefinitions and the custom resources they define, like apiextensions-apiserver: a CRD
// (apiextensions.k8s.io/v1, cluster-scoped) is validated for the fields that decide serving (group, names, scope,
// versions with one storage version, metadata.name = <plural>.<group>); once stored, each served version is an API
// resource: in discovery (/apis, /apis/<group>/<version>) and served with the same CRUD, list and watch as the
// built-in kinds. The controller's answer, status Established and NamesAccepted, follows on the next tick, as the real
// establishing controller's does. All versions share one storage (conversion strategy None: only apiVersion changes).
// Deleting the CRD deletes its objects (the customresourcecleanup finalizer's work) and stops serving it. No schema
// validation beyond a structural object: apiVersion/kind/metadata are checked by the registry's decoding.
import type { ListStrategies } from './patch.js';
import type { Registry } from './registry.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { FieldError } from './status.js';
import type { StoredEvent } from './store.js';
import { deepEqual, isJsonObject, metaOf, str, type JsonObject, type JsonValue, type KubeObject } from './types.js';
import { dns1035Label, dns1123Subdomain } from './validation.js';

const META_FIELDS = new Set(['metadata.name', 'metadata.namespace']);

function metaFields(obj: KubeObject): Record<string, string> {
  const md = isJsonObject(obj.metadata) ? obj.metadata : {};
  return { 'metadata.name': str(md.name) ?? '', 'metadata.namespace': str(md.namespace) ?? '' };
}

const META_LISTS: ListStrategies = { 'metadata.ownerReferences': { mergeKey: 'uid' }, 'metadata.finalizers': 'set' };

/** Everything but metadata and status: what bumps metadata.generation (the CRD and custom resource strategies). */
function specChanged(next: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject): JsonObject => {
    const { metadata: _m, status: _s, ...rest } = o;
    return rest;
  };
  return !deepEqual(strip(next), strip(old));
}

function obj(v: JsonValue | undefined): JsonObject {
  return isJsonObject(v) ? v : {};
}

function versionsOf(spec: JsonObject): JsonObject[] {
  return Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
}

/** Kubernetes version priority (k8s.io/apimachinery/pkg/version CompareKubeAwareVersionStrings): GA > beta > alpha, then by number. */
function versionRank(v: string): [number, number, number] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [0, 0, 0];
  const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stage, Number(m[1]), Number(m[3] ?? 0)];
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [versionRank(a), versionRank(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (y[i] ?? 0) - (x[i] ?? 0);
  return a.localeCompare(b);
}

/** apiextensions.k8s.io/v1 CustomResourceDefinition: the strategy's defaulting and the validation that decides serving. */
export const CRD_TYPE: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  resource: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  statusSubresource: true,
  returnDeletedObject: true,
  validateName: dns1123Subdomain,
  fieldSelectors: META_FIELDS,
  fields: metaFields,
  listStrategies: { ...META_LISTS, 'spec.versions': { mergeKey: 'name' } },
  generationChanged: specChanged,
  // Status belongs to the establishing controller (the status subresource).
  prepareForCreate(o) {
    delete o.status;
  },
  prepareForUpdate(next, old) {
    if (old.status === undefined) delete next.status;
    else next.status = old.status;
  },
  applyDefaults(o) {
    const spec = obj(o.spec);
    const names = obj(spec.names);
    const kind = str(names.kind);
    if (kind && names.singular === undefined) names.singular = kind.toLowerCase();
    if (kind && names.listKind === undefined) names.listKind = `${kind}List`;
    if (spec.conversion === undefined && isJsonObject(o.spec)) spec.conversion = { strategy: 'None' };
  },
  validate(o, old) {
    const errs: FieldError[] = [];
    const spec = obj(o.spec);
    const names = obj(spec.names);
    const group = str(spec.group) ?? '';
    const plural = str(names.plural) ?? '';
    const kind = str(names.kind) ?? '';
    if (group === '') errs.push(FieldError.required('spec.group'));
    else if (!group.includes('.') || dns1123Subdomain(group).length > 0) errs.push(FieldError.invalid('spec.group', group, 'should be a domain with at least one dot'));
    if (plural === '') errs.push(FieldError.required('spec.names.plural'));
    else for (const e of dns1035Label(plural)) errs.push(FieldError.invalid('spec.names.plural', plural, e));
    if (kind === '') errs.push(FieldError.required('spec.names.kind'));
    const name = str(metaOf(o).name) ?? '';
    if (plural && group && name !== `${plural}.${group}`) errs.push(FieldError.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
    const scope = str(spec.scope);
    if (scope !== 'Namespaced' && scope !== 'Cluster') errs.push(FieldError.notSupported('spec.scope', scope ?? '', ['Cluster', 'Namespaced']));
    const versions = versionsOf(spec);
    if (versions.length === 0) errs.push(FieldError.required('spec.versions', 'must have exactly one version marked as storage version'));
    const seen = new Set<string>();
    let storage = 0;
    versions.forEach((v, i) => {
      const vn = str(v.name) ?? '';
      for (const e of dns1035Label(vn)) errs.push(FieldError.invalid(`spec.versions[${i}].name`, vn, e));
      if (seen.has(vn)) errs.push(FieldError.duplicate(`spec.versions[${i}].name`, vn));
      seen.add(vn);
      if (typeof v.served !== 'boolean') errs.push(FieldError.required(`spec.versions[${i}].served`));
      if (v.storage === true) storage++;
    });
    if (versions.length > 0 && storage !== 1) errs.push(FieldError.invalid('spec.versions', storage, 'must have exactly one version marked as storage version'));
    if (old) {
      const was = obj(old.spec);
      if (str(was.group) !== group) errs.push(FieldError.invalid('spec.group', group, 'field is immutable'));
      if (str(obj(was.names).plural) !== plural) errs.push(FieldError.invalid('spec.names.plural', plural, 'field is immutable'));
      if (str(was.scope) !== scope) errs.push(FieldError.invalid('spec.scope', scope ?? '', 'field is immutable'));
    }
    return errs;
  },
};

/** The resource type a CRD serves at one version. */
function customType(crd: KubeObject, version: JsonObject): ResourceType {
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const kind = str(names.kind) ?? '';
  return {
    group: str(spec.group) ?? '',
    version: str(version.name) ?? '',
    resource: str(names.plural) ?? '',
    singular: str(names.singular) ?? kind.toLowerCase(),
    kind,
    listKind: str(names.listKind) ?? `${kind}List`,
    namespaced: spec.scope === 'Namespaced',
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.filter((s): s is string => typeof s === 'string') : [],
    statusSubresource: isJsonObject(obj(version.subresources).status),
    // apiextensions-apiserver pkg/registry/customresource/etcd.go: ReturnDeletedObject true.
    returnDeletedObject: true,
    validateName: dns1123Subdomain,
    fieldSelectors: META_FIELDS,
    fields: metaFields,
    listStrategies: META_LISTS,
    generationChanged: specChanged,
    // With the status subresource, the main resource ignores status: none on create, the stored one on update
    // (apiextensions-apiserver pkg/registry/customresource/strategy.go PrepareForCreate/PrepareForUpdate).
    ...(isJsonObject(obj(version.subresources).status)
      ? {
          prepareForCreate(o: KubeObject): void {
            delete o.status;
          },
          prepareForUpdate(next: KubeObject, old: KubeObject): void {
            if (old.status === undefined) delete next.status;
            else next.status = old.status;
          },
        }
      : {}),
  };
}

/** Served types of the CRDs an emulator holds, kept in step with the stored CRDs through a store subscription. */
export class CustomResources {
  /** CRD name → the types it serves (one per served version). */
  private readonly served = new Map<string, ResourceType[]>();
  private readonly pending = new Set<string>();

  /** `unserved` hears of each type that stops being served, after its objects are gone (the server ends its watches). */
  constructor(
    private readonly registry: Registry,
    private readonly unserved: (rt: ResourceType) => void = () => {},
  ) {
    registry.store.subscribe(CRD_TYPE, (ev) => this.onCrd(ev));
  }

  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    if (group === CRD_TYPE.group && version === CRD_TYPE.version && resource === CRD_TYPE.resource) return CRD_TYPE;
    for (const types of this.served.values()) for (const rt of types) if (rt.group === group && rt.version === version && rt.resource === resource) return rt;
    return undefined;
  }

  lookupKind(apiVersion: string, kind: string): ResourceType | undefined {
    if (apiVersion === apiVersionOf(CRD_TYPE) && kind === CRD_TYPE.kind) return CRD_TYPE;
    for (const types of this.served.values()) for (const rt of types) if (apiVersionOf(rt) === apiVersion && rt.kind === kind) return rt;
    return undefined;
  }

  /** The CRD type and every served custom type, by group, then version priority (discovery's preferred version first). */
  types(): ResourceType[] {
    const all = [CRD_TYPE, ...[...this.served.values()].flat()];
    return all.sort((a, b) => a.group.localeCompare(b.group) || compareVersions(a.version, b.version) || a.resource.localeCompare(b.resource));
  }

  private onCrd(ev: StoredEvent): void {
    const name = str(metaOf({ ...ev.object }).name) ?? '';
    const before = this.served.get(name) ?? [];
    if (ev.type === 'DELETED') {
      this.served.delete(name);
      if (before[0]) this.deleteAll(before[0]);
      for (const rt of before) this.unserved(rt);
      return;
    }
    const spec = obj(ev.object.spec);
    const types = versionsOf(spec)
      .filter((v) => v.served === true)
      .map((v) => customType(ev.object, v));
    this.served.set(name, types);
    for (const rt of before) if (!types.some((t) => t.version === rt.version)) this.unserved(rt);
    if (!this.established(ev.object)) this.establishSoon(name);
  }

  private established(crd: KubeObject): boolean {
    const status = obj(crd.status);
    const conds = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
    const ok = (t: string): boolean => conds.some((c) => c.type === t && c.status === 'True');
    return ok('Established') && ok('NamesAccepted') && deepEqual(status.acceptedNames, obj(crd.spec).names);
  }

  /** The establishing controller's write, after the create or update that asked for it has been answered. */
  private establishSoon(name: string): void {
    if (this.pending.has(name)) return;
    this.pending.add(name);
    setImmediate(() => {
      this.pending.delete(name);
      const current = this.registry.store.get(CRD_TYPE, undefined, name);
      if (!current || this.established(current)) return;
      const spec = obj(current.spec);
      const storage = versionsOf(spec).find((v) => v.storage === true);
      const now = new Date().toISOString().slice(0, 19) + 'Z';
      const cond = (type: string, reason: string, message: string): JsonObject => ({ type, status: 'True', lastTransitionTime: now, reason, message });
      const status: JsonObject = {
        conditions: [cond('NamesAccepted', 'NoConflicts', 'no conflicts found'), cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
        acceptedNames: spec.names ?? {},
        storedVersions: [str(storage?.name) ?? ''],
      };
      try {
        this.registry.update(CRD_TYPE, undefined, name, { ...current, status }, { manager: 'kube-apiserver' }, 'status');
      } catch {
        // Deleted or changed meanwhile: the next event schedules another attempt.
      }
    });
  }

  /** The objects of a deleted CRD go too, each with its DELETED watch event. */
  private deleteAll(rt: ResourceType): void {
    for (const { object } of this.registry.store.list(rt)) {
      const md = metaOf({ ...object });
      try {
        this.registry.delete(rt, str(md.namespace), str(md.name) ?? '', undefined, {});
      } catch {
        // already gone
      }
    }
  }
}
