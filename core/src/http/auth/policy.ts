// Which request needs which permission: the access-policy table of the HTTP API.
//
//   /health, /ready (exactly)            no authentication at all (the kubelet calls them)
//   /api/v1/<resource>[/…]               SAR on the virtual resource <resource>.toolset.kubernaut.io in the daemon's
//                                        namespace, verb from the method (RESOURCE_VERBS). Never on the bare path:
//                                        Kubernetes' default system:discovery role lets every authenticated user
//                                        `get` /api/*.
//   /metrics                             SAR on the non-resource URL /metrics, verb from the method (as
//                                        controller-runtime's metrics filter does, and Prometheus setups expect)
//   anything else                        authenticated, then 403 without a SAR: no rule maps it, so nobody may.
// Paths are matched case-insensitively with one trailing slash ignored, like @koa/router matches routes, so a
// route can never be reached through a spelling that maps to a different (weaker) check.
//
// Callers need ordinary RBAC on toolset.kubernaut.io, e.g.
//   - apiGroups: [toolset.kubernaut.io]  resources: [toolsets, services, statistics, plugins]  verbs: [get]
//   - apiGroups: [toolset.kubernaut.io]  resources: [discover, config]                          verbs: [create]
//   - nonResourceURLs: [/metrics]  verbs: [get]                                                   (scrapers)

/** The API group of the virtual resources the API is authorised on. */
export const API_GROUP = 'toolset.kubernaut.io';

/** Exact paths served without authentication. */
export const PUBLIC_PATHS: readonly string[] = ['/health', '/ready'];

export type AccessTarget =
  | { kind: 'resource'; group: string; resource: string; verb: string; namespace: string }
  | { kind: 'path'; path: string; verb: string };

/** Kubernetes' verbs for HTTP methods on a resource (reads are all `get`). */
const RESOURCE_VERBS: Readonly<Record<string, string>> = {
  GET: 'get',
  HEAD: 'get',
  OPTIONS: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** A DNS-1123 label, as Kubernetes resource names are. */
const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * What a request is authorised on: a SAR target, or a denial that needs no SAR. Public paths are handled before
 * this is asked.
 */
export function accessTargetFor(method: string, path: string, namespace: string): { target: AccessTarget } | { deny: string } {
  let p = path.toLowerCase();
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  const m = method.toUpperCase();
  if (p === '/metrics') return { target: { kind: 'path', path: '/metrics', verb: m === 'HEAD' ? 'get' : m.toLowerCase() } };
  if (p.startsWith('/api/v1/')) {
    const resource = p.slice('/api/v1/'.length).split('/')[0] ?? '';
    if (resource.length > 63 || !RESOURCE_NAME.test(resource)) return { deny: 'the path names no API resource' };
    const verb = RESOURCE_VERBS[m];
    if (verb === undefined) return { deny: `method ${m} is not mapped to a verb` };
    return { target: { kind: 'resource', group: API_GROUP, resource, verb, namespace } };
  }
  return { deny: 'no authorisation rule covers this path (only /api/v1/<resource> and /metrics are authorised)' };
}

/** Kubernetes-style wording: `user "alice" cannot get toolsets.toolset.kubernaut.io in namespace "ns"`. */
export function describeDenial(username: string, target: AccessTarget): string {
  return target.kind === 'resource'
    ? `user "${username}" cannot ${target.verb} ${target.resource}.${target.group} in namespace "${target.namespace}"`
    : `user "${username}" cannot ${target.verb} path "${target.path}"`;
}

/** The target as log fields. */
export function targetFields(target: AccessTarget): Record<string, string> {
  return target.kind === 'resource' ? { verb: target.verb, resource: `${target.resource}.${target.group}`, namespace: target.namespace } : { verb: target.verb, path: target.path };
}
