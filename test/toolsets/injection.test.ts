// Nothing a Service, a plugin or a health check says can add keys to the output: every string reaches the YAML
// through the yaml library as data. Each attempt is parsed back and its key sets compared with a clean render.
import test from 'ava';
import fc from 'fast-check';
import { parse } from 'yaml';
import { renderConfigMapData } from '../../core/src/toolsets/index.js';
import type { PublishedService } from '../../core/src/toolsets/index.js';
import { published } from './fixtures.js';
import { holmesProblems } from './holmes-rules.js';

type Tree = { [key: string]: unknown };

/** Every key path of a parsed document (`toolsets.sentry/api.config.endpoints.0.hosts`). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keyPaths(v, `${prefix}${i}.`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Tree).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

function shape(data: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(data).map(([key, text]) => [key, keyPaths(parse(text)).sort()]));
}

const ATTACKS = [
  'x\nmalicious: true',
  'x\n  malicious: true',
  'x\ntoolsets:\n  evil/tool: {enabled: true}',
  'http://evil: 1 # comment',
  'a: b',
  '#',
  ' # trailing',
  '- item',
  '"\n}\nmalicious: true\n{',
  "'\nmalicious: true",
  '|\n  block',
  '>-\n  folded',
  '&anchor',
  '*alias',
  '!!python/object/apply:os.system ["id"]',
  '!!binary aGVsbG8=',
  '{{ env.OPENAI_API_KEY }}',
  '{{{ env.X }}}',
  '\r\nmalicious: true',
  '\u2028malicious: true',
  '\u0085malicious: true',
  '---\nmalicious: true',
  '...\nmalicious: true',
  'yes',
  'null',
  '~',
  '0x1F',
  '2025-01-01',
  '1:20',
  '<<',
  '\t\ttab: 1',
  '\x00\x1b[31m',
  '\ufeff\ufffe\uffff',
  '\ud800 lone surrogate',
];

/** A custom-typed Service whose every free-text field is `s` (what a label, an annotation or a plugin can carry). */
function poisoned(s: string): PublishedService {
  const base = published({ ns: 'apps', name: 'sentry', detector: 'custom', type: 'sentry', port: 9000, health: 'needs-credentials', reason: s });
  return { ...base, description: s, url: `http://sentry.apps.svc.cluster.local:9000/${s}`, path: `/${s}` };
}

/** A plugin answer carrying `s` in every value and, with `inKeys`, as mapping keys too. */
function poisonedPlugin(s: string, inKeys = true): PublishedService {
  const base = published({ ns: 'monitoring', name: 'prom', detector: 'prometheus', port: 9090 });
  const k = inKeys ? s : 'X-Key';
  return {
    ...base,
    toolsets: {
      'prometheus/metrics': { enabled: true, description: s, llm_instructions: s, config: { prometheus_url: s, additional_headers: { [k]: s }, additional_labels: { [k]: s } } },
    },
  };
}

const clean = renderConfigMapData({ services: [poisoned('plain'), poisonedPlugin('plain')] });

test('no string from a Service, a plugin or a health check adds a key', (t) => {
  const cleanShape = shape(clean.data);
  for (const attack of ATTACKS) {
    const r = renderConfigMapData({ services: [poisoned(attack), poisonedPlugin(attack)] });
    const got = shape(r.data);
    t.deepEqual(Object.keys(got), Object.keys(cleanShape), JSON.stringify(attack));
    // What the daemon makes of the text: lone surrogates become U+FFFD and "{{" is defused; nothing else changes.
    let expected = attack.replace(/\p{Cs}/gu, '\uFFFD');
    while (expected.includes('{{')) expected = expected.replaceAll('{{', '{ {');
    // A key with "." would make HolmesGPT's parser fail the whole file (benedict): the daemon drops it, with a warning.
    const dotted = expected.includes('.');
    if (dotted) t.true(r.warnings.some((w) => w.includes('with "." dropped')), JSON.stringify(attack));
    for (const key of Object.keys(got)) {
      // The attack string itself is a legitimate key inside headers; replace it before comparing.
      const normalise = (paths: string[], s: string) => paths.map((p) => p.split(s).join('<S>')).sort();
      const want = normalise(cleanShape[key]!, 'plain').filter((p) => !dotted || !p.includes('<S>'));
      t.deepEqual(normalise(got[key]!, expected), want, `${JSON.stringify(attack)} in ${key}`);
    }
    const toolsets = (parse(r.data['custom_toolset.yaml']!) as { toolsets: Record<string, Tree> }).toolsets;
    const prom = toolsets['prometheus/metrics']!;
    t.is(prom.description, expected, 'the text itself survives');
    t.is((prom.config as Tree).prometheus_url, expected);
    t.is((toolsets['sentry/api']!.config as { endpoints: Array<{ paths: string[] }> }).endpoints[0]!.paths[0], `/${expected}/*`);
    t.deepEqual(holmesProblems(r.data['custom_toolset.yaml']!), [], JSON.stringify(attack));
  }
});

test('a plugin description cannot smuggle a HolmesGPT env template into the generic toolset', (t) => {
  const r = renderConfigMapData({ services: [{ ...poisoned('x'), description: 'see {{ env.OPENAI_API_KEY }} and {{env.X}}' }] });
  const text = r.data['custom_toolset.yaml']!;
  t.false(text.includes('{{'));
  t.regex(text, /see \{ \{ env\.OPENAI_API_KEY \}\} and \{ \{env\.X\}\}/);
});

test('a health reason with newlines stays inside one comment line', (t) => {
  const r = renderConfigMapData({ services: [poisoned('HTTP 401\nmalicious: true\n# x')] });
  for (const text of [r.data['custom_toolset.yaml']!, r.data['sentry-toolset.yaml']!]) {
    t.regex(text, /^ *# needs credentials: apps\/sentry answered the health check with HTTP 401 malicious: true # x; add them/m);
    t.false(keyPaths(parse(text)).some((p) => p.endsWith('malicious')));
  }
});

test('property: random text in every free field never changes the key set', (t) => {
  const expected = JSON.stringify(shape(renderConfigMapData({ services: [poisoned('plain'), poisonedPlugin('plain', false)] }).data));
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.array(fc.constantFrom(...ATTACKS, ' ', '\n', ': ', '#'), { maxLength: 6 }).map((a) => a.join(''))), (s) => {
      return JSON.stringify(shape(renderConfigMapData({ services: [poisoned(s), poisonedPlugin(s, false)] }).data)) === expected;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
