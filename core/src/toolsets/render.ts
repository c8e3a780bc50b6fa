// Published Services + overrides.yaml → the data of ConfigMap `kubernaut-toolset-config`:
//
//   custom_toolset.yaml      HolmesGPT's own format (`toolsets:` mapping, and `mcp_servers:` — the MCP servers found,
//                            mcp.ts, and the admin's): the baseline, one entry per discovered toolset, overrides
//                            merged in. Never empty.
//   kubernetes-toolset.yaml  `toolset: kubernetes`, `enabled: true` — always (the original per-type format).
//   <type>-toolset.yaml      `toolset: <type>`, `enabled: true`, `config: {url}` for each type with a published
//                            primary (healthy, unchecked, or needs-credentials with a comment).
//   overrides.yaml           only when the key is absent: OVERRIDES_TEMPLATE, to be created (never overwritten).
//
// Pure and deterministic: no clock, no randomness, every mapping in a fixed order, so unchanged inputs give
// byte-identical data and the reconciler's diff sees no change. An invalid overrides.yaml never stops
// generation: the data is rendered without it and `overrides.state` is `invalid` with every problem. The same
// holds for an overrides.yaml that parses but would make the merged custom_toolset.yaml something HolmesGPT does
// not load (check.ts). Over the size budget, or when the daemon's own custom_toolset.yaml fails that check,
// `error` is set and the data must not be written (the reconciler keeps the last good ConfigMap).
import { Buffer } from 'node:buffer';
import { parse } from 'yaml';
import { buildToolsets } from './build.js';
import { checkToolsetsDocument, formatPath } from './check.js';
import type { HolmesProblem } from './check.js';
import type { SkippedService } from './build.js';
import { compareStrings, defuseTemplates, oneLine, setOwn } from './data.js';
import type { Plain, PlainObject } from './data.js';
import { CONFIGMAP_NAME, CUSTOM_TOOLSET_KEY, KUBERNETES_KEY, OVERRIDES_KEY, perTypeKey } from './holmes.js';
import { mergeToolsets } from './merge.js';
import { buildMcpServers, mcpServersDoc, mcpServerView, mergeMcpServers } from './mcp.js';
import type { BuiltMcpServer } from './mcp.js';
import type { MergedToolset } from './merge.js';
import { formatOverridesProblem, overridesLine, OVERRIDES_TEMPLATE, parseOverrides } from './overrides.js';
import type { Overrides, OverridesProblem } from './overrides.js';
import type { PrimaryChoice } from './primary.js';
import type { PublishedService, ToolsetView } from './types.js';
import { toolsetView } from './view.js';
import { toYaml } from './yaml.js';

/** The API server refuses a ConfigMap whose data (keys + values) exceeds 1 MiB. */
export const CONFIGMAP_LIMIT_BYTES = 1_048_576;
/** Kept free for metadata (labels, annotations, managedFields) and for what an admin adds later. */
export const METADATA_MARGIN_BYTES = 65_536;
export const MAX_DATA_BYTES = CONFIGMAP_LIMIT_BYTES - METADATA_MARGIN_BYTES;

export interface RenderInput {
  services: readonly PublishedService[];
  /** `config.primary`: type → `<namespace>/<name>`. */
  primary?: Readonly<Record<string, string>>;
  /** `config.holmesgpt.multiInstance`. */
  multiInstance?: boolean;
  /** The ConfigMap's current overrides.yaml; null or undefined when the key is absent. */
  overrides?: string | null;
  /** Bytes (keys + values) of the other keys the ConfigMap keeps (keys an admin added). */
  foreignBytes?: number;
  /** Budget for the whole data; default MAX_DATA_BYTES. */
  maxBytes?: number;
  /** More header comment lines for custom_toolset.yaml (budget.ts: what was left out, and why). */
  notes?: readonly string[];
}

export type OverridesStatus =
  | { state: 'absent' }
  | { state: 'applied'; /** Names overrides.yaml sets, sorted. */ toolsets: string[] }
  | { state: 'invalid'; errors: OverridesProblem[]; message: string };

export interface TooLarge {
  kind: 'too-large';
  message: string;
  bytes: number;
  limit: number;
  biggestKeys: Array<{ key: string; bytes: number }>;
  biggestToolsets: Array<{ name: string; bytes: number }>;
}

/** custom_toolset.yaml as rendered would not load in HolmesGPT (a daemon bug or a plugin's answer): not written. */
export interface InvalidToolsets {
  kind: 'invalid-toolsets';
  message: string;
  problems: HolmesProblem[];
}

export type RenderError = TooLarge | InvalidToolsets;

export interface RenderResult {
  /** The keys to write (plus overrides.yaml only when it is absent). Keys sorted. */
  data: Record<string, string>;
  /** What custom_toolset.yaml holds, for `GET /api/v1/toolsets`: the toolsets sorted by name, then the MCP servers (`section: mcp_servers`) sorted by name. */
  toolsets: ToolsetView[];
  primaries: PrimaryChoice[];
  skipped: SkippedService[];
  overrides: OverridesStatus;
  warnings: string[];
  /** Size of the ConfigMap data once written: generated keys, overrides.yaml and the foreign keys. */
  bytes: number;
  /**
   * Set when the data must not be written: it would not fit (`too-large`) or HolmesGPT would not load it
   * (`invalid-toolsets`). Keep the current ConfigMap, log, count `error_type=<kind>`.
   */
  error?: RenderError;
}

const DO_NOT_EDIT = `Do not edit: the daemon rewrites this key. Put changes in ${OVERRIDES_KEY} (same ConfigMap).`;

export function renderConfigMapData(input: RenderInput): RenderResult {
  const built = buildToolsets(input.services, { primary: input.primary ?? {}, multiInstance: input.multiInstance ?? false });
  const warnings = [...built.warnings];

  let overrides: Overrides | undefined;
  let status: OverridesStatus;
  if (input.overrides === null || input.overrides === undefined) {
    status = { state: 'absent' };
  } else {
    const parsed = parseOverrides(input.overrides);
    if (parsed.ok) {
      overrides = parsed.overrides;
      status = { state: 'applied', toolsets: [...parsed.overrides.toolsets.keys()] };
    } else {
      status = { state: 'invalid', errors: parsed.errors, message: parsed.message };
      warnings.push(`${OVERRIDES_KEY} is invalid and was not applied: ${parsed.message}`);
    }
  }
  const mcp = buildMcpServers(input.services);
  let merged = mergeToolsets(built.entries, overrides);
  const notes = input.notes ?? [];
  let custom = renderCustomToolsets(merged, overrides, status, notes, mcp.servers);
  let problems = holmesProblems(custom);
  if (problems.length > 0 && overrides !== undefined) {
    const alone = mergeToolsets(built.entries, undefined);
    const aloneProblems = holmesProblems(renderCustomToolsets(alone, undefined, status, [], mcp.servers));
    if (aloneProblems.length === 0) {
      // overrides.yaml made the file unloadable: refuse it whole, as a file that does not parse.
      const errors = problems.map((p) => ({ line: overridesLine(input.overrides!, p.path), path: formatPath(p.path), message: `${p.message} (after merging overrides.yaml)` }));
      errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      status = { state: 'invalid', errors, message: errors.map(formatOverridesProblem).join('; ') };
      warnings.push(`${OVERRIDES_KEY} is invalid and was not applied: ${status.message}`);
      overrides = undefined;
      merged = alone;
      custom = renderCustomToolsets(merged, undefined, status, notes, mcp.servers);
      problems = holmesProblems(custom);
    }
  }

  const data: Record<string, string> = {};
  setOwn(data, CUSTOM_TOOLSET_KEY, custom);
  const kubernetesHeader = ['Generated by dynamic-toolset (per-type format): the Kubernetes toolset, always on.', DO_NOT_EDIT];
  setOwn(data, KUBERNETES_KEY, toYaml({ toolset: 'kubernetes', enabled: true }, { header: kubernetesHeader }));
  for (const t of built.perType.values()) {
    const header = [
      `Generated by dynamic-toolset (per-type format): type ${t.type}, from Service ${t.service} (the type's primary).`,
      `${DO_NOT_EDIT} HolmesGPT itself reads ${CUSTOM_TOOLSET_KEY}.`,
      ...(t.note !== undefined ? [t.note] : []),
    ];
    setOwn(data, perTypeKey(t.type), toYaml({ toolset: t.type, enabled: true, config: { url: defuseTemplates(t.url) } }, { header }));
  }
  if (status.state === 'absent') setOwn(data, OVERRIDES_KEY, OVERRIDES_TEMPLATE);
  const sortedData: Record<string, string> = {};
  for (const k of Object.keys(data).sort(compareStrings)) setOwn(sortedData, k, data[k]!);

  const sizes = Object.entries(sortedData).map(([key, value]) => ({ key, bytes: Buffer.byteLength(key) + Buffer.byteLength(value) }));
  if (status.state !== 'absent') sizes.push({ key: OVERRIDES_KEY, bytes: Buffer.byteLength(OVERRIDES_KEY) + Buffer.byteLength(input.overrides!) });
  const bytes = sizes.reduce((n, s) => n + s.bytes, 0) + Math.max(0, input.foreignBytes ?? 0);
  const limit = input.maxBytes ?? MAX_DATA_BYTES;

  const result: RenderResult = {
    data: sortedData,
    toolsets: [...merged.map(toolsetView), ...mergeMcpServers(mcp.servers, overrides?.mcpServers).map(mcpServerView)],
    primaries: built.primaries,
    skipped: [...built.skipped, ...mcp.skipped].sort((a, b) => compareStrings(a.key, b.key) || compareStrings(a.reason, b.reason)),
    overrides: status,
    warnings,
    bytes,
  };
  if (problems.length > 0) {
    const list = problems.slice(0, 10).map((p) => `${formatPath(p.path) || '(root)'}: ${p.message}`);
    result.error = {
      kind: 'invalid-toolsets',
      message:
        `${CUSTOM_TOOLSET_KEY} as generated would not load in HolmesGPT; ConfigMap ${CONFIGMAP_NAME} was not written: ${list.join('; ')}` +
        (problems.length > 10 ? `; … and ${problems.length - 10} more` : ''),
      problems,
    };
  } else if (bytes > limit) {
    result.error = tooLarge(bytes, limit, sizes, merged, input.foreignBytes ?? 0);
  }
  return result;
}

/** What HolmesGPT would refuse in the rendered text (read back as written, so the check sees the bytes). */
function holmesProblems(text: string): HolmesProblem[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return [{ path: [], message: `not valid YAML: ${oneLine(e instanceof Error ? e.message : String(e))}` }];
  }
  return checkToolsetsDocument(doc, { requireToolsets: true });
}

function renderCustomToolsets(
  merged: readonly MergedToolset[],
  overrides: Overrides | undefined,
  status: OverridesStatus,
  notes: readonly string[] = [],
  mcp: ReadonlyMap<string, BuiltMcpServer> = new Map(),
): string {
  const toolsets: PlainObject = {};
  const comments = new Map<string, string[]>();
  for (const t of merged) {
    setOwn(toolsets, t.name, t.entry);
    comments.set(t.name, [t.origin, ...t.notes]);
  }
  const doc: PlainObject = { toolsets };
  const servers = mcpServersDoc(mergeMcpServers(mcp, overrides?.mcpServers));
  if (servers !== undefined) setOwn(doc, 'mcp_servers', servers);
  const header = [
    `Generated by dynamic-toolset from the Services it discovered, merged with ${OVERRIDES_KEY}.`,
    DO_NOT_EDIT,
    'HolmesGPT reads this file when the ConfigMap is mounted and CUSTOM_TOOLSET_LOCATION points at it;',
    'it loads toolsets at start-up, so restart HolmesGPT after a change.',
  ];
  if (status.state === 'invalid') {
    header.push(`${OVERRIDES_KEY} is invalid and was NOT applied:`);
    for (const e of status.errors.slice(0, 10)) header.push(`- ${oneLine(formatOverridesProblem(e), 300)}`);
    if (status.errors.length > 10) header.push(`- … and ${status.errors.length - 10} more`);
  }
  header.push(...notes);
  return toYaml(doc, { header, keys: { path: ['toolsets'], comments } });
}

function tooLarge(
  bytes: number,
  limit: number,
  sizes: Array<{ key: string; bytes: number }>,
  merged: readonly MergedToolset[],
  foreignBytes: number,
): TooLarge {
  const biggestKeys = [...sizes].sort((a, b) => b.bytes - a.bytes || compareStrings(a.key, b.key)).slice(0, 3);
  const biggestToolsets = merged
    .map((t) => ({ name: t.name, bytes: Buffer.byteLength(toYaml({ [t.name]: t.entry } as Plain, { header: [] })) }))
    .sort((a, b) => b.bytes - a.bytes || compareStrings(a.name, b.name))
    .slice(0, 3);
  const list = (xs: Array<{ label: string; bytes: number }>) => xs.map((x) => `${x.label} (${x.bytes} bytes)`).join(', ');
  const message =
    `ConfigMap ${CONFIGMAP_NAME} would hold ${bytes} bytes of data, over the ${limit}-byte budget ` +
    `(the ${CONFIGMAP_LIMIT_BYTES}-byte ConfigMap limit minus ${METADATA_MARGIN_BYTES} bytes kept for metadata); it was not written. ` +
    `Biggest keys: ${list(biggestKeys.map((k) => ({ label: k.key, bytes: k.bytes })))}${foreignBytes > 0 ? `; other keys: ${foreignBytes} bytes` : ''}. ` +
    `Biggest toolsets: ${list(biggestToolsets.map((t) => ({ label: t.name, bytes: t.bytes })))}. ` +
    "Turn holmesgpt.multi_instance off, narrow the detectors' namespaces, or shorten overrides.yaml.";
  return { kind: 'too-large', message, bytes, limit, biggestKeys, biggestToolsets };
}
