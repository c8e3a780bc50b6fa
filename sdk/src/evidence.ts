// Typed helpers for the evidence detectors weigh: labels, ports, headless twins.
// They run inside the sandbox, so they use nothing but plain JavaScript.
import type { DetectContext, ServicePort, ServiceView } from './types.js';

/** A label expectation: an exact value, one of several values, or `true` for "present with any value". */
export type LabelExpectation = string | readonly string[] | true;

/** True when every listed label matches. */
export function hasLabels(service: ServiceView, expected: Readonly<Record<string, LabelExpectation>>): boolean {
  const labels = service.metadata.labels;
  for (const key of Object.keys(expected)) {
    const want = expected[key];
    const got = labels[key];
    if (got === undefined) return false;
    if (want === true) continue;
    if (typeof want === 'string' ? got !== want : !want.includes(got)) return false;
  }
  return true;
}

/** True when any of the alternatives matches (each alternative is a label set that must match entirely). */
export function hasAnyLabels(service: ServiceView, alternatives: ReadonlyArray<Readonly<Record<string, LabelExpectation>>>): boolean {
  return alternatives.some((a) => hasLabels(service, a));
}

export function label(service: ServiceView, key: string): string | undefined {
  return service.metadata.labels[key];
}

export function annotation(service: ServiceView, key: string): string | undefined {
  return service.metadata.annotations[key];
}

/** Only TCP ports can carry an HTTP API (protocol defaults to TCP in Kubernetes). */
export function isTcp(port: ServicePort): boolean {
  return port.protocol === undefined || port.protocol === 'TCP';
}

export interface PortQuery {
  /** Port names, in order of preference. */
  names?: readonly string[];
  /** Port numbers, in order of preference (weaker evidence than names). */
  numbers?: readonly number[];
}

/**
 * The Service port to use: the first TCP port whose name is listed (in the query's order), else the first
 * TCP port whose number is listed. Never falls back to `ports[0]`.
 */
export function findPort(service: ServiceView, query: PortQuery): ServicePort | undefined {
  const tcp = service.spec.ports.filter(isTcp);
  for (const name of query.names ?? []) {
    const p = tcp.find((x) => x.name === name);
    if (p) return p;
  }
  for (const n of query.numbers ?? []) {
    const p = tcp.find((x) => x.port === n);
    if (p) return p;
  }
  return undefined;
}

/** The port the Service exposes that forwards to `targetPort` (a container port number or name). */
export function findPortByTarget(service: ServiceView, targets: ReadonlyArray<number | string>): ServicePort | undefined {
  const tcp = service.spec.ports.filter(isTcp);
  for (const t of targets) {
    const p = tcp.find((x) => x.targetPort === t);
    if (p) return p;
  }
  return undefined;
}

/** A port is HTTPS when its name or appProtocol says so. */
export function isHttpsPort(port: ServicePort): boolean {
  const app = (port.appProtocol ?? '').toLowerCase();
  const name = (port.name ?? '').toLowerCase();
  return app === 'https' || app === 'kubernetes.io/wss' || name === 'https' || name.startsWith('https-') || name.endsWith('-https');
}

export function isHeadless(service: ServiceView): boolean {
  return service.spec.clusterIP === 'None';
}

/** ExternalName Services have no endpoints of their own in the cluster. */
export function isExternalName(service: ServiceView): boolean {
  return service.spec.type === 'ExternalName';
}

/**
 * True when `service` is headless and another, non-headless Service in its namespace targets the same pods
 * (same selector) or matches `sameInstall` — i.e. the headless Service is a twin, not the only way in.
 */
export function hasNormalTwin(
  service: ServiceView,
  ctx: DetectContext<unknown>,
  sameInstall?: (other: ServiceView) => boolean,
): boolean {
  if (!isHeadless(service)) return false;
  const selector = service.spec.selector;
  return ctx.siblings().some((other) => {
    if (isHeadless(other) || isExternalName(other)) return false;
    if (sameInstall && sameInstall(other)) return true;
    return selector !== undefined && Object.keys(selector).length > 0 && selectorsEqual(selector, other.spec.selector);
  });
}

export function selectorsEqual(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  if (ak.length !== bk.length) return false;
  return ak.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

/** True when the selector of `a` is a subset of the labels `b` selects (e.g. a headless twin with a looser selector). */
export function selectorCovers(narrow: Readonly<Record<string, string>> | undefined, broad: Readonly<Record<string, string>> | undefined): boolean {
  const n = narrow ?? {};
  const b = broad ?? {};
  const keys = Object.keys(b);
  return keys.length > 0 && keys.every((k) => n[k] === b[k]);
}
