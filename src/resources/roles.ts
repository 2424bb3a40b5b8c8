// Role names (Mesos `roles::validate`, `roles::isStrictSubroleOf`). Roles are '/'-separated
// paths ("eng/web"); "*" is the default (unreserved) role and cannot be nested.

export const DEFAULT_ROLE = "*";

/** True when `child` is a strict descendant of `parent` ("a/b/c" of "a", not of "a/b/c"). */
export function isStrictSubroleOf(child: string, parent: string): boolean {
  return (
    child.length > parent.length + 1 &&
    child.charCodeAt(parent.length) === 47 /* '/' */ &&
    child.startsWith(parent)
  );
}

/** The parent of a nested role, or undefined for a top-level role. */
export function parentRole(role: string): string | undefined {
  const slash = role.lastIndexOf("/");
  return slash < 0 ? undefined : role.slice(0, slash);
}

// Role name validation is a wire fact (reference §0.4); one implementation, in src/wire.
export { validateRole } from "../wire/ids.ts";
