// The same ConfigMap contract against a real cluster, when E2E_KUBECONFIG points at one; reported as skipped otherwise.
import test from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import { configMapContract } from './contract.js';

const kubeconfig = process.env.E2E_KUBECONFIG;
if (kubeconfig) {
  configMapContract(test, 'real cluster', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    return kc;
  });
} else {
  test.skip('real cluster: ConfigMap contract (set E2E_KUBECONFIG to run it)', () => {});
}
