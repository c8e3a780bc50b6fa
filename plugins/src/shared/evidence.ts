// What the built-in detectors ask of workload evidence (SDK API version 2): which container runs the product, where
// a Service port lands, and the prefixes the product's own flags and settings give it. Bundled into each detector
// that imports it (this directory has no index.ts, so it is no detector of its own).
import { argValue, containerPortFor, imageMatches, imageWord, isHttpsPort, workloads } from '@kubernaut/toolset-sdk';
import type { ContainerEvidence, EvidenceInterest, ResourceEvidence, ServicePort, ServiceView, WorkloadEvidence } from '@kubernaut/toolset-sdk';

/** How a product's containers are recognised. */
export interface Product {
  /** Image repositories (imageMatches: registry, tag and digest vary). */
  images: readonly string[];
  /**
   * Container names the product's own manifests use, trusted only on release images that name no product:
   * OpenShift runs every component from quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:… (one repository for
   * the whole payload, `oc adm release info`), so there the container name (cluster-monitoring-operator's assets:
   * `prometheus`, `alertmanager`, `thanos-query`) is what says it.
   */
  names?: readonly string[];
  /**
   * The product's name as the last word of a rebuilt or mirrored image's name (`rancher/mirrored-prometheus-prometheus`,
   * `registry.corp/mirror/grafana`): the image is the product when its last path segment's last `-` word is one of
   * these. Tools named after the product end in another word (`prometheus-config-reloader`, `loki-canary`,
   * `tempo-query`, `grafana-image-renderer`, `elasticsearch-exporter`).
   */
  words?: readonly string[];
  /** A further test on the container, e.g. its mode (`thanos query`, `-target=`). */
  accept?: (c: ContainerEvidence) => boolean;
}

const RELEASE_IMAGES = ['quay.io/openshift-release-dev/ocp-v4.0-art-dev', 'quay.io/openshift-release-dev/ocp-release'];

/** True when the container runs the product. */
export function runs(c: ContainerEvidence, p: Product): boolean {
  const byImage =
    imageMatches(c.image, p.images) ||
    (p.names !== undefined && p.names.includes(c.name) && imageMatches(c.image, RELEASE_IMAGES)) ||
    (p.words !== undefined && p.words.includes(imageWord(c.image)));
  return byImage && (p.accept === undefined || p.accept(c));
}

/**
 * What a detector built on these products declares it claims with evidence (DetectorDefinition.evidence): every
 * image, image word and release-image container name `runs` can accept, so the host's filter is never narrower than
 * the detector's own rules; `extra` adds the other ways in (operator resource kinds, a gateway's labels).
 */
export function interestOf(products: readonly Product[], extra: Pick<EvidenceInterest, 'resourceKinds' | 'labels'> = {}): EvidenceInterest {
  return {
    images: products.flatMap((p) => p.images),
    imageWords: products.flatMap((p) => p.words ?? []),
    containers: products.flatMap((p) => p.names ?? []),
    ...extra,
  };
}

export interface ProductMatch {
  workload: WorkloadEvidence;
  container: ContainerEvidence;
}

/** The first container behind the Service that runs the product: each workload's main container before its sidecars. */
export function productContainer(s: ServiceView, p: Product): ProductMatch | undefined {
  for (const pass of [false, true]) {
    for (const workload of workloads(s)) {
      for (const container of workload.containers) {
        if ((container.sidecar === true) === pass && runs(container, p)) return { workload, container };
      }
    }
  }
  return undefined;
}

/**
 * Authenticating proxies that front the product inside its own Pod and are its way in: OpenShift's monitoring stack
 * puts kube-rbac-proxy (earlier oauth-proxy) on the Service's `web` port and the product on 127.0.0.1
 * (cluster-monitoring-operator assets/*: `--upstream=http://127.0.0.1:9090`).
 */
const AUTH_PROXY_IMAGES = ['brancz/kube-rbac-proxy', 'kube-rbac-proxy', 'openshift/oauth-proxy', 'oauth2-proxy/oauth2-proxy', 'ose-kube-rbac-proxy', 'ose-oauth-proxy'];
const AUTH_PROXY_NAME = /^(kube-rbac-proxy|oauth-proxy|oauth2-proxy)(-|$)/;

function isAuthProxy(c: ContainerEvidence): boolean {
  return imageMatches(c.image, AUTH_PROXY_IMAGES) || AUTH_PROXY_NAME.test(c.name);
}

/**
 * Where a Service port's traffic lands, for the product: `product` (its container, or an authenticating proxy in
 * front of it in the same Pod), `elsewhere` (a sidecar such as a config reloader, or another program altogether),
 * or `undeclared` (no container declares the port; Kubernetes forwards a numeric targetPort all the same).
 */
export function landing(s: ServiceView, port: ServicePort, p: Product): 'product' | 'elsewhere' | 'undeclared' {
  const hit = containerPortFor(s, port.name ?? port.port);
  if (hit === undefined) return 'undeclared';
  if (runs(hit.container, p)) return 'product';
  if (isAuthProxy(hit.container) && hit.workload.containers.some((c) => runs(c, p))) return 'product';
  return 'elsewhere';
}

/** True when the port reaches the product: it lands on it, or on no declared port while the product runs behind the Service. */
export function reaches(s: ServiceView, port: ServicePort, p: Product): boolean {
  const l = landing(s, port, p);
  return l === 'product' || (l === 'undeclared' && productContainer(s, p) !== undefined);
}

/**
 * The Service's TCP port that lands on one of the product container's API ports (by container port name or
 * number): for Services whose port names say nothing (`ui`, unnamed).
 */
export function portOnto(s: ServiceView, p: Product, api: { names: readonly string[]; numbers: readonly number[] }): ServicePort | undefined {
  for (const port of s.spec.ports) {
    if ((port.protocol ?? 'TCP') !== 'TCP') continue;
    const hit = containerPortFor(s, port.name ?? port.port);
    if (hit === undefined || !runs(hit.container, p)) continue;
    const cp = hit.containerPort;
    if ((cp.name !== undefined && api.names.includes(cp.name)) || api.numbers.includes(cp.containerPort)) return port;
  }
  return undefined;
}

/** A sub-command of a multi-role binary among the kept args (`thanos query`). */
export function subcommand(c: ContainerEvidence, names: readonly string[]): string | undefined {
  return c.args.find((a) => !a.startsWith('-') && names.includes(a));
}

/** A URL path without its trailing slash; '' for none or `/`. */
export function trimPath(p: string | undefined): string {
  if (p === undefined) return '';
  const t = p.trim().replace(/\/+$/, '');
  return t === '' ? '' : t.startsWith('/') ? t : `/${t}`;
}

/** The path of a URL-ish value (`http://host:9090/prom/`, `%(protocol)s://%(domain)s/grafana/`), '' when none. */
export function urlPath(url: string | undefined): string {
  if (url === undefined) return '';
  const m = /^[^/]*\/\/[^/]*(\/.*)?$/.exec(url.trim());
  return trimPath(m ? m[1] : undefined);
}

/**
 * The route prefix of a Prometheus-style web server (Prometheus, Alertmanager, Thanos): `--web.route-prefix`, else
 * the path of `--web.external-url` (cmd/prometheus/main.go and cmd/alertmanager/main.go default the route prefix to
 * the external URL's path).
 */
export function routePrefix(c: ContainerEvidence): string {
  const prefix = argValue(c, 'web.route-prefix');
  if (prefix !== undefined) return trimPath(prefix);
  return urlPath(argValue(c, 'web.external-url'));
}

/**
 * The scheme an operator's custom resource gives the product's own web server (`spec.tls` of the host's projection,
 * the operator's defaults applied: Prometheus/Alertmanager web.tlsConfig, VictoriaMetrics -tls, Grafana
 * server.protocol, ECK/OpenSearch HTTP TLS…), for a port that lands on the product's container itself (not on a
 * proxy in front of it, which has its own TLS); `fallback` when the port's name or appProtocol says, or no resource
 * of these kinds tells.
 */
export function operatorScheme(s: ServiceView, port: ServicePort, p: Product, kinds: readonly string[], fallback: 'http' | 'https'): 'http' | 'https' {
  if (isHttpsPort(port) || (port.appProtocol ?? '') !== '') return fallback;
  const hit = containerPortFor(s, port.name ?? port.port);
  if (hit !== undefined && !runs(hit.container, p)) return fallback;
  for (const r of s.evidence?.resources ?? []) {
    if (kinds.includes(r.kind) && typeof r.spec.tls === 'boolean') return r.spec.tls ? 'https' : 'http';
  }
  return fallback;
}

/** The entry an operator creates for a resource (`spec.frontDoor` of the host's projection, operators.ts). */
export interface FrontDoor {
  service: string;
  /** The Service port's name. */
  port: string;
  number: number;
}

/** The resource's front door, when the projection names one with the expected shape. */
export function frontDoorOf(r: ResourceEvidence): FrontDoor | undefined {
  const fd = r.spec.frontDoor;
  if (typeof fd !== 'object' || fd === null || Array.isArray(fd)) return undefined;
  const { service, port, number } = fd as Record<string, unknown>;
  if (typeof service !== 'string' || typeof port !== 'string' || typeof number !== 'number') return undefined;
  return { service, port, number };
}

/** A string field of a resource's projected spec (`tenantsMode`, `path`), or undefined. */
export function specText(r: ResourceEvidence, key: string): string | undefined {
  const v = r.spec[key];
  return typeof v === 'string' ? v : undefined;
}

/** A list-of-strings field of a resource's projected spec (`tenants`), the strings only. */
export function specTexts(r: ResourceEvidence, key: string): string[] {
  const v = r.spec[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The tenant names of a resource's projected spec that are safe as one URL path segment (operators.ts tenantNames). */
export function specTenants(r: ResourceEvidence): string[] {
  return specTexts(r, 'tenants').filter((t) => /^[A-Za-z0-9._-]{1,63}$/.test(t));
}

/**
 * What an operator's resources say about a Service, for the resources of `kinds` tied to it:
 * - `undefined`: none is tied — the caller's own rules decide;
 * - `{ resource, port }`: the Service is a resource's front door (the projection's `spec.frontDoor.service`), on its
 *   front-door port (by name, else number);
 * - `null`: it is another Service of such a resource — a component, a headless twin, a user's Service in front of
 *   its Pods — or the front door lacks its port or selects no Pod: no entry (one entry per install, its front door).
 */
export function operatorFrontDoor(s: ServiceView, kinds: readonly string[]): { resource: ResourceEvidence; port: ServicePort } | null | undefined {
  const tied = (s.evidence?.resources ?? []).filter((r) => kinds.includes(r.kind) && r.namespace === s.metadata.namespace);
  if (tied.length === 0) return undefined;
  if (workloads(s).length === 0) return null;
  for (const resource of tied) {
    const fd = frontDoorOf(resource);
    if (fd === undefined || fd.service !== s.metadata.name) continue;
    const tcp = s.spec.ports.filter((p) => (p.protocol ?? 'TCP') === 'TCP');
    const port = tcp.find((p) => p.name === fd.port) ?? tcp.find((p) => p.port === fd.number);
    return port === undefined ? null : { resource, port };
  }
  return null;
}
