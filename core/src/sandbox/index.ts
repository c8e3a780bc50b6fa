// The sandbox as other packages use it: the SDK's build verification and test helper load plugins here, so
// authors test exactly what the daemon runs. Exposed as `@kubernaut/dynamic-toolset/sandbox`; running plugins over
// Services (detection) is the next stage's entry, `@kubernaut/dynamic-toolset/detection`.
export { SandboxedPlugin, DEFAULT_LIMITS } from './plugin.js';
export type { DetectAnswer, PluginFailure, PluginObserver, PluginStats, SandboxLimits } from './plugin.js';
export { SandboxError } from './isolate.js';
export type { FailureKind } from './isolate.js';
export { validateDetection, validateManifest, validateToolsets, SUPPORTED_API_VERSIONS } from './validate.js';
