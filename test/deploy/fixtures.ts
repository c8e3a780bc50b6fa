// Shared by the deploy/ tests: the rendered variants (the base, each component, the example overlay), the flags
// of `dynamic-toolset serve` as its --help prints them, and RBAC objects turned into the emulator's grants.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Attributes, Grant } from '../../core/src/emulator/rbac.js';
import type { UserInfo } from '../../core/src/emulator/types.js';
import { applyPatch, containersOf, podSpecOf, render } from './kustomize.js';
import type { JsonMap, KObject } from './kustomize.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const deployDir = path.join(repoRoot, 'deploy');
export const NS = 'kubernaut-system';
export const SA = { namespace: NS, name: 'dynamic-toolset' };
export const COMPONENTS = ['proxy-health-checks', 'restart-holmesgpt', 'config-from-configmap'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** A scratch directory under test/.tmp with `deploy` linked in, where overlays can sit next to it. */
export interface Workspace {
  dir: string;
  overlay(name: string, kustomization: string): string;
  cleanup(): void;
}

export function workspace(): Workspace {
  const base = path.join(repoRoot, 'test', '.tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(path.join(base, 'deploy-'));
  symlinkSync(deployDir, path.join(dir, 'deploy'), 'dir');
  return {
    dir,
    overlay(name, kustomization) {
      const d = path.join(dir, name);
      mkdirSync(d);
      writeFileSync(path.join(d, 'kustomization.yaml'), kustomization);
      return d;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Variant {
  name: string;
  /** The kustomization directory (absent for a variant made by applying an extra patch in the test). */
  dir?: string;
  objects: KObject[];
  components: readonly ComponentName[];
}

export const EXAMPLE_OVERLAY = path.join(deployDir, 'examples', 'overlay-kustomization.yaml');
export const INIT_CONTAINER_PATCH = path.join(deployDir, 'examples', 'plugins-init-container-patch.yaml');

/** The base, the base with each component alone, the example overlay, and that with the init-container patch. */
export function renderVariants(ws: Workspace): Variant[] {
  const out: Variant[] = [{ name: 'base', dir: deployDir, objects: render(deployDir), components: [] }];
  for (const c of COMPONENTS) {
    const dir = ws.overlay(`only-${c}`, `resources: [../deploy]\ncomponents: [../deploy/components/${c}]\n`);
    out.push({ name: `component ${c}`, dir, objects: render(dir), components: [c] });
  }
  const exampleDir = ws.overlay('example-overlay', readFileSync(EXAMPLE_OVERLAY, 'utf8'));
  const example = render(exampleDir);
  out.push({ name: 'example overlay', dir: exampleDir, objects: example, components: [...COMPONENTS] });
  out.push({
    name: 'example overlay + plugins init container',
    objects: applyPatch(example, readFileSync(INIT_CONTAINER_PATCH, 'utf8'), INIT_CONTAINER_PATCH),
    components: [...COMPONENTS],
  });
  return out;
}

export function find(objects: KObject[], kind: string, name: string, namespace?: string): KObject {
  const hit = objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!hit) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name}`);
  return hit;
}

export function daemonDeployment(objects: KObject[]): KObject {
  return find(objects, 'Deployment', 'dynamic-toolset', NS);
}

export function daemonPod(objects: KObject[]): JsonMap {
  return podSpecOf(daemonDeployment(objects))!;
}

export function daemonContainer(objects: KObject[]): JsonMap {
  const c = containersOf(daemonPod(objects)).find((x) => x.name === 'dynamic-toolset');
  if (!c) throw new Error('no container dynamic-toolset');
  return c;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; resourceFieldRef?: { resource: string; containerName?: string } };
}

export function envOf(container: JsonMap): EnvVar[] {
  return ((container.env as unknown as EnvVar[] | undefined) ?? []).map((e) => ({ ...e }));
}

export function envValue(container: JsonMap, name: string): string | undefined {
  return envOf(container).find((e) => e.name === name)?.value;
}

/** The value of `--<flag>` in the container's args, else its DYNAMIC_TOOLSET_* variable. */
export function setting(container: JsonMap, flag: string): string | undefined {
  const args = (container.args as string[] | undefined) ?? [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${flag}`) return args[i + 1];
    if (args[i]!.startsWith(`--${flag}=`)) return args[i]!.slice(flag.length + 3);
  }
  return envValue(container, `DYNAMIC_TOOLSET_${flag.toUpperCase().replace(/-/g, '_')}`);
}

// ---- `serve --help` ---------------------------------------------------------------------------------------------

export interface Flag {
  flag: string;
  env?: string;
  choices?: string[];
  default?: string;
}

// The timeout is a safety net against a hung CLI, not a speed limit: loading it from source takes seconds of
// CPU, a minute or more of wall time on a busy machine.
const CLI_TIMEOUT_MS = 300_000;
const cliArgs = (args: string[]) => ['--no-node-snapshot', '--conditions=development', '--import=tsx', path.join(repoRoot, 'core/src/cli.ts'), ...args];
type CliResult = { status: number | null; stdout: string; stderr: string };

/**
 * Runs the CLI from source (never a stale build). Synchronous: it freezes the calling worker and every server
 * in it, so a test that runs an emulator or a daemon uses cliAsync() (or loadServeFlags()) instead.
 */
export function cli(args: string[], env: NodeJS.ProcessEnv = process.env): CliResult {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: repoRoot, env, encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  const why = r.error ? ` (${r.error.message})` : r.signal ? ` (killed by ${r.signal})` : '';
  return { status: r.status, stdout: r.stdout, stderr: r.stderr + why };
}

/** cli() without blocking this process. */
export function cliAsync(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cliArgs(args), { cwd: repoRoot, env, timeout: CLI_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => (stderr += ` (${e.message})`));
    child.on('close', (status, signal) => resolve({ status, stdout, stderr: stderr + (signal ? ` (killed by ${signal})` : '') }));
  });
}

let flagsCache: Flag[] | undefined;
const helpEnv = () => ({ ...process.env, COLUMNS: '200' });

/** The options of `dynamic-toolset serve`, parsed from its --help (commander wraps long lines; they are rejoined). */
export function serveFlags(): Flag[] {
  flagsCache ??= parseServeHelp(cli(['serve', '--help'], helpEnv()));
  return flagsCache;
}

/** Fills serveFlags()' cache without blocking (for files whose tests run servers in this process). */
export async function loadServeFlags(): Promise<Flag[]> {
  flagsCache ??= parseServeHelp(await cliAsync(['serve', '--help'], helpEnv()));
  return flagsCache;
}

function parseServeHelp(r: CliResult): Flag[] {
  if (r.status !== 0) throw new Error(`serve --help failed: ${r.stderr}`);
  const entries: string[] = [];
  let inOptions = false;
  for (const line of r.stdout.split('\n')) {
    if (/^Options:/.test(line)) {
      inOptions = true;
      continue;
    }
    if (!inOptions) continue;
    if (/^\S/.test(line)) break;
    if (/^ {2}(-\w, )?--/.test(line)) entries.push(line.trim());
    else if (line.trim() !== '' && entries.length > 0) entries[entries.length - 1] += ` ${line.trim()}`;
  }
  return entries.map((e) => {
    const flag = /--([a-z][a-z0-9-]*)/.exec(e)![1]!;
    const env = /env:\s*(DYNAMIC_TOOLSET_[A-Z0-9_]+)/.exec(e)?.[1];
    const choices = /choices:\s*((?:"[^"]*"(?:,\s*)?)+)/.exec(e)?.[1];
    const def = /default:\s*"([^"]*)"/.exec(e)?.[1];
    return {
      flag,
      ...(env ? { env } : {}),
      ...(choices ? { choices: [...choices.matchAll(/"([^"]*)"/g)].map((m) => m[1]!) } : {}),
      ...(def !== undefined ? { default: def } : {}),
    };
  });
}

export function flagDefault(flag: string): string {
  const f = serveFlags().find((x) => x.flag === flag);
  if (f?.default === undefined) throw new Error(`serve --${flag} has no default in --help`);
  return f.default;
}

// ---- RBAC -------------------------------------------------------------------------------------------------------

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

export interface Subject {
  kind: 'ServiceAccount' | 'User' | 'Group';
  name: string;
  namespace?: string;
}

export function rulesOf(role: KObject): Rule[] {
  return (role.rules as Rule[] | undefined) ?? [];
}

export function subjectsOf(binding: KObject): Subject[] {
  return (binding.subjects as Subject[] | undefined) ?? [];
}

export function roleOf(objects: KObject[], binding: KObject): KObject | undefined {
  const ref = binding.roleRef as { kind: string; name: string };
  if (ref.kind === 'ClusterRole') return objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === ref.name);
  return objects.find((o) => o.kind === 'Role' && o.metadata.name === ref.name && o.metadata.namespace === binding.metadata.namespace);
}

export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return { username: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
}

/** RBAC (Cluster)Roles and bindings as the emulator's grants; a binding to a role that is not there throws. */
export function grantsFrom(objects: KObject[]): Grant[] {
  const grants: Grant[] = [];
  for (const b of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    const role = roleOf(objects, b);
    if (!role) throw new Error(`${b.kind} ${b.metadata.name} binds a role that is not among the objects`);
    const users: string[] = [];
    const groups: string[] = [];
    for (const s of subjectsOf(b)) {
      if (s.kind === 'ServiceAccount') users.push(`system:serviceaccount:${s.namespace ?? b.metadata.namespace}:${s.name}`);
      else if (s.kind === 'User') users.push(s.name);
      else groups.push(s.name);
    }
    const name = `${b.kind}/${b.metadata.namespace ?? ''}/${b.metadata.name}`;
    for (const r of rulesOf(role)) {
      if (r.nonResourceURLs) {
        if (b.kind !== 'ClusterRoleBinding') continue; // RBAC ignores non-resource rules bound in a namespace
        grants.push({ name, subjects: { users, groups }, nonResourceURLs: r.nonResourceURLs, verbs: r.verbs });
      } else {
        grants.push({
          name,
          subjects: { users, groups },
          apiGroups: r.apiGroups ?? [],
          resources: r.resources ?? [],
          verbs: r.verbs,
          ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
          ...(b.kind === 'RoleBinding' ? { namespaces: [b.metadata.namespace!] } : {}),
        });
      }
    }
  }
  return grants;
}

/** Attributes of a resource request, for Authorizer.authorize. */
export function resourceRequest(user: UserInfo, verb: string, resource: string, opts: { group?: string; namespace?: string; name?: string; subresource?: string } = {}): Attributes {
  return {
    user,
    verb,
    isResourceRequest: true,
    path: '',
    apiGroup: opts.group ?? '',
    apiVersion: 'v1',
    namespace: opts.namespace ?? '',
    resource,
    subresource: opts.subresource ?? '',
    name: opts.name ?? '',
  };
}

export function pathRequest(user: UserInfo, verb: string, urlPath: string): Attributes {
  return { user, verb, isResourceRequest: false, path: urlPath, apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '' };
}
