// The daemon's own V8 heap after a large burst of work (the first detection of a cluster, a resync, a reload).
//
// V8 collects lazily: once a burst ends nothing allocates, so the garbage it left (Service and Pod list pages, the
// detection batches' JSON) and the pages holding it stay committed until the memory reducer runs, seconds to minutes
// later. Measured on the bench's pods part (10,000 Services, 50,000 Pods): 392 MiB RSS right after the first
// ConfigMap write, 307 MiB after one full collection, heap in use 77 MiB either way. The plugin isolates are
// collected the same way after large runs (sandbox/plugin.ts, settle); this does it for the daemon's own heap.
//
// One full collection stops the event loop for tens of milliseconds: it runs once the daemon has detected at least
// LARGE_RUN_SERVICES Services since the last one and then QUIET_MS have passed without another run (the end of the
// burst, not each of its chunks), outside any run.
import v8 from 'node:v8';
import vm from 'node:vm';

/** Services detected since the last collection that make one worth its pause. */
export const LARGE_RUN_SERVICES = 1000;
const QUIET_MS = 250;

/**
 * V8's own gc function: a context created while --expose-gc is on gets one (sandbox/isolate.ts turns the flag on
 * for the plugin contexts; it is set here too so this module works on its own). null when this V8 offers none.
 */
export function v8Collect(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('typeof gc === "function" ? gc : null');
    return typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    return null;
  }
}

/** Collects once at least `threshold` Services were detected since the last time and `quietMs` passed without a run. */
export function heapSettler(collect: (() => void) | null, threshold = LARGE_RUN_SERVICES, quietMs = QUIET_MS): (services: number) => void {
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  return (services) => {
    since += services;
    if (collect === null || since < threshold) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      since = 0;
      collect();
    }, quietMs);
    timer.unref();
  };
}

let shared: ((services: number) => void) | undefined;

/** Tells the daemon's heap a detection run over `services` Services ended (see above). */
export function afterRun(services: number): void {
  (shared ??= heapSettler(v8Collect()))(services);
}
