// The embedded demo cluster for `serve --demo`: the in-repo Kubernetes API emulator seeded from
// config/demo-cluster.yaml, with local HTTP servers answering every Service port through the emulator's service
// proxy (the path the daemon's health checks take outside a cluster), and a documented API token.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { startEmulator } from './emulator/index.js';
import type { Emulator } from './emulator/index.js';

/** The demo's API token (documented in the README); it may read the API, reload config and scrape /metrics. */
export const DEMO_TOKEN = 'demo-token';
export const DEMO_USER = 'demo-user';
export const DEMO_STATUS_ANNOTATION = 'demo.kubernaut.io/health-status';

export interface DemoCluster {
  emulator: Emulator;
  kc: KubeConfig;
  token: string;
  services: number;
  stop(): Promise<void>;
}

async function answering(status: number): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ demo: true, path: req.url, status }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function startDemoCluster(seedFile: string, namespace: string): Promise<DemoCluster> {
  const seed = await readFile(seedFile, 'utf8');
  const emulator = await startEmulator({ seed });
  const servers = new Map<number, { server: http.Server; url: string }>();
  const serverFor = async (status: number) => {
    let s = servers.get(status);
    if (!s) servers.set(status, (s = await answering(status)));
    return s;
  };
  const services = emulator.list('v1', 'Service') as Array<{ metadata: { name: string; namespace: string; annotations?: Record<string, string> }; spec: { ports?: Array<{ name?: string; port: number; protocol?: string }> } }>;
  for (const svc of services) {
    const status = Number(svc.metadata.annotations?.[DEMO_STATUS_ANNOTATION] ?? '200') || 200;
    const { url } = await serverFor(status);
    for (const p of svc.spec.ports ?? []) {
      if (p.protocol !== undefined && p.protocol !== 'TCP') continue;
      emulator.registerProxyTarget({ namespace: svc.metadata.namespace, name: svc.metadata.name, port: p.name ?? p.port, url });
    }
  }
  emulator.addToken(DEMO_TOKEN, { username: DEMO_USER, groups: ['demo-operators'] });
  emulator.grant({ subjects: { users: [DEMO_USER] }, verbs: ['get', 'create'], apiGroups: ['toolset.kubernaut.io'], resources: ['*'], namespaces: [namespace] });
  emulator.grant({ subjects: { users: [DEMO_USER] }, verbs: ['get'], nonResourceURLs: ['/metrics'] });
  const kc = new KubeConfig();
  kc.loadFromString(emulator.kubeconfig());
  return {
    emulator,
    kc,
    token: DEMO_TOKEN,
    services: services.length,
    async stop() {
      await emulator.stop();
      await Promise.all([...servers.values()].map(({ server }) => new Promise<void>((r) => server.close(() => r()))));
    },
  };
}
