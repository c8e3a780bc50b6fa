// The Grafana dashboard in deploy/dashboards/: valid structure, one data source variable, every PromQL query
// naming only metrics a fresh registry defines (histograms through _bucket/_sum/_count, counters under rate()),
// matchers only using labels those metrics have, and panels for every required area.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { createMetrics, DEFAULT_PREFIX } from '../../core/src/metrics/index.js';
import { repoFile } from '../../core/src/paths.js';
import { labelValuesQuery, selectors } from './promql.js';
import type { Selector } from './promql.js';

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  type: string;
  name: string;
  query: unknown;
  datasource?: { uid?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(readFileSync(repoFile('deploy/dashboards/dynamic-toolset.json'), 'utf8')) as Dashboard;

/** Every panel, rows' collapsed children included; rows themselves left out. */
function allPanels(list: readonly Panel[] = dashboard.panels): Panel[] {
  return list.flatMap((p) => (p.type === 'row' ? allPanels(p.panels ?? []) : [p, ...allPanels(p.panels ?? [])]));
}

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

interface Known {
  type: string;
  labels: readonly string[];
  /** For _bucket/_sum/_count: the histogram's name. */
  histogram?: string;
}

/** Every series name a fresh registry (process defaults included) can expose, with its type and labels. */
async function knownSeries(): Promise<Map<string, Known>> {
  const metrics = createMetrics();
  const out = new Map<string, Known>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const labels = [...((metrics.registry.getSingleMetric(m.name) as unknown as { labelNames?: readonly string[] }).labelNames ?? [])];
    const type = String(m.type);
    if (type === 'histogram') {
      out.set(`${m.name}_bucket`, { type: 'counter', labels: [...labels, 'le'], histogram: m.name });
      out.set(`${m.name}_sum`, { type: 'counter', labels, histogram: m.name });
      out.set(`${m.name}_count`, { type: 'counter', labels, histogram: m.name });
    } else if (type === 'summary') {
      out.set(m.name, { type: 'gauge', labels: [...labels, 'quantile'] });
      out.set(`${m.name}_sum`, { type: 'counter', labels });
      out.set(`${m.name}_count`, { type: 'counter', labels });
    } else {
      out.set(m.name, { type, labels });
    }
  }
  return out;
}

function targets(): Array<{ panel: Panel; expr: string }> {
  return allPanels().flatMap((panel) => (panel.targets ?? []).flatMap((t) => (t.expr ? [{ panel, expr: t.expr }] : [])));
}

function check(known: Map<string, Known>, s: Selector, where: string): string[] {
  const problems: string[] = [];
  const k = known.get(s.name);
  if (!k) return [`${where}: ${s.name} is not a registered metric`];
  for (const label of s.labels) {
    if (!k.labels.includes(label) && !TARGET_LABELS.includes(label)) problems.push(`${where}: ${s.name} has no label "${label}"`);
  }
  if (s.counterFunction && k.type !== 'counter') problems.push(`${where}: ${s.counterFunction}() over ${s.name}, a ${k.type}`);
  return problems;
}

test('the PromQL reader finds metric names, not functions, keywords, label names or variables', (t) => {
  const names = (e: string) => selectors(e).map((s) => s.name);
  t.deepEqual(
    names('histogram_quantile(0.99, sum by (le, detector) (rate(a_bucket{job=~"$job", detector=~"${detector}"}[$__rate_interval])))'),
    ['a_bucket'],
  );
  t.deepEqual(names('sum(rate(x_total[5m])) by (instance) / on (job) group_left(version) b_info'), ['x_total', 'b_info']);
  t.deepEqual(names('time() - max(ts_seconds > 0) or vector(0) unless absent(up)'), ['ts_seconds', 'up']);
  t.deepEqual(names('{__name__="named", a="1"} and bare offset 5m'), ['named', 'bare']);
  t.deepEqual(selectors('rate(c{a="x",b!~"y"}[1m])')[0], { name: 'c', labels: ['a', 'b'], counterFunction: 'rate' });
  t.is(selectors('sum(g)')[0]!.counterFunction, undefined);
  t.throws(() => selectors('histogram_quantil(0.9, x)'), { message: /unknown function histogram_quantil/ });
  t.deepEqual(labelValuesQuery('label_values(m{job=~"$job"}, detector)'), { selector: { name: 'm', labels: ['job'], counterFunction: undefined }, label: 'detector' });
});

test('the dashboard is a Grafana dashboard with a Prometheus data source variable used by every panel and query', (t) => {
  t.is(dashboard.title, 'dynamic-toolset');
  t.is(dashboard.uid, 'dynamic-toolset');
  t.true(dashboard.schemaVersion >= 36 && dashboard.schemaVersion <= 41, `schemaVersion ${dashboard.schemaVersion}`);
  const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
  t.truthy(ds);
  t.is(ds!.name, 'datasource');
  t.is(ds!.query, 'prometheus');
  const panels = allPanels();
  t.true(panels.length >= 15);
  const ids = [...dashboard.panels, ...panels].map((p) => p.id);
  t.is(new Set(ids).size, new Set([...dashboard.panels, ...panels]).size, 'panel ids are unique');
  for (const p of panels) {
    t.is(p.datasource?.uid, '${datasource}', p.title);
    t.true((p.targets ?? []).length > 0, `${p.title} has a query`);
    for (const tg of p.targets ?? []) {
      t.is(tg.datasource?.uid, '${datasource}', `${p.title} ${tg.refId}`);
      t.truthy(tg.expr, `${p.title} ${tg.refId} has an expression`);
    }
    t.true(p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the 24-column grid`);
  }
  // No two panels overlap.
  const all = dashboard.panels;
  for (let a = 0; a < all.length; a++) {
    for (let b = a + 1; b < all.length; b++) {
      const p = all[a]!.gridPos;
      const q = all[b]!.gridPos;
      const overlap = p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;
      t.false(overlap, `${all[a]!.title} overlaps ${all[b]!.title}`);
    }
  }
});

test('every query names only registered metrics, with their own labels, and rate() only over counters', async (t) => {
  const known = await knownSeries();
  const problems: string[] = [];
  let count = 0;
  for (const { panel, expr } of targets()) {
    const found = selectors(expr);
    t.true(found.length > 0, `${panel.title}: ${expr} names a metric`);
    for (const s of found) {
      count++;
      problems.push(...check(known, s, panel.title));
    }
  }
  for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
    const query = typeof v.query === 'string' ? v.query : (v.query as { query: string }).query;
    const lv = labelValuesQuery(query);
    if (!lv) {
      problems.push(`variable ${v.name}: not a label_values() query: ${query}`);
      continue;
    }
    problems.push(...check(known, lv.selector, `variable ${v.name}`));
    const k = known.get(lv.selector.name);
    if (k && !k.labels.includes(lv.label) && !TARGET_LABELS.includes(lv.label)) problems.push(`variable ${v.name}: ${lv.selector.name} has no label ${lv.label}`);
    t.is(v.datasource?.uid, '${datasource}', `variable ${v.name}`);
  }
  t.deepEqual(problems, []);
  t.true(count > 40, `${count} selectors checked`);
});

test('the BR-041/BR-042 metrics and the process defaults the dashboard shows are all on it', (t) => {
  const used = new Set(targets().flatMap(({ expr }) => selectors(expr).map((s) => s.name.replace(/_(bucket|sum|count)$/, ''))));
  for (const name of [
    'detector_duration_seconds',
    'detector_services_found',
    'detector_errors_total',
    'discovery_services_total',
    'discovery_skipped_total',
    'configmap_reconciliations_total',
    'configmap_drift_detections_total',
    'configmap_update_errors_total',
  ]) {
    t.true(used.has(DEFAULT_PREFIX + name), name);
  }
  t.true(used.has('process_resident_memory_bytes'));
  t.true(used.has('process_cpu_seconds_total'));
});

test('there are panels for each required area, each querying that area’s metrics', (t) => {
  const areas: Array<[string, RegExp, RegExp]> = [
    ['discovery performance', /discovery run duration|detector duration/i, /discovery_run_duration_seconds_bucket|detector_duration_seconds_bucket/],
    ['detector success/failure', /detector (errors|success)/i, /detector_errors_total/],
    ['detector success/failure (services found)', /found by detector/i, /detector_services_found/],
    ['health-check failures', /unhealthy|health-check failures/i, /health_endpoints|health_unhealthy_endpoints|health_check_failures_total/],
    ['reconcile outcomes', /reconciliations by result/i, /configmap_reconciliations_total/],
    ['reconcile drift', /drift/i, /configmap_drift_detections_total/],
    ['reconcile update errors', /update errors/i, /configmap_update_errors_total/],
    ['plugin health', /quarantined plugins/i, /plugin_quarantined/],
    ['plugin failures', /plugin call failures/i, /plugin_call_failures_total/],
    ['config reloads', /config reloads/i, /config_reloads_total/],
    ['HTTP requests', /requests by route/i, /http_requests_total/],
    ['HTTP latency', /latency/i, /http_request_duration_seconds_bucket/],
  ];
  const panels = allPanels();
  for (const [area, title, metric] of areas) {
    const hit = panels.find((p) => title.test(p.title) && (p.targets ?? []).some((tg) => metric.test(tg.expr ?? '')));
    t.truthy(hit, `a panel for ${area}`);
  }
  const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
  for (const row of ['Discovery performance', 'Detector success / failure', 'Health-check failures', 'Reconcile outcomes', 'Plugin health']) {
    t.true(rows.includes(row), `row ${row}`);
  }
});

test('every dynamic_toolset_ metric a fresh registry defines is on some panel, so a new metric cannot go unseen', async (t) => {
  const used = new Set(targets().flatMap(({ expr }) => selectors(expr).map((s) => s.name)));
  const known = await knownSeries();
  const missing = new Set<string>();
  for (const [name, k] of known) {
    if (!name.startsWith(DEFAULT_PREFIX)) continue;
    const base = k.histogram ?? name;
    const shown = k.histogram ? [`${base}_bucket`, `${base}_sum`, `${base}_count`].some((n) => used.has(n)) : used.has(name);
    if (!shown) missing.add(base);
  }
  t.deepEqual([...missing].sort(), []);
});
