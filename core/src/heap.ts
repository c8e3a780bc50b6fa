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
//
// And how far the heap grows between collections: V8 lets the old generation grow by a factor of up to 4 (its
// default heap-growing heuristics) before the next full collection, and gives the pages back only when its memory
// reducer runs, tens of seconds after the daemon went quiet, or never if nothing prompts it. A first sync of 10,000
// Services and 50,000 Pods left 270-416 MiB RSS for 80 MiB of live heap (test/.tmp experiments, same emulator,
// measured at ready and over 40 s). With --heap-growing-percent=20 the heap grows by 1.2 between full collections:
// 235 MiB at ready and after, and detection as fast (in-process 10,000 Services with Pods: 330-416 ms with the flag,
// 331-500 ms without, same runs). --optimize-for-size would give 185 MiB but made detection three times slower (it
// also changes what the isolates' compilers do); smaller semi-spaces made the old generation grow instead.
import v8 from 'node:v8';
import vm from 'node:vm';

/** How much the old generation may grow between full collections, in percent (V8 flag --heap-growing-percent). */
export const HEAP_GROWING_PERCENT = 20;

/**
 * Sets the daemon's heap growth (see above). V8 flags are process-wide: call it once, before the daemon's large
 * allocations (the first lists); it applies to the plugin isolates too, whose heaps are small.
 */
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

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
