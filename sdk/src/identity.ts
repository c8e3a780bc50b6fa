// Ready-made identity checks (Detection.identity) for the products detectors meet most. Each one asks for what the
// product itself answers on a path it serves without credentials, as its own code writes it; a detector returns one
// as is (`identity: PROMETHEUS_BUILDINFO`) and the host publishes the endpoint only when the answer matches.
// Plain data, so they are bundled into a plugin like any constant.
import type { IdentityCheck } from './types.js';

/**
 * Prometheus' build information: `{"status":"success","data":{"version":…,"revision":…,…}}` (web/api/v1/api.go,
 * `serveBuildInfo` with `PrometheusVersion`; docs: "Build information" in the HTTP API). Servers that speak the
 * Prometheus API answer it too (Thanos Query, VictoriaMetrics) — what a Prometheus toolset needs.
 */
export const PROMETHEUS_BUILDINFO: IdentityCheck = /* @__PURE__ */ Object.freeze({
  path: '/api/v1/status/buildinfo',
  json: /* @__PURE__ */ Object.freeze({ status: 'success', 'data.version': true }),
  what: 'Prometheus',
}) as IdentityCheck;

/**
 * Elasticsearch's root document: `name`, `cluster_name`, `cluster_uuid`, `version.number`, `tagline: "You Know, for
 * Search"` (server/src/main/java/org/elasticsearch/rest/root/RestMainAction.java). `cluster_uuid` names the cluster:
 * Services of two node groups, or a Service and its headless twin, answer the same one and are published once.
 */
export const ELASTICSEARCH_ROOT: IdentityCheck = /* @__PURE__ */ Object.freeze({
  path: '/',
  json: /* @__PURE__ */ Object.freeze({ tagline: 'You Know, for Search', 'version.number': true }),
  key: 'cluster_uuid',
  what: 'Elasticsearch',
}) as IdentityCheck;

/**
 * OpenSearch's root document: the Elasticsearch shape with `version.distribution: "opensearch"` and its own tagline
 * (server/src/main/java/org/opensearch/action/main/MainResponse.java). Same `cluster_uuid` rule as Elasticsearch.
 */
export const OPENSEARCH_ROOT: IdentityCheck = /* @__PURE__ */ Object.freeze({
  path: '/',
  json: /* @__PURE__ */ Object.freeze({ 'version.distribution': 'opensearch', 'version.number': true }),
  key: 'cluster_uuid',
  what: 'OpenSearch',
}) as IdentityCheck;

/**
 * Alertmanager's API v2 status: `cluster`, `config.original`, `uptime`, `versionInfo` (api/v2/openapi.yaml,
 * `alertmanagerStatus`).
 */
export const ALERTMANAGER_STATUS: IdentityCheck = /* @__PURE__ */ Object.freeze({
  path: '/api/v2/status',
  json: /* @__PURE__ */ Object.freeze({ 'versionInfo.version': true, 'cluster.status': true, uptime: true }),
  what: 'Alertmanager',
}) as IdentityCheck;

/**
 * Grafana's health: `{"database":"ok","version":…,"commit":…}` (pkg/api/http_server.go, `apiHealthHandler`);
 * `version` and `commit` are left out with `hide_version`, so only `database` is required.
 */
export const GRAFANA_HEALTH: IdentityCheck = /* @__PURE__ */ Object.freeze({
  path: '/api/health',
  json: /* @__PURE__ */ Object.freeze({ database: true }),
  what: 'Grafana',
}) as IdentityCheck;

/** Loki's build information: `{"version":…,"revision":…,"branch":…,…}` at /loki/api/v1/status/buildinfo (Loki's HTTP API reference, "GET /loki/api/v1/status/buildinfo"). */
export const LOKI_BUILDINFO: IdentityCheck = /* @__PURE__ */ Object.freeze({
  path: '/loki/api/v1/status/buildinfo',
  json: /* @__PURE__ */ Object.freeze({ version: true, revision: true }),
  what: 'Loki',
}) as IdentityCheck;

/** Tempo's build information: the same shape at /api/status/buildinfo (Tempo's API reference, "Build information"). */
export const TEMPO_BUILDINFO: IdentityCheck = /* @__PURE__ */ Object.freeze({
  path: '/api/status/buildinfo',
  json: /* @__PURE__ */ Object.freeze({ version: true, revision: true }),
  what: 'Tempo',
}) as IdentityCheck;
