// Local servers and builders for the health tests: plain and TLS HTTP servers that record what they were sent,
// a server that accepts connections and never answers, a port nobody listens on, and a self-signed certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeSettings, ProbeTarget } from '../../core/src/health/index.js';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface TestServer {
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server, seen: Seen[]): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function recording(handler: Handler, seen: Seen[]): Handler {
  return (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  };
}

export function startServer(handler: Handler): Promise<TestServer> {
  const seen: Seen[] = [];
  return listen(createHttpServer(recording(handler, seen)), seen);
}

export function startTlsServer(tls: { cert: string; key: string }, handler: Handler): Promise<TestServer> {
  const seen: Seen[] = [];
  return listen(createHttpsServer({ cert: tls.cert, key: tls.key }, recording(handler, seen)), seen);
}

/** Answers every request with `status` (and a short body). */
export const answer =
  (status: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(`status ${status}\n`);
  };

/** Accepts TCP connections and never says a word. */
export async function startSilentServer(): Promise<TestServer & { accepted: () => number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createNetServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    seen: [],
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port that was free a moment ago (connecting to it is refused). */
export async function refusedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A throwaway self-signed certificate for localhost/127.0.0.1, made with openssl; undefined without openssl. */
export function selfSignedCertificate(): { cert: string; key: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'health-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function target(port: number, overrides: Partial<ProbeTarget> = {}): ProbeTarget {
  const t: ProbeTarget = {
    key: `test/svc-${port}`,
    namespace: 'test',
    name: `svc-${port}`,
    scheme: 'http',
    host: '127.0.0.1',
    port,
    healthPath: '/-/healthy',
    url: `http://127.0.0.1:${port}`,
    ...overrides,
  };
  return t;
}

// The default timeout only bounds probes of local servers that do answer: a safety net, generous so that a
// descheduled test process on a busy machine cannot turn an answer into a timeout. Tests of timeouts set their own.
export function settings(overrides: Partial<ProbeSettings> = {}): ProbeSettings {
  return { enabled: true, timeoutMs: 30_000, retries: 0, tlsVerify: false, ...overrides };
}
