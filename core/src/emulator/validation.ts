// Name/label validators with the exact messages of k8s.io/apimachinery/pkg/util/validation,
// so 422 responses read like the real server's.
import { FieldError } from './status.js';
import { isJsonObject, type JsonValue } from './types.js';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const CONFIG_KEY = '[-._a-zA-Z0-9]+';

/** Compiled once per pattern: validation runs on every key of every write. */
const compiled = new Map<string, RegExp>();
const full = (re: string): RegExp => {
  let r = compiled.get(re);
  if (r === undefined) {
    r = new RegExp(`^${re}$`);
    compiled.set(re, r);
  }
  return r;
};

function examples(xs: string[]): string {
  return xs.map((x) => `'${x}'`).join(',  or ');
}

function regexMsg(what: string, re: string, ex: string[]): string {
  return `${what} (e.g. ${examples(ex)}, regex used for validation is '${re}')`;
}

function maxLen(n: number): string {
  return `must be no more than ${n} characters`;
}

/** Returns the problems with `value` as a DNS-1123 subdomain (empty = valid). */
export function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLen(253));
  if (!full(DNS1123_SUBDOMAIN).test(value)) {
    errs.push(
      regexMsg(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN,
        ['example.com'],
      ),
    );
  }
  return errs;
}

export function dns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!full(DNS1035_LABEL).test(value)) {
    errs.push(
      regexMsg(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL,
        ['my-name', 'abc-123'],
      ),
    );
  }
  return errs;
}

export function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!full(DNS1123_LABEL).test(value)) {
    errs.push(
      regexMsg(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL,
        ['my-name', '123-abc'],
      ),
    );
  }
  return errs;
}

/** Label/annotation keys: optional DNS subdomain prefix + '/' + name. */
export function qualifiedName(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const e of dns1123Subdomain(prefix)) errs.push(`prefix part ${e}`);
  } else if (parts.length > 2) {
    return [
      regexMsg(
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME,
        ['MyName', 'my.name', '123-abc'],
      ) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (name.length > 0 && !full(QUALIFIED_NAME).test(name)) {
    errs.push(
      regexMsg(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME,
        ['MyName', 'my.name', '123-abc'],
      ),
    );
  }
  return errs;
}

export function labelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!full(LABEL_VALUE).test(value)) {
    errs.push(
      regexMsg(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE,
        ['MyValue', 'my_value', '12345'],
      ),
    );
  }
  return errs;
}

export function configMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLen(253));
  if (!full(CONFIG_KEY).test(value)) {
    errs.push(
      regexMsg("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY, ['key.name', 'KEY_NAME', 'key-name']),
    );
  }
  return errs;
}

/**
 * `check(value)`, remembered: the same few label and annotation keys (and many label values) come with every write.
 * The checks are pure, so a remembered answer is the answer; the memo is dropped whole when it grows large.
 */
function memo(check: (value: string) => string[]): (value: string) => readonly string[] {
  const seen = new Map<string, readonly string[]>();
  return (value) => {
    let errs = seen.get(value);
    if (errs === undefined) {
      if (seen.size >= 10_000) seen.clear();
      errs = check(value);
      seen.set(value, errs);
    }
    return errs;
  };
}

const metaKeyProblems = memo(qualifiedName);
const labelValueProblems = memo(labelValue);

/** ValidateObjectMeta's label/annotation checks. */
export function validateMetaMaps(meta: JsonValue | undefined): FieldError[] {
  const out: FieldError[] = [];
  if (!isJsonObject(meta)) return out;
  const labels = meta.labels;
  if (isJsonObject(labels)) {
    for (const [k, v] of Object.entries(labels)) {
      for (const e of metaKeyProblems(k)) out.push(FieldError.invalid('metadata.labels', k, e));
      if (typeof v === 'string') for (const e of labelValueProblems(v)) out.push(FieldError.invalid('metadata.labels', v, e));
    }
  }
  const annotations = meta.annotations;
  if (isJsonObject(annotations)) {
    for (const k of Object.keys(annotations)) {
      for (const e of metaKeyProblems(k.toLowerCase())) out.push(FieldError.invalid('metadata.annotations', k, e));
    }
  }
  return out;
}
