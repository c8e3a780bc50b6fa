// Fixtures for fast unit tests of a detector: call its `detect()` directly, in the test's own process, with a
// terse Service and a context whose siblings() is counted. The built-in detectors' tests use exactly these; for a
// test inside the daemon's sandbox (isolation, answer validation, port resolution) use `loadDetector` instead.
//
//   import { svc, ctx } from '@kubernaut/toolset-sdk/testing';
//   const twin = svc('widget-headless', { headless: true, selector: { app: 'widget' }, ports: [['http', 8080]] });
//   const c = ctx([svc('widget', { selector: { app: 'widget' }, ports: [['http', 8080]] })]);
//   assert.equal(plugin.detect(twin, c), null);
//   assert.equal(c.calls, 1);
import type { DetectContext, ServicePort, ServiceView } from './types.js';

export interface SvcOptions {
  /** Namespace (default `default`). */
  ns?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  selector?: Record<string, string>;
  /** `[name, port]`, `[name, port, {protocol, appProtocol, targetPort}]`, or a port number for an unnamed port (all TCP, targetPort = port unless given). */
  ports?: Array<number | [string, number] | [string, number, Partial<ServicePort>]>;
  /** `clusterIP: None`. */
  headless?: boolean;
  /** spec.type (default ClusterIP). */
  type?: string;
  /** For `type: 'ExternalName'` (default example.com). */
  externalName?: string;
}

/** A Service as a detector receives it (the daemon's ServiceView), from a few options. */
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

/** A DetectContext that also says how often the detector asked for siblings (the daemon re-detects those that did). */
export type CountingContext<C> = DetectContext<C> & { readonly calls: number };

/** A context whose siblings() returns copies of `siblings` (as the sandbox does) and counts how often it was asked. */
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
