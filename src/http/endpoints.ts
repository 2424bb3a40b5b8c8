// Endpoints every Tessera process serves, master and agent alike: `/version`, `/health`,
// `/metrics/snapshot` (Mesos's flat JSON) and `/metrics` (Prometheus text, a Tessera addition).
import { userInfo } from "node:os";
import { MESOS_COMPATIBLE_VERSION, TESSERA_VERSION } from "../base/version.ts";
import { stringifyWire } from "../wire/json.ts";
import type { MetricsRegistry } from "./metrics.ts";
import { jsonResponse, response, textResponse } from "./response.ts";
import type { HttpServer } from "./server.ts";

/** The fields of Mesos's `/version` (and the operator API's VersionInfo). */
export interface VersionInfo {
  /** The Mesos version spoken, which is what clients compare against. */
  readonly version: string;
  /** `YYYY-MM-DD HH:MM:SS` (UTC), as Mesos prints its build date. */
  readonly build_date: string;
  /** Seconds since the epoch, a double. */
  readonly build_time: number;
  readonly build_user: string;
  readonly git_sha?: string;
  readonly git_branch?: string;
  readonly git_tag?: string;
  /** Tessera's own release; Mesos clients ignore unknown keys. */
  readonly tessera_version: string;
}

export interface BuildInfo {
  readonly buildTimeMs: number;
  readonly buildUser: string;
  readonly gitSha?: string;
  readonly gitBranch?: string;
  readonly gitTag?: string;
}

// Tessera runs from source, so "the build" is this process loading its code.
const LOAD_TIME_MS = Date.now();

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "";
  }
}

export function versionInfo(
  build: BuildInfo = { buildTimeMs: LOAD_TIME_MS, buildUser: currentUser() },
): VersionInfo {
  const date = new Date(build.buildTimeMs).toISOString();
  return {
    version: MESOS_COMPATIBLE_VERSION,
    build_date: `${date.slice(0, 10)} ${date.slice(11, 19)}`,
    build_time: Math.floor(build.buildTimeMs / 1000),
    build_user: build.buildUser,
    ...(build.gitSha === undefined ? {} : { git_sha: build.gitSha }),
    ...(build.gitBranch === undefined ? {} : { git_branch: build.gitBranch }),
    ...(build.gitTag === undefined ? {} : { git_tag: build.gitTag }),
    tessera_version: TESSERA_VERSION,
  };
}

export interface CommonEndpointsOptions {
  readonly metrics: MetricsRegistry;
  readonly build?: BuildInfo;
  /** False while the process cannot serve (Mesos answers /health with 503 then). */
  readonly healthy?: () => boolean;
}

/** The Prometheus text exposition format's media type. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Registers the common endpoints. `/version` and the metrics are libprocess-level (served only
 * at the root); `/health` belongs to the process, so also at `<prefix>/health`.
 */
export function registerCommonEndpoints(server: HttpServer, options: CommonEndpointsOptions): void {
  const version = stringifyWire(versionInfo(options.build));
  server.route({
    name: "version",
    methods: ["GET"],
    prefixed: false,
    handler: () => jsonResponse(200, version),
  });
  server.route({
    name: "health",
    methods: ["GET"],
    handler: () =>
      (options.healthy?.() ?? true) ? response(200) : textResponse(503, "Service Unavailable"),
  });
  server.route({
    name: "metrics/snapshot",
    methods: ["GET"],
    prefixed: false,
    handler: () => jsonResponse(200, options.metrics.snapshotJson()),
  });
  server.route({
    name: "metrics",
    methods: ["GET"],
    prefixed: false,
    handler: () =>
      response(200, options.metrics.renderPrometheus(), {
        "Content-Type": PROMETHEUS_CONTENT_TYPE,
      }),
  });
}
