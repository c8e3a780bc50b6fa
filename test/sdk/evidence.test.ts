// The SDK's headless-twin rule (yieldsToTwin) that every twin-aware built-in, the scaffold and the worked example
// use, and the banner's record of the SDK that built a bundle.
import test from 'ava';
import { manifestBanner, readManifestBanner, yieldsToTwin } from '@kubernaut/toolset-sdk';
import { ctx, svc } from '@kubernaut/toolset-sdk/testing';

const sel = { 'app.kubernetes.io/name': 'widget', 'app.kubernetes.io/instance': 'shop' };
const normal = svc('shop-widget', { selector: sel, ports: [['http', 8080]] });
const headless = svc('shop-widget-headless', { headless: true, selector: sel, ports: [['http', 8080]] });

test('a Service that does not look headless never yields, and does not ask for its siblings', (t) => {
  const c = ctx([headless]);
  t.false(yieldsToTwin(normal, c));
  t.is(c.calls, 0);
});

test('a headless Service yields to a normal Service selecting overlapping pods, when that one wins', (t) => {
  t.true(yieldsToTwin(headless, ctx([normal])));
  // A looser selector on the twin still overlaps (the operator's `-operated` Services select by one label).
  const loose = svc('alertmanager-operated', { headless: true, selector: { 'app.kubernetes.io/name': 'widget' } });
  t.true(yieldsToTwin(loose, ctx([normal])));
  t.false(yieldsToTwin(headless, ctx([normal]), () => false), 'a sibling the detector would not claim does not win');
  const c = ctx([normal]);
  t.true(yieldsToTwin(headless, c, (o) => o.metadata.name === 'shop-widget'));
  t.is(c.calls, 1);
});

test('the <name>-headless pair is a twin even when the selectors differ', (t) => {
  const other = svc('shop-widget', { selector: { app: 'something-else' }, ports: [['http', 8080]] });
  t.true(yieldsToTwin(headless, ctx([other])));
  t.false(yieldsToTwin(headless, ctx([svc('unrelated', { selector: { app: 'something-else' } })])));
});

test('headless by name only (clusterIP set, -headless / -discovery / variant label) counts as a twin too', (t) => {
  const byName = svc('shop-widget-discovery', { selector: sel });
  t.true(yieldsToTwin(byName, ctx([normal])));
  const byLabel = svc('shop-widget-ring', { selector: sel, labels: { variant: 'headless' } });
  t.true(yieldsToTwin(byLabel, ctx([normal])));
});

test('a lone headless Service stays: other headless or ExternalName siblings do not win', (t) => {
  t.false(yieldsToTwin(headless, ctx([])));
  t.false(yieldsToTwin(headless, ctx([svc('shop-widget-discovery', { headless: true, selector: sel })])));
  t.false(yieldsToTwin(headless, ctx([svc('shop-widget', { type: 'ExternalName', selector: sel })])));
  // Empty selectors select nothing in common.
  const bare = svc('bare', { headless: true });
  t.false(yieldsToTwin(bare, ctx([svc('other', {})])));
});

test('the banner records which SDK built the bundle and which copy was bundled, and reads back', (t) => {
  const manifest = { name: 'w', version: '1.0.0', description: 'ends */ early?', type: 'w', apiVersion: 1, hasToolsets: false };
  const line = manifestBanner(manifest, { builtWith: '0.1.0', bundled: '0.0.9', from: 'entry' });
  t.true(line.endsWith(' */\n'));
  t.is(line.indexOf('*/'), line.length - 3, 'a description cannot end the comment early');
  t.deepEqual(readManifestBanner(`${line}(() => {})();\n`), {
    name: 'w',
    version: '1.0.0',
    description: 'ends */ early?',
    type: 'w',
    apiVersion: 1,
    sdk: { builtWith: '0.1.0', bundled: '0.0.9', from: 'entry' },
  });
  t.is(readManifestBanner(manifestBanner(manifest))?.sdk, undefined, 'without provenance the banner is as before');
});
