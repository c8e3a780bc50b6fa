// Toolset generation and rendering: pure functions from published Services (and overrides.yaml) to the data of
// ConfigMap `kubernaut-toolset-config` and the API's toolset views. No I/O, no clock.
export * from './types.js';
export {
  CONFIGMAP_NAME,
  CUSTOM_TOOLSET_KEY,
  KUBERNETES_KEY,
  OVERRIDES_KEY,
  perTypeKey,
  BASELINE_TOOLSETS,
  LOG_BACKEND_TOOLSETS,
  ENTRY_KEYS,
  MODELLED_TOOLSETS,
  OTHER_BUILTIN_TOOLSETS,
  checkConfigKey,
  isBuiltin,
  supportsInstances,
} from './holmes.js';
export type { BuiltinToolset, ConfigKeyVerdict } from './holmes.js';
export { choosePrimaries, compareByRule, isPublishable } from './primary.js';
export type { PrimaryChoice, PrimaryReason } from './primary.js';
export { buildToolsets, genericEntry } from './build.js';
export type { BuildOptions, BuildResult, BuiltToolset, NameConflict, PerTypeToolset, SkippedService } from './build.js';
export { parseOverrides, mergeEntry, formatOverridesProblem, OVERRIDES_TEMPLATE } from './overrides.js';
export type { Overrides, OverridesProblem, OverridesResult } from './overrides.js';
export { mergeToolsets } from './merge.js';
export type { MergedToolset } from './merge.js';
export { redact, REDACTED } from './view.js';
export { renderConfigMapData, CONFIGMAP_LIMIT_BYTES, METADATA_MARGIN_BYTES, MAX_DATA_BYTES } from './render.js';
export type { InvalidToolsets, OverridesStatus, RenderError, RenderInput, RenderResult, TooLarge } from './render.js';
export { renderWithinBudget, LEFT_OUT_REASONS } from './budget.js';
export type { BudgetedRender, Degraded, LeftOut, LeftOutReason } from './budget.js';
export { overLimit, SERVICE_LIMITS } from './limits.js';
export { checkToolsetsDocument, formatPath } from './check.js';
export type { CheckOptions, HolmesProblem } from './check.js';
export { instanceNames } from './build.js';
