// One bounded HTTP GET, the only place probes touch the network. A single deadline covers connect, TLS, headers
// and the (small) body read; at most `maxBodyBytes` are read before the socket is destroyed. Redirects are
// never followed (node:http does not). Failures come back as values with a human reason, never as throws.
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RequestOptions } from 'node:https';
import { performance } from 'node:perf_hooks';

export interface GetOptions {
  /** Node request options (agent, headers, TLS); method, url parts and signal are set here. */
  request: RequestOptions;
  timeoutMs: number;
  maxBodyBytes: number;
  signal?: AbortSignal;
}

export type GetOutcome =
  | { ok: true; status: number; headers: IncomingHttpHeaders; body: Buffer; latencyMs: number }
  | { ok: false; failure: 'timeout' | 'aborted' | 'network' | 'tls'; reason: string; latencyMs: number };

export const DEFAULT_MAX_BODY_BYTES = 4096;

/** The only identifying header a probe sends. */
export const PROBE_USER_AGENT = 'dynamic-toolset-health-check';

const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|^ERR_TLS|^ERR_SSL|^EPROTO$/;

/** Turns a socket/TLS/parser error into short text ("connection refused", "TLS: self-signed certificate"). */
export function describeNetworkError(err: unknown, host: string): { failure: 'network' | 'tls'; reason: string } {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = e instanceof Error ? e.message : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return { failure: 'network', reason: 'connection refused' };
    case 'ECONNRESET':
      return { failure: 'network', reason: 'connection reset' };
    case 'ENOTFOUND':
      return { failure: 'network', reason: `DNS: ${host} not found` };
    case 'EAI_AGAIN':
      return { failure: 'network', reason: `DNS: lookup of ${host} failed (temporary)` };
    case 'EHOSTUNREACH':
      return { failure: 'network', reason: 'host unreachable' };
    case 'ENETUNREACH':
      return { failure: 'network', reason: 'network unreachable' };
    default:
      break;
  }
  if (code.startsWith('HPE_')) return { failure: 'network', reason: 'not an HTTP answer (is the port https?)' };
  if (TLS_CODE.test(code)) {
    // OpenSSL errors read "write EPROTO …:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:<file>:<line>:";
    // keep the phrase. Certificate errors are already plain ("self-signed certificate").
    const tail = /SSL routines:[^:]*:([^:\n]+)/.exec(message)?.[1]?.trim() ?? message.split('\n')[0]!.trim();
    const hint = /wrong version number|packet length too long/.test(tail) ? ' (is the port plain HTTP?)' : '';
    return { failure: 'tls', reason: `TLS: ${tail}${hint}` };
  }
  return { failure: 'network', reason: message };
}

export function httpGet(url: URL, options: GetOptions): Promise<GetOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<GetOutcome>((resolve) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let answer: { status: number; headers: IncomingHttpHeaders } | undefined;

    const finish = (outcome: GetOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(outcome);
    };
    // After the headers, whatever ends the read (limit, end, deadline, error) still yields the answer.
    const answered = (): void => {
      if (!answer) return;
      const body = Buffer.concat(chunks).subarray(0, options.maxBodyBytes);
      finish({ ok: true, status: answer.status, headers: answer.headers, body, latencyMs: elapsed() });
    };
    const fail = (failure: 'timeout' | 'aborted' | 'network' | 'tls', reason: string): void => {
      if (answer) answered();
      else finish({ ok: false, failure, reason, latencyMs: elapsed() });
    };
    const onAbort = (): void => fail('aborted', 'aborted');

    const req = send(url, { ...options.request, method: 'GET' }, (res) => {
      answer = { status: res.statusCode ?? 0, headers: res.headers };
      if (options.maxBodyBytes <= 0) return answered();
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= options.maxBodyBytes) answered();
      });
      res.on('end', answered);
      res.on('error', answered);
      res.on('close', answered);
    });
    const deadline = setTimeout(() => fail('timeout', `timed out after ${options.timeoutMs} ms`), options.timeoutMs);
    req.on('error', (err) => {
      const d = describeNetworkError(err, url.hostname);
      fail(d.failure, d.reason);
    });
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}
