// The live operator-resource reader on its own, with API discovery and list/watch sources faked: which kinds it
// watches follows discovery (a failing discovery keeps what it has), a kind it may not read is said once with what
// to do, and a resource change names the namespaces to re-detect.
import test from 'ava';
import { OperatorResources } from '../../core/src/discovery/operator-resources.js';
import type { InformerSource } from '../../core/src/discovery/informer.js';
import type { DiscoveredGroupVersion } from '../../core/src/discovery/operators.js';
import { eventually } from '../helpers/bundles.js';

const ES_GV: DiscoveredGroupVersion = { groupVersion: 'elasticsearch.k8s.elastic.co/v1', resources: [{ name: 'elasticsearches', kind: 'Elasticsearch' }] };

function es(namespace: string, name: string, tlsDisabled = false): Record<string, unknown> {
  // A list item as a typed list gives it: no apiVersion or kind of its own.
  return { metadata: { namespace, name, uid: `${namespace}-${name}` }, spec: tlsDisabled ? { http: { tls: { selfSignedCertificate: { disabled: true } } } } : {} };
}

function source(items: unknown[], fail?: () => unknown): InformerSource & { lists: number } {
  const s = {
    lists: 0,
    async list() {
      s.lists += 1;
      const err = fail?.();
      if (err) throw err;
      return { items, resourceVersion: '1' };
    },
    async watch() {
      return { abort() {} };
    },
  };
  return s;
}

function logger() {
  const warnings: string[] = [];
  return { warnings, log: { warn: (m: string) => warnings.push(m), info: () => {} } };
}

test('kinds follow discovery; a failed discovery keeps the kinds watched; resources are indexed and name their namespaces', async (t) => {
  let served: DiscoveredGroupVersion[] = [];
  let failDiscovery = false;
  const { log } = logger();
  const ops = new OperatorResources({
    discover: async () => {
      if (failDiscovery) throw new Error('connection refused');
      return served;
    },
    sourceFor: () => source([es('elastic', 'quickstart'), es('search', 'plain', true)]),
    log,
    rediscoverMs: 60_000,
    backoff: { baseMs: 10, maxMs: 50 },
  });
  const changes: string[][] = [];
  ops.onChange((ns) => changes.push([...ns]));
  ops.start();
  t.teardown(() => ops.stop());
  await ops.waitForFirstList(10_000);
  t.deepEqual(ops.kinds(), []);

  served = [ES_GV];
  await ops.rediscover();
  t.deepEqual(ops.kinds(), ['elasticsearch.k8s.elastic.co/Elasticsearch@v1']);
  await eventually(() => ops.index.size() === 2);
  t.true(ops.ready);
  t.deepEqual(changes.at(-1), ['elastic', 'search']);
  t.is(ops.index.get('search', 'elasticsearch.k8s.elastic.co', 'Elasticsearch', 'plain')?.spec.tls, false);
  t.is(ops.index.get('elastic', 'elasticsearch.k8s.elastic.co', 'Elasticsearch', 'quickstart')?.spec.tls, true);

  failDiscovery = true;
  await ops.rediscover();
  t.deepEqual(ops.kinds(), ['elasticsearch.k8s.elastic.co/Elasticsearch@v1'], 'a failing discovery drops nothing');

  failDiscovery = false;
  served = [];
  await ops.rediscover();
  t.deepEqual(ops.kinds(), []);
  t.is(ops.index.size(), 0);
  t.deepEqual(changes.at(-1), ['elastic', 'search'], 'the namespaces whose resources were dropped are re-detected');
});

test('a kind the daemon may not read (403) is said once, with the grant to add, and waiting for it does not hang', async (t) => {
  const { log, warnings } = logger();
  const src = source([], () => Object.assign(new Error('elasticsearches.elasticsearch.k8s.elastic.co is forbidden'), { statusCode: 403 }));
  const ops = new OperatorResources({ discover: async () => [ES_GV], sourceFor: () => src, log, backoff: { baseMs: 5, maxMs: 10 } });
  ops.start();
  // The daemon's timers do not hold the process open (unref); this test has nothing else pending while it waits.
  const hold = setInterval(() => {}, 1000);
  t.teardown(() => {
    clearInterval(hold);
    ops.stop();
  });
  await ops.waitForFirstList(200);
  await eventually(() => src.lists >= 5);
  const said = warnings.filter((w) => w.includes('cannot read elasticsearches.elasticsearch.k8s.elastic.co'));
  t.is(said.length, 1, warnings.join('\n'));
  t.regex(said[0] ?? '', /forbidden.*Grant get, list and watch on elasticsearches\.elasticsearch\.k8s\.elastic\.co.*--operator-resources=false/);
});
