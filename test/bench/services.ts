// A generated, realistic cluster: mostly application Services (several ports, selectors, helm labels) spread
// over many namespaces, with observability installs mixed in the way real charts create them.
export function generateServices(count: number, seed = 1): Array<Record<string, unknown>> {
  let state = seed;
  const rand = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) {
    const ns = `team-${i % 200}`;
    const kind = rand();
    if (kind < 0.01) out.push(prometheus(`rel${i}`, ns));
    else if (kind < 0.02) out.push(grafana(`rel${i}`, ns));
    else if (kind < 0.025) out.push(loki(`rel${i}`, ns));
    else if (kind < 0.03) out.push(annotated(`svc-${i}`, ns));
    else out.push(app(`svc-${i}`, ns, rand));
  }
  return out;
}

function meta(name: string, namespace: string, labels: Record<string, string>, annotations: Record<string, string> = {}) {
  return {
    name,
    namespace,
    uid: `00000000-0000-4000-8000-${String(name.length * 7919 + namespace.length).padStart(12, '0')}`,
    resourceVersion: '12345',
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels,
    annotations: { 'meta.helm.sh/release-name': name, 'meta.helm.sh/release-namespace': namespace, ...annotations },
    managedFields: [{ manager: 'helm', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {}, 'f:spec': {} } }],
  };
}

function spec(selector: Record<string, string>, ports: Array<Record<string, unknown>>, clusterIP = '10.96.1.1') {
  return {
    type: 'ClusterIP',
    clusterIP,
    clusterIPs: [clusterIP],
    internalTrafficPolicy: 'Cluster',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    sessionAffinity: 'None',
    selector,
    ports,
  };
}

function app(name: string, namespace: string, rand: () => number): Record<string, unknown> {
  const labels = {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'Helm',
    'helm.sh/chart': `${name}-1.0.0`,
  };
  const ports: Array<Record<string, unknown>> = [{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 'http' }];
  if (rand() < 0.5) ports.push({ name: 'grpc', port: 9000, protocol: 'TCP', targetPort: 9000 });
  if (rand() < 0.3) ports.push({ name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 });
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(name, namespace, labels), spec: spec({ 'app.kubernetes.io/name': name }, ports), status: { loadBalancer: {} } };
}

function prometheus(rel: string, namespace: string): Record<string, unknown> {
  const labels = { app: 'kube-prometheus-stack-prometheus', release: rel, 'self-monitor': 'true', 'app.kubernetes.io/managed-by': 'Helm', chart: 'kube-prometheus-stack-72.0.0', heritage: 'Helm' };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(`${rel}-kube-prometheus-st-prometheus`, namespace, labels),
    spec: spec({ 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': `${rel}-kube-prometheus-st-prometheus` }, [
      { name: 'http-web', port: 9090, protocol: 'TCP', targetPort: 9090 },
      { name: 'reloader-web', port: 8080, protocol: 'TCP', targetPort: 'reloader-web' },
    ]),
    status: { loadBalancer: {} },
  };
}

function grafana(rel: string, namespace: string): Record<string, unknown> {
  const labels = { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': rel, 'helm.sh/chart': 'grafana-8.5.0', 'app.kubernetes.io/managed-by': 'Helm' };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(`${rel}-grafana`, namespace, labels),
    spec: spec({ 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': rel }, [{ name: 'service', port: 80, protocol: 'TCP', targetPort: 3000 }]),
    status: { loadBalancer: {} },
  };
}

function loki(rel: string, namespace: string): Record<string, unknown> {
  const labels = { 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/instance': rel, 'app.kubernetes.io/component': 'gateway', 'helm.sh/chart': 'loki-6.16.0' };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(`${rel}-loki-gateway`, namespace, labels),
    spec: spec({ 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/instance': rel, 'app.kubernetes.io/component': 'gateway' }, [{ name: 'http-metrics', port: 80, protocol: 'TCP', targetPort: 'http-metrics' }]),
    status: { loadBalancer: {} },
  };
}

function annotated(name: string, namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, namespace, { app: name }, { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': 'sentry', 'kubernaut.io/toolset-port': 'http' }),
    spec: spec({ app: name }, [{ name: 'http', port: 9000, protocol: 'TCP', targetPort: 9000 }]),
    status: { loadBalancer: {} },
  };
}

/**
 * A generated Service as a client would create it: without the fields the API server sets (uid,
 * resourceVersion, creationTimestamp, managedFields, cluster IPs — the generator gives every Service the same IP).
 */
export function creatable(service: Record<string, unknown>): Record<string, unknown> {
  const metadata = { ...(service.metadata as Record<string, unknown>) };
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields']) delete metadata[k];
  const spec = { ...(service.spec as Record<string, unknown>) };
  delete spec.clusterIP;
  delete spec.clusterIPs;
  return { ...service, metadata, spec };
}

/** The generated Services a built-in detector claims (Prometheus, Grafana, Loki, annotated), as namespace/name. */
export function observabilityServices(services: ReadonlyArray<Record<string, unknown>>): Array<{ namespace: string; name: string }> {
  const out: Array<{ namespace: string; name: string }> = [];
  for (const s of services) {
    const md = s.metadata as { name: string; namespace: string; annotations?: Record<string, string> };
    if (/-(kube-prometheus-st-prometheus|grafana|loki-gateway)$/.test(md.name) || md.annotations?.['kubernaut.io/toolset'] === 'true') {
      out.push({ namespace: md.namespace, name: md.name });
    }
  }
  return out;
}
