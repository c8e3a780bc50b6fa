// The model of item 1 held to the reference's facts (restated independently in holmes-rules.ts), the document
// check (check.ts) on hand-written files, the daemon refusing to render a file HolmesGPT would not load, its
// metric, and `dynamic-toolset toolsets validate` as a user runs it (the built bin: run `npm run build` first).
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metrics } from '../../core/src/metrics/registry.js';
import {
  checkConfigKey,
  checkToolsetsDocument,
  ENTRY_KEYS,
  formatPath,
  isBuiltin,
  LOG_BACKEND_TOOLSETS,
  MODELLED_TOOLSETS,
  renderConfigMapData,
  supportsInstances,
} from '../../core/src/toolsets/index.js';
import { parse } from 'yaml';
import { published } from './fixtures.js';
import { ALLOWED_ENTRY_KEYS, BUILTIN_CONFIG, DEPRECATED_CONFIG_KEYS, LOGGING_TOOLSETS, MULTI_INSTANCE, REMOVED_ENTRY_KEYS } from './holmes-rules.js';

const sorted = (xs: Iterable<string>) => [...xs].sort();

test('the model holds the reference facts: entry keys, removed keys, config keys, aliases, instances, logging toolsets', (t) => {
  t.deepEqual(sorted(ENTRY_KEYS), sorted(ALLOWED_ENTRY_KEYS));
  for (const k of REMOVED_ENTRY_KEYS) t.false((ENTRY_KEYS as readonly string[]).includes(k), k);
  for (const [name, keys] of Object.entries(BUILTIN_CONFIG)) {
    t.true(isBuiltin(name), name);
    if (keys !== null) t.deepEqual(sorted(MODELLED_TOOLSETS.get(name)!.configKeys), sorted(keys), name);
    for (const k of keys ?? []) t.true(checkConfigKey(name, k).ok, `${name}.${k}`);
  }
  for (const [name, keys] of Object.entries(DEPRECATED_CONFIG_KEYS)) for (const k of keys) t.false(checkConfigKey(name, k).ok, `${name}.${k} is refused`);
  t.deepEqual(checkConfigKey('grafana/loki', 'url'), { ok: false, current: 'api_url', message: '`url` is a deprecated name in grafana/loki; write `api_url`' });
  t.deepEqual(checkConfigKey('elasticsearch/data', 'headers'), { ok: false, message: '`headers` is not read by elasticsearch/data; use `api_key`, or `username`/`password`' });
  t.true(checkConfigKey('prometheus/metrics', 'subtype').ok);
  t.deepEqual(sorted([...MODELLED_TOOLSETS.keys()].filter(supportsInstances)), sorted(MULTI_INSTANCE));
  t.deepEqual(sorted(LOG_BACKEND_TOOLSETS), sorted(LOGGING_TOOLSETS));
  for (const gone of ['elasticsearch/logs', 'opensearch/logs', 'prometheus/metrics:prod']) t.false(isBuiltin(gone), gone);
});

const HAND_WRITTEN = `toolsets:
  kubernetes/core: {enabled: true}
  prometheus/metrics:
    enabled: true
    approval_required_tools: [execute_prometheus_range_query]
    config:
      additional_headers: {X-Scope-OrgID: "{{ env.TENANT }}"}
      instances:
        - {name: monitoring-kps, prometheus_url: "http://kps-prometheus.monitoring.svc.cluster.local:9090"}
        - {name: team-a-vm, prometheus_url: "http://vmselect.team-a.svc:8481/select/0/prometheus", subtype: victoriametrics}
  victorialogs:
    enabled: true
    config: {api_url: "http://vlogs.logging.svc:9428", headers: {AccountID: "0"}}
  jaeger/query:
    enabled: true
    type: http
    description: Jaeger query API
    config: {endpoints: [{hosts: ["jaeger-query.tracing.svc:16686"], paths: ["/api/*"], methods: [GET]}]}
mcp_servers:
  argocd:
    description: Argo CD MCP server
    config: {url: "http://argocd-mcp.argocd.svc.cluster.local:8080/mcp", mode: streamable-http}
`;

test('check: a hand-written 2026 file loads; each kind of mistake is reported at its path', (t) => {
  t.deepEqual(checkToolsetsDocument(parse(HAND_WRITTEN)), []);
  const problems = (text: string) => checkToolsetsDocument(parse(text)).map((p) => `${formatPath(p.path)}: ${p.message}`);
  t.deepEqual(problems('toolsets:\n  grafana/loki:\n    config: {url: "http://l"}\n'), ['toolsets.grafana/loki.config.url: `url` is a deprecated name in grafana/loki; write `api_url`']);
  t.regex(problems('toolsets:\n  a:\n    b: {x.y: 1}\n')[0]!, /^toolsets\.a\.b\.x\.y: a key with "\."/);
  t.deepEqual(problems('toolsets:\n  prometheus/metrics:\n    config:\n      instances:\n        - {name: a, prometheus_url: x}\n        - {name: a, url: y}\n'), [
    'toolsets.prometheus/metrics.config.instances[1].name: instance name "a" is used twice',
    'toolsets.prometheus/metrics.config.instances[1].url: `url` is not read by prometheus/metrics (HolmesGPT ignores it); it reads prometheus_url, additional_headers, verify_ssl, subtype, additional_labels, default_query_timeout_seconds, max_query_timeout_seconds, default_metadata_timeout_seconds, max_metadata_timeout_seconds, default_metadata_time_window_hrs, query_response_size_limit_pct, instances',
  ]);
  t.regex(problems('toolsets:\n  mine/api: {enabled: true, description: x}\n')[0]!, /^toolsets\.mine\/api: not a HolmesGPT built-in, so a custom toolset/);
  t.regex(problems('mcp_servers:\n  m: {config: {url: "http://m", mode: websocket}}\n')[0]!, /^mcp_servers\.m\.config\.mode: must be one of streamable-http, sse/);
  t.deepEqual(problems('toolsets: []\n'), ['toolsets: must be a mapping of name → entry (HolmesGPT rejects a list-shaped "toolsets:")']);
  t.deepEqual(problems('{}\n'), ['toolsets: missing: HolmesGPT refuses to start without toolsets (or mcp_servers)']);
});

test('render: a generated file HolmesGPT would not load is an error (invalid-toolsets), never data to write', (t) => {
  // A plugin answering a custom toolset that is neither type: http with endpoints nor description + tools.
  const bad = { ...published({ ns: 'apps', name: 'x', detector: 'custom', type: 'thing', port: 80 }), toolsets: { 'thing/api': { enabled: true, description: 'no endpoints' } } };
  const r = renderConfigMapData({ services: [bad] });
  t.is(r.error?.kind, 'invalid-toolsets');
  t.regex(r.error!.message, /^custom_toolset\.yaml as generated would not load in HolmesGPT; ConfigMap kubernaut-toolset-config was not written: toolsets\.thing\/api: not a HolmesGPT built-in/);
  t.is(renderConfigMapData({ services: [published({ ns: 'apps', name: 'x', detector: 'custom', type: 'thing', port: 80 })] }).error, undefined, 'the generic http toolset loads');
});

test('metrics: a refusal for invalid-toolsets counts toolsets_invalid_total, not too-large', async (t) => {
  const metrics = new Metrics({ collectDefaults: false });
  const o = metrics.reconcilerObserver();
  o.refused!('invalid-toolsets');
  o.reconciled!('invalid', 0.01);
  o.reconciled!('invalid', 0.01); // a DesiredError without refused(): too-large, as before
  const text = await metrics.render();
  t.regex(text, /^dynamic_toolset_toolsets_invalid_total 1$/m);
  t.regex(text, /^dynamic_toolset_configmap_too_large_total 1$/m);
  t.regex(text, /^dynamic_toolset_configmap_update_errors_total\{error_type="invalid-toolsets"\} 1$/m);
});

const bin = path.join(process.cwd(), 'node_modules/.bin/dynamic-toolset');
function run(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

test('cli: toolsets validate prints every problem with line and path; exit 0 valid, 1 invalid, 2 usage', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'toolsets-validate-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const good = path.join(dir, 'good.yaml');
  const bad = path.join(dir, 'bad.yaml');
  await writeFile(good, HAND_WRITTEN);
  await writeFile(bad, 'toolsets:\n  grafana/loki:\n    additional_instructions: x\n    config:\n      url: http://l\n      headers: {x.tenant.id: a}\n');
  const ok = await run(['toolsets', 'validate', good]);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, `${good} loads in HolmesGPT 2026\n`);
  const r = await run(['toolsets', 'validate', bad]);
  t.is(r.code, 1);
  t.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('  ')), [
    `  ${bad}:3: toolsets.grafana/loki.additional_instructions: HolmesGPT removed "additional_instructions" in 2026-02 (the entry fails to load); write the text in "llm_instructions"`,
    `  ${bad}:5: toolsets.grafana/loki.config.url: \`url\` is a deprecated name in grafana/loki; write \`api_url\``,
    `  ${bad}:6: toolsets.grafana/loki.config.headers.x.tenant.id: a key with "." makes HolmesGPT's parser (python-benedict, "." is its key-path separator) fail the WHOLE file; rename the key`,
    `  ${bad}:6: toolsets.grafana/loki.config.headers: \`headers\` is a deprecated name in grafana/loki; write \`additional_headers\``,
  ]);
  const stdin = await run(['toolsets', 'validate', '-'], 'toolsets: [a]\n');
  t.is(stdin.code, 1);
  t.regex(stdin.stderr, /-:1: toolsets: must be a mapping/);
  t.is((await run(['toolsets', 'validate'])).code, 2);
  t.is((await run(['toolsets', 'validate', path.join(dir, 'missing.yaml')])).code, 1);
  const help = await run(['toolsets', 'validate', '--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /Usage: dynamic-toolset toolsets validate \[options\] <file>/);
});
