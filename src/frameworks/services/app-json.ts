// The JSON Marathon writes for an app (reference §1.3 "Output"): never the legacy `ports`,
// `uris`, `ipAddress`; always `portDefinitions` (host networking) or `container.portMappings`,
// `networks`, `upgradeStrategy`, `unreachableStrategy`, `killSelection`, `role`, `version`;
// empty collections of the omitEmpty kind left out. Also the partial-update merge of PUT and
// the "is this an upgrade or a scale" rule.
import { type AppDefinition, isHostNetworking } from "./app-definition.ts";

/** Versions kept per app (Marathon's `--zk_max_versions`). */
export const MAX_APP_VERSIONS = 50;

/** One stored version of an app: the definition plus Marathon's version bookkeeping. */
export interface AppVersion {
  readonly app: AppDefinition;
  /** ISO 8601 with milliseconds; doubles as the version id. */
  readonly version: string;
  readonly lastScalingAt: string;
  readonly lastConfigChangeAt: string;
}

const OMIT_EMPTY = [
  "args",
  "constraints",
  "env",
  "fetch",
  "healthChecks",
  "readinessChecks",
  "dependencies",
  "secrets",
] as const;

/** The App JSON (no counts, no tasks): what `/v2/apps/{id}/versions/{v}` returns. */
export function appToJson(v: AppVersion): Record<string, unknown> {
  const { app } = v;
  const out: Record<string, unknown> = { ...app };
  for (const key of OMIT_EMPTY) {
    const value = out[key];
    if (value === undefined) continue;
    if (Array.isArray(value) ? value.length === 0 : Object.keys(value as object).length === 0) {
      delete out[key];
    }
  }
  if (isHostNetworking(app)) {
    out.portDefinitions = app.portDefinitions ?? [];
    if (app.container?.portMappings !== undefined) {
      const { portMappings: _dropped, ...container } = app.container;
      out.container = container;
    }
  } else {
    delete out.portDefinitions;
  }
  out.version = v.version;
  out.versionInfo = { lastScalingAt: v.lastScalingAt, lastConfigChangeAt: v.lastConfigChangeAt };
  return out;
}

/** The definition as input JSON again (for merging a partial update over it). */
export function appToInputJson(app: AppDefinition): Record<string, unknown> {
  return JSON.parse(JSON.stringify(app)) as Record<string, unknown>;
}

/**
 * Marathon's default PUT semantics (`partialUpdate=true`): fields in the body replace the old
 * ones, nested objects as a whole; omitted fields keep their old values; the id comes from the
 * URL. A legacy alias in the body replaces its modern counterpart.
 */
export function mergePartialUpdate(
  current: AppDefinition,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...appToInputJson(current) };
  if ("ports" in body) delete merged.portDefinitions;
  if ("uris" in body) delete merged.fetch;
  if ("networks" in body || "ipAddress" in body) delete merged.networks;
  for (const [key, value] of Object.entries(body)) {
    if (key === "id" || key === "version") continue;
    merged[key] = value;
  }
  // A new network mode invalidates the old kind of port description.
  if ("networks" in body && !("portDefinitions" in body)) delete merged.portDefinitions;
  merged.id = current.id;
  return merged;
}

/** Deterministic JSON (sorted keys) for comparing definitions. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Marathon's `isUpgrade`: any difference other than `instances` restarts every instance (even
 * labels or backoff settings — documented Marathon behaviour that Tessera keeps for
 * compatibility). Only `instances` changed -> a scale.
 */
export function isUpgrade(from: AppDefinition, to: AppDefinition): boolean {
  const { instances: _a, ...left } = from;
  const { instances: _b, ...right } = to;
  return stableJson(left) !== stableJson(right);
}

export function sameDefinition(a: AppDefinition, b: AppDefinition): boolean {
  return stableJson(a) === stableJson(b);
}
