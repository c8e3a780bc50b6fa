// RBAC-like authorization: allow-grants evaluated with the matching rules of
// plugin/pkg/auth/authorizer/rbac (wildcards, */subresource, resourceNames, nonResourceURL prefixes),
// plus the Forbidden Status the real server renders on denial.
import { ApiError, makeStatus, qualifiedResource } from './status.js';
import type { UserInfo } from './types.js';

export interface Subjects {
  users?: string[];
  groups?: string[];
}

interface GrantBase {
  /** Shown in SubjectAccessReview reasons as the (Cluster)Role/Binding name. */
  name?: string;
  subjects: Subjects;
  verbs: string[];
  /** Emulates a deny-capable authorizer (RBAC itself never denies); a match yields `denied: true`. */
  deny?: boolean;
}

export interface ResourceGrant extends GrantBase {
  apiGroups: string[];
  /** `configmaps`, `services/proxy`, `*`, `*\/status`. */
  resources: string[];
  /** Omitted = cluster-wide (a ClusterRoleBinding); otherwise RoleBindings in these namespaces. */
  namespaces?: string[];
  resourceNames?: string[];
}

export interface NonResourceGrant extends GrantBase {
  /** Exact paths, or prefixes ending in `*`. */
  nonResourceURLs: string[];
}

export type Grant = ResourceGrant | NonResourceGrant;

export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  path: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

export interface Decision {
  allowed: boolean;
  denied: boolean;
  reason: string;
}

function isResourceGrant(g: Grant): g is ResourceGrant {
  return 'resources' in g;
}

/** Kubernetes' bootstrap policy subset every cluster has. */
export const DEFAULT_GRANTS: readonly Grant[] = [
  {
    name: 'system:discovery',
    subjects: { groups: ['system:authenticated'] },
    nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'],
    verbs: ['get'],
  },
  {
    name: 'system:public-info-viewer',
    subjects: { groups: ['system:authenticated', 'system:unauthenticated'] },
    nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'],
    verbs: ['get'],
  },
  {
    name: 'system:basic-user',
    subjects: { groups: ['system:authenticated'] },
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    verbs: ['create'],
  },
  {
    name: 'cluster-admin',
    subjects: { groups: ['system:masters'] },
    apiGroups: ['*'],
    resources: ['*'],
    verbs: ['*'],
  },
  {
    name: 'cluster-admin',
    subjects: { groups: ['system:masters'] },
    nonResourceURLs: ['*'],
    verbs: ['*'],
  },
];

function verbMatches(g: Grant, verb: string): boolean {
  return g.verbs.includes('*') || g.verbs.includes(verb);
}

function resourceMatches(g: ResourceGrant, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return g.resources.some(
    (r) => r === '*' || r === combined || (subresource !== '' && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)),
  );
}

function nonResourceURLMatches(g: NonResourceGrant, path: string): boolean {
  return g.nonResourceURLs.some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

/** Which subject of the grant matched, phrased like RBAC's reason ("User \"x\"" / "Group \"y\""). */
function matchedSubject(g: Grant, user: UserInfo): string | undefined {
  if (g.subjects.users?.includes(user.username)) return `User "${user.username}"`;
  const group = (user.groups ?? []).find((x) => g.subjects.groups?.includes(x));
  return group === undefined ? undefined : `Group "${group}"`;
}

export class Authorizer {
  private readonly grants: Array<{ id: number; grant: Grant }> = [];
  private nextId = 0;

  constructor(defaults: readonly Grant[] = DEFAULT_GRANTS) {
    for (const g of defaults) this.grant(g);
  }

  /** Adds a grant; the returned function revokes it. */
  grant(g: Grant): () => void {
    const id = this.nextId++;
    const copy: Grant = structuredClone(g);
    if (copy.name === undefined) copy.name = `emulator-grant-${id}`;
    this.grants.push({ id, grant: copy });
    return () => {
      const i = this.grants.findIndex((x) => x.id === id);
      if (i >= 0) this.grants.splice(i, 1);
    };
  }

  authorize(a: Attributes): Decision {
    let allow: Decision | undefined;
    for (const { grant } of this.grants) {
      const subject = matchedSubject(grant, a.user);
      if (subject === undefined || !verbMatches(grant, a.verb)) continue;
      let binding: string;
      if (a.isResourceRequest) {
        if (!isResourceGrant(grant)) continue;
        if (!grant.apiGroups.includes('*') && !grant.apiGroups.includes(a.apiGroup)) continue;
        if (!resourceMatches(grant, a.resource, a.subresource)) continue;
        if (grant.resourceNames && grant.resourceNames.length > 0 && !grant.resourceNames.includes(a.name)) continue;
        if (grant.namespaces !== undefined) {
          if (a.namespace === '' || !grant.namespaces.includes(a.namespace)) continue;
          binding = `RoleBinding "${grant.name}/${a.namespace}" of Role "${grant.name}"`;
        } else {
          binding = `ClusterRoleBinding "${grant.name}" of ClusterRole "${grant.name}"`;
        }
      } else {
        if (isResourceGrant(grant) || !nonResourceURLMatches(grant, a.path)) continue;
        binding = `ClusterRoleBinding "${grant.name}" of ClusterRole "${grant.name}"`;
      }
      if (grant.deny) return { allowed: false, denied: true, reason: `denied by ${binding} to ${subject}` };
      allow ??= { allowed: true, denied: false, reason: `RBAC: allowed by ${binding} to ${subject}` };
    }
    return allow ?? { allowed: false, denied: false, reason: '' };
  }
}

/** responsewriters.Forbidden + apierrors.NewForbidden, message for message. */
export function forbidden(a: Attributes, reason: string): ApiError {
  let msg: string;
  if (!a.isResourceRequest) {
    msg = `User "${a.user.username}" cannot ${a.verb} path "${a.path}"`;
  } else {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    msg = a.namespace
      ? `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" in the namespace "${a.namespace}"`
      : `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" at the cluster scope`;
  }
  if (reason) msg = `${msg}: ${reason}`;
  const gr = { group: a.apiGroup, resource: a.resource };
  let message: string;
  if (!a.isResourceRequest || a.resource === '') message = `forbidden: ${msg}`;
  else if (a.name === '') message = `${qualifiedResource(gr)} is forbidden: ${msg}`;
  else message = `${qualifiedResource(gr)} "${a.name}" is forbidden: ${msg}`;
  return new ApiError(makeStatus(403, 'Forbidden', message, { name: a.name, group: a.apiGroup, kind: a.resource }));
}
