// Scores the built-in detector set against a fixture directory and its expected.yaml, through the code
// `detect --manifests` runs (manifests.ts reads the dump, offline.ts indexes its Pods and EndpointSlices and runs the
// registry). Shared by scripts/eval-detection.mjs and test/builtin-evidence.test.ts.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { detectOfflineReport, evidenceFrom } from '../../core/src/detection/offline.js';
import type { DetectionRecord } from '../../core/src/detection/offline.js';
import { parseManifests } from '../../core/src/detection/manifests.js';
import { DEFAULT_LIMITS } from '../../core/src/sandbox/plugin.js';

/** One expected detection: the shape `detect --manifests` reports. */
export type Expected = DetectionRecord;

export interface FileScore {
  file: string;
  expected: number;
  detected: number;
  /** Detections of an expected Service with the expected type. */
  correct: number;
  /** Correct detections whose endpoint equals the expected one. */
  urlsRight: number;
  got: DetectionRecord[];
}

export interface Score {
  files: FileScore[];
  precision: number;
  recall: number;
  f1: number;
  /** Correct detections with the right endpoint, over correct detections (1 when there are none). */
  urlAccuracy: number;
}

export const fixtureFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'expected.yaml').sort();

export function readExpected(dir: string): Record<string, Expected[]> {
  return (YAML.parse(readFileSync(path.join(dir, 'expected.yaml'), 'utf8')) ?? {}) as Record<string, Expected[]>;
}

/** Detects one dump file; `servicesOnly` drops its Pods and EndpointSlices (what metadata alone gives). */
export async function detectFile(file: string, servicesOnly = false, limits: Partial<typeof GENEROUS> = {}): Promise<DetectionRecord[]> {
  const read = parseManifests(readFileSync(file, 'utf8'), file);
  const withEvidence = !servicesOnly && (read.pods.length > 0 || read.endpointSlices.length > 0);
  const report = await detectOfflineReport(read.services, { limits: { ...GENEROUS, ...limits }, ...(withEvidence ? { evidence: evidenceFrom(read.pods, read.endpointSlices, read.resources) } : {}) });
  // A score over a partial set of detectors would be wrong, not low: say so (plugins/dist is rebuilt by
  // `npm run build`, which empties it first).
  const loaded = report.plugins.filter((p) => p.source === 'builtin' && p.status === 'active').map((p) => p.name);
  const missing = BUILTINS.filter((b) => !loaded.includes(b));
  if (missing.length > 0) throw new Error(`built-in detectors not loaded: ${missing.join(', ')} (is plugins/dist being rebuilt? ${report.warnings.join('; ')})`);
  return report.records;
}

/**
 * This scores what the detectors decide, not how fast: on a loaded machine the daemon's load and call deadlines
 * would drop a slow plugin's answers and count them as misses.
 */
const GENEROUS = { ...DEFAULT_LIMITS, loadTimeoutMs: 60_000, callBaseMs: 60_000, quarantineAfter: 1_000_000 };

const BUILTINS = ['custom', 'prometheus', 'alertmanager', 'grafana', 'loki', 'tempo', 'jaeger', 'elasticsearch', 'victorialogs'];

const key = (r: { namespace: string; name: string }) => `${r.namespace}/${r.name}`;

export function scoreFile(file: string, expected: readonly Expected[], got: DetectionRecord[]): FileScore {
  const want = new Map(expected.map((e) => [key(e), e]));
  let correct = 0;
  let urlsRight = 0;
  for (const g of got) {
    const e = want.get(key(g));
    if (e === undefined || e.type !== g.type) continue;
    correct += 1;
    if (e.endpoint === g.endpoint) urlsRight += 1;
  }
  return { file, expected: expected.length, detected: got.length, correct, urlsRight, got };
}

export function summarise(files: FileScore[]): Score {
  const sum = (f: (s: FileScore) => number) => files.reduce((a, s) => a + f(s), 0);
  const correct = sum((s) => s.correct);
  const detected = sum((s) => s.detected);
  const expected = sum((s) => s.expected);
  const precision = detected === 0 ? 1 : correct / detected;
  const recall = expected === 0 ? 1 : correct / expected;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const urlAccuracy = correct === 0 ? 1 : sum((s) => s.urlsRight) / correct;
  return { files, precision, recall, f1, urlAccuracy };
}

/** Runs the built-in set over every dump of `dir` and scores it against `dir/expected.yaml`. */
export async function evaluate(dir: string, servicesOnly = false): Promise<Score> {
  const expected = readExpected(dir);
  const files: FileScore[] = [];
  for (const f of fixtureFiles(dir)) files.push(scoreFile(f, expected[f] ?? [], await detectFile(path.join(dir, f), servicesOnly)));
  return summarise(files);
}

/** Records in a comparable form: the expected.yaml fields only, healthPath null when absent, sorted by namespace/name. */
export function normaliseRecords(rs: readonly Expected[]): Expected[] {
  return rs
    .map((r) => ({ namespace: r.namespace, name: r.name, type: r.type, detector: r.detector, endpoint: r.endpoint, healthPath: r.healthPath ?? null }))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}
