// Marathon's groups (reference §1.1, §1.6 `/v2/groups`): the directories of the app id tree.
// A group body (`{id, apps, groups, dependencies, scaleBy, version}`) is flattened here into
// the app definitions it holds, every relative id resolved against its group; the group tree
// is read back from the apps' ids. Pure: the API module (api-groups.ts) turns the result into
// one deployment.
import type { AppDefinition } from "./app-definition.ts";
import type { AppVersion } from "./app-json.ts";
import { invalidJson, parseAppDefinition, type ValidationFailure } from "./app-validation.ts";
import { type AppId, parseAppId } from "./path-id.ts";

/** Versions of the root kept for `/v2/groups/{id}/versions` (Marathon's `--zk_max_versions`). */
export const MAX_GROUP_VERSIONS = 50;

/** A group body flattened: every app below it and every group id it names. */
export interface FlatGroup {
  readonly id: string;
  readonly apps: AppDefinition[];
  readonly groupIds: string[];
  /** Whether the body listed `apps` / `groups` (PUT then replaces that part of the group). */
  readonly replacesApps: boolean;
  readonly replacesGroups: boolean;
}

export type FlatGroupResult =
  | { ok: true; group: FlatGroup }
  | { ok: false; failure: ValidationFailure };

const notValid = (path: string, error: string): FlatGroupResult => ({
  ok: false,
  failure: {
    status: 422,
    body: { message: "Object is not valid", details: [{ path, errors: [error] }] },
  },
});

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A group id: "/" or a valid path, resolved against `base`. */
export function parseGroupId(
  raw: string,
  base = "/",
): { ok: true; id: string } | { ok: false; message: string } {
  if (raw === "/" || (raw === "" && base === "/")) return { ok: true, id: "/" };
  if (raw === "") return { ok: true, id: base };
  const parsed = parseAppId(raw, base);
  return parsed.ok ? { ok: true, id: parsed.id } : parsed;
}

/** Whether `id` lies in group `group` (itself or below). */
export function isUnder(id: string, group: string): boolean {
  return group === "/" || id === group || id.startsWith(`${group}/`);
}

/**
 * Flattens a group body whose id (relative ids against `base`) names the group. A group's
 * `dependencies` are given to each app inside it, so the plan orders them as Marathon orders
 * dependent groups. Error paths are Marathon's: `/apps(0)/instances`, `/groups(1)/id`.
 */
export function flattenGroup(
  raw: unknown,
  base: string,
  defaultRole: string,
  path = "",
  inherited: readonly string[] = [],
): FlatGroupResult {
  if (!isObject(raw))
    return { ok: false, failure: invalidJson(path === "" ? "/" : path, "error.expected.jsobject") };
  const rawId = raw.id === undefined ? "" : raw.id;
  if (typeof rawId !== "string") return notValid(`${path}/id`, "error.expected.jsstring");
  const id = parseGroupId(rawId, base);
  if (!id.ok) return notValid(`${path}/id`, id.message);
  if (raw.dependencies !== undefined && !Array.isArray(raw.dependencies))
    return notValid(`${path}/dependencies`, "error.expected.jsarray");
  const dependencies: string[] = [...inherited];
  for (const [k, dep] of ((raw.dependencies ?? []) as unknown[]).entries()) {
    const resolved = typeof dep === "string" ? parseGroupId(dep, id.id) : undefined;
    if (resolved === undefined || !resolved.ok)
      return notValid(`${path}/dependencies(${k})`, "is not a valid path");
    dependencies.push(resolved.id);
  }
  const apps: AppDefinition[] = [];
  const groupIds: string[] = [id.id];
  for (const [k, item] of (Array.isArray(raw.apps) ? raw.apps : []).entries()) {
    const withDeps = isObject(item)
      ? { ...item, dependencies: [...((item.dependencies as unknown[]) ?? []), ...dependencies] }
      : item;
    const parsed = parseAppDefinition(withDeps, { baseGroup: id.id, defaultRole });
    if (!parsed.ok) {
      const details = parsed.failure.body.details.map((d) => ({
        ...d,
        path: `${path}/apps(${k})${d.path}`,
      }));
      return {
        ok: false,
        failure: { ...parsed.failure, body: { ...parsed.failure.body, details } },
      };
    }
    if (!isUnder(parsed.app.id, id.id) || parsed.app.id === id.id)
      return notValid(
        `${path}/apps(${k})/id`,
        `identifier ${parsed.app.id} is not child of ${id.id}`,
      );
    apps.push(parsed.app);
  }
  for (const [k, child] of (Array.isArray(raw.groups) ? raw.groups : []).entries()) {
    const sub = flattenGroup(child, id.id, defaultRole, `${path}/groups(${k})`, dependencies);
    if (!sub.ok) return sub;
    if (!isUnder(sub.group.id, id.id) || sub.group.id === id.id)
      return notValid(
        `${path}/groups(${k})/id`,
        `identifier ${sub.group.id} is not child of ${id.id}`,
      );
    apps.push(...sub.group.apps);
    groupIds.push(...sub.group.groupIds);
  }
  const seen = new Set<string>();
  for (const app of apps) {
    if (seen.has(app.id)) return notValid(`${path}/apps`, `app ${app.id} is defined twice`);
    seen.add(app.id);
  }
  return {
    ok: true,
    group: {
      id: id.id,
      apps,
      groupIds,
      replacesApps: Array.isArray(raw.apps),
      replacesGroups: Array.isArray(raw.groups),
    },
  };
}

/** `scaleBy`: every app's instances multiplied, rounded up (Marathon's `ceil`). */
export function scaledBy(apps: readonly AppDefinition[], factor: number): AppDefinition[] {
  return apps.map((app) => ({ ...app, instances: Math.ceil(app.instances * factor) }));
}

/** The group that directly holds `id`'s child on the way down from `group`, or undefined. */
function childGroupOf(id: string, group: string): string | undefined {
  const rest = group === "/" ? id.slice(1) : id.slice(group.length + 1);
  const at = rest.indexOf("/");
  if (at < 0) return undefined;
  return `${group === "/" ? "" : group}/${rest.slice(0, at)}`;
}

/** What a group's JSON holds: its direct apps and the ids of its direct subgroups. */
export interface GroupNode {
  readonly id: string;
  readonly apps: AppVersion[];
  readonly groups: string[];
  readonly version: string | undefined;
}

/**
 * The group `id` as the apps and the known (explicitly created) group ids make it: undefined
 * when neither an app nor a known group lies in it.
 */
export function groupNode(
  id: string,
  apps: readonly AppVersion[],
  knownGroups: ReadonlySet<string>,
): GroupNode | undefined {
  const direct: AppVersion[] = [];
  const children = new Set<string>();
  let version: string | undefined;
  let exists = id === "/" || knownGroups.has(id);
  for (const v of apps) {
    if (!isUnder(v.app.id, id) || v.app.id === id) continue;
    exists = true;
    if (version === undefined || v.version > version) version = v.version;
    const child = childGroupOf(v.app.id, id);
    if (child === undefined) direct.push(v);
    else children.add(child);
  }
  for (const g of knownGroups) {
    if (g === id || !isUnder(g, id)) continue;
    const child = childGroupOf(`${g}/x`, id);
    if (child !== undefined) children.add(child);
  }
  if (!exists) return undefined;
  return { id, apps: direct, groups: [...children].sort(), version };
}

/** The ids of the apps below group `id`. */
export function appsUnder(id: string, apps: readonly AppVersion[]): AppId[] {
  return apps.filter((v) => isUnder(v.app.id, id) && v.app.id !== id).map((v) => v.app.id as AppId);
}
