// Where the daemon finds its cluster: --kubeconfig (or DYNAMIC_TOOLSET_KUBECONFIG), then KUBECONFIG, then
// ~/.kube/config, then the pod's service account. Which one was used is reported, never guessed silently.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export type KubeSource = 'flag' | 'KUBECONFIG' | 'home' | 'in-cluster' | 'demo';

export interface Connection {
  kc: KubeConfig;
  source: KubeSource;
  /** Running in a pod (service account credentials in use). */
  inCluster: boolean;
  /** Human description, e.g. "kubeconfig /home/me/.kube/config (context kind-dev)". */
  description: string;
}

export class NoClusterError extends Error {
  override name = 'NoClusterError';
}

export function inPod(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(path.join(SA_DIR, 'token'));
}

/** True when neither a kubeconfig nor a pod's service account is available. */
export function noClusterConfigured(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return kubeconfigFile(flag, env) === undefined && !inPod(env);
}

/** The kubeconfig file that would be used (flag, KUBECONFIG, ~/.kube/config), or undefined. */
export function kubeconfigFile(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { file: string; source: KubeSource } | undefined {
  if (flag) return { file: flag, source: 'flag' };
  const fromEnv = env.KUBECONFIG?.split(path.delimiter).find((f) => f !== '');
  if (fromEnv) return { file: fromEnv, source: 'KUBECONFIG' };
  const home = path.join(os.homedir(), '.kube', 'config');
  return existsSync(home) ? { file: home, source: 'home' } : undefined;
}

export function connect(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Connection {
  const kc = new KubeConfig();
  const file = kubeconfigFile(flag, env);
  if (file) {
    if (!existsSync(file.file)) throw new NoClusterError(`kubeconfig ${file.file} (from ${file.source === 'flag' ? '--kubeconfig' : file.source}) does not exist`);
    try {
      kc.loadFromFile(file.file);
    } catch (err) {
      throw new NoClusterError(`cannot load kubeconfig ${file.file}: ${(err as Error).message}`);
    }
    if (!kc.getCurrentCluster()) throw new NoClusterError(`kubeconfig ${file.file} has no current context with a cluster`);
    return { kc, source: file.source, inCluster: false, description: `kubeconfig ${file.file} (context ${kc.getCurrentContext()})` };
  }
  if (inPod(env)) {
    kc.loadFromCluster();
    return { kc, source: 'in-cluster', inCluster: true, description: 'in-cluster service account' };
  }
  throw new NoClusterError(
    'no cluster to talk to: not running in a pod, and no kubeconfig (--kubeconfig, DYNAMIC_TOOLSET_KUBECONFIG, KUBECONFIG or ~/.kube/config). ' +
      'Point it at a cluster, try it on the embedded demo cluster with "dynamic-toolset serve --demo" (or "npm start"), ' +
      'or see what it would find in your manifests with "dynamic-toolset detect --manifests <file>".',
  );
}

/** The namespace the daemon lives in: --namespace, POD_NAMESPACE, the pod's own, else kubernaut-system. */
export function ownNamespace(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const ns = readFileSync(path.join(SA_DIR, 'namespace'), 'utf8').trim();
    if (ns) return ns;
  } catch {
    /* not in a pod */
  }
  return 'kubernaut-system';
}
