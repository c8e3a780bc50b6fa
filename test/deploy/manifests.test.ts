// deploy/ as shipped: every manifest parses and renders (base, each component, the example overlay), the pod is
// locked down, settings match the CLI's real flags, RBAC is least-privilege and says what the components claim,
// the detector config copy is the real one, and the Dockerfile fits the package layout. On a real cluster
// (E2E_KUBECONFIG) a server-side dry-run apply must succeed; without one that test is reported as skipped.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApisApi, KubeConfig, KubernetesObjectApi, PatchStrategy, CoreV1Api } from '@kubernetes/client-node';
import { parseConfig } from '../../core/src/config/load.js';
import { OPERATOR_KINDS } from '../../core/src/discovery/operators.js';
import { Authorizer } from '../../core/src/emulator/rbac.js';
import { isolateMemoryLimitMiB, parseQuantity } from '../../core/src/sandbox/limits.js';
import { CUSTOM_TOOLSET_KEY } from '../../core/src/toolsets/holmes.js';
import { envOfInstruction, readDockerfile, shippedLaunch } from '../helpers/dockerfile.js';
import { containersOf, idOf, isClusterScoped, parseImage, parseYamlDocuments, podSpecOf, readObjects, render } from './kustomize.js';
import type { JsonMap, KObject } from './kustomize.js';
import {
  COMPONENTS,
  NS,
  SA,
  daemonContainer,
  daemonDeployment,
  daemonPod,
  deployDir,
  envOf,
  envValue,
  find,
  flagDefault,
  grantsFrom,
  pathRequest,
  renderVariants,
  repoRoot,
  resourceRequest,
  roleOf,
  rulesOf,
  serveFlags,
  serviceAccountUser,
  setting,
  subjectsOf,
  workspace,
} from './fixtures.js';
import type { Rule, Variant } from './fixtures.js';

const ws = workspace();
test.after.always(() => ws.cleanup());
const variants: Variant[] = renderVariants(ws);
const base = variants[0]!.objects;
const API_GROUP = 'toolset.kubernaut.io';

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) {
      if (entry !== 'dashboards') out.push(...yamlFilesUnder(p));
    } else if (/\.ya?ml$/.test(entry)) {
      out.push(p);
    }
  }
  return out.sort();
}

const exampleObjects = (file: string): KObject[] => readObjects(path.join(deployDir, 'examples', file));

// ---- rendering ------------------------------------------------------------------------------------------------

test('every YAML file under deploy/ parses, and every rendered object has apiVersion, kind and metadata.name', (t) => {
  const files = yamlFilesUnder(deployDir);
  t.true(files.length >= 20, `${files.length} files`);
  for (const f of files) {
    const docs = parseYamlDocuments(readFileSync(f, 'utf8'), f);
    t.true(docs.length > 0, `${path.relative(repoRoot, f)} is empty`);
  }
  for (const v of variants) {
    t.true(v.objects.length > 0, v.name);
    for (const o of v.objects) {
      t.truthy(o.apiVersion && o.kind && o.metadata.name, `${v.name}: ${JSON.stringify(o).slice(0, 80)}`);
      t.is(isClusterScoped(o.kind), o.metadata.namespace === undefined, `${v.name}: ${idOf(o)} namespace`);
    }
  }
});

test('the base creates the namespace and puts every namespaced object in kubernaut-system', (t) => {
  t.truthy(find(base, 'Namespace', NS));
  for (const o of base.filter((x) => !isClusterScoped(x.kind))) t.is(o.metadata.namespace, NS, idOf(o));
  t.deepEqual(
    base.map(idOf).sort(),
    [
      'ClusterRole//dynamic-toolset',
      'ClusterRole//dynamic-toolset-api-operator',
      'ClusterRole//dynamic-toolset-api-reader',
      'ClusterRole//dynamic-toolset-metrics-reader',
      'ClusterRoleBinding//dynamic-toolset',
      `ConfigMap/${NS}/dynamic-toolset-config`,
      `ConfigMap/${NS}/dynamic-toolset-plugins`,
      `Deployment/${NS}/dynamic-toolset`,
      'Namespace//kubernaut-system',
      `PodDisruptionBudget/${NS}/dynamic-toolset`,
      `Role/${NS}/dynamic-toolset`,
      `RoleBinding/${NS}/dynamic-toolset`,
      `Service/${NS}/dynamic-toolset`,
      `ServiceAccount/${NS}/dynamic-toolset`,
    ].sort(),
  );
  // The plugins ConfigMap starts empty: bundles are added by the operator (README "Plugins").
  t.is(find(base, 'ConfigMap', 'dynamic-toolset-plugins').data, undefined);
});

/** Comparable form: objects by id, lists of named things sorted by name (kustomize's merge order is its own). */
function canonical(objects: KObject[]): Record<string, unknown> {
  const sortNamed = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const items = v.map(sortNamed);
      const key = items.every((i) => typeof i === 'object' && i !== null && typeof (i as JsonMap).name === 'string') ? 'name' : items.every((i) => typeof i === 'object' && i !== null && typeof (i as JsonMap).mountPath === 'string') ? 'mountPath' : undefined;
      return key ? [...items].sort((a, b) => String((a as JsonMap)[key]).localeCompare(String((b as JsonMap)[key]))) : items;
    }
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortNamed(x)]));
    return v;
  };
  return Object.fromEntries(objects.map((o) => [idOf(o), sortNamed(o)]));
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (kubectl) {
  test('the test renderer agrees with `kubectl kustomize` on the base, each component and the example overlay', (t) => {
    for (const v of variants.filter((x) => x.dir !== undefined)) {
      const r = spawnSync('kubectl', ['kustomize', v.dir!], { encoding: 'utf8' });
      t.is(r.status, 0, `${v.name}: ${r.stderr}`);
      const theirs = parseYamlDocuments(r.stdout, 'kubectl kustomize') as unknown as KObject[];
      t.deepEqual(canonical(v.objects), canonical(theirs), v.name);
    }
  });
} else {
  test.skip('the test renderer agrees with `kubectl kustomize` (kubectl not installed)', () => {});
}

// ---- the Deployment -------------------------------------------------------------------------------------------

test('pod and container security contexts: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', (t) => {
  for (const v of variants) {
    for (const o of v.objects) {
      const pod = podSpecOf(o);
      if (!pod) continue;
      const where = `${v.name}: ${idOf(o)}`;
      const psc = pod.securityContext as JsonMap;
      t.is(psc.runAsNonRoot, true, where);
      t.true(typeof psc.runAsUser === 'number' && psc.runAsUser > 0, where);
      t.deepEqual(psc.seccompProfile, { type: 'RuntimeDefault' }, where);
      for (const hostField of ['hostNetwork', 'hostPID', 'hostIPC']) t.falsy(pod[hostField], `${where} ${hostField}`);
      for (const vol of (pod.volumes as JsonMap[]) ?? []) t.falsy(vol.hostPath, `${where} hostPath volume`);
      t.is(pod.automountServiceAccountToken, true, `${where}: the daemon needs its token`);
      t.is(pod.serviceAccountName, SA.name, where);
      for (const c of containersOf(pod)) {
        const sc = c.securityContext as JsonMap;
        const cw = `${where} container ${String(c.name)}`;
        t.is(sc.runAsNonRoot, true, cw);
        t.is(sc.runAsUser, psc.runAsUser, cw);
        t.is(sc.readOnlyRootFilesystem, true, cw);
        t.is(sc.allowPrivilegeEscalation, false, cw);
        t.not(sc.privileged, true, cw);
        t.deepEqual((sc.capabilities as JsonMap).drop, ['ALL'], cw);
        t.is((sc.capabilities as JsonMap).add, undefined, cw);
        t.deepEqual(sc.seccompProfile, { type: 'RuntimeDefault' }, cw);
        const res = c.resources as { requests: Record<string, string>; limits: Record<string, string> };
        for (const kind of ['requests', 'limits'] as const) for (const r of ['cpu', 'memory']) t.truthy(res?.[kind]?.[r], `${cw} ${kind}.${r}`);
      }
    }
  }
});

test('resources: requests within limits, and the isolate heap derived from limits.memory is what the comment says', (t) => {
  const c = daemonContainer(base);
  const res = c.resources as { requests: Record<string, string>; limits: Record<string, string> };
  t.true(parseQuantity(res.requests.memory!)! <= parseQuantity(res.limits.memory!)!);
  const cpu = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
  t.true(cpu(res.requests.cpu!) <= cpu(res.limits.cpu!));
  const limitBytes = parseQuantity(res.limits.memory!)!;
  const isolate = isolateMemoryLimitMiB(limitBytes);
  t.is(isolate, Math.floor((limitBytes / 2 ** 20 - 160) / 16), '(limit − 160 MiB) / 16');
  t.true(isolate > 8 && isolate < 128, `${isolate} MiB is not clamped at either end`);
  const limitMiB = limitBytes / 2 ** 20;
  const text = readFileSync(path.join(deployDir, 'deployment.yaml'), 'utf8');
  t.true(text.includes(`(${limitMiB} − 160) / 16 = ${isolate} MiB`), 'the sizing comment matches the arithmetic');
  t.true(readFileSync(path.join(deployDir, 'README.md'), 'utf8').includes(`${res.limits.memory} limit gives ${isolate} MiB per`), 'so does the README');
  // The daemon reads the limit from DYNAMIC_TOOLSET_MEMORY_LIMIT, set from this very container's limit.
  const mem = envOf(c).find((e) => e.name === 'DYNAMIC_TOOLSET_MEMORY_LIMIT');
  t.deepEqual(mem?.valueFrom?.resourceFieldRef, { containerName: 'dynamic-toolset', resource: 'limits.memory' });
});

test('probes: liveness /health and readiness /ready on the port named http, which is --port', (t) => {
  for (const v of variants) {
    const c = daemonContainer(v.objects);
    const ports = c.ports as Array<{ name: string; containerPort: number }>;
    const http = ports.find((p) => p.name === 'http');
    t.is(http?.containerPort, 8080, v.name);
    t.is(String(http?.containerPort), setting(c, 'port') ?? flagDefault('port'), `${v.name}: the container port is the daemon's --port`);
    const probe = (name: string) => (c[name] as { httpGet: { path: string; port: string } } | undefined)?.httpGet;
    t.deepEqual(probe('livenessProbe'), { path: '/health', port: 'http' }, v.name);
    t.deepEqual(probe('readinessProbe'), { path: '/ready', port: 'http' }, v.name);
    t.deepEqual(probe('startupProbe'), { path: '/health', port: 'http' }, v.name);
    for (const name of ['livenessProbe', 'readinessProbe']) {
      const p = c[name] as { periodSeconds: number; timeoutSeconds: number; failureThreshold: number };
      t.true(p.timeoutSeconds < p.periodSeconds && p.failureThreshold >= 2, `${v.name} ${name} timings`);
    }
  }
});

test('the detector config is the generated ConfigMap, mounted as a directory (no subPath) where --config points', (t) => {
  for (const v of variants) {
    const c = daemonContainer(v.objects);
    const pod = daemonPod(v.objects);
    const configPath = setting(c, 'config');
    t.truthy(configPath, v.name);
    const mounts = c.volumeMounts as Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
    for (const m of mounts) t.is(m.subPath, undefined, `${v.name}: ${m.mountPath} must not use subPath (never updated)`);
    const mount = mounts.find((m) => m.mountPath === path.posix.dirname(configPath!));
    t.truthy(mount, `${v.name}: a mount at ${path.posix.dirname(configPath!)}`);
    t.is(mount!.readOnly, true);
    const volume = (pod.volumes as JsonMap[]).find((x) => x.name === mount!.name)!;
    const cmName = (volume.configMap as { name: string }).name;
    const cm = find(v.objects, 'ConfigMap', cmName, NS);
    t.deepEqual(Object.keys(cm.data as object), [path.posix.basename(configPath!)], v.name);
    t.is((cm.data as Record<string, string>)['detector-config.yaml'], readFileSync(path.join(repoRoot, 'config/detector-config.yaml'), 'utf8'));
  }
});

test('plugin bundles: /plugins is DYNAMIC_TOOLSET_PLUGINS_DIR and comes from the dynamic-toolset-plugins ConfigMap (or the init container)', (t) => {
  for (const v of variants) {
    const c = daemonContainer(v.objects);
    const pod = daemonPod(v.objects);
    t.is(envValue(c, 'DYNAMIC_TOOLSET_PLUGINS_DIR'), '/plugins', v.name);
    const mount = (c.volumeMounts as Array<{ name: string; mountPath: string; readOnly?: boolean }>).find((m) => m.mountPath === '/plugins')!;
    t.is(mount.readOnly, true, `${v.name}: the daemon never writes its plugins`);
    const volume = (pod.volumes as JsonMap[]).find((x) => x.name === mount.name)!;
    if (v.name.includes('init container')) {
      t.is(volume.configMap, undefined);
      t.truthy(volume.emptyDir);
      const init = (pod.initContainers as JsonMap[])[0]!;
      t.true((init.volumeMounts as Array<{ mountPath: string; readOnly?: boolean }>).some((m) => m.mountPath === '/plugins' && !m.readOnly));
    } else {
      t.deepEqual(volume.configMap, { name: 'dynamic-toolset-plugins', optional: true }, v.name);
      t.truthy(find(v.objects, 'ConfigMap', 'dynamic-toolset-plugins', NS));
    }
  }
  t.regex(readFileSync(path.join(deployDir, 'README.md'), 'utf8'), /one key per bundle/i);
});

test('/tmp is the only writable path: an emptyDir', (t) => {
  const c = daemonContainer(base);
  const pod = daemonPod(base);
  const writable = (c.volumeMounts as Array<{ name: string; mountPath: string; readOnly?: boolean }>).filter((m) => !m.readOnly);
  t.deepEqual(writable.map((m) => m.mountPath), ['/tmp']);
  t.truthy((pod.volumes as JsonMap[]).find((x) => x.name === writable[0]!.name)!.emptyDir);
});

const NOT_FLAGS: Record<string, string> = {
  // Read by the daemon itself rather than by a flag; each must still be read somewhere in core/src.
  DYNAMIC_TOOLSET_MEMORY_LIMIT: 'core/src/sandbox/limits.ts',
  DYNAMIC_TOOLSET_BUILTIN_PLUGINS_DIR: 'core/src/paths.ts',
};

test('every DYNAMIC_TOOLSET_* variable is a real `serve` flag (or read by the daemon) with an accepted value', (t) => {
  const flags = serveFlags();
  t.true(flags.length >= 10, `${flags.length} flags parsed from serve --help`);
  const byEnv = new Map(flags.filter((f) => f.env).map((f) => [f.env!, f]));
  for (const v of variants) {
    const c = daemonContainer(v.objects);
    t.deepEqual((c.args as string[]).slice(0, 1), ['serve'], v.name);
    for (const arg of (c.args as string[]).filter((a) => a.startsWith('--'))) {
      t.truthy(flags.find((f) => f.flag === arg.slice(2).split('=')[0]), `${v.name}: ${arg} is a serve flag`);
    }
    const names = envOf(c).map((e) => e.name);
    t.is(new Set(names).size, names.length, `${v.name}: no variable twice`);
    for (const e of envOf(c).filter((x) => x.name.startsWith('DYNAMIC_TOOLSET_'))) {
      const flag = byEnv.get(e.name);
      if (!flag) {
        const reader = NOT_FLAGS[e.name];
        t.truthy(reader, `${v.name}: ${e.name} is neither a serve flag nor read by the daemon`);
        t.true(readFileSync(path.join(repoRoot, reader!), 'utf8').includes(e.name), `${e.name} is read in ${reader}`);
        continue;
      }
      if (flag.choices) t.true(flag.choices.includes(e.value ?? ''), `${v.name}: ${e.name}=${e.value} is one of ${flag.choices.join(', ')}`);
    }
  }
  t.is(envValue(daemonContainer(base), 'DYNAMIC_TOOLSET_HEALTH_CHECK_VIA'), 'direct');
  t.is(envValue(daemonContainer(base), 'DYNAMIC_TOOLSET_LOG_FORMAT'), 'json');
});

test('the downward API gives POD_NAME (the leader identity) and POD_NAMESPACE', (t) => {
  const env = envOf(daemonContainer(base));
  t.deepEqual(env.find((e) => e.name === 'POD_NAME')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
  t.deepEqual(env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } });
});

test('two replicas with leader election, a PodDisruptionBudget and a Service that select the pods', (t) => {
  const d = daemonDeployment(base);
  const spec = d.spec as { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };
  t.is(spec.replicas, 2);
  t.is(envValue(daemonContainer(base), 'DYNAMIC_TOOLSET_LEADER_ELECT'), undefined, 'leader election stays on');
  const podLabels = spec.template.metadata.labels;
  const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
  t.true(selects(spec.selector.matchLabels));
  const pdb = find(base, 'PodDisruptionBudget', 'dynamic-toolset', NS).spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
  t.true(selects(pdb.selector.matchLabels));
  t.true(pdb.minAvailable < spec.replicas);
  const svc = find(base, 'Service', 'dynamic-toolset', NS).spec as { type: string; selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string }> };
  t.is(svc.type, 'ClusterIP');
  t.true(selects(svc.selector));
  t.deepEqual(svc.ports.map((p) => [p.name, p.port, p.targetPort]), [['http', 8080, 'http']]);
});

test('the image: kustomization.yaml names the Deployment\'s image, at the package version, so `kustomize edit set image` works', (t) => {
  const k = parseYamlDocuments(readFileSync(path.join(deployDir, 'kustomization.yaml'), 'utf8'), 'kustomization')[0] as { images: Array<{ name: string; newTag: string }> };
  const raw = readObjects(path.join(deployDir, 'deployment.yaml'))[0]!;
  const rawImage = parseImage(String(containersOf(podSpecOf(raw)!)[0]!.image));
  t.is(k.images.length, 1);
  t.is(k.images[0]!.name, rawImage.name);
  const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  t.is(k.images[0]!.newTag, version);
  t.is(daemonContainer(base).image, `${rawImage.name}:${version}`);
});

// ---- RBAC -----------------------------------------------------------------------------------------------------

const allRbac = (objects: KObject[]) => objects.filter((o) => ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(o.kind));
const examples = ['api-client-rbac.yaml', 'prometheus-metrics-rbac.yaml'].flatMap(exampleObjects);

test('RBAC: no wildcards anywhere, and every binding binds a role that exists', (t) => {
  for (const v of variants) {
    const objects = [...v.objects, ...examples];
    for (const o of allRbac(objects)) {
      for (const r of rulesOf(o)) {
        for (const field of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs', 'verbs'] as const) {
          for (const x of r[field] ?? []) t.false(x.includes('*'), `${v.name}: ${idOf(o)} ${field} ${x}`);
        }
        t.false(r.verbs.some((x) => ['escalate', 'bind', 'impersonate', 'delete', 'deletecollection'].includes(x)), `${idOf(o)} ${r.verbs.join(',')}`);
      }
      if (o.kind.endsWith('Binding')) {
        t.truthy(roleOf(objects, o), `${v.name}: ${idOf(o)} binds an existing role`);
        for (const s of subjectsOf(o).filter((x) => x.kind === 'ServiceAccount')) t.truthy(s.namespace, `${idOf(o)}: subject namespace is explicit`);
      }
    }
    t.false(
      allRbac(v.objects).some((o) => rulesOf(o).some((r) => (r.resources ?? []).some((x) => ['secrets', 'pods/exec', 'pods/log', 'pods/proxy', 'nodes'].includes(x)))),
      `${v.name}: no access to secrets, into pods or nodes`,
    );
    // Pods only to list and watch them (workload evidence), never to change them.
    t.false(
      allRbac(v.objects).some((o) => rulesOf(o).some((r) => (r.resources ?? []).includes('pods') && r.verbs.some((x) => !['list', 'watch'].includes(x)))),
      `${v.name}: pods read-only`,
    );
  }
});

/** One rule per operator group, its plurals in table order: what deploy/rbac.yaml grants for OPERATOR_KINDS. */
function operatorGrants(): string[] {
  const byGroup = new Map<string, string[]>();
  for (const k of OPERATOR_KINDS) byGroup.set(k.group, [...(byGroup.get(k.group) ?? []), k.plural]);
  return [...byGroup].map(([group, plurals]) => `cluster ${group} ${plurals.join(',')}: get,list,watch`);
}

test("RBAC: the daemon's own rights are what it calls, with names pinned to serve's defaults", (t) => {
  const daemonRules = (objects: KObject[]) => {
    const out: Array<{ scope: string; rule: Rule }> = [];
    for (const b of allRbac(objects).filter((o) => o.kind.endsWith('Binding'))) {
      if (!subjectsOf(b).some((s) => s.kind === 'ServiceAccount' && s.name === SA.name && s.namespace === SA.namespace)) continue;
      for (const rule of rulesOf(roleOf(objects, b)!)) out.push({ scope: b.kind === 'ClusterRoleBinding' ? 'cluster' : b.metadata.namespace!, rule });
    }
    return out;
  };
  const cm = flagDefault('configmap');
  const lease = flagDefault('lease-name');
  t.is(cm, 'kubernaut-toolset-config');
  const summary = (objects: KObject[]) =>
    daemonRules(objects)
      .map(({ scope, rule: r }) => `${scope} ${(r.apiGroups ?? []).join(',') || 'core'} ${(r.resources ?? r.nonResourceURLs ?? []).join(',')}${r.resourceNames ? `[${r.resourceNames.join(',')}]` : ''}: ${r.verbs.join(',')}`)
      .sort();
  const baseline = [
    'cluster authentication.k8s.io tokenreviews: create',
    'cluster authorization.k8s.io subjectaccessreviews: create',
    'cluster core services: list,watch',
    // Workload evidence: the Pods behind each Service, through its EndpointSlices (core/src/discovery/evidence.ts).
    'cluster core pods: list,watch',
    'cluster discovery.k8s.io endpointslices: list,watch',
    // The operators' custom resources, exactly the table's kinds (core/src/discovery/operators.ts), read-only.
    ...operatorGrants(),
    `${NS} coordination.k8s.io leases: create`,
    `${NS} coordination.k8s.io leases[${lease}]: get,update`,
    `${NS} core configmaps: create`,
    `${NS} core configmaps[${cm}]: get,list,watch,update`,
  ];
  t.deepEqual(summary(base), baseline.sort());
  const byComponent: Record<string, string[]> = {
    'proxy-health-checks': ['cluster core services/proxy: get'],
    'restart-holmesgpt': [`${NS} apps deployments[holmesgpt-holmes]: patch`],
    'config-from-configmap': [`${NS} core configmaps[dynamic-toolset-config]: list,watch`],
  };
  for (const v of variants.filter((x) => x.name.startsWith('component '))) {
    t.deepEqual(summary(v.objects), [...baseline, ...byComponent[v.components[0]!]!].sort(), v.name);
  }
  // The same, asked of the RBAC authoriser the emulator implements (resourceNames, scopes, subresources).
  const authz = new Authorizer([]);
  for (const g of grantsFrom(base)) authz.grant(g);
  const me = serviceAccountUser(SA.namespace, SA.name);
  const can = (verb: string, resource: string, o: Parameters<typeof resourceRequest>[3] = {}) => authz.authorize(resourceRequest(me, verb, resource, o)).allowed;
  t.true(can('list', 'services'));
  t.true(can('watch', 'services', { namespace: 'monitoring' }));
  t.false(can('get', 'services', { namespace: 'monitoring', name: 'prometheus', subresource: 'proxy' }), 'no services/proxy in the base');
  t.true(can('update', 'configmaps', { namespace: NS, name: cm }));
  t.true(can('list', 'configmaps', { namespace: NS, name: cm }), 'list with fieldSelector metadata.name');
  t.false(can('update', 'configmaps', { namespace: NS, name: 'dynamic-toolset-config' }), 'not its own config');
  t.false(can('get', 'configmaps', { namespace: 'default', name: cm }), 'configmaps only in its namespace');
  t.false(can('list', 'configmaps', { namespace: NS }), 'no listing every ConfigMap');
  t.true(can('update', 'leases', { group: 'coordination.k8s.io', namespace: NS, name: lease }));
  t.false(can('update', 'leases', { group: 'coordination.k8s.io', namespace: NS, name: 'someone-elses-lease' }));
  t.true(can('list', 'pods'), 'workload evidence');
  t.true(can('watch', 'endpointslices', { group: 'discovery.k8s.io', namespace: 'monitoring' }));
  t.false(can('get', 'pods', { namespace: 'monitoring', name: 'prometheus-0', subresource: 'log' }), 'no pod logs');
  t.false(can('get', 'secrets', { namespace: NS, name: 'x' }));
  t.false(can('patch', 'deployments', { group: 'apps', namespace: NS, name: 'holmesgpt-holmes' }), 'restarts only with the component');
  t.false(authz.authorize(pathRequest(me, 'get', '/metrics')).allowed);
  for (const k of OPERATOR_KINDS) {
    t.true(can('watch', k.plural, { group: k.group, namespace: 'monitoring' }), `${k.group}/${k.plural}`);
    t.false(can('update', k.plural, { group: k.group, namespace: 'monitoring', name: 'x' }), `${k.group}/${k.plural} read-only`);
  }
  t.false(can('list', 'customresourcedefinitions', { group: 'apiextensions.k8s.io' }), 'served CRDs come from API discovery');
  t.false(can('list', 'prometheusagents', { group: 'monitoring.coreos.com' }), 'only the kinds the table reads');
});

test('RBAC: services/proxy only comes with the proxy-health-checks component, which also switches the probe mode', (t) => {
  for (const v of variants) {
    const proxyRules = allRbac(v.objects).filter((o) => rulesOf(o).some((r) => (r.resources ?? []).includes('services/proxy')));
    const has = v.components.includes('proxy-health-checks');
    t.is(proxyRules.length, has ? 1 : 0, v.name);
    t.is(envValue(daemonContainer(v.objects), 'DYNAMIC_TOOLSET_HEALTH_CHECK_VIA'), has ? 'proxy' : 'direct', v.name);
    if (has) t.deepEqual(rulesOf(proxyRules[0]!), [{ apiGroups: [''], resources: ['services/proxy'], verbs: ['get'] }]);
  }
});

test("components: each one's Role and environment variable name the same object", (t) => {
  const agree = (v: Variant, env: string, kind: string, group: string, resource: string, verbs: string[]) => {
    const value = envValue(daemonContainer(v.objects), env);
    t.truthy(value, `${v.name}: ${env}`);
    const [namespace, name] = value!.split('/') as [string, string];
    const authz = new Authorizer([]);
    for (const g of grantsFrom(v.objects)) authz.grant(g);
    const me = serviceAccountUser(SA.namespace, SA.name);
    for (const verb of verbs) t.true(authz.authorize(resourceRequest(me, verb, resource, { group, namespace, name })).allowed, `${v.name}: ${verb} ${kind} ${value}`);
    t.false(authz.authorize(resourceRequest(me, verbs[0]!, resource, { group, namespace, name: `${name}-other` })).allowed, `${v.name}: only ${value}`);
    return { namespace, name };
  };
  for (const v of variants) {
    const c = daemonContainer(v.objects);
    if (v.components.includes('restart-holmesgpt')) agree(v, 'DYNAMIC_TOOLSET_RESTART_DEPLOYMENT', 'Deployment', 'apps', 'deployments', ['patch']);
    else t.is(envValue(c, 'DYNAMIC_TOOLSET_RESTART_DEPLOYMENT'), undefined);
    if (v.components.includes('config-from-configmap')) {
      const ref = agree(v, 'DYNAMIC_TOOLSET_CONFIG_CONFIGMAP', 'ConfigMap', '', 'configmaps', ['list', 'watch']);
      if (v.name.startsWith('example overlay')) t.deepEqual(ref, { namespace: 'platform-config', name: 'dynamic-toolset-config' }, 'the example reads another namespace');
    } else {
      t.is(envValue(c, 'DYNAMIC_TOOLSET_CONFIG_CONFIGMAP'), undefined);
    }
  }
});

test('API client ClusterRoles: only toolset.kubernaut.io; the reader only reads, the operator also discovers and reloads', (t) => {
  const reader = find(base, 'ClusterRole', 'dynamic-toolset-api-reader');
  const operator = find(base, 'ClusterRole', 'dynamic-toolset-api-operator');
  for (const role of [reader, operator]) {
    for (const r of rulesOf(role)) {
      t.deepEqual(r.apiGroups, [API_GROUP], idOf(role));
      t.is(r.nonResourceURLs, undefined);
    }
  }
  const grantsOf = (role: KObject) => rulesOf(role).flatMap((r) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${v} ${res}`))).sort();
  const reads = ['get plugins', 'get services', 'get statistics', 'get toolsets'];
  t.deepEqual(grantsOf(reader), reads);
  t.deepEqual(grantsOf(operator), [...reads, 'create config', 'create discover'].sort());
  const metrics = find(base, 'ClusterRole', 'dynamic-toolset-metrics-reader');
  t.deepEqual(rulesOf(metrics), [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  // Nothing in the base binds them: granting callers is the operator's decision.
  t.false(allRbac(base).some((o) => o.kind.endsWith('Binding') && (o.roleRef as { name: string }).name.startsWith('dynamic-toolset-') && (o.roleRef as { name: string }).name !== 'dynamic-toolset'));
});

// ---- examples -------------------------------------------------------------------------------------------------

test('examples: Prometheus gets /metrics through a ClusterRoleBinding; the ServiceMonitor sends its token and honours labels', (t) => {
  const [binding] = exampleObjects('prometheus-metrics-rbac.yaml');
  t.is(binding!.kind, 'ClusterRoleBinding', 'non-resource URLs can only be granted cluster-wide');
  t.deepEqual(binding!.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'dynamic-toolset-metrics-reader' });
  t.deepEqual(subjectsOf(binding!), [{ kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' }]);
  const authz = new Authorizer([]);
  for (const g of grantsFrom([...base, binding!])) authz.grant(g);
  t.true(authz.authorize(pathRequest(serviceAccountUser('monitoring', 'prometheus-k8s'), 'get', '/metrics')).allowed);

  const [sm] = exampleObjects('servicemonitor.yaml');
  const spec = sm!.spec as { selector: { matchLabels: Record<string, string> }; endpoints: JsonMap[] };
  const svc = find(base, 'Service', 'dynamic-toolset', NS);
  t.true(Object.entries(spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels?.[k] === v), 'selects the Service');
  t.is(spec.endpoints[0]!.port, 'http');
  t.is(spec.endpoints[0]!.path, '/metrics');
  t.is(spec.endpoints[0]!.honorLabels, true);
  t.is(spec.endpoints[0]!.bearerTokenFile, '/var/run/secrets/kubernetes.io/serviceaccount/token');

  const clients = exampleObjects('api-client-rbac.yaml');
  for (const b of clients) {
    t.is(b.kind, 'RoleBinding', 'API grants are namespaced: a RoleBinding in the daemon namespace is enough');
    t.is(b.metadata.namespace, NS);
  }
});

test('examples: HolmesGPT mounts the output ConfigMap as a directory and CUSTOM_TOOLSET_LOCATION points at custom_toolset.yaml in it', (t) => {
  const cm = flagDefault('configmap');
  const check = (where: string, volumes: JsonMap[], mounts: JsonMap[], env: JsonMap[]) => {
    const location = env.find((e) => e.name === 'CUSTOM_TOOLSET_LOCATION')?.value as string;
    t.truthy(location, where);
    t.is(path.posix.basename(location), CUSTOM_TOOLSET_KEY, where);
    const mount = mounts.find((m) => m.mountPath === path.posix.dirname(location));
    t.truthy(mount, `${where}: a mount at ${path.posix.dirname(location)}`);
    t.is(mount!.subPath, undefined, `${where}: no subPath`);
    const volume = volumes.find((v) => v.name === mount!.name);
    t.is((volume?.configMap as JsonMap | undefined)?.name, cm, where);
    t.not(path.posix.dirname(location), '/etc/holmes/config', `${where}: not over the chart's own mount`);
  };
  const values = parseYamlDocuments(readFileSync(path.join(deployDir, 'examples/holmesgpt-values.yaml'), 'utf8'), 'values')[0] as JsonMap;
  check('holmesgpt-values.yaml', values.additionalVolumes as JsonMap[], values.additionalVolumeMounts as JsonMap[], values.additionalEnvVars as JsonMap[]);
  const [patch] = exampleObjects('holmesgpt-deployment-patch.yaml');
  const pod = podSpecOf(patch!)!;
  const container = (pod.containers as JsonMap[])[0]!;
  check('holmesgpt-deployment-patch.yaml', pod.volumes as JsonMap[], container.volumeMounts as JsonMap[], container.env as JsonMap[]);
  t.is(patch!.metadata.namespace, NS, 'HolmesGPT runs where the ConfigMap is');
  // The restart component's default target is this Deployment.
  const restart = variants.find((v) => v.name === 'component restart-holmesgpt')!;
  t.is(envValue(daemonContainer(restart.objects), 'DYNAMIC_TOOLSET_RESTART_DEPLOYMENT'), `${patch!.metadata.namespace}/${patch!.metadata.name}`);
});

// ---- the detector config ----------------------------------------------------------------------------------------

test("deploy/config/detector-config.yaml is byte for byte config/detector-config.yaml, and the daemon's loader accepts it", (t) => {
  const copy = readFileSync(path.join(deployDir, 'config/detector-config.yaml'));
  const original = readFileSync(path.join(repoRoot, 'config/detector-config.yaml'));
  t.true(copy.equals(original), 'cp config/detector-config.yaml deploy/config/detector-config.yaml');
  const result = parseConfig(copy.toString('utf8'), 'deploy/config/detector-config.yaml');
  t.true(result.ok, JSON.stringify(result));
});

// ---- the Dockerfile ---------------------------------------------------------------------------------------------

/** .dockerignore patterns as regular expressions (Go filepath.Match with `**`); `!` exceptions re-include. */
function dockerignore(): Array<{ re: RegExp; negate: boolean }> {
  return readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const p = path.posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, ''));
      const re = p
        .split('/')
        .map((seg) => (seg === '**' ? '(?:.*)' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { re: new RegExp(`^${re}$`), negate };
    });
}

function ignored(rel: string, rules: Array<{ re: RegExp; negate: boolean }>): boolean {
  // A path is excluded if it or a parent directory matches (the last matching rule wins).
  const parts = rel.split('/');
  let out = false;
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    for (const r of rules) if (r.re.test(prefix)) out = !r.negate;
  }
  return out;
}

const BUILD_OUTPUTS = ['node_modules', 'sdk/dist', 'core/dist', 'plugins/dist'];

test('Dockerfile: every COPY source exists in the build context and is not excluded by .dockerignore', (t) => {
  const { instructions, stages } = readDockerfile();
  const rules = dockerignore();
  t.true(ignored('node_modules', rules) && ignored('core/node_modules', rules) && ignored('core/dist', rules) && ignored('.git', rules), 'local builds and .git stay out of the context');
  const copies = instructions.filter((i) => i.op === 'COPY' || i.op === 'ADD');
  t.true(copies.length > 5);
  for (const c of copies) {
    t.is(c.op, 'COPY', 'COPY, not ADD');
    const words = c.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    const fromStage = /--from=(\S+)/.exec(c.args)?.[1];
    const sources = words.slice(0, -1);
    for (const src of sources) {
      if (fromStage) {
        t.truthy(stages.find((s) => s.name === fromStage), `stage ${fromStage} exists`);
        t.true(src.startsWith('/app/'), src);
        const rel = src.slice('/app/'.length).replace(/\/$/, '');
        t.true(existsSync(path.join(repoRoot, rel)) || BUILD_OUTPUTS.includes(rel), `${src}: in the repository or made by the build`);
      } else {
        const rel = src.replace(/\/$/, '');
        t.true(existsSync(path.join(repoRoot, rel)), `COPY ${src}: exists in the build context`);
        t.false(ignored(rel, rules), `COPY ${src}: excluded by .dockerignore`);
      }
    }
  }
  // The build really writes the dist directories the runtime stage copies (scripts/build.mjs).
  const build = readFileSync(path.join(repoRoot, 'scripts/build.mjs'), 'utf8');
  t.regex(build, /buildNodeLibrary\(\s*'core',\s*\{[^}]*\bcli:\s*'cli\.ts'/);
  // The worker threads the daemon starts load these from next to the bundle (config/off-thread.ts, reconcile/off-thread.ts).
  t.regex(build, /buildNodeLibrary\(\s*'core',\s*\{[^}]*'config-worker':\s*'config\/parse-worker\.ts'[^}]*'render-worker':\s*'reconcile\/render-worker\.ts'/);
  t.regex(build, /buildNodeLibrary\('sdk',/);
  t.regex(build, /at\('plugins', 'dist'\)/);
});

test('Dockerfile: multi-stage on Node 20, npm ci + build + prune, the runtime runs core/dist/cli.js with --no-node-snapshot as a numeric non-root user', (t) => {
  const { instructions, stages } = readDockerfile();
  t.is(stages.length, 2);
  const nodeVersion = /ARG NODE_VERSION=(\d+)/.exec(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'))?.[1];
  t.is(nodeVersion, '20');
  t.regex(stages[0]!.from, /^node:\$\{NODE_VERSION\}-bookworm$/);
  t.regex(stages[1]!.from, /^node:\$\{NODE_VERSION\}-bookworm-slim$/);
  const runs = instructions.filter((i) => i.op === 'RUN' && i.stage === 0).map((i) => i.args).join('\n');
  t.regex(runs, /npm ci\b/);
  t.regex(runs, /npm_config_build_from_source=true npm rebuild isolated-vm/);
  t.regex(runs, /npm run build\b/);
  t.regex(runs, /npm prune --omit=dev/);
  // What prune keeps must be what the runtime loads: isolated-vm and esbuild are production dependencies.
  const deps = (p: string) => (JSON.parse(readFileSync(path.join(repoRoot, p), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  t.truthy(deps('core/package.json')['isolated-vm']);
  t.truthy(deps('sdk/package.json').esbuild);
  const runtime = instructions.filter((i) => i.stage === 1);
  const user = runtime.filter((i) => i.op === 'USER').at(-1)?.args ?? '';
  t.regex(user, /^\d+(:\d+)?$/, 'numeric, so runAsNonRoot can verify it');
  const uid = Number(user.split(':')[0]);
  t.true(uid > 0);
  t.is(uid, (daemonPod(base).securityContext as { runAsUser: number }).runAsUser, 'the Deployment runs as the image user');
  const entrypoint = JSON.parse(runtime.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
  t.is(entrypoint[0], 'node');
  t.true(entrypoint.includes('--no-node-snapshot'));
  const script = entrypoint.at(-1)!;
  t.is(script, '/app/core/dist/cli.js');
  t.true(runtime.some((i) => i.op === 'COPY' && /--from=build \/app\/core\/dist\/ core\/dist\//.test(i.args)), 'core/dist is copied into the runtime stage');
  t.is(runtime.find((i) => i.op === 'WORKDIR')?.args, '/app');
  t.deepEqual(JSON.parse(runtime.find((i) => i.op === 'CMD')!.args), ['serve']);
  t.is(runtime.find((i) => i.op === 'EXPOSE')?.args, '8080');
  t.regex(runtime.filter((i) => i.op === 'ENV').map((i) => i.args).join(' '), /NODE_ENV=production/);
  // The bin script the image does not use says the same about the snapshot.
  t.regex(readFileSync(path.join(repoRoot, 'core/bin/dynamic-toolset.js'), 'utf8'), /^#!\/usr\/bin\/env -S node --no-node-snapshot/);
});

test('Dockerfile: the launch the bench reproduces is the runtime stage\'s (ENTRYPOINT node flags, ENV), two malloc arenas included', (t) => {
  const launch = shippedLaunch();
  t.true(launch.nodeFlags.includes('--no-node-snapshot'));
  t.false(launch.nodeFlags.some((f) => f.endsWith('.js')), 'flags only, not the script');
  t.is(launch.env.NODE_ENV, 'production');
  // The bench's memory figures are measured with it (Dockerfile comment); without it RSS at ready is ~20 MiB higher.
  t.is(launch.env.MALLOC_ARENA_MAX, '2');
  // The build stage's ENV is not the daemon's.
  t.is(launch.env.npm_config_nodedir, undefined);
  t.deepEqual(envOfInstruction('A=1 B="two words" C='), { A: '1', B: 'two words', C: '' });
  t.deepEqual(envOfInstruction('LEGACY some value'), { LEGACY: 'some value' });
});

// ---- a real cluster -------------------------------------------------------------------------------------------

const e2eKubeconfig = process.env.E2E_KUBECONFIG;
if (e2eKubeconfig) {
  test('real cluster: server-side dry-run apply of the base and of each component succeeds', async (t) => {
    const kc = new KubeConfig();
    kc.loadFromFile(e2eKubeconfig);
    // A dry-run cannot create the namespace the other objects need; create it for real if it is missing.
    const core = kc.makeApiClient(CoreV1Api);
    let created = false;
    try {
      await core.readNamespace({ name: NS });
    } catch {
      await core.createNamespace({ body: { metadata: { name: NS } } });
      created = true;
    }
    if (created) t.teardown(async () => void (await core.deleteNamespace({ name: NS }).catch(() => undefined)));
    const client = KubernetesObjectApi.makeApiClient(kc);
    // Kubernetes < 1.21 serves PodDisruptionBudget only as policy/v1beta1 (kube-real is v1.20), with the same
    // minAvailable and selector. deploy/ stays on policy/v1; only this test translates, and only for such a server.
    const policy = (await kc.makeApiClient(ApisApi).getAPIVersions()).groups.find((g) => g.name === 'policy');
    const served = (version: string) => policy?.versions.some((v) => v.version === version) === true;
    const legacyPdb = !served('v1') && served('v1beta1');
    const asServed = (o: KObject): KObject => (legacyPdb && o.kind === 'PodDisruptionBudget' && o.apiVersion === 'policy/v1' ? { ...o, apiVersion: 'policy/v1beta1' } : o);
    const seen = new Set<string>();
    for (const v of variants.filter((x) => x.name === 'base' || x.name.startsWith('component '))) {
      for (const o of v.objects.map(asServed)) {
        if (seen.has(JSON.stringify(o))) continue;
        seen.add(JSON.stringify(o));
        try {
          await client.patch(o, undefined, 'All', 'dynamic-toolset-manifest-test', true, PatchStrategy.ServerSideApply);
        } catch (err) {
          t.fail(`${v.name}: ${idOf(o)}: ${(err as Error).message}`);
        }
      }
    }
    if (kubectl) {
      const apply = ['--kubeconfig', e2eKubeconfig, 'apply', '--server-side', '--dry-run=server'];
      let r;
      if (legacyPdb) {
        const built = spawnSync('kubectl', ['kustomize', deployDir], { encoding: 'utf8' });
        t.is(built.status, 0, built.stderr);
        const pdb = /^apiVersion: policy\/v1\nkind: PodDisruptionBudget$/m;
        t.regex(built.stdout, pdb);
        r = spawnSync('kubectl', [...apply, '-f', '-'], { encoding: 'utf8', input: built.stdout.replace(pdb, 'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget') });
      } else {
        r = spawnSync('kubectl', [...apply, '-k', deployDir], { encoding: 'utf8' });
      }
      t.is(r.status, 0, r.stderr);
    }
    t.pass();
  });
} else {
  test.skip('real cluster: server-side dry-run apply of deploy/ (set E2E_KUBECONFIG to run it)', () => {});
}

// Keeps `render` honest about the one restriction that made deploy/config/ necessary.
test('the renderer, like kustomize, refuses generator files outside the kustomization root', (t) => {
  const dir = ws.overlay('outside-root', 'configMapGenerator:\n  - name: x\n    files: [../deploy/config/detector-config.yaml]\n    options: {disableNameSuffixHash: true}\n');
  t.throws(() => render(dir), { message: /outside the kustomization root/ });
  t.true(COMPONENTS.every((c) => existsSync(path.join(deployDir, 'components', c, 'kustomization.yaml'))));
});
