// The built-in detectors on held-out cluster dumps with their Pods and EndpointSlices (test/fixtures/evidence,
// written before the detectors used evidence): the cases Service metadata cannot settle — renamed releases,
// hand-written manifests, node groups, queriers in front of replicas, a distributed install's components, decoys,
// Services with nothing behind them, TLS the Service does not show. expected.yaml is exactly what must be reported.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifests } from '../core/src/detection/manifests.js';
import { detectFile, evaluate, fixtureFiles, normaliseRecords, readExpected } from './helpers/eval-detection.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, 'fixtures', 'evidence');
const expected = readExpected(dir);

const normalise = normaliseRecords;

test('expected.yaml covers exactly the evidence fixture files', (t) => {
  t.deepEqual(Object.keys(expected).sort(), fixtureFiles(dir));
});

for (const file of fixtureFiles(dir)) {
  test(`evidence fixture ${file}: with its Pods and EndpointSlices the built-in set reports exactly expected.yaml`, async (t) => {
    t.deepEqual(normalise(await detectFile(path.join(dir, file))), normalise(expected[file] ?? []));
  });
}

// Small batches run on the daemon's thread, large ones on isolate threads: the evidence must cross into the isolates
// intact (the view is copied in) and the sibling rules (Thanos in front, gateways, node groups) say the same there.
test('every evidence fixture: the same detections on isolate threads', async (t) => {
  for (const file of fixtureFiles(dir)) {
    t.deepEqual(normalise(await detectFile(path.join(dir, file), false, { syncBatchMax: 0 })), normalise(expected[file] ?? []), file);
  }
});

test('the evidence set scores F1 and URL accuracy 1 with evidence, and metadata alone cannot (it is a held-out set)', async (t) => {
  const withEvidence = await evaluate(dir);
  t.is(withEvidence.f1, 1);
  t.is(withEvidence.urlAccuracy, 1);
  const metadataOnly = await evaluate(dir, true);
  t.true(metadataOnly.f1 < 0.5, `metadata-only F1 ${metadataOnly.f1}`);
});

test('evidence fixtures are real-shaped dumps: owned Pods, EndpointSlices of existing Services pointing at existing Pods', (t) => {
  for (const file of fixtureFiles(dir)) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    t.true(text.startsWith('# '), `${file}: header comment naming the charts/templates`);
    const read = parseManifests(text, file);
    t.deepEqual(read.ignored, [], file);
    t.true(read.pods.length > 0 && read.endpointSlices.length > 0, `${file}: Pods and EndpointSlices`);
    const services = new Set((read.services as Array<{ metadata: { namespace: string; name: string } }>).map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
    const pods = new Map<string, Record<string, any>>();
    for (const p of read.pods as Array<Record<string, any>>) {
      const where = `${file}: pod ${p.metadata.name}`;
      pods.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
      const owner = (p.metadata.ownerReferences as Array<Record<string, unknown>>).find((r) => r.controller === true);
      t.truthy(owner, `${where}: a controller ownerReference`);
      if (owner?.kind === 'ReplicaSet') {
        const hash = p.metadata.labels['pod-template-hash'];
        t.true(typeof hash === 'string' && String(owner.name).endsWith(`-${hash}`) && p.metadata.name.startsWith(`${String(owner.name)}-`), `${where}: <deployment>-<pod-template-hash>`);
      } else {
        t.is(owner?.kind, 'StatefulSet', where);
        t.is(p.metadata.labels['statefulset.kubernetes.io/pod-name'], p.metadata.name, where);
      }
      for (const c of p.spec.containers) t.true(typeof c.name === 'string' && typeof c.image === 'string', `${where}: container name and image`);
      t.true(p.status.conditions.some((c: { type: string }) => c.type === 'Ready'), `${where}: Ready condition`);
    }
    for (const s of read.endpointSlices as Array<Record<string, any>>) {
      const svc = s.metadata.labels['kubernetes.io/service-name'];
      const where = `${file}: slice ${s.metadata.name}`;
      t.true(services.has(`${s.metadata.namespace}/${svc}`), `${where}: its Service is in the dump`);
      t.is(s.addressType, 'IPv4', where);
      for (const e of s.endpoints ?? []) {
        t.is(e.targetRef.kind, 'Pod', where);
        t.truthy(pods.get(`${s.metadata.namespace}/${e.targetRef.name}`), `${where}: targetRef ${e.targetRef.name} is a Pod of the dump`);
        t.is(typeof e.conditions.ready, 'boolean', where);
      }
    }
  }
});
