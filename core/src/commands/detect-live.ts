// `detect --kubeconfig`/`--cluster`: what detection needs from a live cluster, read once and read-only — Services,
// the Pods and EndpointSlices behind them and the operator resources the API server serves, listed page by page
// (each page projected and dropped before the next, so a large cluster costs its projections, not its objects).
// No watch, no writes, no health probes.
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { LIST_PAGE_SIZE, customResourceSource, discoverGroupVersions } from '../discovery/kube-source.js';
import { OperatorResourceIndex, operatorGroupVersions, projectListedResource, servedOperatorKinds } from '../discovery/operators.js';
import { WorkloadIndex, projectEndpointSlice, projectPod } from '../discovery/workloads.js';
import type { EvidenceSource } from '../detection/offline.js';
import { describeError, statusCodeOf } from '../kube/errors.js';

export interface ClusterRead {
  services: unknown[];
  /** Absent when Pods could not be listed (then Services are decided from metadata, as offline). */
  evidence?: EvidenceSource;
  counts: { services: number; pods: number; endpointSlices: number; resources: number };
  /** What could not be read and what that means, one line each. */
  notes: string[];
}

interface Page {
  items: unknown[];
  metadata?: { _continue?: string };
}

async function listAll(page: (cont: string | undefined) => Promise<Page>, onItems: (items: unknown[]) => void): Promise<number> {
  let cont: string | undefined;
  let n = 0;
  do {
    const p = await page(cont);
    onItems(p.items);
    n += p.items.length;
    cont = p.metadata?._continue || undefined;
  } while (cont);
  return n;
}

/** Lists the cluster. A failure to list Services is an error; Pods or EndpointSlices that cannot be listed are noted. */
export async function readCluster(kc: KubeConfig): Promise<ClusterRead> {
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const notes: string[] = [];
  const services: unknown[] = [];
  const counts = { services: 0, pods: 0, endpointSlices: 0, resources: 0 };
  counts.services = await listAll(
    (cont) => core.listServiceForAllNamespaces({ limit: LIST_PAGE_SIZE, ...(cont ? { _continue: cont } : {}) }),
    (items) => services.push(...items),
  );
  const index = new WorkloadIndex();
  let pods = true;
  try {
    counts.pods = await listAll(
      (cont) => core.listPodForAllNamespaces({ limit: LIST_PAGE_SIZE, ...(cont ? { _continue: cont } : {}) }),
      (items) => {
        for (const item of items) {
          const p = projectPod(item);
          if (p) index.upsertPod(p);
        }
      },
    );
  } catch (err) {
    pods = false;
    notes.push(`cannot list Pods (${describeError(err)})${statusCodeOf(err) === 403 ? ': grant list on pods' : ''}; Services are decided from their own metadata`);
  }
  if (pods) {
    try {
      counts.endpointSlices = await listAll(
        (cont) => discovery.listEndpointSliceForAllNamespaces({ limit: LIST_PAGE_SIZE, ...(cont ? { _continue: cont } : {}) }),
        (items) => {
          for (const item of items) {
            const s = projectEndpointSlice(item);
            if (s) index.upsertSlice(s);
          }
        },
      );
    } catch (err) {
      notes.push(
        `cannot list EndpointSlices (${describeError(err)})${statusCodeOf(err) === 403 ? ': grant list on endpointslices.discovery.k8s.io' : ''}; Pods are matched by each Service's selector instead`,
      );
    }
  }
  const resources = pods ? await readOperatorResources(kc, notes) : new OperatorResourceIndex();
  counts.resources = resources.size();
  // A cluster listed whole: every namespace is covered, so a selector with nothing behind it is "nothing serves".
  return { services, counts, notes, ...(pods ? { evidence: { index, ...(resources.size() > 0 ? { resources } : {}) } } : {}) };
}

/** The operator resources of every kind the API server serves (API discovery); what cannot be read is noted. */
async function readOperatorResources(kc: KubeConfig, notes: string[]): Promise<OperatorResourceIndex> {
  const index = new OperatorResourceIndex();
  let served;
  try {
    served = servedOperatorKinds(await discoverGroupVersions(kc, operatorGroupVersions()));
  } catch (err) {
    notes.push(`cannot ask API discovery which operator CRDs are served (${describeError(err)}); operator resources are not used`);
    return index;
  }
  for (const { kind, version } of served) {
    try {
      await customResourceSource(kc, kind.group, version, kind.plural).list((items) => {
        for (const item of items) {
          const r = projectListedResource(item, kind, version);
          if (r) index.upsert(r);
        }
      });
    } catch (err) {
      notes.push(
        `cannot list ${kind.plural}.${kind.group} (${describeError(err)})${statusCodeOf(err) === 403 ? `: grant list on ${kind.plural}.${kind.group}` : ''}; Services it made are decided without it`,
      );
    }
  }
  return index;
}
