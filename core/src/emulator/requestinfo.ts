// URL → request attributes, following k8s.io/apiserver/pkg/endpoints/request.RequestInfoFactory,
// so authorization sees the same verb/resource/name the real server would compute.
import { parseFieldSelector } from './selectors.js';

export interface RequestInfo {
  /** Decoded request path. */
  path: string;
  isResourceRequest: boolean;
  /** Kubernetes verb for resource requests; lower-case HTTP method otherwise. */
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Parts relative to the resource: resource/name/subresource/rest... */
  parts: string[];
  /** True when the verb came from a legacy /watch/ path prefix. */
  legacyWatch: boolean;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** strconv.ParseBool, which metav1.ListOptions uses for `watch`. */
export function parseBool(v: string | null): boolean {
  return v !== null && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function parseRequestInfo(method: string, url: URL): RequestInfo {
  const path = decodePath(url.pathname);
  const info: RequestInfo = {
    path,
    isResourceRequest: false,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
    legacyWatch: false,
  };
  let parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length < 3) return info;
  const prefix = parts[0] as string;
  if (prefix !== 'api' && prefix !== 'apis') return info;
  parts = parts.slice(1);
  if (prefix === 'apis') {
    if (parts.length < 3) return info;
    info.apiGroup = parts[0] as string;
    parts = parts.slice(1);
  }
  info.apiPrefix = prefix;
  info.isResourceRequest = true;
  info.apiVersion = parts[0] as string;
  parts = parts.slice(1);
  if (parts[0] === 'watch' && parts.length >= 2) {
    info.verb = 'watch';
    info.legacyWatch = true;
    parts = parts.slice(1);
  } else {
    info.verb = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method] ?? '';
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1] as string;
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] as string)) parts = parts.slice(2);
    }
  }
  info.parts = parts;
  if (parts.length >= 3) info.subresource = parts[2] as string;
  if (parts.length >= 2) info.name = parts[1] as string;
  if (parts.length >= 1) info.resource = parts[0] as string;

  if (info.name === '' && info.verb === 'get') {
    info.verb = parseBool(url.searchParams.get('watch')) ? 'watch' : 'list';
  }
  if (info.name === '' && (info.verb === 'list' || info.verb === 'watch')) {
    // A fieldSelector pinning metadata.name lets RBAC resourceNames apply to list/watch.
    try {
      const reqs = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '', new Set(['metadata.name', ...fieldKeys(url)]));
      const pin = reqs.find((r) => r.field === 'metadata.name' && r.op !== '!=');
      if (pin && /^[^/%]+$/.test(pin.value) && pin.value !== '.' && pin.value !== '..') info.name = pin.value;
    } catch {
      // invalid selectors are reported by the handler, not here
    }
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

function fieldKeys(url: URL): string[] {
  return (url.searchParams.get('fieldSelector') ?? '')
    .split(',')
    .map((t) => t.split(/!=|==|=/)[0]?.trim() ?? '')
    .filter((k) => k !== '');
}
