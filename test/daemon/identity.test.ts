// Identity at probe time, end to end: a plugin asks the host to verify what its Services are (the SDK's
// ELASTICSEARCH_ROOT check); the daemon probes them through the emulator's service proxy (as a daemon outside the
// cluster does), leaves out a decoy that answers but is not Elasticsearch, publishes a cluster reachable through two
// Services once, and explain says why for each.
import test from 'ava';
import http from 'node:http';
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApp } from '../../core/src/http/app.js';
import { apiRoutes } from '../../core/src/http/routes/api.js';
import type { ConfigReloader } from '../../core/src/config/reloader.js';
import { startDaemon } from './helpers.js';
import { bundle, detectorSource, eventually, service, tempDir } from '../helpers/bundles.js';

/** A local server answering GET / like an Elasticsearch node of cluster `uuid` (RestMainAction's root document). */
async function esNode(t: ExecutionContext, uuid: string, node: string): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ name: node, cluster_name: 'search', cluster_uuid: uuid, version: { number: '8.14.1', build_flavor: 'default' }, tagline: 'You Know, for Search' }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Any web app on the same port: 200 and a page on every path. */
async function webApp(t: ExecutionContext): Promise<string> {
  const server = http.createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>search UI</p>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('only Services verified to be what the plugin claims reach the ConfigMap, one per backend, and explain says why', async (t) => {
  const { dir, cleanup } = await tempDir('identity-plugin');
  t.teardown(cleanup);
  const pluginsDir = path.join(dir, 'plugins');
  await mkdir(pluginsDir);
  const source = detectorSource({
    name: 'searchid',
    type: 'searchdb',
    extra: "import { ELASTICSEARCH_ROOT } from '@kubernaut/toolset-sdk';",
    answer: "{ port: 'http', identity: ELASTICSEARCH_ROOT }",
  });
  await writeFile(path.join(pluginsDir, 'searchid.js'), await bundle(dir, 'searchid', source));
  const h = await startDaemon(t, { options: { pluginsDir } });

  const label = { 'test/searchid': 'yes' };
  const targets: Array<[string, string]> = [
    ['search-hot', await esNode(t, 'pDx1bJ6VSa2u2kI2-cNp0A', 'search-hot-0')],
    ['search-warm', await esNode(t, 'pDx1bJ6VSa2u2kI2-cNp0A', 'search-warm-0')], // a second node group, same cluster
    ['search-ui', await webApp(t)], // labelled like the others, is not Elasticsearch
  ];
  for (const [name, url] of targets) {
    h.emu.registerProxyTarget({ namespace: 'apps', name, port: 'http', url });
    h.emu.create(service(name, 'apps', label));
  }
  // Every Service probed, and the ConfigMap written from the publication that knew all three answers.
  const written = () => h.configMap()?.data?.['custom_toolset.yaml'];
  await eventually(
    () =>
      ['apps/search-hot', 'apps/search-warm', 'apps/search-ui'].every((k) => h.daemon.health.get(k) !== undefined) &&
      h.daemon.desired.last?.identityLeftOut.has('apps/search-warm') &&
      written() !== undefined &&
      written() === h.daemon.desired.publish().render.data['custom_toolset.yaml'],
  );
  const text = h.configMap()!.data!['custom_toolset.yaml']!;
  t.true(text.includes('http://search-hot.apps.svc.cluster.local:8080'), 'the preferred Service of the cluster is published');
  t.false(text.includes('search-warm.apps'), 'its second node group is the same backend');
  t.false(text.includes('search-ui.apps'), 'the decoy is not Elasticsearch');

  const app = createApp({ routers: [apiRoutes({ daemon: h.daemon, reloader: {} as ConfigReloader })] });
  const server = app.listen(0);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const get = async (p: string) => (await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${p}`)).json()) as Record<string, unknown>;

  const hot = await get('/api/v1/services/apps/search-hot/explain');
  t.like(hot, { detected: true, published: true, identity: { checked: { path: '/', what: 'Elasticsearch', key: 'cluster_uuid' }, result: 'matched', value: 'pDx1bJ6VSa2u2kI2-cNp0A' } });
  const warm = await get('/api/v1/services/apps/search-warm/explain');
  t.like(warm, {
    detected: false,
    published: false,
    deduplication: { duplicate_of: 'apps/search-hot' },
    not_published: { reason: 'same-backend', detail: 'same backend as apps/search-hot (cluster_uuid pDx1bJ6VSa2u2kI2-cNp0A)' },
    identity: { result: 'matched', value: 'pDx1bJ6VSa2u2kI2-cNp0A' },
  });
  const ui = await get('/api/v1/services/apps/search-ui/explain');
  t.like(ui, {
    published: false,
    health: { healthy: false, reason: 'answered on / but is not Elasticsearch: the answer is not JSON' },
    identity: { result: 'mismatch', reason: 'answered on / but is not Elasticsearch: the answer is not JSON' },
  });
  const toolsets = await get('/api/v1/toolsets');
  t.deepEqual(
    (toolsets.left_out as Array<Record<string, unknown>>).filter((l) => l.service === 'apps/search-warm'),
    [{ service: 'apps/search-warm', type: 'searchdb', reason: 'same-backend', detail: 'same backend as apps/search-hot (cluster_uuid pDx1bJ6VSa2u2kI2-cNp0A)' }],
  );
  const services = (await get('/api/v1/services')).services as Array<Record<string, unknown>>;
  t.is(services.find((s) => s.name === 'search-warm')?.left_out, 'same backend as apps/search-hot (cluster_uuid pDx1bJ6VSa2u2kI2-cNp0A)');

  // The published one goes away: the other node group of the same cluster takes its place.
  h.emu.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'apps', name: 'search-hot' });
  await eventually(() => h.configMap()?.data?.['custom_toolset.yaml']?.includes('http://search-warm.apps.svc.cluster.local:8080'));
  t.false(h.configMap()!.data!['custom_toolset.yaml']!.includes('search-hot.apps'));
});
