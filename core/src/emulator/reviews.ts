// authentication.k8s.io/v1 TokenReview and authorization.k8s.io/v1 (Self)SubjectAccessReview,
// answered the way the real REST handlers answer: the request echoed back with a status, 201 Created.
import type { Authenticator } from './auth.js';
import type { Attributes, Authorizer } from './rbac.js';
import { errors, FieldError, GoLiteral } from './status.js';
import { isJsonObject, str, type JsonObject, type JsonValue, type UserInfo } from './types.js';

function stringList(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function userInfoJson(u: UserInfo | undefined): JsonObject {
  // authenticationv1.UserInfo: every field is omitempty.
  const out: JsonObject = {};
  if (!u) return out;
  if (u.username) out.username = u.username;
  if (u.uid) out.uid = u.uid;
  if (u.groups && u.groups.length > 0) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length > 0) out.extra = structuredClone(u.extra);
  return out;
}

function envelope(kind: string, apiVersion: string, body: JsonObject, spec: JsonObject, status: JsonObject): JsonObject {
  const metadata = isJsonObject(body.metadata) ? { ...body.metadata } : {};
  if (metadata.creationTimestamp === undefined) metadata.creationTimestamp = null;
  return { kind, apiVersion, metadata, spec, status };
}

function checkKind(body: JsonValue, kind: string, apiVersion: string): JsonObject {
  if (!isJsonObject(body)) throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: the object is not a JSON map`);
  const k = str(body.kind);
  const v = str(body.apiVersion);
  if (v && v !== apiVersion) throw errors.badRequest(`the API version in the data (${v}) does not match the expected API version (${apiVersion})`);
  if (k && k !== kind) throw errors.badRequest(`the kind in the data (${k}) does not match the expected kind (${kind})`);
  return body;
}

export function tokenReview(body: JsonValue, authn: Authenticator): JsonObject {
  const req = checkKind(body, 'TokenReview', 'authentication.k8s.io/v1');
  const spec = isJsonObject(req.spec) ? { ...req.spec } : {};
  const token = str(spec.token) ?? '';
  if (token === '') throw errors.badRequest('token is required for TokenReview in authentication');
  const result = authn.authenticateToken(token, stringList(spec.audiences));
  // TokenReviewStatus: `authenticated` is omitempty, `user` is always present.
  const status: JsonObject = {};
  if (result.user) status.authenticated = true;
  status.user = userInfoJson(result.user);
  if (result.user && result.audiences && result.audiences.length > 0) status.audiences = result.audiences;
  if (result.error) status.error = result.error;
  return envelope('TokenReview', 'authentication.k8s.io/v1', req, spec, status);
}

function attributesFromSpec(spec: JsonObject, user: UserInfo): Attributes | undefined {
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (isJsonObject(ra)) {
    return {
      user,
      isResourceRequest: true,
      verb: str(ra.verb) ?? '',
      path: '',
      apiGroup: str(ra.group) ?? '',
      apiVersion: str(ra.version) ?? '',
      namespace: str(ra.namespace) ?? '',
      resource: str(ra.resource) ?? '',
      subresource: str(ra.subresource) ?? '',
      name: str(ra.name) ?? '',
    };
  }
  if (isJsonObject(nra)) {
    return {
      user,
      isResourceRequest: false,
      verb: str(nra.verb) ?? '',
      path: str(nra.path) ?? '',
      apiGroup: '',
      apiVersion: '',
      namespace: '',
      resource: '',
      subresource: '',
      name: '',
    };
  }
  return undefined;
}

function decisionJson(authz: Authorizer, attrs: Attributes): JsonObject {
  const d = authz.authorize(attrs);
  // SubjectAccessReviewStatus: `allowed` always present, the rest omitempty.
  const status: JsonObject = { allowed: d.allowed };
  if (d.denied) status.denied = true;
  if (d.reason) status.reason = d.reason;
  return status;
}

function exactlyOneAttributes(spec: JsonObject): FieldError[] {
  const has = (k: string): boolean => isJsonObject(spec[k]);
  if (has('resourceAttributes') === has('nonResourceAttributes')) {
    const shown = has('nonResourceAttributes') ? '&authorization.NonResourceAttributes{...}' : '(*authorization.NonResourceAttributes)(nil)';
    return [
      FieldError.invalid('spec.resourceAttributes', new GoLiteral(shown), 'exactly one of nonResourceAttributes or resourceAttributes must be specified'),
    ];
  }
  return [];
}

/** Evaluates spec.user + spec.groups exactly as given: nothing (not even system:authenticated) is implied. */
export function subjectAccessReview(body: JsonValue, authz: Authorizer): JsonObject {
  const req = checkKind(body, 'SubjectAccessReview', 'authorization.k8s.io/v1');
  const spec = isJsonObject(req.spec) ? { ...req.spec } : {};
  const user: UserInfo = { username: str(spec.user) ?? '', groups: stringList(spec.groups) };
  const uid = str(spec.uid);
  if (uid) user.uid = uid;
  const errs = exactlyOneAttributes(spec);
  if (user.username === '' && (user.groups ?? []).length === 0) {
    errs.push(FieldError.invalid('spec.user', '', 'at least one of user or group must be specified'));
  }
  if (errs.length > 0) throw errors.invalid({ group: 'authorization.k8s.io', kind: 'SubjectAccessReview' }, '', errs);
  const attrs = attributesFromSpec(spec, user) as Attributes;
  return envelope('SubjectAccessReview', 'authorization.k8s.io/v1', req, spec, decisionJson(authz, attrs));
}

export function selfSubjectAccessReview(body: JsonValue, caller: UserInfo, authz: Authorizer): JsonObject {
  const req = checkKind(body, 'SelfSubjectAccessReview', 'authorization.k8s.io/v1');
  const spec = isJsonObject(req.spec) ? { ...req.spec } : {};
  const errs = exactlyOneAttributes(spec);
  if (errs.length > 0) throw errors.invalid({ group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview' }, '', errs);
  const attrs = attributesFromSpec(spec, caller) as Attributes;
  return envelope('SelfSubjectAccessReview', 'authorization.k8s.io/v1', req, spec, decisionJson(authz, attrs));
}
