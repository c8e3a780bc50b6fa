// Where the running SDK lives and which version it is: the fallback `@kubernaut/toolset-sdk` for entries whose own
// folder has none, the `file:` dependency of scaffolded projects, and the version a bundle's banner records.
// Node-only (fs): never imported by the sandbox-side entry (index.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SDK_PACKAGE_NAME = '@kubernaut/toolset-sdk';

/** The SDK package directory (with a trailing separator): src/ and dist/ sit one level below it. */
export function sdkPackageDir(): string {
  return fileURLToPath(new URL('../', import.meta.url));
}

let version: string | undefined;

/** The version of the running SDK, from its package.json. */
export function sdkVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
