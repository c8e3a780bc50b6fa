// Leader election on a coordination.k8s.io/v1 Lease: only the leader writes; the others serve
// reads and take over within the lease duration when the leader dies.
//
//   const elector = new LeaderElector({ kc, namespace, identity, onStartedLeading, onStoppedLeading });
//   elector.start();
//   await elector.guard((signal) => writeConfigMap(signal));   // NotLeaderError unless leading (the daemon fences its ConfigMap write so)
//   await elector.stop();                           // releases the lease if held
export { LeaderElector, NotLeaderError, DEFAULT_LEASE_NAME, defaultIdentity, type LeaderElectorOptions, type LeaderLog, type LeaderStatus } from './elector.js';
export { kubeLeaseClient, statusCodeOf, describeError, type LeaseClient, type CallOptions } from './lease-client.js';
export { microTime, recordOf, isExpired, effectiveDurationMs, durationSeconds, type LeaseRecord } from './record.js';
