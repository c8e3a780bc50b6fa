// A small PromQL reader for the dashboard test: finds every metric selector in an expression, with the label
// names its matchers use and whether it sits inside rate()/irate()/increase() (which need a counter). Label
// names after by/without/on/ignoring/group_left/group_right, matcher contents, strings, ranges, numbers and
// Grafana variables are skipped. An identifier followed by "(" must be a known function or aggregation.

export interface Selector {
  name: string;
  /** Label names used in the selector's matchers (`{a="x", b=~"y"}` → ['a', 'b']). */
  labels: string[];
  /** Inside rate, irate or increase: the series must be a counter (or a histogram's _bucket/_sum/_count). */
  counterFunction: string | undefined;
}

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);

const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max',
  'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'deg', 'delta', 'deriv',
  'double_exponential_smoothing', 'exp', 'floor', 'histogram_avg', 'histogram_count', 'histogram_fraction', 'histogram_quantile', 'histogram_stddev',
  'histogram_stdvar', 'histogram_sum', 'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'last_over_time', 'ln',
  'log10', 'log2', 'mad_over_time', 'max_over_time', 'min_over_time', 'minute', 'month', 'pi', 'predict_linear', 'present_over_time',
  'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sin', 'sinh', 'sort', 'sort_by_label', 'sort_by_label_desc', 'sort_desc',
  'sqrt', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'tan', 'tanh', 'time', 'timestamp', 'vector', 'year',
]);

/** Words that are never metric names. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan']);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase']);

type Token = { kind: 'ident' | 'string' | 'number' | 'var' | 'punct'; text: string };

export function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++; // comment
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' && c !== '`' ? 2 : 1;
      if (j >= expr.length) throw new Error(`unterminated string in ${expr}`);
      out.push({ kind: 'string', text: expr.slice(i + 1, j) });
      i = j + 1;
    } else if (c === '$') {
      // Grafana variables: $name, ${name}, ${name:fmt}
      const m = /^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/.exec(expr.slice(i));
      if (!m) throw new Error(`bad variable at ${i} in ${expr}`);
      out.push({ kind: 'var', text: m[0] });
      i += m[0].length;
    } else if (/[0-9.]/.test(c)) {
      const m = /^[0-9.][0-9a-zA-Z_.]*/.exec(expr.slice(i))!; // numbers, durations (5m, 1h30m)
      out.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_:]/.test(c)) {
      const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(expr.slice(i))!;
      out.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else {
      const two = expr.slice(i, i + 2);
      const op = ['==', '!=', '>=', '<=', '=~', '!~'].includes(two) ? two : c;
      out.push({ kind: 'punct', text: op });
      i += op.length;
    }
  }
  return out;
}

/** Every metric selector of a PromQL expression. */
export function selectors(expr: string): Selector[] {
  const tokens = tokenize(expr);
  const out: Selector[] = [];
  /** One entry per open "(": the function it calls, if any. */
  const parens: Array<string | undefined> = [];
  const counterFunction = (): string | undefined => [...parens].reverse().find((f) => f !== undefined && COUNTER_FUNCTIONS.has(f));

  /** Reads `{...}` starting at tokens[at] === '{'; returns its label names, a __name__ if given, and the index after '}'. */
  const matchers = (at: number): { labels: string[]; name?: string; next: number } => {
    const labels: string[] = [];
    let name: string | undefined;
    let k = at + 1;
    for (; k < tokens.length && tokens[k]!.text !== '}'; k++) {
      const tk = tokens[k]!;
      if (tk.kind === 'ident' && ['=', '!=', '=~', '!~'].includes(tokens[k + 1]?.text ?? '')) {
        if (tk.text === '__name__' && tokens[k + 1]!.text === '=' && tokens[k + 2]?.kind === 'string') name = tokens[k + 2]!.text;
        else labels.push(tk.text);
      }
    }
    if (k >= tokens.length) throw new Error(`unclosed { in ${expr}`);
    return { labels, ...(name !== undefined ? { name } : {}), next: k + 1 };
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === 'punct' && t.text === '[') {
      // Range or subquery: durations and variables only.
      while (i < tokens.length && tokens[i]!.text !== ']') i++;
    } else if (t.kind === 'punct' && t.text === '{') {
      // A selector without a metric name in front: only valid with __name__.
      const m = matchers(i);
      if (m.name !== undefined) out.push({ name: m.name, labels: m.labels, counterFunction: counterFunction() });
      i = m.next - 1;
    } else if (t.kind === 'punct' && t.text === '(') {
      parens.push(undefined);
    } else if (t.kind === 'punct' && t.text === ')') {
      parens.pop();
    } else if (t.kind === 'ident') {
      const word = t.text.toLowerCase();
      if (GROUPING.has(word)) {
        // by (a, b): label names, not metrics
        if (next?.text === '(') {
          i += 1;
          while (i < tokens.length && tokens[i]!.text !== ')') i++;
        }
      } else if (next?.text === '(') {
        if (!FUNCTIONS.has(t.text) && !AGGREGATIONS.has(t.text)) throw new Error(`unknown function ${t.text}() in ${expr}`);
        parens.push(t.text);
        i += 1;
      } else if (AGGREGATIONS.has(t.text) && next !== undefined && GROUPING.has(next.text)) {
        // sum by (x) (...): the aggregation's own "(" comes after the grouping.
      } else if (KEYWORDS.has(word)) {
        // operator or modifier
      } else if (next?.text === '{') {
        const m = matchers(i + 1);
        out.push({ name: t.text, labels: m.labels, counterFunction: counterFunction() });
        i = m.next - 1;
      } else {
        out.push({ name: t.text, labels: [], counterFunction: counterFunction() });
      }
    }
  }
  return out;
}

/** `label_values(metric{...}, label)` of a Grafana query variable; undefined for other queries. */
export function labelValuesQuery(query: string): { selector: Selector; label: string } | undefined {
  const m = /^\s*label_values\s*\(\s*(.+?)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/s.exec(query);
  if (!m) return undefined;
  const found = selectors(m[1]!);
  if (found.length !== 1) throw new Error(`label_values needs exactly one selector: ${query}`);
  return { selector: found[0]!, label: m[2]! };
}
