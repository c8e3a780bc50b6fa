// Worker thread entry (off-thread.ts): says it is ready (the parse deadline starts then, not while the worker
// boots), parses one config and posts the result back.
import { parentPort, workerData } from 'node:worker_threads';
import { parseConfig } from './load.js';
import type { ParseRequest, WorkerMessage } from './off-thread.js';

const post = (m: WorkerMessage) => parentPort?.postMessage(m);
const { text, file, options } = workerData as ParseRequest;
post({ type: 'ready' });
post({ type: 'result', result: parseConfig(text, file, options) });
