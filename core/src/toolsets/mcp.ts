// Published MCP servers + overrides.yaml's `mcp_servers:` → the `mcp_servers:` mapping of custom_toolset.yaml and
// its entries in `GET /api/v1/toolsets`.
//
//   - every publishable (not unhealthy) Service whose detection is an MCP server (Detection.mcp: the custom
//     detector's `kubernaut.io/toolset-type: mcp`) is an entry of its own: MCP servers are different servers, not
//     instances of one kind, so there is no primary and no holmesgpt.multi_instance here (build.ts leaves them out);
//   - its name is `<namespace>-<name>` made a DNS label (instanceNames: stable, with a hash only when cut or when two
//     Services would share it; never a "." — one dotted key makes HolmesGPT's parser fail the whole file). Names are
//     made over every MCP Service, healthy or not, so a name does not move when another server's health flaps;
//   - its entry is HolmesGPT's form (reference "File format"): `description` and `config: {url, mode}`; `mode` is
//     always written, since HolmesGPT's own default is `sse` (toolset_mcp.py MCPConfig);
//   - overrides.yaml's `mcp_servers.<name>` merges into the discovered entry of that name as a JSON Merge Patch, as for
//     toolsets (`config.headers` added next to the discovered URL; `enabled: false` turns it off); any other name is
//     added as written. The merged file is checked whole (check.ts) before it is written.
import { canonicalEntry, instanceNames } from './build.js';
import type { SkippedService } from './build.js';
import { compareStrings, defuseTemplates, getOwn, isPlainObject, mergePatch, oneLine, setOwn } from './data.js';
import type { Plain, PlainObject } from './data.js';
import { overLimit } from './limits.js';
import { isPublishable } from './primary.js';
import type { PublishedService, ToolsetSource, ToolsetView } from './types.js';
import { entryView } from './view.js';

export interface BuiltMcpServer {
  name: string;
  /** `description` and `config: {url, mode}`, in HolmesGPT's entry key order. */
  entry: PlainObject;
  /** `<namespace>/<name>` of the Service. */
  service: string;
  type: string;
  needsCredentials: boolean;
  note?: string;
}

export interface McpBuildResult {
  /** Sorted by name. */
  servers: Map<string, BuiltMcpServer>;
  /** Unhealthy MCP Services, sorted by key. */
  skipped: SkippedService[];
}

export interface MergedMcpServer {
  name: string;
  entry: PlainObject;
  source: Exclude<ToolsetSource, 'baseline'>;
  /** The Service's type (`mcp` for the custom detector); null for an admin-only server. */
  type: string | null;
  service?: string;
  overridden: boolean;
  notes: string[];
}

export function isMcpService(s: PublishedService): boolean {
  return s.mcp !== undefined;
}

export function buildMcpServers(services: readonly PublishedService[]): McpBuildResult {
  const byKey = new Map<string, PublishedService>();
  for (const s of [...services].filter(isMcpService).sort((a, b) => compareStrings(a.key, b.key))) if (!byKey.has(s.key)) byKey.set(s.key, s);
  const names = instanceNames([...byKey.keys()]);
  const servers = new Map<string, BuiltMcpServer>();
  const skipped: SkippedService[] = [];
  for (const s of byKey.values()) {
    const tooLong = overLimit(s);
    if (tooLong !== undefined) {
      skipped.push({ key: s.key, type: s.type, reason: 'too-long', detail: `${s.key} (MCP server) is not published: ${tooLong}` });
      continue;
    }
    if (!isPublishable(s)) {
      skipped.push({ key: s.key, type: s.type, reason: 'unhealthy', detail: `${s.key} (MCP server) is unhealthy${s.health.reason ? `: ${oneLine(s.health.reason)}` : ''}` });
      continue;
    }
    const name = names.get(s.key)!;
    const mode = s.mcp!.mode;
    const entry = canonicalEntry(
      defuseTemplates({
        description: `MCP server of Service ${s.key} (${mode}), found by detector ${s.detector}`,
        config: { url: s.url, mode },
      }) as PlainObject,
    );
    const needsCredentials = s.health.state === 'needs-credentials';
    const why = s.health.reason ? oneLine(s.health.reason, 120) : 'HTTP 401/403';
    servers.set(name, {
      name,
      entry,
      service: s.key,
      type: s.type,
      needsCredentials,
      ...(needsCredentials
        ? { note: `needs credentials: ${s.key} answered the health check with ${why}; add them in overrides.yaml as mcp_servers.${name}.config.headers (e.g. Authorization: "Bearer {{ env.TOKEN }}")` }
        : {}),
    });
  }
  return { servers: new Map([...servers].sort(([a], [b]) => compareStrings(a, b))), skipped };
}

/** The discovered servers with overrides.yaml's `mcp_servers:` merged in. Sorted by name. */
export function mergeMcpServers(built: ReadonlyMap<string, BuiltMcpServer>, patches: PlainObject | undefined): MergedMcpServer[] {
  const out = new Map<string, MergedMcpServer>();
  for (const [name, s] of built) {
    const patch = patches !== undefined ? getOwn(patches, name) : undefined;
    const entry = isPlainObject(patch) ? canonicalEntry(mergePatch(s.entry, patch as Plain) as PlainObject) : s.entry;
    const notes = s.note === undefined ? [] : [patch !== undefined ? `${s.note} (overrides.yaml changes this entry)` : s.note];
    out.set(name, { name, entry, source: 'discovered', type: s.type, service: s.service, overridden: patch !== undefined, notes });
  }
  for (const [name, patch] of Object.entries(patches ?? {})) {
    if (out.has(name) || !isPlainObject(patch)) continue;
    out.set(name, { name, entry: canonicalEntry(patch as PlainObject), source: 'override', type: null, overridden: true, notes: [] });
  }
  return [...out.values()].sort((a, b) => compareStrings(a.name, b.name));
}

/** The `mcp_servers:` mapping to write; undefined when there is none (the key is then left out). */
export function mcpServersDoc(merged: readonly MergedMcpServer[]): PlainObject | undefined {
  if (merged.length === 0) return undefined;
  const doc: PlainObject = {};
  for (const m of merged) setOwn(doc, m.name, m.entry);
  return doc;
}

/** One MCP server as `GET /api/v1/toolsets` shows it (secret-looking header values redacted). */
export function mcpServerView(m: MergedMcpServer): ToolsetView {
  // HolmesGPT enables an MCP server unless it says `enabled: false` (it is a custom toolset to it).
  return { ...entryView(m, m.entry.enabled !== false), section: 'mcp_servers' };
}
