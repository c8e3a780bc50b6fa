// The three Lease calls the elector needs, behind a small interface so unit tests can inject an
// in-memory fake. The real one is client-node's CoordinationV1Api with a per-request AbortSignal
// (client-node has no timeout of its own; a hung renew must not outlive the renew deadline).
import { ApiException, CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { withSignal } from '../kube/abort.js';

export interface CallOptions {
  /** Aborts the request (the elector's per-request deadline). */
  signal?: AbortSignal;
}

export interface LeaseClient {
  /** The Lease, or undefined when it does not exist (404). */
  get(namespace: string, name: string, opts?: CallOptions): Promise<V1Lease | undefined>;
  /** POST; fails with a 409 (AlreadyExists) when someone created it first. */
  create(namespace: string, lease: V1Lease, opts?: CallOptions): Promise<V1Lease>;
  /** PUT guarded by lease.metadata.resourceVersion; fails with a 409 (Conflict) when it is stale. */
  replace(namespace: string, name: string, lease: V1Lease, opts?: CallOptions): Promise<V1Lease>;
}

export { describeError, statusCodeOf } from '../kube/errors.js';
import { statusCodeOf } from '../kube/errors.js';

/** The real LeaseClient: client-node against the cluster (or the emulator) in `kc`. */
export function kubeLeaseClient(kc: KubeConfig): LeaseClient {
  const api = kc.makeApiClient(CoordinationV1Api);
  return {
    async get(namespace, name, opts = {}) {
      try {
        return await api.readNamespacedLease({ namespace, name }, withSignal(opts.signal));
      } catch (e) {
        if (statusCodeOf(e) === 404) return undefined;
        throw e;
      }
    },
    create: (namespace, body, opts = {}) => api.createNamespacedLease({ namespace, body }, withSignal(opts.signal)),
    replace: (namespace, name, body, opts = {}) => api.replaceNamespacedLease({ namespace, name, body }, withSignal(opts.signal)),
  };
}
