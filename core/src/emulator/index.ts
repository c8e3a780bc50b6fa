// Public API of the in-repo Kubernetes API emulator: an HTTP server that speaks the real API
// server's wire protocol for the resources the daemon uses, so the real @kubernetes/client-node
// can be pointed at it through a kubeconfig.
//
//   const emu = await startEmulator({ seed: yamlText });
//   const kc = new KubeConfig(); kc.loadFromString(emu.kubeconfig());
//   emu.faults.failNext(1, 503, { method: 'GET' });
//   await emu.stop();
export { startEmulator, Emulator, type EmulatorOptions, type ObjectRef, type ListQuery, type HelperOptions } from './emulator.js';
export type { Faults, FaultMatch, FailOptions, FaultHandle } from './faults.js';
export type { WatchStreamStats } from './watch.js';
export type { Grant, ResourceGrant, NonResourceGrant, Subjects } from './rbac.js';
export type { TokenUser } from './auth.js';
export type { ProxyTarget } from './proxy.js';
export type { PatchType } from './patch.js';
export { ApiError, type Status, type StatusDetails, type StatusCause } from './status.js';
export type { KubeObject, JsonObject, JsonValue, ObjectInput, UserInfo } from './types.js';
export { parseManifests } from './seed.js';
export { buildKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
