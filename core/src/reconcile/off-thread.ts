// Rendering the desired ConfigMap data on a worker thread. With thousands of published Services a render (the YAML
// built, then read back as HolmesGPT would) takes one to three seconds of CPU on a busy 2-core node: on the event
// loop that stalls /health past a liveness probe's timeout and starves detection for the whole burst (issue 12).
// On a worker the loop only copies the inputs and the result. Small outputs are rendered in place (a copy and a
// thread hop cost more than they do); without a worker bundle (or when the worker fails) rendering happens in place.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import type { ConfigMapShape } from '../discovery/configmap.js';
import type { DetectedService } from '../detection/engine.js';
import type { HealthResult } from '../health/types.js';
import type { ModelSnapshot } from '../model/store.js';
import type { DesiredInputs, Published } from './desired.js';

/** Published Services (detections) from which a render goes to the worker; below, it is done in place. */
export const OFF_THREAD_MIN_SERVICES = 64;
/** A render that has not come back by then (a pure function over bounded input) is done in place instead. */
const RENDER_TIMEOUT_MS = 60_000;

/** DesiredInputs as data (structured-cloneable): the health results of the detected Services instead of a lookup. */
export interface PlainInputs {
  detected: readonly DetectedService[];
  health: ReadonlyMap<string, HealthResult>;
  config: Config;
  live: ConfigMapShape | undefined;
  maxBytes?: number;
}

/**
 * PlainInputs as sent: a detection the worker already has (the model keeps the object of an unchanged detection)
 * goes as its key only, so a render during a burst copies only what changed.
 */
export interface RenderRequest {
  id: number;
  inputs: Omit<PlainInputs, 'detected'> & { detected: ReadonlyArray<DetectedService | string> };
}

/** The worker's side of that: the detections it was last sent, by key. */
export class DetectionCache {
  private readonly byKey = new Map<string, DetectedService>();

  resolve(detected: ReadonlyArray<DetectedService | string>): DetectedService[] {
    const out: DetectedService[] = [];
    for (const d of detected) {
      const full = typeof d === 'string' ? this.byKey.get(d) : d;
      if (full === undefined) throw new Error(`render worker: detection ${String(d)} was never sent`);
      out.push(full);
    }
    this.byKey.clear();
    for (const d of out) this.byKey.set(d.key, d);
    return out;
  }
}

export type RenderReply = { id: number; ok: true; published: Published } | { id: number; ok: false; message: string };

export function plainInputs(inputs: DesiredInputs): PlainInputs {
  const health = new Map<string, HealthResult>();
  for (const d of inputs.snapshot.detected) {
    const h = inputs.health(d.key);
    if (h) health.set(d.key, h);
  }
  return { detected: inputs.snapshot.detected, health, config: inputs.config, live: inputs.live, ...(inputs.maxBytes !== undefined ? { maxBytes: inputs.maxBytes } : {}) };
}

export function inputsOf(p: PlainInputs): DesiredInputs {
  // publish() reads only the detections of the snapshot.
  const snapshot = { detected: p.detected } as unknown as ModelSnapshot;
  return { snapshot, health: (key) => p.health.get(key), config: p.config, live: p.live, ...(p.maxBytes !== undefined ? { maxBytes: p.maxBytes } : {}) };
}

/** Next to this module from source (tsx), next to the bundle that includes it when built (core/dist/render-worker.js). */
function workerEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./render-worker.ts', import.meta.url) : new URL('./render-worker.js', import.meta.url);
}

function startWorker(entry: URL): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry);
  // From source (tests): a worker does not inherit tsx's loader hooks; register them first.
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true });
}

interface Pending {
  resolve: (p: Published) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class RenderWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker failed to start or crashed twice: from then on, in place. */
  private broken = false;
  private crashes = 0;
  /** What the current worker holds (DetectionCache): the object last sent for each key. */
  private sent = new Map<string, DetectedService>();

  constructor(
    /** The same render in place (desired.ts publish): for small outputs and whenever the worker cannot help. */
    private readonly inPlace: (inputs: DesiredInputs) => Published,
    private readonly minServices = OFF_THREAD_MIN_SERVICES,
  ) {}

  /** publish(inputs), on the worker when the output is large. Never slower to fail: any worker trouble renders in place. */
  async publish(inputs: DesiredInputs): Promise<Published> {
    if (this.broken || inputs.snapshot.detected.length < this.minServices) return this.inPlace(inputs);
    const worker = this.ensure();
    if (!worker) return this.inPlace(inputs);
    const id = this.nextId++;
    try {
      return await new Promise<Published>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new Error('render timed out'));
        }, RENDER_TIMEOUT_MS);
        timer.unref();
        this.pending.set(id, { resolve, reject, timer });
        worker.postMessage({ id, inputs: this.request(plainInputs(inputs)) } satisfies RenderRequest);
      });
    } catch {
      this.sent = new Map(); // what the worker holds is unknown now: the next request sends everything
      return this.inPlace(inputs);
    }
  }

  private request(p: PlainInputs): RenderRequest['inputs'] {
    const detected = p.detected.map((d) => (this.sent.get(d.key) === d ? d.key : d));
    this.sent = new Map(p.detected.map((d) => [d.key, d]));
    return { ...p, detected };
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new Error('stopped'));
    await w?.terminate();
  }

  private ensure(): Worker | undefined {
    if (this.worker) return this.worker;
    const entry = workerEntry();
    if (!existsSync(entry)) {
      this.broken = true;
      return undefined;
    }
    const w = startWorker(entry);
    this.sent = new Map(); // a fresh worker holds nothing yet
    w.unref(); // never what keeps the process alive
    w.on('message', (m: RenderReply | { ready: true }) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.published);
      else p.reject(new Error(m.message));
    });
    const gone = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.crashes += 1;
      if (this.crashes >= 2) this.broken = true;
      this.failAll(new Error(why));
    };
    w.on('error', (err) => gone(err.message));
    w.on('exit', (code) => gone(`render worker exited (${code})`));
    this.worker = w;
    return w;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
