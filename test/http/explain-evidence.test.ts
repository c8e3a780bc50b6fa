// The HTTP API's explain shows the workload evidence that decided a Service — the same shape as `detect --explain`
// (detection/explain.ts) — over HTTP, against a daemon that watches Pods and EndpointSlices in the emulator.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { createApp } from '../../core/src/http/app.js';
import { apiRoutes } from '../../core/src/http/routes/api.js';
import { ConfigReloader } from '../../core/src/config/reloader.js';
import { fileConfigSource } from '../../core/src/config/source.js';
import { createLogger } from '../../core/src/log.js';
import { EXPLAIN_MAX_WORKLOADS, explainEvidence } from '../../core/src/detection/explain.js';
import type { WorkloadEvidence } from '@kubernaut/toolset-sdk';
import { startDaemon } from '../daemon/helpers.js';
import type { Harness } from '../daemon/helpers.js';
import { eventually, service, tempDir } from '../helpers/bundles.js';

async function api(t: ExecutionContext, workloadEvidence: boolean): Promise<{ h: Harness; explain: (ns: string, name: string) => Promise<Record<string, unknown>> }> {
  const { dir, cleanup } = await tempDir('explain-evidence');
  t.teardown(cleanup);
  const configFile = path.join(dir, 'detector-config.yaml');
  await writeFile(configFile, 'detectors: {}\n');
  const h = await startDaemon(t, { options: { workloadEvidence } });
  const reloader = new ConfigReloader({ source: fileConfigSource(configFile), apply: (c) => h.daemon.applyConfig(c), log: createLogger({ level: 'error' }) });
  const app = createApp({ routers: [apiRoutes({ daemon: h.daemon, reloader })] });
  const server = app.listen(0);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    h,
    async explain(ns, name) {
      const r = await fetch(`${base}/api/v1/services/${ns}/${name}/explain`);
      if (r.status !== 200) throw new Error(`explain ${ns}/${name}: HTTP ${r.status}`);
      return (await r.json()) as Record<string, unknown>;
    },
  };
}

const READY = { phase: 'Running', podIP: '10.244.0.7', podIPs: [{ ip: '10.244.0.7' }], conditions: [{ type: 'Ready', status: 'True' }] };

/** A hand-written Prometheus: generic labels (`app: metrics`), only the image behind the Service says Prometheus. */
function prometheusPod(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'metrics-0',
      namespace: 'apps',
      labels: { app: 'metrics' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'metrics', uid: 'sts-metrics', controller: true }],
    },
    spec: {
      containers: [
        {
          name: 'prometheus',
          image: 'quay.io/prometheus/prometheus:v3.5.0',
          args: ['--config.file=/etc/prometheus/prometheus.yml', '--web.route-prefix=/prom', '--storage.tsdb.retention.time=15d'],
          ports: [{ name: 'web', containerPort: 9090 }],
        },
        { name: 'config-reloader', image: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.85.0', ports: [{ name: 'reloader-web', containerPort: 8080 }] },
      ],
    },
  };
}

const SLICE = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'metrics-x7k2p', namespace: 'apps', labels: { 'kubernetes.io/service-name': 'metrics', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.244.0.7'], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'apps', name: 'metrics-0' } }],
  ports: [{ name: 'web', port: 9090, protocol: 'TCP' }],
};

test('explain over HTTP shows the owner, ready/pods, images, container ports and kept args that decided a renamed Prometheus', async (t) => {
  const { h, explain } = await api(t, true);
  h.emu.create(service('metrics', 'apps', { app: 'metrics' }, [{ name: 'web', port: 9090, protocol: 'TCP', targetPort: 'web' }], { selector: { app: 'metrics' } }));
  h.emu.create(prometheusPod());
  h.emu.patch({ apiVersion: 'v1', kind: 'Pod', namespace: 'apps', name: 'metrics-0' }, { status: READY }, 'merge', { subresource: 'status' });
  h.emu.create(SLICE);
  await eventually(() => h.daemon.model.get('apps/metrics')?.detected?.detector === 'prometheus');

  const body = await explain('apps', 'metrics');
  t.like(body, { detection: { detector: 'prometheus', type: 'prometheus' } });
  const evidence = body.evidence as { workloads: Array<Record<string, unknown>>; resources: unknown[] };
  t.is(evidence.workloads.length, 1);
  t.deepEqual(evidence.resources, []);
  const w = evidence.workloads[0]!;
  t.is(w.owner, 'StatefulSet/metrics');
  t.is(w.ready, '1/1');
  const containers = w.containers as Array<Record<string, unknown>>;
  t.like(containers[0], { name: 'prometheus', image: 'quay.io/prometheus/prometheus:v3.5.0', ports: ['web:9090'] });
  // Only the args that decide a prefix are kept: the route prefix, not the config file or retention.
  t.deepEqual(containers[0]!.args, ['--web.route-prefix=/prom']);
  t.like(containers[1], { name: 'config-reloader', sidecar: true, ports: ['reloader-web:8080'] });
  t.is(containers[1]!.args, undefined);
});

test('explain over HTTP says why there is no evidence: no Pods behind the Service, or evidence switched off', async (t) => {
  const on = await api(t, true);
  on.h.emu.create(service('lonely', 'apps', { 'app.kubernetes.io/name': 'grafana' }, [{ name: 'service', port: 80, protocol: 'TCP' }]));
  await eventually(() => on.h.daemon.model.get('apps/lonely') !== undefined);
  // Evidence that nothing runs behind it: the Service is no entry for the built-ins, and explain says why.
  t.deepEqual((await on.explain('apps', 'lonely')).evidence, { workloads: [], resources: [], note: 'no Pod backs this Service (its EndpointSlices and selector reach none)' });
  t.like(await on.explain('apps', 'lonely'), { detected: false });

  const off = await api(t, false);
  off.h.emu.create(service('lonely', 'apps', { 'app.kubernetes.io/name': 'grafana' }, [{ name: 'service', port: 80, protocol: 'TCP' }]));
  await eventually(() => off.h.daemon.model.get('apps/lonely') !== undefined);
  t.regex(((await off.explain('apps', 'lonely')).evidence as { note: string }).note, /workload evidence is off/);
});

test('explain evidence is bounded: past the cap the workloads are counted, not listed', (t) => {
  const many: WorkloadEvidence[] = Array.from({ length: EXPLAIN_MAX_WORKLOADS + 5 }, (_, i) => ({
    owner: { kind: 'Deployment', name: `w${i}` },
    pods: 2,
    ready: 1,
    containers: [{ name: 'app', image: 'acme/app:1', ports: [{ containerPort: 8080, protocol: 'UDP' }], args: [], env: {} }],
    labels: {},
  }));
  const e = explainEvidence({ workloads: many, resources: [] });
  if (!('workloads' in e)) return t.fail('expected workloads');
  t.is(e.workloads.length, EXPLAIN_MAX_WORKLOADS);
  t.deepEqual(e.omitted, { workloads: 5, resources: 0 });
  t.deepEqual(e.workloads[0], { owner: 'Deployment/w0', ready: '1/2', containers: [{ name: 'app', image: 'acme/app:1', ports: ['8080/UDP'] }] });
});
