// Rollout restart of a HolmesGPT Deployment when custom_toolset.yaml changes (HolmesGPT reads its toolsets once
// at start-up): the same pod-template checksum annotation its Helm chart uses for its own config.
import { AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

export const RESTART_ANNOTATION = 'checksum/toolset-config';

export async function restartDeployment(kc: KubeConfig, target: { namespace: string; name: string }, checksum: string): Promise<void> {
  const api = kc.makeApiClient(AppsV1Api);
  await api.patchNamespacedDeployment(
    { namespace: target.namespace, name: target.name, body: { spec: { template: { metadata: { annotations: { [RESTART_ANNOTATION]: checksum } } } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}
