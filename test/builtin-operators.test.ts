// The built-in detectors on operator-managed installs (test/fixtures/operators, modelled on the operators' own code):
// with the dump's Pods and the operators' custom resources as evidence, detect --manifests reports exactly
// expected.yaml — the front door only, with the TLS and path the resource gives — and the resource is what decides
// where Pods alone cannot (a Grafana sub-path set in grafana.ini, not in the environment).
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifests } from '../core/src/detection/manifests.js';
import { detectOfflineReport, evidenceFrom } from '../core/src/detection/offline.js';
import { DEFAULT_LIMITS } from '../core/src/sandbox/plugin.js';
import { detectFile, evaluate, fixtureFiles, normaliseRecords, readExpected } from './helpers/eval-detection.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, 'fixtures', 'operators');
const expected = readExpected(dir);

const normalise = normaliseRecords;

test('expected.yaml covers exactly the operator fixture files', (t) => {
  t.deepEqual(Object.keys(expected).sort(), fixtureFiles(dir));
});

for (const file of fixtureFiles(dir)) {
  test(`operator fixture ${file}: with its Pods and custom resources the built-in set reports exactly expected.yaml`, async (t) => {
    t.deepEqual(normalise(await detectFile(path.join(dir, file))), normalise(expected[file] ?? []));
  });
}

test('the operator set scores F1 and URL accuracy 1', async (t) => {
  const score = await evaluate(dir);
  t.is(score.f1, 1);
  t.is(score.urlAccuracy, 1);
});

test('every fixture carries custom resources that manifests reading recognises, and nothing is ignored', (t) => {
  for (const file of fixtureFiles(dir)) {
    const read = parseManifests(readFileSync(path.join(dir, file), 'utf8'), file);
    t.deepEqual(read.ignored, [], file);
    t.true(read.resources.length > 0, `${file}: custom resources`);
    t.true(read.pods.length > 0, `${file}: Pods`);
  }
});

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const GENEROUS = { ...DEFAULT_LIMITS, loadTimeoutMs: 60_000, callBaseMs: 60_000, quarantineAfter: 1_000_000 };

test('the Grafana resource decides the sub-path, and the plugin sees the resource it was tied by (kind, name, via)', async (t) => {
  const read = parseManifests(readFileSync(path.join(dir, 'grafana-operator.yaml'), 'utf8'), 'grafana-operator.yaml');
  const withResources = await detectOfflineReport(read.services, { limits: GENEROUS, log: quiet, evidence: evidenceFrom(read.pods, read.endpointSlices, read.resources) });
  const podsOnly = await detectOfflineReport(read.services, { limits: GENEROUS, log: quiet, evidence: evidenceFrom(read.pods, read.endpointSlices) });
  const url = (r: typeof podsOnly) => r.records.find((x) => x.name === 'grafana-service')?.endpoint;
  t.is(url(withResources), 'http://grafana-service.grafana.svc.cluster.local:3000/grafana');
  t.is(url(podsOnly), 'http://grafana-service.grafana.svc.cluster.local:3000');
  const view = withResources.views.find((v) => v.metadata.name === 'grafana-service');
  t.deepEqual(
    view?.evidence?.resources.map((r) => ({ kind: r.kind, name: r.name, via: r.via, path: r.spec.path })),
    [{ kind: 'Grafana', name: 'grafana', via: 'ownerReference', path: '/grafana' }],
  );
});

test('operator resources are tied only where the Service has workload evidence: Services and resources alone decide from metadata', async (t) => {
  const read = parseManifests(readFileSync(path.join(dir, 'eck.yaml'), 'utf8'), 'eck.yaml');
  const report = await detectOfflineReport(read.services, { limits: GENEROUS, log: quiet, evidence: evidenceFrom([], [], read.resources) });
  // No Pod in the dump: every Service is outside the evidence's namespaces, so none gets evidence (nor resources).
  t.true(report.views.every((v) => v.evidence === undefined));
});
