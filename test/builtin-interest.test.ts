// The built-ins' declared evidence interests (DetectorDefinition.evidence) against what they really claim: the host
// asks a detector only about Services with evidence that match its interest, so an interest narrower than the
// detector's own rules would silently lose Services. Every detector here is called directly, in-process and without
// the host's filter, on every Service with evidence in the held-out and operator dumps and in the generated bench
// cluster; each claim must fall inside the interest. And the filter itself: unmatched is "not mine" without asking,
// no evidence is always asked, 'none' gets views without evidence.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { interestMatches } from '@kubernaut/toolset-sdk';
import type { EvidenceInterest, PluginExport, ServiceView } from '@kubernaut/toolset-sdk';
import { ctx, svc } from '@kubernaut/toolset-sdk/testing';
import { parseManifests } from '../core/src/detection/manifests.js';
import { evidenceFrom, uniqueViews, withEvidence } from '../core/src/detection/offline.js';
import { fixtureFiles } from './helpers/eval-detection.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { DEFAULT_CONFIG } from '../core/src/config/schema.js';
import { detectServices } from '../core/src/detection/engine.js';
import { PluginRegistry } from '../core/src/plugins/registry.js';
import { DEFAULT_LIMITS } from '../core/src/sandbox/plugin.js';
import { bundle, tempDir } from './helpers/bundles.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NAMES = ['custom', 'prometheus', 'alertmanager', 'grafana', 'loki', 'tempo', 'jaeger', 'elasticsearch', 'victorialogs'];

async function builtins(): Promise<Array<{ name: string; plugin: PluginExport }>> {
  return Promise.all(NAMES.map(async (name) => ({ name, plugin: (await import(`../plugins/src/${name}/index.js`)).default as PluginExport })));
}

function viewsOf(dir: string): ServiceView[] {
  const out: ServiceView[] = [];
  for (const file of fixtureFiles(dir)) {
    const read = parseManifests(readFileSync(path.join(dir, file), 'utf8'), file);
    out.push(...withEvidence(uniqueViews(read.services), evidenceFrom(read.pods, read.endpointSlices, read.resources)));
  }
  return out;
}

test('every built-in claims a Service with evidence only inside its declared interest (held-out and operator dumps)', async (t) => {
  const views = [...viewsOf(path.join(here, 'fixtures', 'evidence')), ...viewsOf(path.join(here, 'fixtures', 'operators'))];
  const withEv = views.filter((v) => v.evidence !== undefined);
  t.true(withEv.length > 50, `${withEv.length} Services with evidence`);
  let claims = 0;
  for (const { name, plugin } of await builtins()) {
    t.not(plugin.evidence, undefined, `${name} declares its use of evidence`);
    if (plugin.evidence === 'none' || plugin.evidence === undefined) continue;
    const interest: EvidenceInterest = plugin.evidence;
    for (const v of withEv) {
      const siblings = views.filter((o) => o.metadata.namespace === v.metadata.namespace && o.metadata.name !== v.metadata.name);
      if (!plugin.detect(v, ctx(siblings))) continue;
      claims += 1;
      t.true(interestMatches(v, interest), `${name} claims ${v.metadata.namespace}/${v.metadata.name} outside its interest`);
    }
  }
  t.true(claims > 30, `${claims} claims checked`);
});

test('interestMatches: images, image words, container names, resource kinds, labels or selector; no evidence always; nothing behind never', (t) => {
  const interest: EvidenceInterest = {
    images: ['prometheus/prometheus'],
    imageWords: ['prometheus'],
    containers: ['prometheus'],
    resourceKinds: ['Prometheus'],
    labels: { 'app.kubernetes.io/component': ['gateway'] },
  };
  t.true(interestMatches(svc('metadata-only'), interest), 'no evidence: decided from metadata, always asked');
  t.false(interestMatches(svc('empty', { workloads: [] }), interest), 'nothing behind it');
  t.true(interestMatches(svc('a', { workloads: [{ image: 'quay.io/prometheus/prometheus:v3.0.0' }] }), interest));
  t.true(interestMatches(svc('b', { workloads: [{ image: 'rancher/mirrored-prometheus-prometheus:v2.53.0' }] }), interest), 'image word');
  t.false(interestMatches(svc('c', { workloads: [{ image: 'quay.io/prometheus/prometheus-config-reloader:v0.75.0' }] }), interest), 'another word');
  t.false(interestMatches(svc('d', { workloads: [{ image: 'nginx:1.27' }] }), interest));
  t.true(interestMatches(svc('e', { labels: { 'app.kubernetes.io/component': 'gateway' }, workloads: [{ image: 'nginx:1.27' }] }), interest), 'label');
  t.true(interestMatches(svc('f', { selector: { 'app.kubernetes.io/component': 'gateway' }, workloads: [{ image: 'nginx:1.27' }] }), interest), 'selector');
  const withResource = svc('g', { workloads: [{ image: 'nginx:1.27' }] });
  withResource.evidence!.resources.push({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', name: 'k8s', namespace: 'default', spec: {}, via: 'ownerReference' });
  t.true(interestMatches(withResource, interest), 'a tied resource of the kind');
  t.false(interestMatches(svc('h', { workloads: [{ image: 'nginx:1.27' }] }), { images: ['prometheus/prometheus'] }));
});

/** Claims everything it is asked about; its type says whether it saw evidence. */
const plugin = (name: string, evidence: string) => `import { defineDetector } from '@kubernaut/toolset-sdk';
export default defineDetector({ name: '${name}', version: '1.0.0', description: 'test', type: '${name}', evidence: ${evidence},
  detect(service) { return { port: 'http', type: service.evidence === undefined ? 'bare' : 'seen' }; } });
`;

test('the host asks a detector only about Services its interest matches, and hands evidence: none detectors views without it', async (t) => {
  const { dir, cleanup } = await tempDir('interest');
  t.teardown(cleanup);
  const plugins = path.join(dir, 'plugins');
  await mkdir(plugins);
  await writeFile(path.join(plugins, 'tsdb.js'), await bundle(dir, 'tsdb', plugin('tsdb', "{ images: ['acme/tsdb'] }")));
  await writeFile(path.join(plugins, 'annotated.js'), await bundle(dir, 'annotated', plugin('annotated', "'none'")));
  const registry = new PluginRegistry({ builtinDir: '/nonexistent', pluginsDir: plugins, limits: { ...DEFAULT_LIMITS, loadTimeoutMs: 60_000, callBaseMs: 60_000 } });
  t.teardown(() => registry.stop());
  await registry.start({ ...DEFAULT_CONFIG, detectors: { tsdb: { enabled: true, priority: 1 }, annotated: { enabled: true, priority: 2 } } } as never);
  t.deepEqual(registry.list().map((p) => `${p.name} ${p.status}`).sort(), ['annotated active', 'tsdb active']);
  const port: Array<[string, number]> = [['http', 8080]];
  const views = [
    svc('tsdb', { ports: port, workloads: [{ image: 'ghcr.io/acme/tsdb:1.0' }] }),
    svc('web', { ports: port, workloads: [{ image: 'nginx:1.27' }] }),
    svc('bare', { ports: port }),
  ];
  const results = await detectServices(views, registry.detectors(), { namespaceServices: () => views });
  const by = (name: string) => results.find((r) => r.key.endsWith(`/${name}`))!;
  t.is(by('tsdb').detected?.detector, 'tsdb', 'its image runs behind it');
  t.is(by('tsdb').detected?.type, 'seen');
  t.is(by('bare').detected?.detector, 'tsdb', 'no evidence: always asked');
  // nginx behind it: tsdb is not asked ("not mine"), so the next detector gets it — without the evidence.
  t.like(by('web').trace[0], { detector: 'tsdb', outcome: 'skipped', reason: 'evidence_unmatched' });
  t.is(by('web').detected?.detector, 'annotated');
  t.is(by('web').detected?.type, 'bare', "evidence: 'none' sees no evidence");
});

test('a malformed evidence declaration is refused: at build by defineDetector, and by the host for a bundle that skipped it', async (t) => {
  const { defineDetector } = await import('@kubernaut/toolset-sdk');
  t.throws(() => defineDetector({ name: 'x', version: '1.0.0', description: 'x', type: 'x', evidence: { images: 'acme/tsdb' } as never, detect: () => null }), { message: /evidence\.images must be a list of non-empty strings/ });
  t.throws(() => defineDetector({ name: 'x', version: '1.0.0', description: 'x', type: 'x', evidence: { image: ['a'] } as never, detect: () => null }), { message: /evidence\.image is not a known key/ });
  const { validateManifest } = await import('../core/src/sandbox/validate.js');
  const base = { name: 'x', version: '1.0.0', description: 'x', type: 'x', apiVersion: 2, hasToolsets: false, hasDetect: true };
  t.true(validateManifest({ ...base, evidence: { images: ['acme/tsdb'], labels: { component: ['gateway'] } } }).ok);
  t.true(validateManifest({ ...base, evidence: 'none' }).ok);
  const bad = validateManifest({ ...base, evidence: { images: [42] } });
  t.false(bad.ok);
  t.regex(bad.ok ? '' : bad.reason, /invalid manifest: evidence/);
  t.false(validateManifest({ ...base, evidence: 'all' }).ok);
});
