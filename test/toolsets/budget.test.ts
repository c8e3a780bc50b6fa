// Budgets per source, degradation instead of a freeze (toolsets/limits.ts, toolsets/budget.ts): a Service over a
// per-Service limit is refused with its reason; over the ConfigMap's budget the best output that fits is written
// by a fixed rule (baseline and overrides, then primaries, then other instances; namespaces taking turns), and what
// is left out is listed in the result and in the file's header comment.
import test from 'ava';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { parse } from 'yaml';
import { overLimit, renderConfigMapData, renderWithinBudget, SERVICE_LIMITS } from '../../core/src/toolsets/index.js';
import type { BudgetedRender, PublishedService } from '../../core/src/toolsets/index.js';
import { published, shuffled } from './fixtures.js';

const CUSTOM = 'custom_toolset.yaml';
const dataBytes = (data: Record<string, string>) => Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

/** An annotated Service of its own type (as the flood: each one a primary), with a path of `pathBytes`. */
function custom(ns: string, name: string, pathBytes = 200, health: 'healthy' | 'unhealthy' = 'healthy'): PublishedService {
  return published({ ns, name, detector: 'custom', type: `${ns}-${name}`.slice(0, 63), port: 80, path: `/${'p'.repeat(pathBytes - 1)}`, health });
}

function flood(n: number, ns = 'flood'): PublishedService[] {
  return Array.from({ length: n }, (_, i) => custom(ns, `svc-${String(i).padStart(3, '0')}`));
}

const quiet = () => [custom('billing', 'api'), custom('payments', 'gateway'), custom('search', 'query')];

/** The Services whose toolsets custom_toolset.yaml holds. */
function written(r: BudgetedRender): Set<string> {
  const doc = parse(r.data[CUSTOM]!) as { toolsets: Record<string, { description?: string }> };
  const keys = new Set<string>();
  for (const entry of Object.values(doc.toolsets)) {
    const m = /of Service (\S+) at /.exec(entry.description ?? '');
    if (m) keys.add(m[1]!);
  }
  return keys;
}

/** The comment lines at the top of custom_toolset.yaml. */
const header = (r: BudgetedRender) => r.data[CUSTOM]!.split('\n').filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('#'))).map((l) => l.replace(/^# ?/, ''));

const BUDGET = 48_000;

// ---- per-Service limits ----

test('limits: URL 512, path 256, description 1 KiB, toolsets answer 16 KiB — in UTF-8 bytes', (t) => {
  t.deepEqual({ ...SERVICE_LIMITS }, { urlBytes: 512, pathBytes: 256, descriptionBytes: 1024, toolsetsBytes: 16_384 });
  const base = custom('a', 'b', 100);
  t.is(overLimit(base), undefined);
  t.is(overLimit({ ...base, path: `/${'p'.repeat(255)}` }), undefined, 'exactly 256 bytes is allowed');
  t.regex(overLimit({ ...base, path: `/${'p'.repeat(256)}` })!, /^the API path is 257 bytes, over the 256-byte limit per Service$/);
  t.regex(overLimit({ ...base, path: `/${'é'.repeat(128)}` })!, /API path is 257 bytes/, 'bytes, not characters');
  t.regex(overLimit({ ...base, url: `http://x/${'u'.repeat(504)}` })!, /^the endpoint URL is 513 bytes, over the 512-byte limit/);
  t.regex(overLimit({ ...base, description: 'd'.repeat(1025) })!, /detector's description is 1025 bytes, over the 1024-byte limit/);
  const prom = published({ ns: 'm', name: 'prom', detector: 'prometheus', port: 9090 });
  t.is(overLimit(prom), undefined);
  t.is(overLimit({ ...prom, description: 'd'.repeat(5000) }), undefined, "a plugin with toolsets() does not use the detector's description");
  t.regex(overLimit({ ...prom, toolsets: { 'prometheus/metrics': { enabled: true, description: 'd'.repeat(1025) } } })!, /description of toolset "prometheus\/metrics" is 1025 bytes/);
  t.regex(overLimit({ ...prom, toolsets: { 'prometheus/metrics': { enabled: true, llm_instructions: 'i'.repeat(16_400) } } })!, /toolsets\(\) answer is \d+ bytes, over the 16384-byte limit/);
});

test('a Service over a limit is left unpublished with the reason; the others are published', (t) => {
  const long = { ...custom('noisy', 'long'), url: `http://long.noisy.svc.cluster.local:80/${'u'.repeat(1900)}` };
  const ok = custom('billing', 'api');
  const plain = renderConfigMapData({ services: [long, ok] });
  t.deepEqual(plain.skipped.map((s) => [s.key, s.reason]), [['noisy/long', 'too-long']]);
  t.regex(plain.skipped[0]!.detail, /^noisy\/long is not published: the endpoint URL is 19\d\d bytes, over the 512-byte limit per Service$/);
  t.false(plain.data[CUSTOM]!.includes('noisy'));
  t.falsy(plain.data['noisy-long-toolset.yaml']);

  const r = renderWithinBudget({ services: [long, ok] });
  t.is(r.error, undefined);
  t.is(r.degraded, undefined, 'a refused Service does not make the output degraded');
  t.deepEqual(written(r), new Set(['billing/api']));
  t.deepEqual(r.leftOut.map((l) => [l.key, l.namespace, l.name, l.type, l.reason]), [['noisy/long', 'noisy', 'long', 'noisy-long', 'too-long']]);
  t.regex(r.leftOut[0]!.detail, /^not published: the endpoint URL is \d+ bytes, over the 512-byte limit per Service$/);
  const lines = header(r);
  t.true(lines.includes('Not published, a value over its per-Service limit (URL 512, path 256, description 1024, toolsets 16384 bytes): 1 Service:'), lines.join('\n'));
  t.true(lines.some((l) => /^- noisy\/long: the endpoint URL is \d+ bytes, over the 512-byte limit per Service$/.test(l)));
});

// ---- the budget rule ----

test('under the budget nothing changes: the same data as renderConfigMapData, nothing left out', (t) => {
  const services = [...quiet(), ...flood(5)];
  const r = renderWithinBudget({ services, maxBytes: BUDGET });
  t.deepEqual(r.data, renderConfigMapData({ services, maxBytes: BUDGET }).data);
  t.deepEqual(r.leftOut, []);
  t.is(r.degraded, undefined);
  t.false(r.data[CUSTOM]!.includes('DEGRADED'));
});

test('one namespace flooding: the best output that fits is written, the other namespaces whole, the rest reported', (t) => {
  const services = [...quiet(), ...flood(60)];
  t.is(renderConfigMapData({ services, maxBytes: BUDGET }).error?.kind, 'too-large', 'before: nothing would be written');

  const r = renderWithinBudget({ services, maxBytes: BUDGET });
  t.is(r.error, undefined);
  t.true(r.bytes <= BUDGET);
  t.is(r.bytes, dataBytes(r.data));
  t.true(r.bytes > BUDGET * 0.85, `the output uses the budget (${r.bytes} of ${BUDGET})`);
  const kept = written(r);
  for (const q of quiet()) t.true(kept.has(q.key), `${q.key} is written`);
  const left = r.leftOut.map((l) => l.key);
  t.true(left.length > 0 && left.every((k) => k.startsWith('flood/')));
  t.deepEqual(left, [...left].sort(), 'sorted by key');
  t.true(r.leftOut.every((l) => l.reason === 'over-budget' && /^left out to keep ConfigMap data under its 48000-byte budget: the primary of type flood-svc-\d+, turn \d+ of namespace flood/.test(l.detail)));
  t.is(kept.size + left.length, services.length, 'every Service is either written or listed');
  for (const k of left) {
    t.false(kept.has(k));
    t.falsy(r.data[`${k.replace('/', '-')}-toolset.yaml`], `no per-type key for ${k}`);
  }
  // Within the namespace, the rule's order: the first names are kept, the last left out.
  t.true(kept.has('flood/svc-000') && left.includes('flood/svc-059'));
  t.truthy(r.degraded);
  t.is(r.degraded!.leftOut, left.length);
  t.is(r.degraded!.limit, BUDGET);
  t.true(r.degraded!.wanted > BUDGET);
  t.regex(r.degraded!.message, new RegExp(`^custom_toolset\\.yaml leaves out ${left.length} of 63 published Services to keep ConfigMap data under its 48000-byte budget \\(all of them would need \\d+ bytes\\): flood/`));
});

test('the file says it is degraded, what was kept first, and names what was left out', (t) => {
  const services = [...quiet(), ...flood(60)];
  const r = renderWithinBudget({ services, maxBytes: BUDGET });
  const lines = header(r);
  const n = r.leftOut.length;
  t.true(lines.includes(`DEGRADED: ${n} discovered Services are left out to keep this ConfigMap under its 48000-byte data budget (all would need ${r.degraded!.wanted} bytes).`), lines.join('\n'));
  t.true(lines.includes("Kept first: the baseline and overrides.yaml, then each type's primary, then other instances; namespaces take turns, so one crowded namespace cannot push out the others."));
  t.true(lines.includes('GET /api/v1/toolsets lists every Service left out (left_out). Left out:'));
  const named = lines.filter((l) => /^- flood\/svc-\d{3} \(type flood-svc-\d{3}\)$/.test(l));
  t.deepEqual(named, r.leftOut.slice(0, 10).map((l) => `- ${l.key} (type ${l.type})`), 'the first ten by key');
  t.true(lines.includes(`- … and ${n - 10} more`));
  // Comments only: HolmesGPT reads the same toolsets as without them.
  const doc = parse(r.data[CUSTOM]!) as { toolsets: Record<string, unknown> };
  t.deepEqual(Object.keys(doc), ['toolsets']);
});

test('the rule does not depend on input order: any permutation gives the same bytes and the same list', (t) => {
  const services = [...quiet(), ...flood(30), ...flood(8, 'batch'), custom('zeta', 'down', 200, 'unhealthy')];
  const reference = renderWithinBudget({ services, maxBytes: 30_000 });
  t.truthy(reference.degraded);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
      const r = renderWithinBudget({ services: shuffled(services, seed), maxBytes: 30_000 });
      t.deepEqual(r.data, reference.data);
      t.deepEqual(r.leftOut, reference.leftOut);
      t.deepEqual(r.degraded, reference.degraded);
    }),
    { numRuns: 8 },
  );
});

test('namespaces take turns: two crowded namespaces share the room, a small one keeps all it has', (t) => {
  const services = [...flood(30, 'alpha'), ...flood(30, 'bravo'), custom('charlie', 'one'), custom('charlie', 'two')];
  const r = renderWithinBudget({ services, maxBytes: 36_000 });
  t.truthy(r.degraded);
  const kept = written(r);
  const count = (ns: string) => [...kept].filter((k) => k.startsWith(`${ns}/`)).length;
  t.true(kept.has('charlie/one') && kept.has('charlie/two'));
  t.true(count('alpha') > 2 && Math.abs(count('alpha') - count('bravo')) <= 1, `alpha ${count('alpha')}, bravo ${count('bravo')}`);
});

test('with the flood present, a new Service elsewhere and a deletion both reach the output', (t) => {
  const before = [...quiet(), ...flood(60)];
  const r0 = renderWithinBudget({ services: before, maxBytes: BUDGET });
  t.truthy(r0.degraded);
  t.true(written(r0).has('payments/gateway'));

  const added = [...before, custom('newcomer', 'api')];
  const r1 = renderWithinBudget({ services: added, maxBytes: BUDGET });
  t.is(r1.error, undefined);
  t.true(written(r1).has('newcomer/api'), 'a new Service in another namespace is written');
  t.truthy(r1.data['newcomer-api-toolset.yaml']);

  const deleted = added.filter((s) => s.key !== 'payments/gateway');
  const r2 = renderWithinBudget({ services: deleted, maxBytes: BUDGET });
  t.is(r2.error, undefined);
  t.false(written(r2).has('payments/gateway'), 'a deletion is written');
  t.false(r2.leftOut.some((l) => l.key === 'payments/gateway'));
  t.true(written(r2).has('newcomer/api'));
  // Deleting a flood Service frees room for the next one of that namespace, in the rule's order.
  const firstLeft = r2.leftOut.find((l) => l.reason === 'over-budget')!.key;
  const lastKept = [...written(r2)].filter((k) => k.startsWith('flood/')).sort().at(-1)!;
  const r3 = renderWithinBudget({ services: deleted.filter((s) => s.key !== lastKept), maxBytes: BUDGET });
  t.false(written(r3).has(lastKept));
  t.true(written(r3).has(firstLeft), `${firstLeft} moves in after ${lastKept} is deleted`);
});

test('multi_instance: primaries first, an instance only with its primary, instances from quiet namespaces first', (t) => {
  const instances = Array.from({ length: 40 }, (_, i) =>
    published({ ns: 'flood', name: `prom-${String(i).padStart(2, '0')}`, detector: 'prometheus', port: 9090, path: `/${'p'.repeat(150)}` }),
  );
  const others = [
    published({ ns: 'monitoring', name: 'prometheus', detector: 'prometheus', port: 9090, primary: true }),
    published({ ns: 'team-b', name: 'prometheus', detector: 'prometheus', port: 9090 }),
    published({ ns: 'logs', name: 'loki-gateway', detector: 'loki', port: 80, healthPath: '/' }),
  ];
  const r = renderWithinBudget({ services: [...instances, ...others], multiInstance: true, maxBytes: 14_000 });
  t.is(r.error, undefined);
  t.truthy(r.degraded);
  const doc = parse(r.data[CUSTOM]!) as { toolsets: Record<string, { config?: { instances?: Array<{ name: string }> } }> };
  const names = doc.toolsets['prometheus/metrics']!.config!.instances!.map((i) => i.name);
  t.is(names[0], 'monitoring-prometheus', 'the annotated primary');
  t.true(names.includes('team-b-prometheus'), 'the quiet namespace before the flood');
  t.truthy(doc.toolsets['grafana/loki'], 'the other type is kept');
  t.true(r.leftOut.length > 0 && r.leftOut.every((l) => l.key.startsWith('flood/') && /another instance of type prometheus/.test(l.detail)));
  t.is(names.length + r.leftOut.length, 42);
});

test('when what is always kept does not fit, the too-large error stands (nothing a Service does can help)', (t) => {
  const overrides = `toolsets:\n  grafana/loki:\n    description: "${'x'.repeat(50_000)}"\n`;
  const r = renderWithinBudget({ services: [...quiet(), ...flood(10)], overrides, maxBytes: BUDGET });
  t.is(r.error?.kind, 'too-large');
  t.is(r.degraded, undefined);
  t.deepEqual(r.leftOut, []);
});

test('MCP servers rank with the primaries: a flood of them leaves a quiet namespace whole', (t) => {
  const mcp = (ns: string, name: string): PublishedService => ({
    ...published({ ns, name, detector: 'custom', type: 'mcp', port: 8080, path: `/mcp/${'m'.repeat(120)}` }),
    toolsets: null,
    mcp: { mode: 'streamable-http' },
  });
  const services = [...Array.from({ length: 60 }, (_, i) => mcp('agents', `mcp-${String(i).padStart(2, '0')}`)), mcp('quiet', 'tools'), custom('billing', 'api')];
  const r = renderWithinBudget({ services, maxBytes: 16_000 });
  t.is(r.error, undefined);
  t.true(r.bytes <= 16_000);
  const doc = parse(r.data[CUSTOM]!) as { mcp_servers?: Record<string, unknown> };
  t.truthy(doc.mcp_servers?.['quiet-tools']);
  t.true(written(r).has('billing/api'));
  t.true(r.leftOut.length > 0 && r.leftOut.every((l) => l.key.startsWith('agents/') && /: an MCP server, turn \d+ of namespace agents/.test(l.detail)));
  t.is(Object.keys(doc.mcp_servers ?? {}).length + r.leftOut.length, 61);
});
