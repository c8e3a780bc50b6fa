// The ConfigMap contract, written once against the Kubernetes API only (no emulator helpers), so it runs
// unchanged against the in-repo emulator and — with E2E_KUBECONFIG — against a real cluster:
// a Service appears → ConfigMap; an edited generated key → repaired; admin overrides → merged and kept;
// the ConfigMap deleted → recreated.
import type { ExecutionContext, TestFn } from 'ava';
import { ApiException, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { Daemon } from '../../core/src/daemon.js';
import { withDefaults, BUILTIN_PRIORITIES } from '../../core/src/config/schema.js';
import { builtinPluginsDir } from '../../core/src/paths.js';
import { createLogger } from '../../core/src/log.js';
import { eventually } from '../helpers/bundles.js';

const TIMEOUT = 30_000;

async function ignore(codes: number[], fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof ApiException && codes.includes(err.code))) throw err;
  }
}

function toolsets(cm: V1ConfigMap | undefined): Record<string, { enabled?: boolean; config?: Record<string, unknown> }> | undefined {
  const text = cm?.data?.['custom_toolset.yaml'];
  return text ? (parse(text) as { toolsets: Record<string, { config?: Record<string, unknown> }> }).toolsets : undefined;
}

export function configMapContract(test: TestFn, title: string, connect: (t: ExecutionContext) => Promise<KubeConfig>): void {
  test(`${title}: create → ConfigMap → drift repaired → overrides merged → recreated`, async (t) => {
    t.timeout(120_000);
    const kc = await connect(t);
    const core = kc.makeApiClient(CoreV1Api);
    const ns = `dt-contract-${randomBytes(3).toString('hex')}`;
    const name = 'kubernaut-toolset-config';
    // A real cluster needs the namespace; the emulator's namespaces are implicit (create is refused there).
    await ignore([403, 404, 405, 409], () => core.createNamespace({ body: { metadata: { name: ns } } }));
    t.teardown(() => ignore([403, 404, 405], () => core.deleteNamespace({ name: ns })));

    // Only this namespace, and no probing: the contract is about the ConfigMap, on any cluster.
    const detectors = Object.fromEntries(Object.keys(BUILTIN_PRIORITIES).map((d) => [d, { namespaces: { include: [ns] } }]));
    const daemon = new Daemon({
      kc,
      config: withDefaults({ health_check: { enabled: false }, detectors }),
      namespace: ns,
      configMap: name,
      builtinDir: builtinPluginsDir(),
      pluginsDir: '/nonexistent-plugins-dir',
      probeMode: 'direct',
      log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'error' }),
      timing: { debounceMs: 50 },
    });
    await daemon.start();
    t.teardown(() => daemon.stop());
    const read = async () => {
      try {
        return await core.readNamespacedConfigMap({ name, namespace: ns });
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      }
    };

    await eventually(read, TIMEOUT);
    await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'obs-grafana', labels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'obs' } },
        // No selector: with workload evidence (issue 11) a Service selecting no Pod stays unpublished, and this suite
        // runs no Pods (a real cluster would start them); a selector-less Service is decided from its own metadata.
        spec: { ports: [{ name: 'service', port: 80, targetPort: 3000, protocol: 'TCP' }] },
      },
    });
    const url = `http://obs-grafana.${ns}.svc.cluster.local:80`;
    await eventually(async () => toolsets(await read())?.['grafana/dashboards']?.config?.api_url === url, TIMEOUT);
    t.regex((await read())!.data!['grafana-toolset.yaml']!, /toolset: grafana/);

    // Drift: someone edits a generated key.
    await core.patchNamespacedConfigMap({ name, namespace: ns, body: { data: { 'grafana-toolset.yaml': 'toolset: hacked\n' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await eventually(async () => /toolset: grafana/.test((await read())?.data?.['grafana-toolset.yaml'] ?? ''), TIMEOUT);

    // Overrides: an admin adds credentials and an admin key; both survive, merged into custom_toolset.yaml.
    await core.patchNamespacedConfigMap(
      {
        name,
        namespace: ns,
        body: {
          metadata: { labels: { team: 'sre' } },
          data: { 'overrides.yaml': 'toolsets:\n  grafana/dashboards:\n    config:\n      api_key: glsa_123\n', 'notes.txt': 'admin-owned' },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually(async () => toolsets(await read())?.['grafana/dashboards']?.config?.api_key === 'glsa_123', TIMEOUT);
    const merged = await read();
    t.is(toolsets(merged)!['grafana/dashboards']!.config!.api_url, url, 'the discovered URL stays beside the admin key');
    t.is(merged!.data!['notes.txt'], 'admin-owned');
    t.is(merged!.metadata!.labels!.team, 'sre');

    // Deleted → recreated.
    await core.deleteNamespacedConfigMap({ name, namespace: ns });
    await eventually(async () => toolsets(await read())?.['grafana/dashboards'], TIMEOUT);
    t.pass();
  });
}
