// A tiny replica for the two-process leader-election test: runs a LeaderElector and, while it
// leads, writes ConfigMap `leader-writes` key `<identity>` = counter every 100 ms through guard().
// Prints one JSON line per transition: {"event":"leading"|"stopped"|"leader","identity":...,"at":ms}.
//
//   node --import=tsx test/leader/runner.ts --kubeconfig <path> --identity A [--lease-ms 1000 --renew-ms 700 --retry-ms 100]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { LeaderElector, NotLeaderError, statusCodeOf } from '../../core/src/leader/index.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    identity: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
    'lease-name': { type: 'string', default: 'dynamic-toolset-leader' },
    configmap: { type: 'string', default: 'leader-writes' },
    'lease-ms': { type: 'string', default: '1000' },
    'renew-ms': { type: 'string', default: '700' },
    'retry-ms': { type: 'string', default: '100' },
    'write-ms': { type: 'string', default: '100' },
  },
});
if (!values.kubeconfig || !values.identity) {
  process.stderr.write('usage: runner.ts --kubeconfig <path> --identity <id>\n');
  process.exit(2);
}
const identity = values.identity;
const namespace = values.namespace;
const cmName = values.configmap;

const kc = new KubeConfig();
kc.loadFromString(readFileSync(values.kubeconfig, 'utf8'));
const core = kc.makeApiClient(CoreV1Api);

const emit = (event: string, who: string) => process.stdout.write(`${JSON.stringify({ event, identity: who, at: Date.now() })}\n`);
const line = (level: string) => (message: string, meta?: Record<string, unknown>) => process.stderr.write(`${identity} ${level} ${message} ${JSON.stringify(meta ?? {})}\n`);

const elector = new LeaderElector({
  kc,
  namespace,
  name: values['lease-name'],
  identity,
  leaseDurationMs: Number(values['lease-ms']),
  renewDeadlineMs: Number(values['renew-ms']),
  retryPeriodMs: Number(values['retry-ms']),
  log: { debug: () => undefined, info: line('info'), warn: line('warn'), error: line('error') },
  onStartedLeading: () => emit('leading', identity),
  onStoppedLeading: () => emit('stopped', identity),
  onNewLeader: (who) => emit('leader', who),
});

let counter = 0;

/** Read-modify-write guarded by resourceVersion; a 409 just waits for the next tick. */
async function writeOnce(): Promise<void> {
  let current: V1ConfigMap | undefined;
  try {
    current = await core.readNamespacedConfigMap({ namespace, name: cmName });
  } catch (e) {
    if (statusCodeOf(e) !== 404) throw e;
  }
  const next = counter + 1;
  if (!current) {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: cmName, namespace }, data: { [identity]: String(next) } } });
  } else {
    current.data = { ...current.data, [identity]: String(next) };
    await core.replaceNamespacedConfigMap({ namespace, name: cmName, body: current });
  }
  counter = next;
}

let writing = false;
const writer = setInterval(() => {
  if (writing || !elector.isLeader()) return;
  writing = true;
  elector
    .guard(() => writeOnce())
    .catch((e: unknown) => {
      if (!(e instanceof NotLeaderError)) line('warn')('write failed', { error: String(e) });
    })
    .finally(() => {
      writing = false;
    });
}, Number(values['write-ms']));

const shutdown = () => {
  clearInterval(writer);
  void elector.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

elector.start();
