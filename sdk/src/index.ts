// @kubernaut/toolset-sdk — write detector plugins for dynamic-toolset.
// This module is bundled into every plugin and runs inside the host's sandbox: plain JavaScript only.
import { SDK_API_VERSION } from './types.js';
import type { DetectorDefinition, PluginExport } from './types.js';

export * from './types.js';
export * from './evidence.js';
export * from './identity.js';
export { MANIFEST_BANNER_PREFIX, manifestBanner, readManifestBanner } from './banner.js';
export type { BannerInfo, SdkProvenance } from './banner.js';
export { DNS_LABEL, SEMVER, isDnsLabel } from './names.js';
import { isDnsLabel, SEMVER } from './names.js';

/**
 * Declares a detector. Checks the definition at once, so a mistake fails the author's build or test rather
 * than the daemon's load, and stamps it with the SDK API version the host checks for compatibility.
 */
const INTEREST_LISTS = ['images', 'imageWords', 'containers', 'resourceKinds'] as const;
const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '');

/** What is wrong with a declared `evidence` (EvidenceUse), caught at build time rather than by the host. */
function evidenceUseProblems(use: unknown): string[] {
  if (use === 'none') return [];
  if (use === null || typeof use !== 'object' || Array.isArray(use)) return [`evidence must be 'none' or an object (got ${JSON.stringify(use)})`];
  const o = use as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(o)) {
    if (!(INTEREST_LISTS as readonly string[]).includes(k) && k !== 'labels') out.push(`evidence.${k} is not a known key (${[...INTEREST_LISTS, 'labels'].join(', ')})`);
  }
  for (const k of INTEREST_LISTS) if (o[k] !== undefined && !isStrings(o[k])) out.push(`evidence.${k} must be a list of non-empty strings`);
  const labels = o.labels;
  if (labels !== undefined && (labels === null || typeof labels !== 'object' || !Object.values(labels).every(isStrings))) out.push('evidence.labels must map label keys to lists of values');
  return out;
}

export function defineDetector<C = Record<string, unknown>>(definition: DetectorDefinition<C>): PluginExport<C> {
  const problems: string[] = [];
  const d = definition as Partial<DetectorDefinition<C>> | null;
  if (d === null || typeof d !== 'object') throw new TypeError('defineDetector: expected an object');
  if (typeof d.name !== 'string' || !isDnsLabel(d.name)) problems.push(`name must be a lower-case DNS label (got ${JSON.stringify(d.name)})`);
  if (typeof d.version !== 'string' || !SEMVER.test(d.version)) problems.push(`version must be a semantic version like 1.2.0 (got ${JSON.stringify(d.version)})`);
  if (typeof d.description !== 'string' || d.description.trim() === '') problems.push('description must be a non-empty string');
  if (typeof d.type !== 'string' || !isDnsLabel(d.type)) problems.push(`type must be a lower-case DNS label (got ${JSON.stringify(d.type)})`);
  if (typeof d.detect !== 'function') problems.push('detect must be a function');
  if (d.toolsets !== undefined && typeof d.toolsets !== 'function') problems.push('toolsets, when given, must be a function');
  if (d.evidence !== undefined) problems.push(...evidenceUseProblems(d.evidence));
  if (problems.length > 0) throw new TypeError(`defineDetector(${String(d.name)}): ${problems.join('; ')}`);
  return Object.freeze({ ...(definition as DetectorDefinition<C>), apiVersion: SDK_API_VERSION });
}
