// Detection as other packages use it: the SDK's test helper (`@kubernaut/toolset-sdk/testing`) and `toolset-sdk test`
// run plugins through this, so authors test exactly what the daemon runs — views made as the daemon makes them,
// detectors in priority order, the same trace. Exposed as `@kubernaut/dynamic-toolset/detection`.
export { detectOffline, detectOfflineReport, evidenceFrom, withEvidence } from './offline.js';
export type { DetectionRecord, EvidenceSource, OfflineOptions, OfflineReport } from './offline.js';
export { readManifests, parseManifests } from './manifests.js';
export { toServiceView } from './view.js';
export { resolveDetection } from './resolve.js';
export { detectServices } from './engine.js';
export type { DetectedService, ServiceResult, TraceStep } from './engine.js';
export { foundService } from './found.js';
export { builtinPluginsDir } from '../paths.js';
