// A small unified diff of ConfigMap data, key by key, for `discover --dry-run`.

function lcsTable(a: readonly string[], b: readonly string[]): number[][] {
  const t: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  }
  return t;
}

/** Lines prefixed ' ', '-' or '+' (longest-common-subsequence diff; ConfigMap values are small). */
export function lineDiff(before: string, after: string): string[] {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  const t = lcsTable(a, b);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(` ${a[i]}`);
      i++;
      j++;
    } else if (t[i + 1]![j]! >= t[i]![j + 1]!) out.push(`-${a[i++]}`);
    else out.push(`+${b[j++]}`);
  }
  while (i < a.length) out.push(`-${a[i++]}`);
  while (j < b.length) out.push(`+${b[j++]}`);
  return out;
}

export function unifiedDiff(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string {
  let out = '';
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[key];
    const b = after[key];
    if (a === b) continue;
    out += `--- live/${key}${a === undefined ? ' (absent)' : ''}\n+++ new/${key}${b === undefined ? ' (removed)' : ''}\n`;
    out += `${lineDiff(a ?? '', b ?? '').join('\n')}\n`;
  }
  return out;
}
