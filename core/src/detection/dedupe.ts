// One endpoint per install. Plugins already skip the twins they can recognise; this host-side rule is the
// safety net that holds for every plugin: a headless Service that selects exactly the same pods as a normal
// Service of the same type in its namespace is a duplicate of it.
import type { DetectedService } from './engine.js';

export interface Deduped {
  kept: DetectedService[];
  /** Duplicate key → the key of the Service kept instead. */
  duplicates: Map<string, string>;
}

function selectorKey(selector: Readonly<Record<string, string>>): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',');
}

/** Pure; the result is sorted by key, so output built from it is deterministic. */
export function dedupe(detected: readonly DetectedService[]): Deduped {
  const normalBySelector = new Map<string, DetectedService>();
  for (const d of [...detected].sort((a, b) => a.key.localeCompare(b.key))) {
    const sel = selectorKey(d.selector);
    if (!d.headless && sel !== '') {
      const id = `${d.namespace}\u0000${d.type}\u0000${sel}`;
      if (!normalBySelector.has(id)) normalBySelector.set(id, d);
    }
  }
  const kept: DetectedService[] = [];
  const duplicates = new Map<string, string>();
  for (const d of [...detected].sort((a, b) => a.key.localeCompare(b.key))) {
    const sel = selectorKey(d.selector);
    const twin = d.headless && sel !== '' ? normalBySelector.get(`${d.namespace}\u0000${d.type}\u0000${sel}`) : undefined;
    if (twin) duplicates.set(d.key, twin.key);
    else kept.push(d);
  }
  return { kept, duplicates };
}
