// Operator resources, live: a daemon against the emulator reads the custom resources of an operator only once the API
// server serves its CRD (installed after the daemon started), ties them to the Services they own, follows their
// changes, and drops them when the CRD is removed — each seen in the ConfigMap it writes. The objects are the
// grafana-operator fixture's (test/fixtures/operators/grafana-operator.yaml), whose sub-path only the resource shows.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { backend, startDaemon } from './helpers.js';
import type { Harness } from './helpers.js';
import { eventually } from '../helpers/bundles.js';

type Obj = Record<string, any>;

const docs = parseAllDocuments(readFileSync(fileURLToPath(new URL('../fixtures/operators/grafana-operator.yaml', import.meta.url)), 'utf8'))
  .map((d) => d.toJS() as Obj)
  .filter((d) => d !== null);
const of = (kind: string, name: string): Obj => structuredClone(docs.find((d) => d.kind === kind && d.metadata.name === name)!);

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'grafanas.grafana.integreatly.org' },
  spec: {
    group: 'grafana.integreatly.org',
    scope: 'Namespaced',
    names: { plural: 'grafanas', singular: 'grafana', kind: 'Grafana', listKind: 'GrafanaList' },
    versions: [{ name: 'v1beta1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
const GRAFANA_REF = { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'Grafana', namespace: 'grafana', name: 'grafana' };
const url = (h: Harness): unknown => h.customToolsets()?.['grafana/dashboards']?.config?.api_url;

test('a CRD installed later is read, its resource decides the entry and its changes follow; a removed CRD is dropped', async (t) => {
  const h = await startDaemon(t, { options: { workloadEvidence: true, timing: { debounceMs: 20, informerBackoff: { baseMs: 20, maxMs: 200 }, operatorDiscoveryMs: 100 } } });
  const be = await backend(t);
  h.emu.registerProxyTarget({ namespace: 'grafana', name: 'grafana-service', port: 'grafana', url: be.url });
  t.deepEqual(h.daemon.operators?.kinds(), [], 'no operator CRD served yet');

  h.emu.create(CRD);
  const created = h.emu.create(of('Grafana', 'grafana')) as Obj;
  const pod = of('Pod', 'grafana-deployment-7c9f8d6b5-2kx9z');
  const status = pod.status;
  delete pod.status;
  h.emu.create(pod);
  h.emu.patch({ apiVersion: 'v1', kind: 'Pod', namespace: 'grafana', name: pod.metadata.name }, { status }, 'merge', { subresource: 'status' });
  // The operator's Service, owned by the resource as the server knows it (its uid is the server's).
  const svc = of('Service', 'grafana-service');
  svc.metadata.ownerReferences[0].uid = created.metadata.uid;
  h.emu.create(svc);

  await eventually(() => url(h) === 'http://grafana-service.grafana.svc.cluster.local:3000/grafana');
  t.deepEqual(h.daemon.operators?.kinds(), ['grafana.integreatly.org/Grafana@v1beta1']);
  const view = h.daemon.detection.namespaceServices('grafana').find((v) => v.metadata.name === 'grafana-service');
  t.deepEqual(view?.evidence?.resources.map((r) => `${r.kind}/${r.name} via ${r.via}`), ['Grafana/grafana via ownerReference']);

  // The resource changes: Grafana no longer serves from the sub-path.
  h.emu.patch(GRAFANA_REF, { spec: { config: { server: { serve_from_sub_path: 'false' } } } }, 'merge');
  await eventually(() => url(h) === 'http://grafana-service.grafana.svc.cluster.local:3000');
  h.emu.patch(GRAFANA_REF, { spec: { config: { server: { serve_from_sub_path: 'true' } } } }, 'merge');
  await eventually(() => url(h) === 'http://grafana-service.grafana.svc.cluster.local:3000/grafana');

  // The CRD is removed: nothing of it is read or kept, and the entry is decided from the Pods alone.
  h.emu.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: CRD.metadata.name });
  await eventually(() => url(h) === 'http://grafana-service.grafana.svc.cluster.local:3000');
  // The resources go with the CRD (their DELETED events may come first); the kind goes at the next discovery.
  await eventually(() => h.daemon.operators?.kinds().length === 0);
  t.is(h.daemon.operators?.index.size(), 0);
});

test('--operator-resources false reads no custom resource (and so needs no RBAC for them)', async (t) => {
  const h = await startDaemon(t, { options: { workloadEvidence: true, operatorResources: false } });
  t.is(h.daemon.operators, undefined);
});
