// Namespaces are implicit: every name exists and is Active. GET/list of core/v1 namespaces is
// served synthetically so clients that check their namespace (or list namespaces) work.
import { createHash } from 'node:crypto';
import type { JsonObject } from './types.js';

export const BUILTIN_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** Stable per-name UID, so repeated reads agree. */
function uidFor(name: string): string {
  const h = createHash('sha1').update(`namespace/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function namespaceBody(name: string, createdAt: string): JsonObject {
  return {
    metadata: {
      name,
      uid: uidFor(name),
      resourceVersion: '1',
      creationTimestamp: createdAt,
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export function namespaceObject(name: string, createdAt: string): JsonObject {
  return { kind: 'Namespace', apiVersion: 'v1', ...namespaceBody(name, createdAt) };
}

export function namespaceList(names: Iterable<string>, createdAt: string, resourceVersion: string): JsonObject {
  const all = [...new Set([...BUILTIN_NAMESPACES, ...names])].sort();
  return { kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion }, items: all.map((n) => namespaceBody(n, createdAt)) };
}
