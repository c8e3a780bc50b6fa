// The built-in detectors on a second held-out set (test/fixtures/heldout), built from the charts' own templates by
// someone who did not read the detectors or the other fixture sets: with Pods and EndpointSlices, exactly
// expected.yaml, F1 and URL accuracy 1.
import test from 'ava';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectFile, evaluate, fixtureFiles, normaliseRecords, readExpected } from './helpers/eval-detection.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'heldout');
const expected = readExpected(dir);
const normalise = normaliseRecords;

test('expected.yaml covers exactly the held-out fixture files', (t) => {
  t.deepEqual(Object.keys(expected).sort(), fixtureFiles(dir));
});

for (const file of fixtureFiles(dir)) {
  test(`held-out fixture ${file}: the built-in set reports exactly expected.yaml`, async (t) => {
    t.deepEqual(normalise(await detectFile(path.join(dir, file))), normalise(expected[file] ?? []));
  });
}

test('the held-out set scores F1 and URL accuracy 1 with evidence', async (t) => {
  const score = await evaluate(dir);
  t.is(score.f1, 1);
  t.is(score.urlAccuracy, 1);
});
