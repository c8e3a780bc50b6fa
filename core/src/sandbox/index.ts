// The sandbox as other packages use it: the SDK's build verification and test helper load plugins here,
// so authors test exactly what the daemon runs.
export { SandboxedPlugin, DEFAULT_LIMITS } from './plugin.js';
export type { DetectAnswer, PluginFailure, PluginObserver, PluginStats, SandboxLimits } from './plugin.js';
export { SandboxError } from './isolate.js';
export type { FailureKind } from './isolate.js';
export { validateDetection, validateManifest, validateToolsets, SUPPORTED_API_VERSIONS } from './validate.js';
export { detectOffline, detectOfflineReport } from '../detection/offline.js';
export type { DetectionRecord, OfflineOptions, OfflineReport } from '../detection/offline.js';
export { readManifests, parseManifests } from '../detection/manifests.js';
export { toServiceView } from '../detection/view.js';
export { resolveDetection } from '../detection/resolve.js';
export { builtinPluginsDir } from '../paths.js';
export { detectServices } from '../detection/engine.js';
export type { DetectedService, ServiceResult, TraceStep } from '../detection/engine.js';
export { foundService } from '../detection/found.js';
