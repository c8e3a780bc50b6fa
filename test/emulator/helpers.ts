// Shared test plumbing: start an emulator per test (always stopped in teardown), build real
// client-node clients from its kubeconfig, and poll with a bounded deadline instead of sleeping.
import type { ExecutionContext } from 'ava';
import {
  ApiException,
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
} from '@kubernetes/client-node';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../core/src/emulator/index.js';

export async function emulator(t: ExecutionContext, opts: EmulatorOptions = {}): Promise<Emulator> {
  const emu = await startEmulator(opts);
  t.teardown(() => emu.stop());
  return emu;
}

export interface Clients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  coordination: CoordinationV1Api;
  authn: AuthenticationV1Api;
  authz: AuthorizationV1Api;
}

export function clients(emu: Emulator, token?: string): Clients {
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig(token === undefined ? {} : { token }));
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
    authn: kc.makeApiClient(AuthenticationV1Api),
    authz: kc.makeApiClient(AuthorizationV1Api),
  };
}

export interface StatusBody {
  kind: string;
  apiVersion: string;
  status: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }>; retryAfterSeconds?: number };
}

/** Awaits a call expected to fail and returns the ApiException with its Status body parsed. */
export async function apiError(p: Promise<unknown>): Promise<{ code: number; status: StatusBody | undefined }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      const body: unknown = e.body;
      let status: StatusBody | undefined;
      if (typeof body === 'string' && body.trim() !== '') status = JSON.parse(body) as StatusBody;
      else if (body !== null && typeof body === 'object') status = body as StatusBody;
      return { code: e.code, status };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}

/**
 * Polls until `check` returns a truthy value or the deadline passes. The deadline is a safety net against a
 * condition that never comes, not a speed limit: a busy machine may take many seconds for what is instant idle.
 */
export async function waitFor<T>(check: () => T | Promise<T>, what = 'condition', timeoutMs = 60_000, intervalMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Raw HTTP against the emulator (for wire-level assertions the typed client hides). */
export async function raw(
  emu: Emulator,
  path: string,
  init: { method?: string; body?: string; contentType?: string; token?: string | null } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? emu.adminToken : init.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (init.contentType) headers['Content-Type'] = init.contentType;
  const res = await fetch(emu.url + path, { method: init.method ?? 'GET', body: init.body, headers, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

export const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>, namespace = 'default') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: labels ? { name, namespace, labels } : { name, namespace },
  data,
});

export const svc = (name: string, namespace = 'default', ports: Array<{ name?: string; port: number }> = [{ name: 'http', port: 80 }], labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: labels ? { name, namespace, labels } : { name, namespace },
  spec: { selector: { app: name }, ports },
});
