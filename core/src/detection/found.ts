// DetectedService → FoundService: the copy of a detection that a plugin's `toolsets()` receives.
import type { FoundService } from '@kubernaut/toolset-sdk';
import type { DetectedService } from './engine.js';

export function foundService(d: DetectedService): FoundService {
  const e = d.endpoint;
  return {
    detector: d.detector,
    type: d.type,
    service: { name: d.name, namespace: d.namespace, labels: { ...d.labels }, annotations: { ...d.annotations } },
    url: e.url,
    scheme: e.scheme,
    host: e.host,
    port: e.port,
    ...(e.portName !== undefined ? { portName: e.portName } : {}),
    path: e.path,
    healthPath: e.healthPath,
  };
}
