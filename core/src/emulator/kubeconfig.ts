// Kubeconfig for the emulator. client-node 1.x refuses plain http unless the cluster sets
// insecure-skip-tls-verify, so that flag is always present.
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token: string;
  /** Context/cluster name (default "kube-emulator"). */
  name?: string;
  user?: string;
  namespace?: string;
}

export function buildKubeconfig(o: KubeconfigOptions): string {
  const name = o.name ?? 'kube-emulator';
  const user = o.user ?? `${name}-user`;
  const context: Record<string, string> = { cluster: name, user };
  if (o.namespace) context.namespace = o.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: o.server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: user, user: { token: o.token } }],
    contexts: [{ name, context }],
    'current-context': name,
    preferences: {},
  });
}
