// configmap_drift_detections_total means someone else edited a generated key: Service churn alone (the
// daemon rewriting its own output, and the watch events of those writes) never counts; a foreign edit counts once.
import test from 'ava';
import { DEFAULT_CONFIG } from '../../core/src/config/schema.js';
import type { Config } from '../../core/src/config/schema.js';
import { cmRef, startDaemon } from './helpers.js';
import { eventually } from '../helpers/bundles.js';

// Health checks off: every detected Service is published (unchecked), so each change rewrites the ConfigMap.
const config: Config = { ...DEFAULT_CONFIG, healthCheck: { ...DEFAULT_CONFIG.healthCheck, enabled: false } };

function annotated(name: string, type: string, port = 9000): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'apps', annotations: { 'kubernaut.io/toolset': 'true', 'kubernaut.io/toolset-type': type } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }] },
  };
}

const svcRef = (name: string) => ({ apiVersion: 'v1', kind: 'Service', namespace: 'apps', name });

test('Service churn with no foreign edits is never drift; one foreign edit counts once and is repaired', async (t) => {
  const drift: string[][] = [];
  let writes = 0;
  const h = await startDaemon(t, { config, options: { observers: { reconciler: { drift: (keys) => drift.push([...keys]), written: () => (writes += 1) } } } });
  await eventually(() => h.configMap());

  // Creations, changes and deletions, some in bursts, some one by one with the ConfigMap written between them.
  for (let i = 0; i < 24; i++) {
    h.emu.create(annotated(`svc-${i}`, `kind${i}`));
    if (i % 4 === 3) {
      h.emu.patch(svcRef(`svc-${i - 1}`), { spec: { ports: [{ name: 'http', port: 9100, targetPort: 9100, protocol: 'TCP' }] } });
      h.emu.delete(svcRef(`svc-${i - 3}`));
    }
    if (i % 2 === 1) await eventually(() => h.configMap()?.data?.[`kind${i}-toolset.yaml`]);
  }
  await eventually(() => h.customToolsets()?.['kind23/api'] && !h.configMap()?.data?.['kind20-toolset.yaml']);
  await h.daemon.detection.whenIdle();
  await eventually(() => h.daemon.reconciler.last?.result === 'unchanged' || h.daemon.reconciler.last?.result === 'updated');
  t.true(writes >= 5, `the daemon rewrote its ConfigMap (${writes} writes)`);
  t.deepEqual(drift, [], 'the daemon\'s own writes are not drift');

  // Someone else edits a generated key: drift, once; repaired.
  const own = h.configMap()!.data!['kubernetes-toolset.yaml']!;
  h.emu.patch(cmRef, { data: { 'kubernetes-toolset.yaml': 'toolset: hacked\n' } });
  await eventually(() => h.configMap()?.data?.['kubernetes-toolset.yaml'] === own);
  t.deepEqual(drift, [['kubernetes-toolset.yaml']]);

  // More churn afterwards adds no drift.
  for (let i = 0; i < 6; i++) h.emu.delete(svcRef(`svc-${23 - i}`));
  await eventually(() => !h.customToolsets()?.['kind23/api'] && !h.customToolsets()?.['kind18/api']);
  t.is(drift.length, 1);
});
