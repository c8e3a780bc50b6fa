// labelSelector / fieldSelector parsing and matching with the grammar of
// k8s.io/apimachinery/pkg/labels and pkg/fields. Parse errors become 400 BadRequest, like the server.
import { errors } from './status.js';
import { labelValue, qualifiedName } from './validation.js';

export type LabelOperator = 'exists' | '!' | '=' | '==' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}

export interface FieldRequirement {
  field: string;
  op: '=' | '==' | '!=';
  value: string;
}

type Tok =
  | { t: 'id'; v: string }
  | { t: 'op'; v: '!' | '=' | '==' | '!=' | '>' | '<' }
  | { t: 'kw'; v: 'in' | 'notin' }
  | { t: '(' | ')' | ',' | 'end' };

const SPECIAL = new Set(['=', '!', '(', ')', ',', '<', '>']);

function lex(input: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      toks.push({ t: c });
      i++;
      continue;
    }
    if (c === '=' || c === '!' || c === '<' || c === '>') {
      const two = input.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        toks.push({ t: 'op', v: two });
        i += 2;
      } else {
        toks.push({ t: 'op', v: c });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j] as string) && !/\s/.test(input[j] as string)) j++;
    const word = input.slice(i, j);
    if (word === 'in' || word === 'notin') toks.push({ t: 'kw', v: word });
    else toks.push({ t: 'id', v: word });
    i = j;
  }
  toks.push({ t: 'end' });
  return toks;
}

function describe(tok: Tok): string {
  if (tok.t === 'end') return '';
  if (tok.t === 'id' || tok.t === 'op' || tok.t === 'kw') return tok.v;
  return tok.t;
}

function parseError(detail: string): never {
  throw errors.badRequest(`unable to parse requirement: ${detail}`);
}

/** Parses a label selector string; the empty string selects everything. */
export function parseLabelSelector(input: string): LabelRequirement[] {
  const toks = lex(input);
  let pos = 0;
  const peek = (): Tok => toks[pos] as Tok;
  const next = (): Tok => toks[pos++] as Tok;
  const reqs: LabelRequirement[] = [];
  if (peek().t === 'end') return reqs;
  for (;;) {
    let tok = next();
    let negated = false;
    if (tok.t === 'op' && tok.v === '!') {
      negated = true;
      tok = next();
    }
    if (tok.t !== 'id') parseError(`found '${describe(tok)}', expected: identifier`);
    const key = tok.v;
    const keyErrs = qualifiedName(key);
    if (keyErrs.length > 0) parseError(`<nil>: Invalid value: "${key}": ${keyErrs.join('; ')}`);
    if (negated) {
      reqs.push({ key, op: '!', values: [] });
    } else {
      const opTok = peek();
      if (opTok.t === ',' || opTok.t === 'end') {
        reqs.push({ key, op: 'exists', values: [] });
      } else if (opTok.t === 'op' && (opTok.v === '=' || opTok.v === '==' || opTok.v === '!=')) {
        next();
        const v = peek();
        let value = '';
        if (v.t === 'id') {
          value = v.v;
          next();
        } else if (v.t !== ',' && v.t !== 'end') {
          parseError(`found '${describe(v)}', expected: identifier for value`);
        }
        checkValue(value);
        reqs.push({ key, op: opTok.v, values: [value] });
      } else if (opTok.t === 'op' && (opTok.v === '>' || opTok.v === '<')) {
        next();
        const v = next();
        if (v.t !== 'id' || !/^-?\d+$/.test(v.v)) parseError(`for 'Gt', 'Lt' operators, the value must be an integer`);
        reqs.push({ key, op: opTok.v === '>' ? 'gt' : 'lt', values: [v.v] });
      } else if (opTok.t === 'kw') {
        next();
        const open = next();
        if (open.t !== '(') parseError(`found '${describe(open)}', expected: '('`);
        const values: string[] = [];
        for (;;) {
          const v = peek();
          if (v.t === 'id') {
            checkValue(v.v);
            values.push(v.v);
            next();
          } else if (v.t === ',' || v.t === ')') {
            values.push(''); // `in (a,)` admits the empty value, as upstream does
          } else {
            parseError(`found '${describe(v)}', expected: ',', ')' or identifier`);
          }
          const sep = next();
          if (sep.t === ')') break;
          if (sep.t !== ',') parseError(`found '${describe(sep)}', expected: ',' or ')'`);
        }
        reqs.push({ key, op: opTok.v, values: [...new Set(values)] });
      } else {
        parseError(`found '${describe(opTok)}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    const sep = next();
    if (sep.t === 'end') break;
    if (sep.t !== ',') parseError(`found '${describe(sep)}', expected: ',' or 'end of string'`);
  }
  return reqs;
}

function checkValue(v: string): void {
  const errs = labelValue(v);
  if (errs.length > 0) parseError(`<nil>: Invalid value: "${v}": ${errs.join('; ')}`);
}

export function matchesLabels(reqs: readonly LabelRequirement[], labels: Readonly<Record<string, string>>): boolean {
  return reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case '=':
      case '==':
      case 'in':
        return has && r.values.includes(v as string);
      case '!=':
      case 'notin':
        return !has || !r.values.includes(v as string);
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v as string)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        return r.op === 'gt' ? n > bound : n < bound;
      }
    }
  });
}

/** Splits on unescaped separators, keeping escapes for the next stage (fields.splitTerms). */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] as string);
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

function unescapeFieldValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as string;
    if (c === '\\') {
      const n = v[i + 1];
      if (n === undefined || !'\\,='.includes(n)) throw errors.badRequest(`invalid field selector: invalid escape sequence`);
      out += n;
      i++;
    } else if (c === ',' || c === '=') {
      throw errors.badRequest(`invalid field selector: unescaped ${c}`);
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Parses a field selector and rejects fields the resource does not index, with the
 * server's "field label not supported" wording.
 */
export function parseFieldSelector(input: string, supported: ReadonlySet<string>): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  if (input.trim() === '') return reqs;
  for (const term of splitUnescaped(input, ',')) {
    if (term === '') continue;
    let found: FieldRequirement | undefined;
    for (let i = 0; i < term.length && !found; i++) {
      if (term[i] === '\\') {
        i++;
        continue;
      }
      for (const op of ['!=', '==', '='] as const) {
        if (term.startsWith(op, i)) {
          found = { field: term.slice(0, i).trim(), op, value: unescapeFieldValue(term.slice(i + op.length)) };
          break;
        }
      }
    }
    if (!found) throw errors.badRequest(`invalid selector: '${input}'; can't understand '${term}'`);
    if (!supported.has(found.field)) throw errors.badRequest(`field label not supported: ${found.field}`);
    reqs.push(found);
  }
  return reqs;
}

export function matchesFields(reqs: readonly FieldRequirement[], fields: Readonly<Record<string, string>>): boolean {
  return reqs.every((r) => {
    const v = fields[r.field] ?? '';
    return r.op === '!=' ? v !== r.value : v === r.value;
  });
}

/** A parsed `labelSelector` + `fieldSelector` pair. */
export interface Selector {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

export function selectorMatches(sel: Selector, labels: Readonly<Record<string, string>>, fields: Readonly<Record<string, string>>): boolean {
  return matchesLabels(sel.labels, labels) && matchesFields(sel.fields, fields);
}
