// The YAML writer: rendered YAML parses back to the same data (YAML 1.2 here; PyYAML — what HolmesGPT uses — too
// when python3 with PyYAML is on the machine), strings PyYAML would misread are quoted, and no anchors appear.
import test from 'ava';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { parse, parseDocument, visit } from 'yaml';
import { buildToolsets, mergeToolsets, parseOverrides, renderConfigMapData } from '../../core/src/toolsets/index.js';
import type { PublishedService } from '../../core/src/toolsets/index.js';
import { plainCopy } from '../../core/src/toolsets/data.js';
import type { Plain } from '../../core/src/toolsets/data.js';
import { mustDoubleQuote, toYaml } from '../../core/src/toolsets/yaml.js';
import { published } from './fixtures.js';

const TRICKY = ['yes', 'No', 'on', 'OFF', 'y', 'n', '~', 'null', '', '1:20', '0777', '0o17', '0x1F', '1_000', '1e3', '.5', '.inf', '.NaN', '2025-01-01', '2001-12-14 21:59:43.10 -5', '<<', '=', '-', '- x', '? x', ': x', 'a: b', 'a #b', '#x', '&a', '*a', '!t', '%x', '@x', '`x', '|', '>', '"', "'", '{', '[', ',', '\t', 'a\tb', ' lead', 'trail ', 'a\nb', ' \n', '\n\n', 'x\n ', '\r', '\u0085', '\u2028', '\u2029', '\u007f', '\u0080', '\ufeff', '\ufffe', '\uffff', '\u0000', '😀', '---', '...'];
const text = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.array(fc.constantFrom(...TRICKY, 'word', ' '), { maxLength: 10 }).map((a) => a.join('')),
);
const plain: fc.Arbitrary<Plain> = fc.letrec<{ v: Plain }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(text, tie('v'), { maxKeys: 4 }),
  ),
})).v;
const document = fc.dictionary(text, plain, { maxKeys: 6 }).map((d) => plainCopy(d) as Plain);

test('property: any data written by toYaml parses back to the same data', (t) => {
  fc.assert(
    fc.property(document, (data) => {
      t.deepEqual(parse(toYaml(data, { header: ['h'] })), JSON.parse(JSON.stringify(data)));
    }),
    { numRuns: 500 },
  );
});

test('property: no plain scalar is one PyYAML would read as something else; no anchors or aliases', (t) => {
  fc.assert(
    fc.property(document, (data) => {
      const out = toYaml(data, { header: [] });
      visit(parseDocument(out), {
        Scalar(_, node) {
          if (node.type === 'PLAIN' && typeof node.value === 'string') t.false(mustDoubleQuote(node.value), JSON.stringify(node.value));
        },
        Alias() {
          t.fail('alias in output');
        },
      });
    }),
    { numRuns: 300 },
  );
});

test('strings PyYAML resolves differently are double-quoted, keys included', (t) => {
  const out = toYaml({ on: 'yes', n: 'off', when: '2025-01-01', sexagesimal: '1:20', octal: '0777', merge: '<<', tab: 'a\tb', big: 1e21, small: 5e-7 }, { header: [] });
  t.is(
    out,
    '"on": "yes"\n"n": "off"\nwhen: "2025-01-01"\nsexagesimal: "1:20"\noctal: "0777"\nmerge: "<<"\ntab: "a\\tb"\nbig: 1.0e+21\nsmall: 5.0e-7\n',
  );
});

test('characters PyYAML refuses or reads as line breaks are escaped inside double quotes', (t) => {
  const out = toYaml({ k: 'a\u0085b\u2028c\u2029d\u007fe\u0080f\ufffeg\uffffh\ufeffi' }, { header: [] });
  t.is(out, 'k: "a\\Nb\\Lc\\Pd\\x7fe\\x80f\\ufffeg\\uffffh\\ufeffi"\n');
  t.deepEqual(parse(out), { k: 'a\u0085b\u2028c\u2029d\u007fe\u0080f\ufffeg\uffffh\ufeffi' });
});

test('multi-line text is a literal block when that keeps it exactly, else an escaped double-quoted line', (t) => {
  t.is(toYaml({ k: 'line one\nline two\n' }, { header: [] }), 'k: |\n  line one\n  line two\n');
  t.is(toYaml({ k: 'line one \n  \nline two' }, { header: [] }), 'k: "line one\\ \\n \\ \\nline two"\n');
  t.deepEqual(parse(toYaml({ k: 'line one \n  \nline two' }, { header: [] })), { k: 'line one \n  \nline two' });
});

test('comments are single lines whatever they are given', (t) => {
  const out = toYaml({ toolsets: { a: { enabled: true } } }, { header: ['one\ntwo: 2'], keys: { path: ['toolsets'], comments: new Map([['a', ['x\r\ny: 1', 'z']]]) } });
  t.is(out, '# one two: 2\n\ntoolsets:\n  # x y: 1\n  # z\n  a:\n    enabled: true\n');
});

// Random services (any plugin answer), random overrides → the written custom_toolset.yaml holds exactly the merged entries.
const entry = fc.record(
  {
    enabled: fc.boolean(),
    type: fc.constantFrom('http', 'yes', ''),
    description: text,
    llm_instructions: text,
    tags: fc.array(text, { maxLength: 3 }),
    config: fc.dictionary(text, plain, { maxKeys: 4 }),
  },
  { requiredKeys: [] },
);
const service = fc.record({
  ns: fc.constantFrom('a', 'b', 'monitoring'),
  name: fc.constantFrom('x', 'y', 'prom'),
  type: fc.constantFrom('prometheus', 'sentry', 'loki'),
  health: fc.constantFrom('healthy' as const, 'needs-credentials' as const, 'unhealthy' as const, 'unchecked' as const),
  toolsets: fc.option(fc.dictionary(fc.constantFrom('prometheus/metrics', 'grafana/loki', 'x/api', 'y/api:suffix'), entry, { maxKeys: 3 }), { nil: null }),
  description: text,
});
const services = fc.uniqueArray(service, { selector: (s) => `${s.ns}/${s.name}`, maxLength: 6 }).map((specs) =>
  specs.map(
    (s): PublishedService => ({
      ...published({ ns: s.ns, name: s.name, detector: 'custom', type: s.type, port: 80, health: s.health }),
      description: s.description,
      toolsets: s.toolsets as PublishedService['toolsets'],
    }),
  ),
);
const overrides = fc.option(
  fc.dictionary(fc.constantFrom('prometheus/metrics', 'kubernetes/logs', 'admin/only', 'x/api'), entry, { maxKeys: 3 }).map((t) => toYaml(plainCopy({ toolsets: t }) as Plain, { header: ['admin'] })),
  { nil: null },
);

test('property: rendered custom_toolset.yaml parses back to exactly the merged entries', (t) => {
  let appliedRuns = 0;
  fc.assert(
    fc.property(services, overrides, fc.boolean(), (svcs, text, multiInstance) => {
      const r = renderConfigMapData({ services: svcs, overrides: text, multiInstance });
      // Random overrides are often something HolmesGPT would not load (a "." in a key, an unread config key, a
      // custom toolset without endpoints): then they are refused whole and the file holds the generated entries.
      t.is(r.overrides.state === 'absent', text === null);
      const parsedOverrides = text === null ? undefined : parseOverrides(text);
      const applied = r.overrides.state === 'applied' && parsedOverrides?.ok ? parsedOverrides.overrides : undefined;
      const merged = mergeToolsets(buildToolsets(svcs, { multiInstance }).entries, applied);
      if (applied !== undefined && applied.toolsets.size > 0) appliedRuns++;
      const expected = Object.fromEntries(merged.map((m) => [m.name, m.entry]));
      t.deepEqual(parse(r.data['custom_toolset.yaml']!), { toolsets: JSON.parse(JSON.stringify(expected)) });
      t.deepEqual(Object.keys(r.data), [...Object.keys(r.data)].sort());
    }),
    { numRuns: 200 },
  );
  t.true(appliedRuns > 0, 'some random overrides were applied');
});

const havePyYaml = spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;
const pyTest = havePyYaml ? test : test.skip;
pyTest('PyYAML (what HolmesGPT uses) reads every rendered document as the same data (skipped without python3 + PyYAML)', (t) => {
  const docs = fc.sample(document, { numRuns: 400, seed: 20251101 }).map((d) => ({ yaml: toYaml(d, { header: ['x'] }), json: JSON.stringify(d) }));
  const script = [
    'import json, sys, yaml',
    'def norm(x):',
    '    if isinstance(x, float) and x.is_integer(): return int(x)',
    '    if isinstance(x, dict): return {k: norm(v) for k, v in x.items()}',
    '    if isinstance(x, list): return [norm(v) for v in x]',
    '    return x',
    'bad = []',
    'for i, d in enumerate(json.load(sys.stdin)):',
    '    try:',
    '        if norm(yaml.safe_load(d["yaml"])) != norm(json.loads(d["json"])): bad.append(i)',
    '    except Exception as e:',
    '        bad.append(i)',
    'print(json.dumps(bad))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  t.is(run.status, 0, run.stderr);
  const bad = JSON.parse(run.stdout) as number[];
  t.deepEqual(bad.map((i) => docs[i]!.yaml).slice(0, 3), []);
});
