// The manifest banner: the first line of every built bundle, for humans and `plugins validate`.
// The host never trusts it for anything but an early sha256-pin check; the manifest that counts is the one
// the code registers in the sandbox.
import type { PluginManifest } from './types.js';

/** First line of every bundle: the manifest, for humans and `plugins validate`. The host trusts only what the code registers. */
export const MANIFEST_BANNER_PREFIX = '/*! dynamic-toolset plugin ';

/**
 * Which SDK made a bundle: `builtWith` is the version of the SDK that ran the build; `bundled` the version of the
 * `@kubernaut/toolset-sdk` copy compiled into the bundle, and `from` where that copy was found — `entry` (installed
 * next to the entry, which always wins) or `builder` (the building SDK itself, for an entry whose folder has none).
 * `bundled` and `from` are absent when the detector imports nothing from the SDK.
 */
export interface SdkProvenance {
  builtWith: string;
  bundled?: string;
  from?: 'entry' | 'builder';
}

/** What a banner says: the manifest fields, and which SDK built the bundle (older bundles lack `sdk`). */
export type BannerInfo = Partial<PluginManifest> & { sdk?: SdkProvenance };

export function manifestBanner(manifest: PluginManifest, sdk?: SdkProvenance): string {
  const { name, version, description, type, apiVersion } = manifest;
  // `*/` inside a string would end the comment early; `\/` is a valid JSON escape for `/`.
  const json = JSON.stringify({ name, version, description, type, apiVersion, ...(sdk ? { sdk } : {}) }).replace(/\*\//g, '*\\/');
  return `${MANIFEST_BANNER_PREFIX}${json} */\n`;
}

/** Reads the manifest banner of a bundle, if it has one. */
export function readManifestBanner(code: string): BannerInfo | undefined {
  if (!code.startsWith(MANIFEST_BANNER_PREFIX)) return undefined;
  const end = code.indexOf(' */\n');
  if (end < 0) return undefined;
  try {
    return JSON.parse(code.slice(MANIFEST_BANNER_PREFIX.length, end)) as BannerInfo;
  } catch {
    return undefined;
  }
}
