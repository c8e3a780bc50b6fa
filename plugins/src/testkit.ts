// Test helper for the built-in plugins' unit tests — not a plugin (scripts/build.mjs bundles only folders with an
// index.ts). Builds ServiceViews tersely and a DetectContext that counts siblings() calls.
import type { DetectContext, ServicePort, ServiceView } from '@kubernaut/toolset-sdk';

export interface SvcOptions {
  ns?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  selector?: Record<string, string>;
  /** `[name, port]`, `[name, port, {protocol, appProtocol, targetPort}]`, or a port number for an unnamed port. */
  ports?: Array<number | [string, number] | [string, number, Partial<ServicePort>]>;
  headless?: boolean;
  type?: string;
  externalName?: string;
}

export function svc(name: string, o: SvcOptions = {}): ServiceView {
  const ports: ServicePort[] = (o.ports ?? []).map((p) => {
    if (typeof p === 'number') return { port: p, protocol: 'TCP', targetPort: p };
    const [n, port, extra] = p;
    return { name: n, port, protocol: 'TCP', targetPort: port, ...(extra ?? {}) };
  });
  const view: ServiceView = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.ns ?? 'default', labels: o.labels ?? {}, annotations: o.annotations ?? {} },
    spec: { ports, type: o.type ?? 'ClusterIP' },
  };
  if (o.type === 'ExternalName') view.spec.externalName = o.externalName ?? 'example.com';
  else view.spec.clusterIP = o.headless ? 'None' : '10.96.0.10';
  if (o.selector) view.spec.selector = o.selector;
  return view;
}

export type CountingContext<C> = DetectContext<C> & { readonly calls: number };

/** A context whose siblings() returns copies of `siblings` and counts how often it was asked. */
export function ctx<C = Record<string, unknown>>(siblings: ServiceView[] = [], config: C = {} as C): CountingContext<C> {
  let calls = 0;
  return {
    config: Object.freeze(config),
    siblings: () => {
      calls += 1;
      return siblings.map((s) => structuredClone(s));
    },
    get calls() {
      return calls;
    },
  };
}
