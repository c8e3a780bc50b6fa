// The manifest banner: the first line of every built bundle, for humans and `plugins validate`.
// The host never trusts it for anything but an early sha256-pin check; the manifest that counts is the one
// the code registers in the sandbox.
import type { PluginManifest } from './types.js';

/** First line of every bundle: the manifest, for humans and `plugins validate`. The host trusts only what the code registers. */
export const MANIFEST_BANNER_PREFIX = '/*! dynamic-toolset plugin ';

export function manifestBanner(manifest: PluginManifest): string {
  const { name, version, description, type, apiVersion } = manifest;
  // `*/` inside a string would end the comment early; `\/` is a valid JSON escape for `/`.
  const json = JSON.stringify({ name, version, description, type, apiVersion }).replace(/\*\//g, '*\\/');
  return `${MANIFEST_BANNER_PREFIX}${json} */\n`;
}

/** Reads the manifest banner of a bundle, if it has one. */
export function readManifestBanner(code: string): Partial<PluginManifest> | undefined {
  if (!code.startsWith(MANIFEST_BANNER_PREFIX)) return undefined;
  const end = code.indexOf(' */\n');
  if (end < 0) return undefined;
  try {
    return JSON.parse(code.slice(MANIFEST_BANNER_PREFIX.length, end)) as Partial<PluginManifest>;
  } catch {
    return undefined;
  }
}

