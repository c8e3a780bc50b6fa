// Fixtures for fast unit tests of a detector: call its `detect()` directly, in the test's own process, with a
// terse Service and a context whose siblings() is counted. The built-in detectors' tests use exactly these; for a
// test inside the daemon's sandbox (isolation, answer validation, port resolution) use `loadDetector` instead.
//
//   import { svc, ctx } from '@kubernaut/toolset-sdk/testing';
//   const twin = svc('widget-headless', { headless: true, selector: { app: 'widget' }, ports: [['http', 8080]] });
//   const c = ctx([svc('widget', { selector: { app: 'widget' }, ports: [['http', 8080]] })]);
//   assert.equal(plugin.detect(twin, c), null);
//   assert.equal(c.calls, 1);
//
// Evidence (SDK API version 2): `workloads` gives the Pods behind the Service, with defaults for all but the image:
//   const prom = svc('metrics', { ports: [['web', 9090]], workloads: [{ image: 'quay.io/prometheus/prometheus:v2.53.0' }] });
//   hasImage(prom, 'prometheus/prometheus') === true; containerPortFor(prom, 'web')?.container.name === 'prometheus'
import type { ContainerEvidence, DetectContext, ResourceEvidence, ServiceEvidence, ServicePort, ServiceView, WorkloadEvidence } from './types.js';

type ContainerPort = ContainerEvidence['ports'][number];

/** A workload behind a fixture Service. Everything but `image` has a default. */
export interface WorkloadFixture {
  /** The main container's image (default `example/app:1.0`). */
  image?: string;
  /** The main container's name (default: the image's name, e.g. `prometheus`). */
  name?: string;
  /** Its ports: a number, `[name, number]`, or a port object. Default: one per Service port, where it forwards. */
  ports?: Array<number | [string, number] | ContainerPort>;
  args?: string[];
  env?: Record<string, string>;
  /** Containers after the main one, marked `sidecar: true`. */
  sidecars?: Array<Partial<ContainerEvidence> & { image: string }>;
  /** Full control: replaces image, name, ports, args, env and sidecars. */
  containers?: ContainerEvidence[];
  /** Default `Deployment` named after the Service (`-2`, `-3`… for further workloads). */
  owner?: { kind: string; name: string };
  /** Default 1. */
  pods?: number;
  /** Default: all `pods`. */
  ready?: number;
  labels?: Record<string, string>;
}

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
  /** The workloads behind the Service (`view.evidence.workloads`); `[]` means "selects no Pod". Absent: no evidence. */
  workloads?: WorkloadFixture[];
  /** Operator resources behind the Service (`view.evidence.resources`); gives evidence on its own too. */
  resources?: ResourceEvidence[];
  /** The evidence verbatim (wins over `workloads` and `resources`). */
  evidence?: ServiceEvidence;
}

function imageName(image: string): string {
  const path = image.split('@')[0]!;
  const last = path.slice(path.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(0, colon) : last;
}

function containerPort(p: number | [string, number] | ContainerPort): ContainerPort {
  if (typeof p === 'number') return { containerPort: p };
  if (Array.isArray(p)) return { name: p[0], containerPort: p[1] };
  return { ...p };
}

/** Where each Service port forwards: a named targetPort becomes a container port of that name (on the port's number). */
function portsBehind(ports: readonly ServicePort[]): ContainerPort[] {
  return ports.map((p) => {
    const target = p.targetPort ?? p.port;
    if (typeof target === 'string') return { name: target, containerPort: p.port };
    return p.name !== undefined ? { name: p.name, containerPort: target } : { containerPort: target };
  });
}

function workload(service: string, ports: readonly ServicePort[], f: WorkloadFixture, i: number): WorkloadEvidence {
  const image = f.image ?? 'example/app:1.0';
  const containers: ContainerEvidence[] = f.containers
    ? f.containers.map((c) => ({ ...c }))
    : [
        {
          name: f.name ?? imageName(image),
          image,
          ports: f.ports ? f.ports.map(containerPort) : portsBehind(ports),
          args: f.args ?? [],
          env: f.env ?? {},
        },
        ...(f.sidecars ?? []).map((c) => ({ name: c.name ?? imageName(c.image), image: c.image, ports: c.ports ?? [], args: c.args ?? [], env: c.env ?? {}, sidecar: true })),
      ];
  const pods = f.pods ?? 1;
  return {
    owner: f.owner ?? { kind: 'Deployment', name: i === 0 ? service : `${service}-${i + 1}` },
    pods,
    ready: f.ready ?? pods,
    containers,
    labels: f.labels ?? {},
  };
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
  if (o.evidence) view.evidence = o.evidence;
  else if (o.workloads || o.resources) {
    view.evidence = { workloads: (o.workloads ?? []).map((w, i) => workload(name, ports, w, i)), resources: o.resources ?? [] };
  }
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
