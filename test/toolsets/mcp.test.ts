// MCP servers: Services annotated `kubernaut.io/toolset-type: mcp`, run through the real custom detector and the
// host's resolution, become `mcp_servers:` entries of custom_toolset.yaml (one per Service, stable DNS-label names,
// `description` + `config: {url, mode}`), checked against HolmesGPT's rules; overrides.yaml addresses them by name;
// check.ts reports bad ones with their paths. A golden file holds the whole output of a cluster with MCP servers.
// Regenerate the golden after an intended change: UPDATE_GOLDEN=1 npx ava test/toolsets/mcp.test.ts (review the diff).
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { svc } from '@kubernaut/toolset-sdk/testing';
import { readFileSync as readText } from 'node:fs';
import YAML from 'yaml';
import { detectOfflineReport } from '../../core/src/detection/offline.js';
import { resolveDetection } from '../../core/src/detection/resolve.js';
import { validateDetection } from '../../core/src/sandbox/validate.js';
import { checkToolsetsDocument, formatPath, parseOverrides, renderConfigMapData, toPublishedService } from '../../core/src/toolsets/index.js';
import type { HealthState, PublishedService } from '../../core/src/toolsets/index.js';
import custom from '../../plugins/src/custom/index.js';
import { published, realisticSet } from './fixtures.js';
import { holmesProblems } from './holmes-rules.js';

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'mcp');

interface McpSpec {
  ns: string;
  name: string;
  annotations?: Record<string, string>;
  ports?: NonNullable<Parameters<typeof svc>[1]>['ports'];
  health?: HealthState;
  reason?: string;
}

/** The Service as its owner annotates it → custom detector → host validation and resolution → PublishedService. */
function mcpService(spec: McpSpec): PublishedService {
  const view = svc(spec.name, {
    ns: spec.ns,
    annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': 'mcp', ...spec.annotations },
    ports: spec.ports ?? [['http', 8080]],
  });
  const answer = custom.detect(view, { config: {}, siblings: () => [] });
  if (!answer) throw new Error(`${spec.name}: not detected`);
  const valid = validateDetection(JSON.parse(JSON.stringify(answer)));
  if (!valid.ok) throw new Error(`${spec.name}: ${valid.reason}`);
  const r = resolveDetection(view, valid.value, custom.type);
  if (!r.ok) throw new Error(`${spec.name}: ${r.reason}`);
  const detected = {
    key: `${spec.ns}/${spec.name}`,
    namespace: spec.ns,
    name: spec.name,
    detector: custom.name,
    type: r.endpoint.type,
    endpoint: r.endpoint,
    headless: false,
    selector: {},
    labels: {},
    annotations: view.metadata.annotations,
  };
  return toPublishedService(detected, {
    description: custom.description,
    health: { state: spec.health ?? 'healthy', ...(spec.reason !== undefined ? { reason: spec.reason } : {}) },
    toolsets: null,
  });
}

const argocd = () => mcpService({ ns: 'argocd', name: 'argocd-mcp', annotations: { 'kubernaut.io/toolset-path': '/mcp' } });
const github = () => mcpService({ ns: 'tools', name: 'github-mcp', annotations: { 'kubernaut.io/toolset-path': '/', 'kubernaut.io/mcp-mode': 'sse' }, ports: [['web', 8000]] });

type Doc = { toolsets: Record<string, Record<string, unknown>>; mcp_servers?: Record<string, Record<string, unknown>> };
const doc = (text: string) => parse(text) as Doc;

test('an annotated MCP Service is an mcp_servers entry: description, config {url, mode}; never a toolset or a per-type key', (t) => {
  const r = renderConfigMapData({ services: [argocd(), github(), ...realisticSet()], overrides: null });
  t.is(r.error, undefined);
  const text = r.data['custom_toolset.yaml']!;
  const d = doc(text);
  t.deepEqual(d.mcp_servers, {
    'argocd-argocd-mcp': {
      description: 'MCP server of Service argocd/argocd-mcp (streamable-http), found by detector custom',
      config: { url: 'http://argocd-mcp.argocd.svc.cluster.local:8080/mcp', mode: 'streamable-http' },
    },
    // sse: the /sse HolmesGPT would append is written, so the file says which URL is used.
    'tools-github-mcp': {
      description: 'MCP server of Service tools/github-mcp (sse), found by detector custom',
      config: { url: 'http://github-mcp.tools.svc.cluster.local:8000/sse', mode: 'sse' },
    },
  });
  t.deepEqual(Object.keys(d.mcp_servers!['argocd-argocd-mcp']!), ['description', 'config'], 'HolmesGPT entry key order');
  t.false(Object.keys(d.toolsets).some((n) => n.startsWith('mcp')), 'no generic mcp/api toolset');
  t.false('mcp-toolset.yaml' in r.data, 'no per-type key for MCP servers');
  t.deepEqual(holmesProblems(text, { disabled: new Set(['kubernetes/logs']) }), []);
  t.deepEqual(checkToolsetsDocument(parse(text), { requireToolsets: true }), []);
  // The primaries and the skipped list know nothing of MCP servers: they are not instances of a type.
  t.false(r.primaries.some((p) => p.type === 'mcp'));
  t.false(r.skipped.some((s) => s.type === 'mcp'));
});

test('GET /api/v1/toolsets data: each MCP server after the toolsets, section mcp_servers, with its Service', (t) => {
  const r = renderConfigMapData({ services: [github(), argocd(), ...realisticSet()], overrides: null });
  const mcp = r.toolsets.filter((v) => v.section === 'mcp_servers');
  t.deepEqual(mcp, [
    {
      name: 'argocd-argocd-mcp',
      type: 'mcp',
      enabled: true,
      source: 'discovered',
      overridden: false,
      config: { url: 'http://argocd-mcp.argocd.svc.cluster.local:8080/mcp', mode: 'streamable-http' },
      service: 'argocd/argocd-mcp',
      section: 'mcp_servers',
    },
    {
      name: 'tools-github-mcp',
      type: 'mcp',
      enabled: true,
      source: 'discovered',
      overridden: false,
      config: { url: 'http://github-mcp.tools.svc.cluster.local:8000/sse', mode: 'sse' },
      service: 'tools/github-mcp',
      section: 'mcp_servers',
    },
  ]);
  t.deepEqual(r.toolsets.slice(-2).map((v) => v.name), ['argocd-argocd-mcp', 'tools-github-mcp']);
});

test('health: an unhealthy MCP server is left out (and listed as skipped); one that wants credentials is written with a note', (t) => {
  const down = mcpService({ ns: 'argocd', name: 'argocd-mcp', annotations: { 'kubernaut.io/toolset-path': '/mcp' }, health: 'unhealthy', reason: 'HTTP 404 on /mcp' });
  const locked = mcpService({ ns: 'tools', name: 'jira-mcp', annotations: { 'kubernaut.io/toolset-path': '/mcp' }, health: 'needs-credentials', reason: 'HTTP 401: up, needs credentials' });
  const r = renderConfigMapData({ services: [down, locked], overrides: null });
  t.deepEqual(Object.keys(doc(r.data['custom_toolset.yaml']!).mcp_servers!), ['tools-jira-mcp']);
  t.deepEqual(r.skipped, [{ key: 'argocd/argocd-mcp', type: 'mcp', reason: 'unhealthy', detail: 'argocd/argocd-mcp (MCP server) is unhealthy: HTTP 404 on /mcp' }]);
  const view = r.toolsets.find((v) => v.name === 'tools-jira-mcp')!;
  t.regex(view.note ?? '', /needs credentials: tools\/jira-mcp answered the health check with HTTP 401.*mcp_servers\.tools-jira-mcp\.config\.headers/);
  // Nothing healthy: no mcp_servers key at all (the baseline still makes the file loadable).
  const none = renderConfigMapData({ services: [down], overrides: null });
  t.false('mcp_servers' in (doc(none.data['custom_toolset.yaml']!) as object));
});

test('names: <namespace>-<name> as a DNS label, stable whatever else is found or healthy, never dotted', (t) => {
  const byService = (services: PublishedService[]): Record<string, string> =>
    Object.fromEntries(
      renderConfigMapData({ services, overrides: null })
        .toolsets.filter((v) => v.section === 'mcp_servers')
        .map((v) => [v.service!, v.name]),
    );
  const long = mcpService({ ns: 'a-very-long-namespace-name-for-tools', name: 'an-equally-long-service-name-mcp-server' });
  const cut = byService([long])[long.key]!;
  t.regex(cut, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  t.true(cut.startsWith('a-very-long-namespace-name-for-tools-an-equally'));
  t.deepEqual(byService([long, argocd()]), { [long.key]: cut, 'argocd/argocd-mcp': 'argocd-argocd-mcp' });
  // "a-b/c" and "a/b-c" would share "a-b-c": each gets a hash of its own key, the same in every render and order.
  const x = mcpService({ ns: 'a-b', name: 'c' });
  const y = mcpService({ ns: 'a', name: 'b-c' });
  const both = byService([x, y]);
  t.not(both[x.key], both[y.key]);
  t.deepEqual(byService([y, x]), both);
  // A neighbour's health does not rename a server: names are made over every MCP Service, published or not.
  t.deepEqual(byService([x, { ...y, health: { state: 'unhealthy' } }]), { [x.key]: both[x.key]! });
  for (const n of [cut, ...Object.values(both)]) t.false(n.includes('.'));
});

test('holmesgpt.multi_instance changes nothing for MCP servers: each stays its own entry', (t) => {
  const a = renderConfigMapData({ services: [argocd(), github()], overrides: null, multiInstance: true });
  const b = renderConfigMapData({ services: [argocd(), github()], overrides: null });
  t.deepEqual(doc(a.data['custom_toolset.yaml']!).mcp_servers, doc(b.data['custom_toolset.yaml']!).mcp_servers);
  t.is(Object.keys(doc(a.data['custom_toolset.yaml']!).mcp_servers!).length, 2);
});

test('the mode: an unknown one is refused at resolution with a reason naming the modes (the explain trace shows it)', (t) => {
  const view = svc('odd-mcp', { ns: 'tools', annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': 'mcp', 'kubernaut.io/mcp-mode': 'websocket' }, ports: [['http', 80]] });
  const answer = custom.detect(view, { config: {}, siblings: () => [] })!;
  const valid = validateDetection(JSON.parse(JSON.stringify(answer)));
  t.true(valid.ok, 'the answer itself is well-formed: the mode is the Service\'s text');
  if (!valid.ok) return;
  t.deepEqual(resolveDetection(view, valid.value, 'custom'), { ok: false, reason: 'MCP mode "websocket" is not one HolmesGPT connects with (streamable-http, sse)' });
  // A detection without `mcp` is resolved exactly as before.
  const plain = resolveDetection(view, { port: 'http', type: 'widget' }, 'custom');
  t.true(plain.ok && !('mcp' in plain.endpoint));
});

test('the MCP fixture through the built-in set in its sandbox: modes carried to the endpoint, the unknown mode refused in the trace, the custom detector not blamed', async (t) => {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'charts', 'mcp-annotated.yaml');
  const services = YAML.parseAllDocuments(readText(file, 'utf8')).map((d) => d.toJS() as unknown).filter((d) => d !== null);
  const report = await detectOfflineReport(services);
  const modes = Object.fromEntries(report.results.flatMap((r) => (r.detected ? [[r.key, r.detected.endpoint.mcp?.mode]] : [])));
  t.deepEqual(modes, { 'argocd/argocd-mcp': 'streamable-http', 'tools/github-mcp': 'sse', 'tools/grafana-mcp': 'streamable-http' });
  const odd = report.results.find((r) => r.key === 'tools/odd-mcp')!;
  t.is(odd.detected, null);
  t.deepEqual(odd.trace[0], { detector: 'custom', outcome: 'rejected', errorType: 'bad-result', reason: 'MCP mode "websocket" is not one HolmesGPT connects with (streamable-http, sse)' });
  const customStats = report.plugins.find((p) => p.name === 'custom')?.stats;
  t.is(customStats?.failures ?? 0, 0, 'a Service\'s wrong mode is not a failure of the detector');
});

// ---- overrides.yaml ---------------------------------------------------------------------------------------------

test('overrides: headers added to a discovered server keep its URL and mode; enabled: false turns one off; own servers added', (t) => {
  const overrides = `mcp_servers:
  argocd-argocd-mcp:
    config:
      headers:
        Authorization: "Bearer {{ env.ARGOCD_MCP_TOKEN }}"
  tools-github-mcp:
    enabled: false
  datadog:
    description: Datadog MCP server
    llm_instructions: Use it for APM traces.
    config: {url: "https://mcp.datadoghq.com/api/unstable/mcp-server/mcp", mode: streamable-http, headers: {DD-API-KEY: "{{ env.DD_API_KEY }}"}}
`;
  const r = renderConfigMapData({ services: [argocd(), github(), ...realisticSet()], overrides });
  t.is(r.overrides.state, 'applied', r.overrides.state === 'invalid' ? r.overrides.message : '');
  t.is(r.error, undefined);
  const d = doc(r.data['custom_toolset.yaml']!);
  t.deepEqual(d.mcp_servers!['argocd-argocd-mcp'], {
    description: 'MCP server of Service argocd/argocd-mcp (streamable-http), found by detector custom',
    config: { url: 'http://argocd-mcp.argocd.svc.cluster.local:8080/mcp', mode: 'streamable-http', headers: { Authorization: 'Bearer {{ env.ARGOCD_MCP_TOKEN }}' } },
  });
  t.is(d.mcp_servers!['tools-github-mcp']!.enabled, false);
  t.is((d.mcp_servers!.datadog!.config as Record<string, unknown>).mode, 'streamable-http');
  t.deepEqual(holmesProblems(r.data['custom_toolset.yaml']!, { disabled: new Set(['kubernetes/logs']), templated: new Set() }), []);
  const views = new Map(r.toolsets.filter((v) => v.section === 'mcp_servers').map((v) => [v.name, v]));
  t.like(views.get('argocd-argocd-mcp'), { overridden: true, source: 'discovered', enabled: true, config: { headers: { Authorization: '<redacted>' } } });
  t.like(views.get('tools-github-mcp'), { overridden: true, enabled: false });
  t.like(views.get('datadog'), { source: 'override', type: null, overridden: true, config: { headers: { 'DD-API-KEY': '<redacted>' } } });
});

const refused: Array<[string, string, RegExp]> = [
  ['a config key HolmesGPT does not read', 'mcp_servers:\n  argocd-argocd-mcp:\n    config:\n      timeout: 30\n', /^overrides\.yaml:4: mcp_servers\.argocd-argocd-mcp\.config\.timeout: `timeout` is not read by HolmesGPT for an MCP server \(it ignores it\); it reads url, mode, headers$/],
  ['a dotted header', 'mcp_servers:\n  argocd-argocd-mcp:\n    config:\n      headers: {x.tenant.id: a}\n', /overrides\.yaml:4: mcp_servers\.argocd-argocd-mcp\.config\.headers\.x\.tenant\.id: a key with "\." makes HolmesGPT's parser/],
  ['an unknown mode', 'mcp_servers:\n  argocd-argocd-mcp:\n    config: {mode: websocket}\n', /overrides\.yaml:3: mcp_servers\.argocd-argocd-mcp\.config\.mode: must be one of streamable-http, sse/],
  ['an unknown entry key', 'mcp_servers:\n  argocd-argocd-mcp:\n    additional_instructions: be nice\n', /overrides\.yaml:3: mcp_servers\.argocd-argocd-mcp\.additional_instructions: HolmesGPT removed "additional_instructions"/],
  ['headers that are not text', 'mcp_servers:\n  argocd-argocd-mcp:\n    config:\n      headers: {X-Retries: 3}\n', /mcp_servers\.argocd-argocd-mcp\.config\.headers\.X-Retries: must be text/],
  ['a URL that is not one', 'mcp_servers:\n  argocd-argocd-mcp:\n    config: {url: "argocd-mcp:8080"}\n', /overrides\.yaml:3: mcp_servers\.argocd-argocd-mcp\.config\.url: must be an http\(s\) URL/],
  ['a type other than mcp', 'mcp_servers:\n  argocd-argocd-mcp:\n    type: http\n', /mcp_servers\.argocd-argocd-mcp\.type: HolmesGPT sets "type: mcp"/],
  // Only found once merged: a patch for a server that is not there lacks a URL; a name shared with a toolset.
  ['a server without URL (no such discovered server)', 'mcp_servers:\n  argocd-mcp:\n    config:\n      headers: {A: b}\n', /overrides\.yaml:3: mcp_servers\.argocd-mcp\.config\.url: an MCP server needs config\.url \(after merging overrides\.yaml\)/],
  ['a name HolmesGPT already has as a toolset', 'mcp_servers:\n  kubernetes/core:\n    config: {url: "http://x.example.com/mcp", mode: sse}\n', /mcp_servers\.kubernetes\/core: HolmesGPT keeps MCP servers and toolsets under one name space: this MCP server would replace/],
];

for (const [what, overrides, message] of refused) {
  test(`overrides: refused whole, with line and path: ${what}; the output stays loadable`, (t) => {
    const r = renderConfigMapData({ services: [argocd(), ...realisticSet()], overrides });
    t.is(r.overrides.state, 'invalid');
    if (r.overrides.state !== 'invalid') return;
    t.regex(r.overrides.message, message);
    t.is(r.error, undefined);
    const text = r.data['custom_toolset.yaml']!;
    t.deepEqual(checkToolsetsDocument(parse(text), { requireToolsets: true }), []);
    // The discovered server is written as found.
    t.deepEqual(doc(text).mcp_servers!['argocd-argocd-mcp']!.config, { url: 'http://argocd-mcp.argocd.svc.cluster.local:8080/mcp', mode: 'streamable-http' });
  });
}

test('overrides: mcp_servers problems are found by parseOverrides alone, with their lines', (t) => {
  const r = parseOverrides('toolsets: {}\nmcp_servers:\n  a:\n    config:\n      url: http://a.example.com/mcp\n      mode: grpc\n      verify: false\n');
  t.false(r.ok);
  if (r.ok) return;
  t.deepEqual(
    r.errors.map((e) => [e.line, e.path]),
    [
      [6, 'mcp_servers.a.config.mode'],
      [7, 'mcp_servers.a.config.verify'],
    ],
  );
});

// ---- check.ts / `toolsets validate` -----------------------------------------------------------------------------

test('check: valid MCP servers pass (config.url, the older top-level url, env templates); invalid ones are named by path', (t) => {
  const ok = `toolsets:
  kubernetes/core: {enabled: true}
mcp_servers:
  argocd: {description: Argo CD, config: {url: "http://argocd-mcp.argocd.svc.cluster.local:8080/mcp", mode: streamable-http}}
  legacy: {description: Old form, url: "http://legacy.tools.svc:8000/sse"}
  saas: {description: SaaS, config: {url: "{{ env.SAAS_MCP_URL }}", mode: sse, headers: {Authorization: "Bearer {{ env.T }}"}}}
`;
  t.deepEqual(checkToolsetsDocument(parse(ok)), []);
  const bad = `toolsets:
  kubernetes/core: {enabled: true}
mcp_servers:
  a: {config: {url: "ftp://a.example.com", mode: sse}}
  b: {description: x, config: {url: "http://b.example.com", headers: [x]}}
  c: {description: x, config: {url: "http://c.example.com", timeout_seconds: 5}, enable: true}
  d: {description: x}
  kubernetes/core: {config: {url: "http://k.example.com"}}
`;
  const problems = checkToolsetsDocument(parse(bad)).map((p) => `${formatPath(p.path)}: ${p.message}`);
  t.deepEqual(
    problems.map((p) => p.split(':')[0]),
    ['mcp_servers.a.config.url', 'mcp_servers.b.config.headers', 'mcp_servers.c.enable', 'mcp_servers.c.config.timeout_seconds', 'mcp_servers.d.config.url', 'mcp_servers.kubernetes/core'],
  );
  t.regex(problems[2]!, /unknown key \(did you mean "enabled"\?\)/);
  t.regex(problems[5]!, /would replace the toolset of that name in this file/);
});

// ---- golden -----------------------------------------------------------------------------------------------------

test('golden: a cluster with MCP servers (healthy, sse, needs credentials, unhealthy) and an admin header', (t) => {
  const services = [
    argocd(),
    github(),
    mcpService({ ns: 'tools', name: 'jira-mcp', annotations: { 'kubernaut.io/toolset-path': '/mcp' }, health: 'needs-credentials', reason: 'HTTP 401: up, needs credentials' }),
    mcpService({ ns: 'tools', name: 'broken-mcp', annotations: { 'kubernaut.io/toolset-path': '/mcp' }, health: 'unhealthy', reason: 'HTTP 404 on /mcp' }),
    published({ ns: 'monitoring', name: 'kps-prod-kube-prometheus-s-prometheus', detector: 'prometheus', port: 9090 }),
  ];
  const overrides = 'mcp_servers:\n  tools-jira-mcp:\n    config:\n      headers:\n        Authorization: "Bearer {{ env.JIRA_MCP_TOKEN }}"\n';
  const r = renderConfigMapData({ services, overrides });
  t.is(r.error, undefined);
  t.is(r.overrides.state, 'applied');
  const text = r.data['custom_toolset.yaml']!;
  if (process.env.UPDATE_GOLDEN) {
    rmSync(goldenDir, { recursive: true, force: true });
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path.join(goldenDir, 'custom_toolset.yaml'), text);
  }
  t.true(existsSync(goldenDir), 'run with UPDATE_GOLDEN=1 and review');
  t.deepEqual(readdirSync(goldenDir), ['custom_toolset.yaml']);
  t.is(text, readFileSync(path.join(goldenDir, 'custom_toolset.yaml'), 'utf8'));
  t.deepEqual(holmesProblems(text, { templated: new Set() }), []);
  // Same input in another order: byte-identical.
  t.is(renderConfigMapData({ services: [...services].reverse(), overrides }).data['custom_toolset.yaml'], text);
});
