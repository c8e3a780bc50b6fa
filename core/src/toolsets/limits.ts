// What one Service may contribute to the output: a bound per source, so no single Service (nor a namespace of
// them) can spend the ConfigMap's 1 MiB on itself. A Service over a limit is left unpublished with the reason
// (build.ts reports it as skipped `too-long`; budget.ts lists it in `left_out`); nothing of it is written.
//
// The limits are in UTF-8 bytes (what the budget counts) and sized from what a real Service needs:
//   url         512   a cluster-DNS URL is scheme + name (≤63) + namespace (≤63) + ".svc." + the cluster domain +
//                     port + path, under 200 bytes in practice; 512 leaves room for an external endpoint with a
//                     path prefix. The URL is written up to four times per Service (a generic toolset's
//                     description, llm_instructions, the per-type key, the comment), so at 512 it costs ≤ 2 KiB;
//                     URLs of 1.9 KiB cost ~8.7 KiB each: 300 of them made 2.6 MB.
//   path        256   an API path prefix; the longest real one is a kube API proxy path
//                     (/api/v1/namespaces/<ns>/services/<scheme>:<name>:<port>/proxy, ≤ 170 bytes).
//   description 1024  the detector's description (in a generic toolset) and every `description` of the plugin's
//                     toolsets() entries; the built-in detectors' longest is under 200 bytes.
//   toolsets    16384 the plugin's whole toolsets() answer for the Service, as JSON (llm_instructions, config…);
//                     the built-ins answer under 2 KiB. sandbox/validate.ts allows up to 32 entries of 20 KB
//                     instructions each — one such Service would take most of the budget.
// So one Service costs at most ~17 KiB: at least ~57 Services fit the budget (MAX_DATA_BYTES) at the worst, and
// some 750 typical ones (~1.3 KiB each). What does not fit is left out by the budget rule (budget.ts), never the
// whole output.
//
// The limits are enforced here, at publish time, and not in the sandbox's answer check (sandbox/validate.ts keeps
// its own, looser, protocol bounds): they bound what reaches the output whoever produced the value — the engine's
// composed URL, the detector's description, a plugin's toolsets() — and refusing a value here is never counted as
// a plugin failure.
import { Buffer } from 'node:buffer';
import { compareStrings } from './data.js';
import type { PublishedService } from './types.js';

export const SERVICE_LIMITS = Object.freeze({
  urlBytes: 512,
  pathBytes: 256,
  descriptionBytes: 1024,
  toolsetsBytes: 16_384,
});

/** The first limit the Service exceeds, as one line for people (API, explain, the file's comment); else undefined. */
export function overLimit(s: PublishedService): string | undefined {
  const over = (what: string, bytes: number, limit: number): string | undefined =>
    bytes > limit ? `${what} is ${bytes} bytes, over the ${limit}-byte limit per Service` : undefined;
  const found =
    over('the endpoint URL', Buffer.byteLength(s.url), SERVICE_LIMITS.urlBytes) ??
    over('the API path', Buffer.byteLength(s.path), SERVICE_LIMITS.pathBytes) ??
    (s.toolsets === null ? over("the detector's description", Buffer.byteLength(s.description), SERVICE_LIMITS.descriptionBytes) : undefined);
  if (found !== undefined || s.toolsets === null) return found;
  for (const name of Object.keys(s.toolsets).sort(compareStrings)) {
    const d = (s.toolsets[name] as { description?: unknown }).description;
    const hit = typeof d === 'string' ? over(`the description of toolset ${JSON.stringify(name)}`, Buffer.byteLength(d), SERVICE_LIMITS.descriptionBytes) : undefined;
    if (hit !== undefined) return hit;
  }
  return over("the detector's toolsets() answer", Buffer.byteLength(JSON.stringify(s.toolsets)), SERVICE_LIMITS.toolsetsBytes);
}
