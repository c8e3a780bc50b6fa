// Worker thread entry (off-thread.ts): renders the desired ConfigMap data for each request it is sent and posts the
// result back. Stays up between renders, so a burst pays the start-up once.
import { parentPort } from 'node:worker_threads';
import { publish } from './desired.js';
import type { RenderReply, RenderRequest } from './off-thread.js';
import { DetectionCache, inputsOf } from './off-thread.js';

const detections = new DetectionCache();

parentPort?.on('message', (req: RenderRequest) => {
  let reply: RenderReply;
  try {
    const inputs = inputsOf({ ...req.inputs, detected: detections.resolve(req.inputs.detected) });
    reply = { id: req.id, ok: true, published: publish(inputs) };
  } catch (err) {
    reply = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply);
});
parentPort?.postMessage({ ready: true });
