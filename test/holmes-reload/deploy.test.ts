// The reload wiring in deploy/: the reload-holmesgpt component (alone, and beside restart-holmesgpt as the example
// overlay has it) points the daemon at HolmesGPT's Service with the key from the Secret HolmesGPT's values read
// HOLMES_API_KEY from, and HolmesGPT's values open the admin API.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { daemonContainer, daemonPod, deployDir, envValue, serveFlags, workspace, EXAMPLE_OVERLAY, NS } from '../deploy/fixtures.js';
import { parseYamlDocuments, readObjects, podSpecOf, render } from '../deploy/kustomize.js';
import type { JsonMap } from '../deploy/kustomize.js';

const ws = workspace();
test.after.always(() => ws.cleanup());

const values = parseYamlDocuments(readFileSync(path.join(deployDir, 'examples/holmesgpt-values.yaml'), 'utf8'), 'values')[0] as JsonMap;
const valuesEnv = values.additionalEnvVars as JsonMap[];
const keyRef = (env: JsonMap[]) => ((env.find((e) => e.name === 'HOLMES_API_KEY')?.valueFrom as JsonMap | undefined)?.secretKeyRef ?? undefined) as { name: string; key: string } | undefined;

test('HolmesGPT: the admin API is on and HOLMES_API_KEY comes from a Secret, in the Helm values and the plain patch', (t) => {
  t.is(valuesEnv.find((e) => e.name === 'ENABLE_ADMIN_API')?.value, 'true', 'a string: Helm values are env values');
  t.deepEqual(keyRef(valuesEnv), { name: 'holmesgpt-api-key', key: 'api-key' });
  const [patch] = readObjects(path.join(deployDir, 'examples/holmesgpt-deployment-patch.yaml'));
  const env = ((podSpecOf(patch!)!.containers as JsonMap[])[0]!.env ?? []) as JsonMap[];
  t.is(env.find((e) => e.name === 'ENABLE_ADMIN_API')?.value, 'true');
  t.deepEqual(keyRef(env), keyRef(valuesEnv));
});

for (const [name, kustomization] of [
  ['the component alone', 'resources: [../deploy]\ncomponents: [../deploy/components/reload-holmesgpt, ../deploy/components/restart-holmesgpt]\n'],
  ['the example overlay', readFileSync(EXAMPLE_OVERLAY, 'utf8')],
] as const) {
  test(`daemon (${name}): --holmesgpt-reload names HolmesGPT's Service, the key file is HolmesGPT's Secret, the restart stays as fallback`, (t) => {
    const objects = render(ws.overlay(name.replace(/\W+/g, '-'), kustomization));
    const c = daemonContainer(objects);
    const url = new URL(envValue(c, 'DYNAMIC_TOOLSET_HOLMESGPT_RELOAD')!);
    // The chart's Service and Deployment are both <release>-holmes: the reload target and the restart target agree.
    const [deployNs, deployName] = envValue(c, 'DYNAMIC_TOOLSET_RESTART_DEPLOYMENT')!.split('/');
    t.is(url.hostname, `${deployName}.${deployNs}.svc.cluster.local`);
    t.is(deployNs, NS);
    const file = envValue(c, 'DYNAMIC_TOOLSET_HOLMESGPT_API_KEY_FILE')!;
    const mount = (c.volumeMounts as JsonMap[]).find((m) => m.mountPath === path.posix.dirname(file));
    t.truthy(mount);
    t.true(mount!.readOnly as boolean);
    const volume = (daemonPod(objects).volumes as JsonMap[]).find((v) => v.name === mount!.name)!;
    const secret = volume.secret as { secretName: string; items: Array<{ key: string; path: string }>; optional?: boolean };
    t.is(secret.secretName, keyRef(valuesEnv)!.name);
    t.deepEqual(secret.items, [{ key: keyRef(valuesEnv)!.key, path: path.posix.basename(file) }]);
    t.not(secret.optional, true);
    // The key itself never sits in the environment (where `kubectl describe` and crash dumps show it).
    t.is(envValue(c, 'DYNAMIC_TOOLSET_HOLMESGPT_API_KEY'), undefined);
  });
}

test('serve has both flags with their DYNAMIC_TOOLSET_* twins, and no flag that takes the key itself', (t) => {
  const flags = serveFlags();
  t.like(flags.find((f) => f.flag === 'holmesgpt-reload'), { env: 'DYNAMIC_TOOLSET_HOLMESGPT_RELOAD' });
  t.like(flags.find((f) => f.flag === 'holmesgpt-api-key-file'), { env: 'DYNAMIC_TOOLSET_HOLMESGPT_API_KEY_FILE' });
  t.false(flags.some((f) => f.flag === 'holmesgpt-api-key'), 'a key on the command line would show in ps');
});
