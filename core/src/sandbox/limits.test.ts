import test from 'ava';
import { isolateMemoryLimitMiB, parseQuantity, podMemoryLimitBytes } from './limits.js';

test('quantities parse like Kubernetes resource quantities', (t) => {
  t.is(parseQuantity('512Mi'), 512 * 1024 * 1024);
  t.is(parseQuantity('1Gi'), 1024 ** 3);
  t.is(parseQuantity('500M'), 500e6);
  t.is(parseQuantity('268435456'), 268435456);
  t.is(parseQuantity('lots'), undefined);
});

test('the pod limit comes from the env, then cgroup v2, then cgroup v1; unlimited is undefined', (t) => {
  const files = (m: Record<string, string>) => (f: string) => {
    if (m[f] === undefined) throw new Error('ENOENT');
    return m[f];
  };
  t.is(podMemoryLimitBytes({ DYNAMIC_TOOLSET_MEMORY_LIMIT: '512Mi' }, files({})), 512 * 1024 * 1024);
  t.is(podMemoryLimitBytes({}, files({ '/sys/fs/cgroup/memory.max': '536870912\n' })), 536870912);
  t.is(podMemoryLimitBytes({}, files({ '/sys/fs/cgroup/memory.max': 'max\n' })), undefined);
  t.is(podMemoryLimitBytes({}, files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' })), undefined);
  t.is(podMemoryLimitBytes({}, files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '268435456' })), 268435456);
});

test('isolate limits share what the host leaves of the pod limit, so all plugins together fit', (t) => {
  const mib = 1024 * 1024;
  t.is(isolateMemoryLimitMiB(undefined), 32);
  const per = isolateMemoryLimitMiB(512 * mib);
  t.is(per, 22);
  t.true(per * 16 + 160 <= 512, 'sixteen plugins at their limit plus the host reserve fit in 512Mi');
  t.is(isolateMemoryLimitMiB(128 * mib), 8, 'never below the isolated-vm minimum');
  t.is(isolateMemoryLimitMiB(64 * 1024 * mib), 128, 'capped');
});
