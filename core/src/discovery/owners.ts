// A Service's ownerReferences, kept beside its ServiceView rather than in it: plugins never see them (the host ties a
// Service to the operator resource that made it, operators.ts, and hands over the resource instead).
import type { ServiceView } from '@kubernaut/toolset-sdk';

/** An ownerReference as far as tying a Service to an operator resource needs it. */
export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
}

/** Owner references kept per Service: an operator sets one or two; more is noise (and bounded). */
const MAX_OWNER_REFS = 16;

/**
 * The owners of each view's Service, kept beside the view rather than in it: plugins never see them (the host ties
 * a Service to its operator resource and hands over the resource instead), and most Services have none, so nothing
 * is stored for them. Keyed by the view object: the informer makes a new view on every change.
 */
const OWNERS = new WeakMap<ServiceView, readonly OwnerRef[]>();

/** The ownerReferences the Service carried when it was projected (empty for none). */
export function ownerReferencesOf(view: ServiceView): readonly OwnerRef[] {
  return OWNERS.get(view) ?? [];
}

function ownerRefs(value: unknown): OwnerRef[] {
  if (!Array.isArray(value)) return [];
  const out: OwnerRef[] = [];
  for (const r of value.slice(0, MAX_OWNER_REFS) as unknown[]) {
    if (r === null || typeof r !== 'object') continue;
    const o = r as Record<string, unknown>;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.name !== 'string') continue;
    const ref: OwnerRef = { apiVersion: o.apiVersion, kind: o.kind, name: o.name };
    if (typeof o.uid === 'string') ref.uid = o.uid;
    out.push(ref);
  }
  return out;
}

/** Records the owners of the Service a view was projected from (nothing is stored for a Service without any). */
export function rememberOwners(view: ServiceView, ownerReferences: unknown): void {
  const owners = ownerRefs(ownerReferences);
  if (owners.length > 0) OWNERS.set(view, owners);
}
