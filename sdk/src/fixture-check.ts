// `toolset-sdk test`: run a detector over fixture Services in the daemon's sandbox and compare with expectations.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { TestResult } from './testing.js';

export interface Expectation {
  namespace: string;
  name: string;
  detected: boolean;
  endpoint?: string;
  type?: string;
}

export async function readExpectations(file: string): Promise<Expectation[]> {
  const data: unknown = parse(await readFile(file, 'utf8'));
  if (!Array.isArray(data)) throw new Error(`${file}: expected a YAML list of {namespace, name, detected, endpoint?, type?}`);
  return data.map((e, i) => {
    const o = e as Partial<Expectation>;
    if (typeof o?.namespace !== 'string' || typeof o.name !== 'string' || typeof o.detected !== 'boolean') {
      throw new Error(`${file}: entry ${i + 1} needs namespace, name and detected (true/false)`);
    }
    return o as Expectation;
  });
}

/** Problems, one line each; empty when every expectation holds and every fixture is expected. */
export function compare(results: readonly TestResult[], expected: readonly Expectation[]): string[] {
  const problems: string[] = [];
  const byKey = new Map(results.map((r) => [`${r.namespace}/${r.name}`, r]));
  for (const e of expected) {
    const key = `${e.namespace}/${e.name}`;
    const r = byKey.get(key);
    if (!r) {
      problems.push(`${key}: expected in the fixtures, but no such Service was read`);
      continue;
    }
    byKey.delete(key);
    const detected = r.outcome === 'detected';
    if (detected !== e.detected) {
      problems.push(`${key}: expected ${e.detected ? 'detected' : 'not detected'}, got ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`);
    } else if (detected) {
      if (e.endpoint !== undefined && r.endpoint !== e.endpoint) problems.push(`${key}: expected endpoint ${e.endpoint}, got ${r.endpoint}`);
      if (e.type !== undefined && r.type !== e.type) problems.push(`${key}: expected type ${e.type}, got ${r.type}`);
    }
  }
  for (const key of byKey.keys()) problems.push(`${key}: in the fixtures but not in the expectations`);
  return problems;
}
