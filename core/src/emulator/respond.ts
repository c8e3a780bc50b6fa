// Request-body decoding and response encoding shared by every handler. Responses carry the
// headers every real API server response has (Audit-Id, Cache-Control) and end with a newline
// like Go's json.Encoder.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors, makeStatus, type Status } from './status.js';
import type { JsonValue } from './types.js';

/** The server's default max request body for JSON/YAML (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function baseHeaders(contentType: string): Record<string, string> {
  return { 'Audit-Id': randomUUID(), 'Cache-Control': 'no-cache, private', 'Content-Type': contentType };
}

export function sendJson(res: ServerResponse, code: number, body: unknown, pretty = false, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJsonText(res, code, pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body), extra);
}

/** sendJson for a body already serialised (`json` without the trailing newline). */
export function sendJsonText(res: ServerResponse, code: number, json: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${json}\n`;
  res.writeHead(code, { ...baseHeaders('application/json'), ...extra, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: Status, extra: Record<string, string> = {}): void {
  sendJson(res, status.code, status, false, extra);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiError) {
    sendStatus(res, err.status, err.headers);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  sendStatus(res, errors.internal(message).status);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { ...baseHeaders('text/plain; charset=utf-8'), 'X-Content-Type-Options': 'nosniff', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/**
 * The request body. With listeners rather than `for await`: a stream's async iterator costs more than the rest of
 * reading a small body. Same outcomes: over the limit, a 413 (the request destroyed as leaving the loop did);
 * a stream error, that error; a close before the end, a premature-close error.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (err?: unknown): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err === undefined) resolve(Buffer.concat(chunks));
      else reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        settle(new ApiError(makeStatus(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`)));
        // As leaving a `for await` over the request did (node's stream destroyer for a server request): detach the
        // socket first, so the 413 still goes out on it, then destroy the request.
        (req as { socket: IncomingMessage['socket'] | null }).socket = null;
        req.destroy();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => settle();
    const onError = (err: Error): void => settle(err);
    const onClose = (): void => {
      if (!req.readableEnded) settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Decodes a JSON (or YAML) body; an empty body is `undefined`. */
export function decodeBody(raw: Buffer, type: string): JsonValue | undefined {
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml') {
    try {
      return parseYaml(text) as JsonValue;
    } catch (e) {
      throw errors.badRequest(`error converting YAML to JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Content types accepted for create/update bodies (JSON and YAML, like the real server minus protobuf/CBOR). */
export const BODY_TYPES: readonly string[] = ['application/json', 'application/yaml'];

export function checkBodyType(type: string): void {
  if (type !== '' && !BODY_TYPES.includes(type)) {
    throw errors.unsupportedMediaType(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/cbor']);
  }
}
