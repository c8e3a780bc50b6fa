// metav1.Status bodies, built the way k8s.io/apimachinery/pkg/api/errors builds them, so clients
// that branch on `reason`/`code`/`details` (and humans reading messages) see the real shapes.
import type { JsonObject } from './types.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export interface GroupResource {
  group: string;
  resource: string;
}

export interface GroupKind {
  group: string;
  kind: string;
}

/** A failed request: thrown anywhere below the server and rendered as its Status. */
export class ApiError extends Error {
  readonly status: Status;
  readonly headers: Record<string, string>;
  constructor(status: Status, headers: Record<string, string> = {}) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
    this.status = status;
    this.headers = headers;
  }
  get code(): number {
    return this.status.code;
  }
}

/** Key order mirrors the Go struct so the JSON text matches the real server byte for byte. */
export function makeStatus(code: number, reason: string | undefined, message: string | undefined, details?: StatusDetails): Status {
  const status = code >= 200 && code < 300 ? 'Success' : 'Failure';
  // `code` is assigned last on purpose: metav1.Status serialises it after details.
  const out = { kind: 'Status', apiVersion: 'v1', metadata: {}, status } as Status;
  if (message !== undefined && message !== '') out.message = message;
  if (reason !== undefined && reason !== '') out.reason = reason;
  if (details !== undefined) out.details = orderDetails(details);
  out.code = code;
  return out;
}

function orderDetails(d: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes && d.causes.length > 0) out.causes = d.causes;
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function qualifiedKind(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function reasonForCode(code: number): string {
  return REASON_BY_CODE[code] ?? 'Unknown';
}

/** NewGenericServerResponse's canned message for a bare status code. */
function genericMessage(code: number): string {
  switch (code) {
    case 409:
      return 'the server reported a conflict';
    case 404:
      return 'the server could not find the requested resource';
    case 400:
      return 'the server rejected our request for an unknown reason';
    case 401:
      return 'the server has asked for the client to provide credentials';
    case 403:
      return 'the server does not allow access to the requested resource';
    case 405:
      return 'the server does not allow this method on the requested resource';
    case 422:
      return 'the server rejected our request due to an error in our request';
    case 429:
      return 'the server has received too many requests and has asked us to try again later';
    case 500:
      return 'an error on the server has prevented the request from succeeding';
    case 503:
      return 'the server is currently unable to handle the request';
    case 504:
      return 'the server was unable to return a response in the time allotted, but may still be processing the request';
    default:
      return `the server responded with the status code ${code} but did not return more information`;
  }
}

export const errors = {
  notFound(gr: GroupResource, name: string): ApiError {
    return new ApiError(makeStatus(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, { name, group: gr.group, kind: gr.resource }));
  },
  alreadyExists(gr: GroupResource, name: string): ApiError {
    return new ApiError(makeStatus(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, { name, group: gr.group, kind: gr.resource }));
  },
  conflict(gr: GroupResource, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
    return new ApiError(
      makeStatus(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, { name, group: gr.group, kind: gr.resource }),
    );
  },
  /** `causes` carry field paths; the message aggregates them like field.ErrorList.ToAggregate(). */
  invalid(gk: GroupKind, name: string, causes: FieldError[]): ApiError {
    const texts = causes.map((c) => c.text());
    const agg = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
    return new ApiError(
      makeStatus(422, 'Invalid', `${qualifiedKind(gk)} "${name}" is invalid: ${agg}`, {
        name,
        group: gk.group,
        kind: gk.kind,
        causes: causes.map((c) => ({ reason: c.type, message: c.body(), field: c.field })),
      }),
    );
  },
  badRequest(message: string): ApiError {
    return new ApiError(makeStatus(400, 'BadRequest', message));
  },
  unauthorized(): ApiError {
    return new ApiError(makeStatus(401, 'Unauthorized', 'Unauthorized'));
  },
  methodNotAllowed(): ApiError {
    return new ApiError(makeStatus(405, 'MethodNotAllowed', genericMessage(405), {}));
  },
  routeNotFound(): ApiError {
    return new ApiError(makeStatus(404, 'NotFound', genericMessage(404), {}));
  },
  expired(message: string): ApiError {
    return new ApiError(makeStatus(410, 'Expired', message));
  },
  unsupportedMediaType(accepted: readonly string[]): ApiError {
    return new ApiError(
      makeStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`),
    );
  },
  serviceUnavailable(message: string): ApiError {
    return new ApiError(makeStatus(503, 'ServiceUnavailable', message));
  },
  internal(message: string): ApiError {
    return new ApiError(makeStatus(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }));
  },
  /** Like NewGenericServerResponse: a status code with its canned message, optionally a server message as cause. */
  generic(code: number, serverMessage?: string): ApiError {
    const causes = serverMessage ? [{ reason: 'UnexpectedServerResponse', message: serverMessage }] : [];
    const headers: Record<string, string> = {};
    let retryAfterSeconds: number | undefined;
    if (code === 429 || code === 503) {
      retryAfterSeconds = 1;
      headers['Retry-After'] = '1';
    }
    return new ApiError(makeStatus(code, reasonForCode(code), genericMessage(code), { causes, retryAfterSeconds }), headers);
  },
};

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany';

/** One field.Error; text()/body() reproduce Error() and ErrorBody() of k8s.io/apimachinery/pkg/util/validation/field. */
export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly detail: string,
    readonly value?: unknown,
  ) {}
  static required(field: string, detail = ''): FieldError {
    return new FieldError('FieldValueRequired', field, detail);
  }
  static invalid(field: string, value: unknown, detail: string): FieldError {
    return new FieldError('FieldValueInvalid', field, detail, value);
  }
  static duplicate(field: string, value: unknown): FieldError {
    return new FieldError('FieldValueDuplicate', field, '', value);
  }
  static notSupported(field: string, value: unknown, allowed: string[]): FieldError {
    return new FieldError('FieldValueNotSupported', field, `supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  }
  static forbidden(field: string, detail: string): FieldError {
    return new FieldError('FieldValueForbidden', field, detail);
  }
  /** field.TooMany: the actual count is the value shown. */
  static tooMany(field: string, actual: number, max: number): FieldError {
    return new FieldError('FieldValueTooMany', field, `must have at most ${max} items`, actual);
  }
  body(): string {
    const label = {
      FieldValueRequired: 'Required value',
      FieldValueInvalid: 'Invalid value',
      FieldValueNotSupported: 'Unsupported value',
      FieldValueDuplicate: 'Duplicate value',
      FieldValueForbidden: 'Forbidden',
      FieldValueTooLong: 'Too long',
      FieldValueTooMany: 'Too many',
    }[this.type];
    const showsValue =
      this.type === 'FieldValueInvalid' || this.type === 'FieldValueNotSupported' || this.type === 'FieldValueDuplicate' || this.type === 'FieldValueTooMany';
    let s = label;
    if (showsValue) s += `: ${formatValue(this.value)}`;
    if (this.detail) s += `: ${this.detail}`;
    return s;
  }
  text(): string {
    return `${this.field}: ${this.body()}`;
  }
}

/** A value printed verbatim in field errors (Go's %#v of slices/maps, e.g. `[]string{"a"}`). */
export class GoLiteral {
  constructor(readonly text: string) {}
}

function formatValue(v: unknown): string {
  if (v instanceof GoLiteral) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  return JSON.stringify(v);
}

/** Statuses travel as JSON objects inside watch events. */
export function statusAsJson(s: Status): JsonObject {
  return JSON.parse(JSON.stringify(s)) as JsonObject;
}
