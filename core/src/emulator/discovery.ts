// Discovery documents (/api, /apis, /apis/{g}/{v}, /version) for the served types, so generic
// clients (kubectl, dynamic clients) can find them.
import { RESOURCE_TYPES, type ResourceType } from './resources.js';
import type { JsonObject } from './types.js';

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface ExtraResource {
  group: string;
  version: string;
  resource: JsonObject;
}

/** Served but not stored: implicit namespaces (read-only) and the create-only review APIs. */
const EXTRA: readonly ExtraResource[] = [
  { group: '', version: 'v1', resource: { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'], shortNames: ['ns'] } },
  { group: 'authentication.k8s.io', version: 'v1', resource: { name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] } },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: { name: 'subjectaccessreviews', singularName: 'subjectaccessreview', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] },
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
  },
];

function resourceEntries(rt: ResourceType): JsonObject[] {
  const main: JsonObject = { name: rt.resource, singularName: rt.singular, namespaced: rt.namespaced, kind: rt.kind, verbs: CRUD };
  if (rt.shortNames.length > 0) main.shortNames = [...rt.shortNames];
  const out = [main];
  if (rt.resource === 'services') {
    out.push({ name: 'services/proxy', singularName: '', namespaced: true, kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] });
  }
  if (rt.statusSubresource) out.push({ name: `${rt.resource}/status`, singularName: '', namespaced: rt.namespaced, kind: rt.kind, verbs: ['get', 'patch', 'update'] });
  return out;
}

function groupVersions(extra: readonly ResourceType[]): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  const add = (g: string, v: string): void => {
    if (g === '') return;
    if (!m.has(g)) m.set(g, new Set());
    m.get(g)?.add(v);
  };
  for (const rt of RESOURCE_TYPES) add(rt.group, rt.version);
  for (const r of EXTRA) add(r.group, r.version);
  for (const rt of extra) add(rt.group, rt.version);
  return m;
}

export function apiVersions(serverAddress: string): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(name: string, versions: Set<string>): JsonObject {
  const vs = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] ?? null };
}

/** `extra`: served types beyond the built-in ones (custom resources), in preferred-version order per group. */
export function apiGroupList(extra: readonly ResourceType[] = []): JsonObject {
  const groups = [...groupVersions(extra)].sort(([a], [b]) => a.localeCompare(b)).map(([name, vs]) => apiGroup(name, vs));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroupDoc(group: string, extra: readonly ResourceType[] = []): JsonObject | undefined {
  const vs = groupVersions(extra).get(group);
  return vs ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, vs) } : undefined;
}

/** APIResourceList for a group/version ('' group = core), or undefined when not served. */
export function apiResourceList(group: string, version: string, extra: readonly ResourceType[] = []): JsonObject | undefined {
  const resources: JsonObject[] = [];
  for (const rt of [...RESOURCE_TYPES, ...extra]) if (rt.group === group && rt.version === version) resources.push(...resourceEntries(rt));
  for (const r of EXTRA) if (r.group === group && r.version === version) resources.push(r.resource);
  if (resources.length === 0) return undefined;
  resources.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

export const VERSION_INFO: JsonObject = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0',
  gitCommit: 'kube-emulator',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T07:28:49Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};
