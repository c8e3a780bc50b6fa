// Parsing a large config on a worker thread, so the daemon's event loop (/health, lease renewal, the API) keeps
// turning however long the YAML parser takes; bounded in time and memory, and the worker is gone afterwards.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ConfigResult, LoadOptions } from './load.js';

/**
 * Texts up to this size (any hand-written config: the shipped one, with every key, is under 2 KiB) are parsed
 * in place. Measured worst cases at 8 KiB (thousands of keys or errors, long flow lists, deep nesting) cost
 * 10-20 ms of CPU on a busy 2-core machine, and grow linearly from there: 0.4-2 s at the 256 KiB cap. Starting a
 * worker costs more than parsing 8 KiB.
 */
export const INLINE_PARSE_BYTES = 8 * 1024;
/** A safety net, generous for a CPU-throttled pod: a config under the size cap parses in about a second or less. */
export const PARSE_TIMEOUT_MS = 30_000;
/** Starting the worker (loading yaml and zod; from source, compiling TypeScript too) is not the input's fault. */
export const START_TIMEOUT_MS = 60_000;
/** The worker's own heap: plenty for the AST of a config under the cap, far from what a pod can spare. */
export const PARSE_HEAP_MB = 128;

export interface ParseRequest {
  text: string;
  file: string;
  options: LoadOptions;
}

export type WorkerMessage = { type: 'ready' } | { type: 'result'; result: ConfigResult };

/**
 * The worker's entry: next to this module when running from source (tsx), next to the bundle that includes this
 * module when built (core/dist/cli.js and core/dist/config-worker.js, scripts/build.mjs).
 */
function workerEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./parse-worker.ts', import.meta.url) : new URL('./config-worker.js', import.meta.url);
}

export function workerEntryDescription(): string {
  return fileURLToPath(workerEntry());
}

function startWorker(entry: URL, request: ParseRequest): Worker {
  const options = { workerData: request, resourceLimits: { maxOldGenerationSizeMb: PARSE_HEAP_MB } };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  // From source (tests, `npm run bench` from src): a worker does not inherit tsx's loader hooks; register them first.
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { ...options, eval: true });
}

/** Parses on a fresh worker; undefined when there is no worker bundle to run. */
export function parseOnWorker(text: string, file: string, options: LoadOptions): Promise<ConfigResult | undefined> {
  const entry = workerEntry();
  if (!existsSync(entry)) return Promise.resolve(undefined);
  const request: ParseRequest = { text, file, options };
  return new Promise((resolve) => {
    const worker = startWorker(entry, request);
    let settled = false;
    const settle = (r: ConfigResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      void worker.terminate();
      resolve(r);
    };
    const fail = (message: string) => settle({ ok: false, errors: [{ file, message }] });
    let deadline = setTimeout(() => fail(`the config parser did not start within ${START_TIMEOUT_MS / 1000}s`), START_TIMEOUT_MS);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'result') return settle(m.result);
      clearTimeout(deadline);
      deadline = setTimeout(() => fail(`parsing the config took longer than ${PARSE_TIMEOUT_MS / 1000}s: refused as too complex`), PARSE_TIMEOUT_MS);
    });
    worker.once('error', (err: Error & { code?: string }) =>
      fail(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `parsing the config needed more than ${PARSE_HEAP_MB} MiB: refused as too complex` : `cannot parse the config: ${err.message}`),
    );
    worker.once('exit', (code) => fail(`the config parser stopped (exit code ${code}) without an answer`));
  });
}
