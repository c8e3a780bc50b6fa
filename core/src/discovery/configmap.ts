// The ConfigMap as the daemon's caches hold it: the output ConfigMap (the reconciler's "actual" side) and a config
// ConfigMap (config/source.ts) are both watched through an informer and projected here, upstream of both users.

/** A ConfigMap as cached: plain data, without managedFields. */
export interface ConfigMapShape {
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  [key: string]: unknown;
}

/** Projection for a ConfigMap cache: everything but managedFields. */
export function projectConfigMap(raw: unknown): ConfigMapShape | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const o = JSON.parse(JSON.stringify(raw)) as ConfigMapShape;
  if (!o.metadata || typeof o.metadata.name !== 'string') return undefined;
  delete (o.metadata as Record<string, unknown>).managedFields;
  return o;
}
