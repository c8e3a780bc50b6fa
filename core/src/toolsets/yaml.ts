// Data → YAML text, with the `yaml` library only (never string templates), readable by both YAML 1.2 parsers
// (the daemon, kubectl) and PyYAML (YAML 1.1, what HolmesGPT uses):
//   - a string PyYAML would resolve to something else (yes/no/on/off/y/n, 1:20, 0777, 2025-01-01, <<, =, …) is
//     double-quoted, keys included; the library already quotes what YAML 1.2 would misread;
//   - tabs (PyYAML ends a plain scalar at one) and characters PyYAML refuses in a stream (C1 controls, DEL,
//     U+FFFE/U+FFFF) or reads as line breaks (NEL, U+2028/U+2029) only ever appear in double-quoted scalars, as
//     escapes (\t, \x80, \N, \L, \P, \uFFFE…);
//   - comments are single lines made by the daemon, never a value's text;
//   - one line per scalar (no folding); multi-line text as a literal block only when the block keeps it exactly;
//   - numbers with an exponent get a mantissa dot (PyYAML reads `1e-7` as text);
//   - no anchors/aliases; the same data always gives the same bytes.
import { Document, isMap, isScalar, visit } from 'yaml';
import type { Plain } from './data.js';
import { oneLine } from './data.js';

// PyYAML's implicit resolvers (yaml/resolver.py), plus y/n which YAML 1.1 itself lists as booleans.
const PYYAML_IMPLICIT: readonly RegExp[] = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|y|Y|n|N)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:<<|=)$/,
];
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;
// What the library leaves raw inside double quotes although PyYAML refuses or folds it.
const RAW_IN_QUOTES = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** True when the string must be written double-quoted to mean the same to PyYAML and to YAML 1.2. */
export function mustDoubleQuote(s: string): boolean {
  return NEEDS_ESCAPE.test(s) || PYYAML_IMPLICIT.some((re) => re.test(s)) || (s.includes('\n') && !blockSafe(s));
}

/**
 * A multi-line string the library may write as a literal block (`|`): no whitespace-only line, no trailing
 * blank, no leading blank on the first line. The library's blocks lose exactly those (and PyYAML reads
 * whitespace-only block lines as empty), so such strings are double-quoted with `\n` escapes instead.
 */
function blockSafe(s: string): boolean {
  return s.split('\n').every((line, i) => !/^[ \t]+$/.test(line) && !/[ \t]$/.test(line) && !(i === 0 && /^[ \t]/.test(line)));
}

function escapeRaw(c: string): string {
  if (c === '\u0085') return '\\N';
  if (c === '\u2028') return '\\L';
  if (c === '\u2029') return '\\P';
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Numbers JavaScript writes with an exponent (1e+21, 5e-7): PyYAML reads `5e-7` as text, so the mantissa gets a
 * `.0` (`5.0e-7`), which both PyYAML and YAML 1.2 read as the same float.
 */
const PY_FLOAT_EXP = {
  identify: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && String(value).includes('e'),
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  resolve: (text: string) => parseFloat(text),
  stringify: ({ value }: { value: unknown }) => {
    const text = String(value);
    return text.includes('.') ? text : text.replace('e', '.0e');
  },
};

export interface YamlComments {
  /** Lines of the comment at the top of the document. */
  header: readonly string[];
  /** Comments before the keys of the mapping at `path` (e.g. `['toolsets']`): key → lines. */
  keys?: { path: readonly string[]; comments: ReadonlyMap<string, readonly string[]> };
}

const commentText = (lines: readonly string[]): string => lines.map((l) => ` ${oneLine(l, 1000)}`).join('\n');

/** Renders one YAML document. The caller orders the keys (the output keeps the data's order). */
export function toYaml(data: Plain, comments: YamlComments): string {
  const doc = new Document(data, { aliasDuplicateObjects: false, customTags: (tags) => [PY_FLOAT_EXP, ...tags] });
  if (comments.header.length > 0) doc.commentBefore = commentText(comments.header);
  if (comments.keys) {
    const map = doc.getIn([...comments.keys.path], true);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (!isScalar(pair.key) || typeof pair.key.value !== 'string') continue;
        const lines = comments.keys.comments.get(pair.key.value);
        if (lines && lines.length > 0) pair.key.commentBefore = commentText(lines);
      }
    }
  }
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && mustDoubleQuote(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  // Every string holding such a character is double-quoted (above) and comments hold none (oneLine drops them),
  // so each raw occurrence sits inside a double-quoted scalar, where an escape means the same character.
  // No folding: the library's folded double-quoted lines do not always read back the same (in PyYAML or in
  // the library itself), and a generated file does not need to fit a screen.
  return doc.toString({ lineWidth: 0, doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER }).replace(RAW_IN_QUOTES, escapeRaw);
}
