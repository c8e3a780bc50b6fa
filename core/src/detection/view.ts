// Service → ServiceView: exactly what a plugin may see. Plain data only, server noise dropped
// (managedFields, status, resourceVersion, the kubectl last-applied annotation); ownerReferences are kept beside
// the view for the host alone (discovery/owners.ts).
import type { ServicePort, ServiceView } from '@kubernaut/toolset-sdk';
import { ownerReferencesOf, rememberOwners } from '../discovery/owners.js';


const NOISY_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

function stringMap(value: unknown, drop?: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' && !drop?.has(k)) out[k] = v;
  }
  return out;
}

function port(value: unknown): ServicePort | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const p = value as Record<string, unknown>;
  if (typeof p.port !== 'number') return undefined;
  const out: ServicePort = { port: p.port };
  if (typeof p.name === 'string') out.name = p.name;
  if (typeof p.targetPort === 'number' || typeof p.targetPort === 'string') out.targetPort = p.targetPort;
  if (typeof p.protocol === 'string') out.protocol = p.protocol;
  if (typeof p.appProtocol === 'string') out.appProtocol = p.appProtocol;
  if (typeof p.nodePort === 'number') out.nodePort = p.nodePort;
  return out;
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((x) => typeof x === 'string') ? [...(value as string[])] : undefined;
}

/** True for an object that looks like a v1 Service (kind may be absent in list items). */
export function isServiceObject(value: unknown): value is { metadata: { name: string; namespace?: string } } {
  if (value === null || typeof value !== 'object') return false;
  const o = value as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== 'Service') return false;
  const md = o.metadata as Record<string, unknown> | undefined;
  return md !== undefined && md !== null && typeof md === 'object' && typeof md.name === 'string';
}

/**
 * Projects a Kubernetes Service (as the API or `kubectl get -o yaml` returns it) onto a ServiceView.
 * `defaultNamespace` applies when the object carries none (a manifest without namespace).
 */
export function toServiceView(service: unknown, defaultNamespace = 'default'): ServiceView {
  if (!isServiceObject(service)) throw new TypeError('not a Service object (metadata.name missing)');
  const o = service as Record<string, unknown>;
  const md = o.metadata as Record<string, unknown>;
  const spec = (o.spec !== null && typeof o.spec === 'object' ? o.spec : {}) as Record<string, unknown>;
  const view: ServiceView = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: md.name as string,
      namespace: typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : defaultNamespace,
      labels: stringMap(md.labels),
      annotations: stringMap(md.annotations, NOISY_ANNOTATIONS),
    },
    spec: {
      ports: Array.isArray(spec.ports) ? spec.ports.map(port).filter((p): p is ServicePort => p !== undefined) : [],
    },
  };
  if (typeof md.uid === 'string') view.metadata.uid = md.uid;
  if (typeof spec.type === 'string') view.spec.type = spec.type;
  if (typeof spec.clusterIP === 'string') view.spec.clusterIP = spec.clusterIP;
  const ips = stringArray(spec.clusterIPs);
  if (ips) view.spec.clusterIPs = ips;
  if (typeof spec.externalName === 'string') view.spec.externalName = spec.externalName;
  if (spec.selector !== null && typeof spec.selector === 'object') view.spec.selector = stringMap(spec.selector);
  rememberOwners(view, md.ownerReferences);
  return view;
}

/**
 * Whether two projections of a Service are the same for detection: equal views and equal owners (kept beside the
 * view, so an ownerReference set later by an operator still counts as a change).
 */
export function sameServiceView(a: ServiceView, b: ServiceView): boolean {
  return JSON.stringify(a) === JSON.stringify(b) && JSON.stringify(ownerReferencesOf(a)) === JSON.stringify(ownerReferencesOf(b));
}

export function serviceKey(view: { metadata: { namespace: string; name: string } }): string {
  return `${view.metadata.namespace}/${view.metadata.name}`;
}
