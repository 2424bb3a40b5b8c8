// Marathon's PathId (reference §1.1): app ids are slash-separated paths whose segments are DNS
// labels joined by dots; relative ids ("myapp", "../x") are resolved against a base ("/"), and
// output ids are always absolute. The last segment may not collide with the sub-routes of
// `/v2/apps/{id}` (`restart`, `tasks`, `versions`).

/** A canonical absolute app id: `/prod/web`, never a trailing slash, never `.`/`..`. */
export type AppId = string & { readonly __brand: "AppId" };

/** Marathon's segment rule: DNS labels (`[a-z0-9]([a-z0-9-]*[a-z0-9])?`) joined by dots. */
const SEGMENT_PATTERN =
  /^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;

/** The pattern quoted in Marathon's 422 message for an invalid id segment. */
export const ID_PATTERN_TEXT =
  "^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|(\\.|\\.\\.)$";

/** Last segments Marathon refuses because `/v2/apps/<id>/<segment>` is a sub-route. */
export const RESERVED_LAST_SEGMENTS: ReadonlySet<string> = new Set([
  "restart",
  "tasks",
  "versions",
]);

export type PathIdResult = { ok: true; id: AppId } | { ok: false; message: string };

/**
 * Resolves `raw` against `base` (an absolute group path, "/" by default) and checks every
 * segment. `..` above the root is an error, as in Marathon.
 */
export function parseAppId(raw: string, base = "/"): PathIdResult {
  if (raw.trim() === "" || raw === "/") return { ok: false, message: "Path must not be empty" };
  const absolute = raw.startsWith("/");
  const parts = absolute ? [] : base.split("/").filter((s) => s !== "");
  for (const segment of raw.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) return { ok: false, message: `Path '${raw}' escapes the root` };
      parts.pop();
      continue;
    }
    if (!SEGMENT_PATTERN.test(segment)) {
      return { ok: false, message: `must fully match regular expression '${ID_PATTERN_TEXT}'` };
    }
    parts.push(segment);
  }
  if (parts.length === 0) return { ok: false, message: "Path must not be empty" };
  const last = parts[parts.length - 1] as string;
  if (RESERVED_LAST_SEGMENTS.has(last)) {
    return { ok: false, message: `must not end with '${last}'` };
  }
  return { ok: true, id: `/${parts.join("/")}` as AppId };
}

/** For ids that are already canonical (read back from the store, built in tests). */
export function appId(raw: string): AppId {
  const parsed = parseAppId(raw);
  if (!parsed.ok) throw new Error(`invalid app id '${raw}': ${parsed.message}`);
  return parsed.id;
}

/** The group an app lives in: `/prod/web/frontend` -> `/prod/web`. */
export function parentGroup(id: AppId): string {
  const at = id.lastIndexOf("/");
  return at <= 0 ? "/" : id.slice(0, at);
}

/** The prefix of instance and task ids: `/prod/web` -> `prod_web` (reference §1.7). */
export function appIdToTaskPrefix(id: AppId): string {
  return id.slice(1).replaceAll("/", "_");
}

/** The inverse of `appIdToTaskPrefix` (ids have no `_`, so it is exact). */
export function taskPrefixToAppId(prefix: string): AppId | undefined {
  const parsed = parseAppId(`/${prefix.replaceAll("_", "/")}`);
  return parsed.ok ? parsed.id : undefined;
}
