// Typed helpers for the evidence detectors weigh: labels, ports, headless twins, and (API version 2) the workloads
// behind a Service — images, container ports, args. They run inside the sandbox, so they use nothing but plain
// JavaScript.
import type { ContainerEvidence, DetectContext, EvidenceInterest, ServicePort, ServiceView, WorkloadEvidence } from './types.js';

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

// ---------------------------------------------------------------------------------------------------------------
// Workload evidence (SDK API version 2): what runs behind a Service. `view.evidence` is absent when the host has
// none (offline detection over Services alone, a Service without selector and EndpointSlices, a version 1 host):
// every helper below then answers "unknown" (false, undefined, []), and a detector decides from metadata as before.

/** True when the host says what runs behind the Service (even "nothing": `workloads: []`). */
export function hasEvidence(service: ServiceView): boolean {
  return service.evidence !== undefined;
}

/** The workloads behind the Service, one per owner; empty when there is no evidence or nothing backs it. */
export function workloads(service: ServiceView): readonly WorkloadEvidence[] {
  return service.evidence?.workloads ?? [];
}

/** An image reference taken apart (Docker's reference grammar: distribution/reference, normalize.go). */
export interface ImageRef {
  /** Lower-case registry host, `docker.io` when the reference names none. */
  registry: string;
  /** Lower-case repository path without registry, tag or digest; Docker Hub's official images under `library/`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The first path component is a registry when it has a dot or a port, or is `localhost` (as Docker decides it). */
function isRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * Takes an image reference apart: `prom/prometheus` → docker.io, `prom/prometheus`; `nginx:1.27` → docker.io,
 * `library/nginx`, tag 1.27; `quay.io/prometheus/prometheus:v2.53.0@sha256:…` → quay.io, `prometheus/prometheus`,
 * tag and digest.
 */
export function parseImage(reference: string): ImageRef {
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && isRegistry(parts[0]!)) registry = parts.shift()!.toLowerCase();
  if (DOCKER_HUB.has(registry)) {
    registry = 'docker.io';
    if (parts.length === 1) parts.unshift('library');
  }
  const out: ImageRef = { registry, repository: parts.join('/').toLowerCase() };
  if (tag !== undefined && tag !== '') out.tag = tag;
  if (digest !== undefined && digest !== '') out.digest = digest;
  return out;
}

/**
 * True when an image reference is one of the repositories. The rule, per repository pattern (tag and digest are
 * ignored on both sides):
 * - a pattern that names a registry (`quay.io/prometheus/prometheus`) must match registry and path exactly;
 * - otherwise its path segments must be the image's trailing path segments, whole: `prometheus/prometheus` matches
 *   `quay.io/prometheus/prometheus:v2.53.0` and a mirror's `registry.corp/quay/prometheus/prometheus`, not
 *   `bitnami/prometheus` nor `prom/prometheus` (a different repository: list both when both are the product);
 *   a one-segment pattern (`prometheus`) matches any repository of that name (`bitnami/prometheus` too);
 * - Docker Hub's `library/` is implied: `nginx`, `library/nginx` and `docker.io/library/nginx:1.27` are one.
 */
export function imageMatches(reference: string, repositories: string | readonly string[]): boolean {
  // Detectors ask the same few questions of the same few images for every Service: each reference and pattern is
  // taken apart once (see parsed), so a resync of thousands of Services costs map lookups, not re-parsing and its
  // garbage (measured: parsing was most of a built-in's detect time).
  const image = parsed(reference);
  for (const pattern of typeof repositories === 'string' ? [repositories] : repositories) {
    const want = parsed(pattern);
    if (want.explicitRegistry) {
      if (want.ref.registry === image.ref.registry && want.ref.repository === image.ref.repository) return true;
      continue;
    }
    const segments = want.segments;
    const path = image.path;
    if (segments.length > path.length) continue;
    const offset = path.length - segments.length;
    let all = true;
    for (let i = 0; i < segments.length && all; i++) all = path[offset + i] === segments[i];
    if (all) return true;
  }
  return false;
}

/** A reference taken apart once, with what matching needs (as a pattern and as an image); bounded, never handed out. */
interface Parsed {
  ref: Readonly<ImageRef>;
  path: readonly string[];
  explicitRegistry: boolean;
  /** As a pattern: the path segments to find at the end of an image's path (the name alone for a one-segment pattern, as parseImage implied `library/`). */
  segments: readonly string[];
}
const PARSED_MAX = 4096;
const parsedRefs = new Map<string, Parsed>();

function parsed(reference: string): Parsed {
  let p = parsedRefs.get(reference);
  if (p === undefined) {
    const ref = parseImage(reference);
    const path = ref.repository.split('/');
    p = {
      ref,
      path,
      explicitRegistry: reference.includes('/') && isRegistry(reference.split('/')[0]!),
      segments: reference.includes('/') ? path : [path[path.length - 1]!],
    };
    if (parsedRefs.size >= PARSED_MAX) parsedRefs.clear();
    parsedRefs.set(reference, p);
  }
  return p;
}

/** Which containers a search looks at: all (default), or only each Pod's main container (`sidecars: false`). */
export interface ContainerQuery {
  /**
   * Include sidecars (an init container with restartPolicy Always, or a container other than the Pod's main one).
   * Default true: a chart that lists its sidecars first and does not name its main container would otherwise hide
   * the product. Use `containerPortFor` to see whether the Service's port lands on the product's container.
   */
  sidecars?: boolean;
}

/** A container of a workload behind a Service. */
export interface ContainerMatch {
  workload: WorkloadEvidence;
  container: ContainerEvidence;
}

function* containers(service: ServiceView, query: ContainerQuery = {}): Generator<ContainerMatch> {
  for (const workload of workloads(service)) {
    for (const container of workload.containers) {
      if (query.sidecars === false && container.sidecar === true) continue;
      yield { workload, container };
    }
  }
}

/** The first container (in workload order, then container order) whose image is one of the repositories (see imageMatches). */
export function containerWithImage(
  service: ServiceView,
  repositories: string | readonly string[],
  query: ContainerQuery = {},
): (ContainerMatch & { image: ImageRef }) | undefined {
  for (const m of containers(service, query)) {
    if (imageMatches(m.container.image, repositories)) return { ...m, image: parseImage(m.container.image) };
  }
  return undefined;
}

/** True when a container behind the Service runs one of the repositories (see imageMatches for the rule). */
export function hasImage(service: ServiceView, repositories: string | readonly string[], query: ContainerQuery = {}): boolean {
  return containerWithImage(service, repositories, query) !== undefined;
}

/** The parsed image of the first container running one of the repositories, e.g. to read its tag. */
export function imageOf(service: ServiceView, repositories: string | readonly string[], query: ContainerQuery = {}): ImageRef | undefined {
  return containerWithImage(service, repositories, query)?.image;
}

/** The Pod's main container of a workload: the first not marked sidecar (else the first). */
export function mainContainer(workload: WorkloadEvidence): ContainerEvidence | undefined {
  return workload.containers.find((c) => c.sidecar !== true) ?? workload.containers[0];
}

/** Where a Service port's traffic lands: the workload, the container and the container port. */
export interface ContainerPortMatch extends ContainerMatch {
  containerPort: ContainerEvidence['ports'][number];
}

/**
 * The container port a Service port forwards to: the Service port by name (a string) or number, its targetPort
 * (a container port name or number; absent means the port number, as in Kubernetes) matched against the declared
 * container ports — main containers first, so a plugin can tell a port that lands on a sidecar (`container.sidecar`).
 * Undefined without evidence, for an unknown Service port, or when no container declares that port.
 */
export function containerPortFor(service: ServiceView, servicePort: string | number): ContainerPortMatch | undefined {
  const port = service.spec.ports.find((p) => (typeof servicePort === 'string' ? p.name === servicePort : p.port === servicePort));
  if (port === undefined) return undefined;
  const target = port.targetPort ?? port.port;
  // A numeric string ("9090") is how some manifests write a number.
  const byNumber = typeof target === 'number' ? target : /^\d+$/.test(target) ? Number(target) : undefined;
  let sidecarHit: ContainerPortMatch | undefined;
  for (const m of containers(service)) {
    for (const cp of m.container.ports) {
      if (cp.protocol !== undefined && cp.protocol !== (port.protocol ?? 'TCP')) continue;
      const hit = byNumber !== undefined ? cp.containerPort === byNumber : cp.name === target;
      if (!hit) continue;
      if (m.container.sidecar !== true) return { ...m, containerPort: cp };
      sidecarHit ??= { ...m, containerPort: cp };
    }
  }
  return sidecarHit;
}

/**
 * A flag's value among a container's kept args: `--flag=value`, `-flag=value`, `--flag value` or `-flag value`
 * (give the flag with or without dashes). `''` when the flag is there without a value, undefined when absent.
 * Only the mode-deciding flags the host keeps are there (ContainerEvidence.args).
 */
export function argValue(container: Pick<ContainerEvidence, 'args'>, flag: string): string | undefined {
  const name = flag.replace(/^--?/, '');
  const args = container.args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) continue;
    const body = a.replace(/^--?/, '');
    if (body === name) {
      const next = args[i + 1];
      return next !== undefined && !next.startsWith('-') ? next : '';
    }
    if (body.startsWith(`${name}=`)) return body.slice(name.length + 1);
  }
  return undefined;
}

/** The last `-` word of an image name's last path segment: `rancher/mirrored-prometheus-prometheus` → `prometheus`. */
export function imageWord(reference: string): string {
  const repository = parsed(reference).ref.repository;
  const name = repository.slice(repository.lastIndexOf('/') + 1);
  return name.slice(name.lastIndexOf('-') + 1);
}

/**
 * Whether a Service is one a detector with this EvidenceInterest may claim: it has no evidence (decided from
 * metadata), or something behind it matches — a container's image (`images`, `imageWords`) or name (`containers`),
 * a tied resource's kind, or one of the Service's labels or selector entries. The host asks the detector only about
 * these; `toolset-sdk test` applies the same rule.
 */
export function interestMatches(service: ServiceView, interest: EvidenceInterest): boolean {
  const evidence = service.evidence;
  if (evidence === undefined) return true;
  if (interest.labels !== undefined) {
    const { labels } = service.metadata;
    const selector = service.spec.selector ?? {};
    for (const [key, values] of Object.entries(interest.labels)) {
      const l = labels[key];
      const s = selector[key];
      if ((l !== undefined && values.includes(l)) || (s !== undefined && values.includes(s))) return true;
    }
  }
  if (interest.resourceKinds !== undefined && evidence.resources.some((r) => interest.resourceKinds!.includes(r.kind))) return true;
  for (const w of evidence.workloads) {
    for (const c of w.containers) {
      if (interest.containers !== undefined && interest.containers.includes(c.name)) return true;
      if (interest.images !== undefined && imageMatches(c.image, interest.images)) return true;
      if (interest.imageWords !== undefined && interest.imageWords.includes(imageWord(c.image))) return true;
    }
  }
  return false;
}
