// Aurora's job keys `cluster/role/environment/name` (reference §3.1) and where a job lives in
// the engines: a service job is the services app `/aurora/<role>/<environment>/<name>`, a cron
// or ad-hoc job the jobs framework's job `<role>.<environment>.<name>`.
import type { AppId } from "../services/path-id.ts";
import { ENVIRONMENT_PATTERN, KEY_PART_PATTERN } from "./job-schema.ts";

export interface JobKey {
  readonly cluster: string;
  readonly role: string;
  readonly environment: string;
  readonly name: string;
}

export type KeyResult = { ok: true; key: JobKey } | { ok: false; error: string };

/** Checks a role, environment and name as the job file does. */
export function checkKeyParts(parts: Omit<JobKey, "cluster">): string | undefined {
  if (!KEY_PART_PATTERN.test(parts.role))
    return `role '${parts.role}' must be lower-case letters, digits, '-' or '.'`;
  if (!ENVIRONMENT_PATTERN.test(parts.environment))
    return `environment '${parts.environment}' must be devel, test, prod or staging<N>`;
  if (!KEY_PART_PATTERN.test(parts.name))
    return `name '${parts.name}' must be lower-case letters, digits, '-' or '.'`;
  return undefined;
}

/** `cluster/role/environment/name`. */
export function parseJobKey(text: string): KeyResult {
  const parts = text.split("/");
  if (parts.length !== 4 || parts.some((p) => p === ""))
    return { ok: false, error: `job key '${text}' is not cluster/role/environment/name` };
  const [cluster, role, environment, name] = parts as [string, string, string, string];
  const error = checkKeyParts({ role, environment, name });
  return error === undefined
    ? { ok: true, key: { cluster, role, environment, name } }
    : { ok: false, error: `job key '${text}': ${error}` };
}

export function formatJobKey(key: JobKey): string {
  return `${key.cluster}/${key.role}/${key.environment}/${key.name}`;
}

/** The services app that runs a service job. */
export function serviceAppId(key: Omit<JobKey, "cluster">): AppId {
  return `/aurora/${key.role}/${key.environment}/${key.name}` as AppId;
}

/** The jobs framework's job that runs a cron or ad-hoc job. */
export function jobsFrameworkName(key: Omit<JobKey, "cluster">): string {
  return `${key.role}.${key.environment}.${key.name}`;
}

/** The job key of a services app id made by serviceAppId; undefined for other apps. */
export function keyOfAppId(appId: string, cluster: string): JobKey | undefined {
  const match = /^\/aurora\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(appId);
  if (match === null) return undefined;
  return {
    cluster,
    role: match[1] as string,
    environment: match[2] as string,
    name: match[3] as string,
  };
}

/** The ServerSet path a job announces under when its `announce` names none. */
export function defaultZkPath(key: Omit<JobKey, "cluster">): string {
  return `/aurora/${key.role}/${key.environment}/${key.name}`;
}
