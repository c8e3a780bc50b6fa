// Typed helpers for the evidence detectors weigh: labels, ports, headless twins.
// They run inside the sandbox, so they use nothing but plain JavaScript.
import type { DetectContext, ServicePort, ServiceView } from './types.js';

/** A label expectation: an exact value, one of several values, or `true` for "present with any value". */
export type LabelExpectation = string | readonly string[] | true;

/** True when every listed label matches. */
export function hasLabels(service: ServiceView, expected: Readonly<Record<string, LabelExpectation>>): boolean {
  const labels = service.metadata.labels;
  for (const key of Object.keys(expected)) {
    const want = expected[key] as LabelExpectation;
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
 *
 * @deprecated Use `yieldsToTwin(service, ctx, wins)`: the rule every built-in detector follows (headless by name
 * too, overlapping selectors or a `<name>-headless` pair, and only a twin this detector would claim wins). Kept
 * unchanged for plugins already built on it.
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

// ---------------------------------------------------------------------------------------------------------------
// Helpers the built-in detectors share (also useful to external plugins). Pure JavaScript, no host APIs.

/** A label's value, else the Service selector's value for the same key (the pods a Service targets identify it too). */
export function labelOrSelector(service: ServiceView, key: string): string | undefined {
  return service.metadata.labels[key] ?? service.spec.selector?.[key];
}

/** The TCP ports of a Service, in their declared order. */
export function tcpPorts(service: ServiceView): ServicePort[] {
  return service.spec.ports.filter(isTcp);
}

/** What `Detection.port` expects for a port: its name when it has one, else its number. */
export function portRef(port: ServicePort): string | number {
  return port.name !== undefined && port.name !== '' ? port.name : port.port;
}

/** A port is declared plain HTTP when its appProtocol says `http`/`h2c`, or its name is `http` or starts with `http-` (but not `https`). */
export function isDeclaredHttpPort(port: ServicePort): boolean {
  const app = (port.appProtocol ?? '').toLowerCase();
  if (app !== '') return app === 'http' || app === 'h2c' || app === 'kubernetes.io/h2c' || app === 'kubernetes.io/ws';
  const name = (port.name ?? '').toLowerCase();
  return name === 'http' || (name.startsWith('http-') && !name.startsWith('https'));
}

/** Annotations with which OpenShift's service CA issues a serving certificate: the pods behind the Service speak TLS. */
export const SERVING_CERT_ANNOTATIONS: readonly string[] = [
  'service.beta.openshift.io/serving-cert-secret-name',
  'service.alpha.openshift.io/serving-cert-secret-name',
];

/**
 * The scheme to reach a port with, from what the Service itself says, strongest evidence first: the port's
 * appProtocol or name (`https`, `https-*`, `*-https`; `http`, `http-*`), then an OpenShift serving-cert annotation
 * on the Service (its pods serve TLS), then the conventional TLS port numbers 443 and 8443. Otherwise `http`.
 */
export function portScheme(service: ServiceView, port: ServicePort): 'http' | 'https' {
  if (isHttpsPort(port)) return 'https';
  if ((port.appProtocol ?? '') !== '') return 'http';
  const annotations = service.metadata.annotations;
  if (SERVING_CERT_ANNOTATIONS.some((a) => annotations[a] !== undefined && annotations[a] !== '')) return 'https';
  if (isDeclaredHttpPort(port)) return 'http';
  return port.port === 443 || port.port === 8443 ? 'https' : 'http';
}

/**
 * True when a Service is, or is named like, the headless twin of another: `clusterIP: None`, a name ending in
 * `-headless`, `-discovery` or `-operated`, or the `variant: headless` label Grafana's charts set.
 */
export function looksHeadless(service: ServiceView): boolean {
  const name = service.metadata.name;
  return (
    isHeadless(service) ||
    name.endsWith('-headless') ||
    name.endsWith('-discovery') ||
    name.endsWith('-operated') ||
    service.metadata.labels.variant === 'headless'
  );
}

/** True when the headless `twin` mirrors the normal Service `other`: named `<other>-headless`, or selecting overlapping pods. */
export function isTwinOf(twin: ServiceView, other: ServiceView): boolean {
  const name = twin.metadata.name;
  if (name.endsWith('-headless') && other.metadata.name === name.slice(0, -'-headless'.length)) return true;
  return selectorsOverlap(twin.spec.selector, other.spec.selector);
}

/**
 * The headless-twin rule, one endpoint per install: true when `service` looks headless (`looksHeadless`) and a
 * sibling that is a normal Service (neither headless-looking nor ExternalName) mirrors it (`isTwinOf`) and `wins` —
 * typically "this detector claims it too, with a usable port". Then that Service is the endpoint and `service` is
 * skipped; a headless Service with no such twin is the only way in and is kept. Asks `ctx.siblings()` only for a
 * headless-looking `service`.
 */
export function yieldsToTwin(service: ServiceView, ctx: DetectContext<unknown>, wins: (other: ServiceView) => boolean = () => true): boolean {
  if (!looksHeadless(service)) return false;
  return ctx.siblings().some((other) => !isExternalName(other) && !looksHeadless(other) && isTwinOf(service, other) && wins(other));
}

/** True when both selectors are non-empty and one is contained in the other, i.e. they select overlapping pods. */
export function selectorsOverlap(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  return selectorCovers(a, b) || selectorCovers(b, a);
}

/** The Helm release / instance a Service belongs to (`app.kubernetes.io/instance`, else `release`), from labels or selector. */
export function installOf(service: ServiceView): string | undefined {
  return labelOrSelector(service, 'app.kubernetes.io/instance') ?? labelOrSelector(service, 'release');
}

/** True unless both Services name an install and the names differ. */
export function sameInstall(a: ServiceView, b: ServiceView): boolean {
  const ia = installOf(a);
  const ib = installOf(b);
  return ia === undefined || ib === undefined || ia === ib;
}

/**
 * True when the Service's name, or its `app`, `app.kubernetes.io/name` or `app.kubernetes.io/component` label, is
 * one of the words or ends with `-<word>` (e.g. `kps-kube-prometheus-stack-operator`, `prometheus-node-exporter`).
 * Only whole trailing segments count: chart and component names sit at the end, release names at the start, so a
 * release called `prometheus-operator` does not hide its `prometheus-operator-prometheus` Service.
 */
export function mentionsAny(service: ServiceView, words: readonly string[]): boolean {
  const l = service.metadata.labels;
  const values = [service.metadata.name, l.app, l['app.kubernetes.io/name'], l['app.kubernetes.io/component']];
  return values.some((v) => {
    if (v === undefined) return false;
    const lower = v.toLowerCase();
    return words.some((w) => lower === w || lower.endsWith(`-${w}`));
  });
}

/** Trailing name segments of observability Services that serve no query API (operators, webhooks, exporters…). */
export const NON_API_WORDS: readonly string[] = [
  'operator',
  'webhook',
  'webhook-server',
  'webhook-service',
  'exporter',
  'adapter',
  'pushgateway',
  'kube-state-metrics',
  'canary',
  'memcached',
  'cache',
  'memberlist',
  'gossip-ring',
  'image-renderer',
  'metrics-service',
];
