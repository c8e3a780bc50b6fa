// overrides.yaml: parsed whole or not at all (problems with lines), merged per toolset name (JSON Merge Patch:
// admin values win key by key inside config), never written by the daemon except the template when absent.
import test from 'ava';
import fc from 'fast-check';
import { parse } from 'yaml';
import { mergeEntry, OVERRIDES_TEMPLATE, parseOverrides, renderConfigMapData } from '../../core/src/toolsets/index.js';
import type { OverridesResult } from '../../core/src/toolsets/index.js';
import { published, realisticSet } from './fixtures.js';
import { holmesProblems } from './holmes-rules.js';

const custom = (text: string) => parse(text) as { toolsets: Record<string, Record<string, unknown>>; mcp_servers?: unknown };
const errorsOf = (r: OverridesResult) => (r.ok ? [] : r.errors);

test('an admin api_key and headers are added next to the discovered URL', (t) => {
  const r = renderConfigMapData({
    services: realisticSet(),
    overrides: 'toolsets:\n  grafana/dashboards:\n    config:\n      api_key: "{{ env.GRAFANA_API_KEY }}"\n      additional_headers: {X-Org: "1"}\n',
  });
  t.deepEqual(custom(r.data['custom_toolset.yaml']!).toolsets['grafana/dashboards'], {
    enabled: true,
    config: { additional_headers: { 'X-Org': '1' }, api_key: '{{ env.GRAFANA_API_KEY }}', api_url: 'http://kps-prod-grafana.monitoring.svc.cluster.local:80' },
  });
  const view = r.toolsets.find((v) => v.name === 'grafana/dashboards')!;
  t.like(view, { source: 'discovered', overridden: true, enabled: true });
  t.deepEqual(view.config, { additional_headers: { 'X-Org': '1' }, api_key: '<redacted>', api_url: 'http://kps-prod-grafana.monitoring.svc.cluster.local:80' }, 'the API never shows secrets');
});

test('admin values win key by key, deeply; lists are replaced; null removes a key', (t) => {
  const base = { enabled: true, config: { url: 'http://a', verify_ssl: false, headers: { A: '1', B: '2' }, list: [1, 2] } };
  t.deepEqual(mergeEntry(base, { config: { url: 'http://admin', headers: { B: 'two', C: '3' }, list: [3], verify_ssl: null } }), {
    enabled: true,
    config: { headers: { A: '1', B: 'two', C: '3' }, list: [3], url: 'http://admin' },
  });
  t.deepEqual(mergeEntry(base, { description: 'mine' }).description, 'mine');
});

test('"enabled: false" disables a discovered toolset and keeps it in the file; an admin-only name is added as written', (t) => {
  const r = renderConfigMapData({
    services: realisticSet(),
    overrides: 'toolsets:\n  prometheus/metrics: {enabled: false}\n  datadog/logs:\n    config: {dd_api_key: "{{ env.DD_API_KEY }}"}\n',
  });
  const toolsets = custom(r.data['custom_toolset.yaml']!).toolsets;
  t.deepEqual(toolsets['prometheus/metrics'], {
    enabled: false,
    config: { prometheus_url: 'http://kps-prod-kube-prometheus-s-prometheus.monitoring.svc.cluster.local:9090' },
  });
  t.deepEqual(toolsets['datadog/logs'], { enabled: true, config: { dd_api_key: '{{ env.DD_API_KEY }}' } }, '"enabled: true" added when the admin left it out');
  t.like(r.toolsets.find((v) => v.name === 'datadog/logs'), { source: 'override', type: null, overridden: true, config: { dd_api_key: '<redacted>' } });
  t.like(r.toolsets.find((v) => v.name === 'prometheus/metrics'), { source: 'discovered', enabled: false, overridden: true });
  t.deepEqual(
    holmesProblems(r.data['custom_toolset.yaml']!, { disabled: new Set(['prometheus/metrics', 'kubernetes/logs']), templated: new Set(['datadog/logs']) }),
    [],
  );
});

test('an invalid overrides.yaml is reported with its line and ignored; generation goes on', (t) => {
  const text = 'toolsets:\n  grafana/dashboards:\n    enable: false\n    config:\n      api_key: x\n';
  const parsed = parseOverrides(text);
  t.false(parsed.ok);
  t.deepEqual(errorsOf(parsed), [
    {
      line: 3,
      path: 'toolsets.grafana/dashboards.enable',
      message:
        'unknown key (did you mean "enabled"?): HolmesGPT drops an entry with one; allowed: enabled, type, description, llm_instructions, docs_url, icon_url, installation_instructions, tags, prerequisites, tools, transformers, approval_required_tools, url, config',
    },
  ]);
  const r = renderConfigMapData({ services: realisticSet(), overrides: text });
  t.like(r.overrides, { state: 'invalid' });
  t.regex((r.overrides as { message: string }).message, /^overrides\.yaml:3: toolsets\.grafana\/dashboards\.enable: unknown key/);
  t.false('overrides.yaml' in r.data, 'the admin\'s file is left alone');
  const out = r.data['custom_toolset.yaml']!;
  t.regex(out, /^# overrides\.yaml is invalid and was NOT applied:\n# - overrides\.yaml:3: toolsets\.grafana\/dashboards\.enable: unknown key/m);
  t.deepEqual(custom(out).toolsets['grafana/dashboards'], { enabled: true, config: { api_url: 'http://kps-prod-grafana.monitoring.svc.cluster.local:80' } });
  const withoutNote = out.replace(/^# overrides\.yaml is invalid[^\n]*\n(?:# - [^\n]*\n)*/m, '');
  t.is(withoutNote, renderConfigMapData({ services: realisticSet(), overrides: '' }).data['custom_toolset.yaml']!, 'the same file as without overrides, plus the note');
  t.true(r.warnings.some((w) => w.startsWith('overrides.yaml is invalid and was not applied: overrides.yaml:3:')));
});

const INVALID: Array<[string, string, RegExp]> = [
  ['YAML syntax', 'toolsets:\n  a: [1, 2\n', /^overrides\.yaml:\d+: invalid YAML/],
  ['duplicate keys', 'toolsets:\n  a: {enabled: true}\n  a: {enabled: false}\n', /overrides\.yaml:3: invalid YAML: Map keys must be unique/],
  ['a list', '- toolsets\n', /overrides\.yaml:1: must be a mapping with a "toolsets:" key/],
  ['a scalar', 'hello\n', /overrides\.yaml:1: must be a mapping/],
  ['unknown top-level key', 'toolset:\n  a: {}\n', /overrides\.yaml:1: toolset: unknown top-level key; allowed: toolsets, mcp_servers/],
  ['list-shaped toolsets', 'toolsets:\n  - name: a\n', /overrides\.yaml:1: toolsets: must be a mapping of name → entry \(a list-shaped "toolsets:" is rejected by HolmesGPT\)/],
  ['entry not a mapping', 'toolsets:\n  grafana/loki: true\n', /overrides\.yaml:2: toolsets\.grafana\/loki: must be a mapping/],
  ['null entry', 'toolsets:\n  grafana/loki:\n', /overrides\.yaml:2: toolsets\.grafana\/loki: must be a mapping/],
  ['enabled not boolean', 'toolsets:\n  a:\n    enabled: "yes"\n', /overrides\.yaml:3: toolsets\.a\.enabled: must be true or false/],
  ['config not a mapping', 'toolsets:\n  a:\n    config: [1]\n', /overrides\.yaml:3: toolsets\.a\.config: must be a mapping/],
  ['description not text', 'toolsets:\n  a:\n    description: {x: 1}\n', /toolsets\.a\.description: must be text/],
  ['tags not text', 'toolsets:\n  a:\n    tags: [1]\n', /toolsets\.a\.tags: must be a list of text/],
  ['tools not a list', 'toolsets:\n  a:\n    tools: {}\n', /toolsets\.a\.tools: must be a list/],
  ['empty name', 'toolsets:\n  "": {enabled: true}\n', /overrides\.yaml:2: toolsets: a toolset name must be non-empty/],
  ['mcp server not a mapping', 'mcp_servers:\n  x: 1\n', /overrides\.yaml:2: mcp_servers\.x: each MCP server must be a mapping/],
  ['alias bomb', `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`, /invalid YAML: .*alias/i],
  ['two documents', 'toolsets: {}\n---\ntoolsets: {}\n', /invalid YAML/],
];
for (const [name, text, re] of INVALID) {
  test(`invalid overrides: ${name}`, (t) => {
    const r = parseOverrides(text);
    t.false(r.ok);
    t.regex((r as { message: string }).message, re);
    const rendered = renderConfigMapData({ services: [], overrides: text });
    t.is(rendered.overrides.state, 'invalid');
    t.deepEqual(holmesProblems(rendered.data['custom_toolset.yaml']!), []);
  });
}

test('anchors and aliases in overrides.yaml resolve like any YAML', (t) => {
  const r = parseOverrides(
    'toolsets:\n  grafana/loki:\n    config: &auth\n      additional_headers: {X-Scope-OrgID: tenant}\n  grafana/tempo:\n    config: *auth\n  elasticsearch/cluster: &off {enabled: false}\n  elasticsearch/data: *off\n',
  );
  t.true(r.ok, r.ok ? '' : r.message);
  if (!r.ok) return;
  t.deepEqual(r.overrides.toolsets.get('grafana/tempo'), { config: { additional_headers: { 'X-Scope-OrgID': 'tenant' } } });
  t.deepEqual(r.overrides.toolsets.get('elasticsearch/data'), { enabled: false });
});

test('every problem is reported at once, in line order', (t) => {
  const r = parseOverrides('toolsets:\n  a:\n    enable: true\n  b:\n    enabled: 1\nextra: 1\n');
  t.deepEqual(
    errorsOf(r).map((e) => [e.line, e.path]),
    [
      [3, 'toolsets.a.enable'],
      [5, 'toolsets.b.enabled'],
      [6, 'extra'],
    ],
  );
});

test('empty, comment-only and "toolsets:" with nothing under it override nothing', (t) => {
  for (const text of ['', '# nothing\n', 'toolsets:\n', 'toolsets: {}\n', OVERRIDES_TEMPLATE]) {
    const r = parseOverrides(text);
    t.true(r.ok, JSON.stringify(text.slice(0, 20)));
    if (r.ok) t.is(r.overrides.toolsets.size, 0);
  }
});

test('the template is created only when the key is absent, and its examples are valid once uncommented', (t) => {
  t.is(renderConfigMapData({ services: [], overrides: null }).data['overrides.yaml'], OVERRIDES_TEMPLATE);
  t.is(renderConfigMapData({ services: [] }).data['overrides.yaml'], OVERRIDES_TEMPLATE);
  t.false('overrides.yaml' in renderConfigMapData({ services: [], overrides: '' }).data);
  const lines = OVERRIDES_TEMPLATE.split('\n');
  const start = lines.indexOf('# toolsets:');
  t.true(start > 0);
  const uncommented = lines
    .slice(start)
    .map((l) => l.replace(/^# ?/, ''))
    .join('\n');
  const r = parseOverrides(uncommented);
  t.true(r.ok, r.ok ? '' : r.message);
  if (!r.ok) return;
  t.deepEqual([...r.overrides.toolsets.keys()], [
    'elasticsearch/cluster',
    'elasticsearch/data',
    'grafana/dashboards',
    'grafana/loki',
    'kubernetes/logs',
    'prometheus/metrics',
    'runbooks/api',
  ]);
  const rendered = renderConfigMapData({ services: realisticSet(), overrides: uncommented });
  t.is(rendered.overrides.state, 'applied');
  const toolsets = custom(rendered.data['custom_toolset.yaml']!).toolsets;
  t.is(toolsets['kubernetes/logs']!.enabled, true, 'the admin keeps kubernetes/logs on next to Loki');
  t.is(toolsets['elasticsearch/cluster']!.enabled, false);
});

test('mcp_servers are copied into custom_toolset.yaml as written', (t) => {
  const r = renderConfigMapData({
    services: [],
    overrides: 'mcp_servers:\n  github:\n    url: http://github-mcp.tools.svc:8000/sse\n    description: GitHub\n    config: {headers: {Authorization: "Bearer {{ env.GH }}"}}\n',
  });
  t.deepEqual(custom(r.data['custom_toolset.yaml']!).mcp_servers, {
    github: { config: { headers: { Authorization: 'Bearer {{ env.GH }}' } }, description: 'GitHub', url: 'http://github-mcp.tools.svc:8000/sse' },
  });
});

test('the logging rule: Loki turns kubernetes/logs off unless the admin decides; disabling Loki brings it back', (t) => {
  const logs = (overrides: string, services = realisticSet()) =>
    custom(renderConfigMapData({ services, overrides }).data['custom_toolset.yaml']!).toolsets['kubernetes/logs'];
  t.deepEqual(logs(''), { enabled: false });
  t.deepEqual(logs('toolsets:\n  kubernetes/logs: {enabled: true}\n'), { enabled: true });
  // The realistic set has Elasticsearch too: elasticsearch/data is the other logging toolset (HolmesGPT 2026).
  t.deepEqual(logs('toolsets:\n  grafana/loki: {enabled: false}\n'), { enabled: false });
  t.deepEqual(logs('toolsets:\n  grafana/loki: {enabled: false}\n  elasticsearch/data: {enabled: false}\n'), { enabled: true });
  t.deepEqual(logs('toolsets:\n  victorialogs: {config: {api_url: "http://vlogs.logging.svc:9428"}}\n', []), { enabled: false }, 'an admin-only log backend counts too');
  const lokiNeedsCreds = published({ ns: 'loki', name: 'loki-gateway', detector: 'loki', port: 80, health: 'needs-credentials' });
  t.deepEqual(logs('', [lokiNeedsCreds]), { enabled: true }, 'a Loki HolmesGPT cannot use yet does not replace kubernetes/logs');
  t.deepEqual(logs('toolsets:\n  grafana/loki: {config: {additional_headers: {Authorization: "Basic {{ env.LOKI_AUTH }}"}}}\n', [lokiNeedsCreds]), { enabled: false });
  const multi = renderConfigMapData({
    services: [published({ ns: 'a', name: 'loki', detector: 'loki', port: 80 }), published({ ns: 'b', name: 'loki', detector: 'loki', port: 80 })],
    multiInstance: true,
  });
  t.regex(multi.toolsets.find((v) => v.name === 'kubernetes/logs')!.note!, /^turned off: grafana\/loki is the logging toolset/, 'one toolset with two instances');
});

// HolmesGPT 2026: logs go through elasticsearch/data (there is no elasticsearch/logs or opensearch/logs), one of the
// logging toolsets (reference "Built-in toolset names"). This used to leave kubernetes/logs on.
test('Elasticsearch (elasticsearch/data, a logging toolset in 2026) turns kubernetes/logs off; disabling it brings it back', (t) => {
  const services = [published({ ns: 'elastic', name: 'es', detector: 'elasticsearch', port: 9200 })];
  const r = renderConfigMapData({ services });
  t.deepEqual(custom(r.data['custom_toolset.yaml']!).toolsets['kubernetes/logs'], { enabled: false });
  t.regex(r.toolsets.find((v) => v.name === 'kubernetes/logs')!.note!, /^turned off: elasticsearch\/data is the logging toolset/);
  const off = renderConfigMapData({ services, overrides: 'toolsets:\n  elasticsearch/data: {enabled: false}\n' });
  t.deepEqual(custom(off.data['custom_toolset.yaml']!).toolsets['kubernetes/logs'], { enabled: true });
});

// ---- item 3: overrides that cannot break HolmesGPT --------------------------------------------------------------

const REFUSED: Array<[string, string, RegExp]> = [
  [
    'a dotted header name',
    'toolsets:\n  grafana/loki:\n    config:\n      additional_headers:\n        x.tenant.id: a\n',
    /^overrides\.yaml:5: toolsets\.grafana\/loki\.config\.additional_headers\.x\.tenant\.id: a key with "\." makes HolmesGPT's parser .* fail the WHOLE file/,
  ],
  ['a dotted key under mcp_servers', 'mcp_servers:\n  a.b:\n    config: {url: "http://x:1/mcp"}\n', /^overrides\.yaml:2: mcp_servers\.a\.b: a key with "\."/],
  [
    'additional_instructions (removed in 2026-02)',
    'toolsets:\n  grafana/loki:\n    additional_instructions: be brief\n',
    /^overrides\.yaml:3: toolsets\.grafana\/loki\.additional_instructions: HolmesGPT removed "additional_instructions" in 2026-02 .*write the text in "llm_instructions"/,
  ],
  ['headers on elasticsearch/data', 'toolsets:\n  elasticsearch/data:\n    config:\n      headers: {Authorization: x}\n', /^overrides\.yaml:4: toolsets\.elasticsearch\/data\.config\.headers: `headers` is not read by elasticsearch\/data; use `api_key`, or `username`\/`password`$/],
  ['url on grafana/dashboards (renamed)', 'toolsets:\n  grafana/dashboards:\n    config: {url: "http://g"}\n', /toolsets\.grafana\/dashboards\.config\.url: `url` is a deprecated name in grafana\/dashboards; write `api_url`/],
  ['headers on prometheus/metrics (renamed)', 'toolsets:\n  prometheus/metrics:\n    config: {headers: {A: b}}\n', /`headers` is a deprecated name in prometheus\/metrics; write `additional_headers`/],
  ['healthcheck (no longer read)', 'toolsets:\n  prometheus/metrics:\n    config: {healthcheck: "-/ready"}\n', /`healthcheck` is not read by prometheus\/metrics; HolmesGPT 2026 no longer reads it/],
  ['an unknown config key', 'toolsets:\n  grafana/tempo:\n    config: {tempo_url: "http://t"}\n', /`tempo_url` is not read by grafana\/tempo \(HolmesGPT ignores it\); it reads api_url, /],
  ['a suffixed name', 'toolsets:\n  "prometheus/metrics:prod":\n    config: {prometheus_url: "http://p"}\n', /is not a built-in toolset .*config\.instances/],
  ['subtype on the entry', 'toolsets:\n  prometheus/metrics:\n    subtype: victoriametrics\n', /toolsets\.prometheus\/metrics\.subtype: HolmesGPT reads "subtype" inside "config:"/],
  ['an instance without a name', 'toolsets:\n  prometheus/metrics:\n    config:\n      instances:\n        - prometheus_url: "http://p"\n', /toolsets\.prometheus\/metrics\.config\.instances\[0\]: each instance needs a "name"/],
  ['instances on a toolset that takes none', 'toolsets:\n  kubernetes/core:\n    config: {instances: [{name: a}]}\n', /kubernetes\/core takes no "instances"/],
  [
    'an admin-only name that is no custom toolset',
    'toolsets:\n  opensearch/logs:\n    config: {opensearch_url: "http://os:9200"}\n',
    /^overrides\.yaml:2: toolsets\.opensearch\/logs: not a HolmesGPT built-in, so a custom toolset: it needs "type: http" with config\.endpoints, or "description" and "tools" .*\(after merging overrides\.yaml\)/,
  ],
  ['an http toolset without endpoints', 'toolsets:\n  wiki/api:\n    type: http\n    description: wiki\n', /toolsets\.wiki\/api\.config\.endpoints: a "type: http" toolset needs config\.endpoints/],
];
for (const [name, text, re] of REFUSED) {
  test(`refused overrides: ${name}; reported like any invalid file, the output stays loadable`, (t) => {
    const r = renderConfigMapData({ services: realisticSet(), overrides: text });
    t.is(r.overrides.state, 'invalid');
    t.regex((r.overrides as { message: string }).message, re);
    t.is(r.error, undefined);
    const out = r.data['custom_toolset.yaml']!;
    t.regex(out, /^# overrides\.yaml is invalid and was NOT applied:/m);
    t.deepEqual(holmesProblems(out, { disabled: new Set(['kubernetes/logs']) }), []);
    t.true(r.warnings.some((w) => w.startsWith('overrides.yaml is invalid and was not applied: ')));
  });
}

test('accepted overrides: 2026 entry keys, config.subtype, {{ env.NAME }} references, an own toolset, a disabled one', (t) => {
  const text = [
    'toolsets:',
    '  prometheus/metrics:',
    '    approval_required_tools: [execute_prometheus_range_query]',
    '    transformers: [{name: llm_summarize, config: {input_threshold: 1000}}]',
    '    config: {subtype: victoriametrics, verify_ssl: false, additional_headers: {X-Scope-OrgID: "{{ env.TENANT }}"}}',
    '  elasticsearch/data:',
    '    config: {username: holmes, password: "{{ env.ES_PASSWORD }}", timeout_seconds: 30}',
    '  elasticsearch/cluster: {enabled: false}',
    '  victorialogs:',
    '    config: {api_url: "http://vlogs.logging.svc:9428", bearer_token: "{{ env.VL_TOKEN }}", headers: {AccountID: "0", ProjectID: "0"}}',
    '  datadog/logs:',
    '    config: {dd_api_key: "{{ env.DD_API_KEY }}"}',
    '  runbooks/api:',
    '    type: http',
    '    description: Internal runbook wiki (read-only)',
    '    config: {endpoints: [{hosts: [wiki.example.com], paths: ["/api/*"], methods: [GET]}]}',
    '',
  ].join('\n');
  const r = renderConfigMapData({ services: realisticSet(), overrides: text });
  t.is(r.overrides.state, 'applied', JSON.stringify(r.overrides));
  const out = r.data['custom_toolset.yaml']!;
  const toolsets = custom(out).toolsets;
  t.deepEqual(toolsets['prometheus/metrics']!.approval_required_tools, ['execute_prometheus_range_query']);
  t.like(toolsets['prometheus/metrics']!.config as object, { subtype: 'victoriametrics', verify_ssl: false });
  t.deepEqual(
    holmesProblems(out, {
      disabled: new Set(['kubernetes/logs', 'elasticsearch/cluster']),
      templated: new Set(['prometheus/metrics', 'elasticsearch/data', 'victorialogs', 'datadog/logs']),
    }),
    [],
  );
});

test('property: admin values win key by key, untouched discovered keys stay, no prototype is touched', (t) => {
  const key = fc.constantFrom('url', 'api_key', 'headers', 'verify_ssl', 'a', 'b', '__proto__', 'constructor');
  const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));
  const tree = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 3 })), { maxKeys: 5 });
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  const same = (a: unknown, b: unknown) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  fc.assert(
    fc.property(tree, tree, (discovered, admin) => {
      const merged = mergeEntry({ enabled: true, config: discovered } as never, { config: admin } as never).config as Record<string, unknown>;
      if (Object.getPrototypeOf(merged) !== Object.prototype || ({} as Record<string, unknown>).polluted !== undefined) return false;
      for (const [k, v] of Object.entries(admin)) {
        if (!isObj(v)) {
          if (!same(merged[k], v)) return false;
          continue;
        }
        const m = merged[k];
        if (!isObj(m)) return false;
        for (const [k2, v2] of Object.entries(v)) if (!same(m[k2], v2)) return false;
        const d = discovered[k];
        if (isObj(d)) for (const [k2, v2] of Object.entries(d)) if (!(k2 in v) && !same(m[k2], v2)) return false;
      }
      for (const [k, v] of Object.entries(discovered)) if (!Object.prototype.hasOwnProperty.call(admin, k) && !same(merged[k], v)) return false;
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
