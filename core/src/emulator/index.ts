// Public API of the in-repo Kubernetes API emulator.
export { startEmulator, Emulator, type EmulatorOptions, type ObjectRef, type ListQuery, type HelperOptions } from './emulator.js';
export type { Faults, FaultMatch, FailOptions, FaultHandle } from './faults.js';
export type { Grant, ResourceGrant, NonResourceGrant, Subjects } from './rbac.js';
export type { TokenUser } from './auth.js';
export type { ProxyTarget } from './proxy.js';
export type { PatchType } from './patch.js';
export { ApiError, type Status, type StatusDetails, type StatusCause } from './status.js';
export type { KubeObject, JsonObject, JsonValue, UserInfo } from './types.js';
export { parseManifests } from './seed.js';
export { buildKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
