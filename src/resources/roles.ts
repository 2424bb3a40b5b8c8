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

// Mesos rejects these characters anywhere in a role name (roles.cpp: whitespace, control, '\\').
function hasInvalidRoleChar(role: string): boolean {
  for (let i = 0; i < role.length; i++) {
    const c = role.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 92 /* backslash */) return true;
  }
  return /\s/.test(role);
}

/** Validates a role name the way Mesos does; returns an error message or undefined. */
export function validateRole(role: string): string | undefined {
  if (role === DEFAULT_ROLE) return undefined;
  if (role.length === 0) return "Empty role name is invalid";
  if (role.startsWith("/")) return `Role '${role}' cannot start with a slash`;
  if (role.endsWith("/")) return `Role '${role}' cannot end with a slash`;
  if (hasInvalidRoleChar(role)) {
    return `Role '${role}' cannot contain whitespace, control characters or backslashes`;
  }
  for (const part of role.split("/")) {
    if (part.length === 0) return `Role '${role}' cannot contain two adjacent slashes`;
    if (part === ".") return `Role '${role}' cannot contain '.' as a path component`;
    if (part === "..") return `Role '${role}' cannot contain '..' as a path component`;
    if (part === "*") return `Role '${role}' cannot contain '*' as a path component`;
    if (part.startsWith("-")) return `Role '${role}' cannot have a component starting with '-'`;
  }
  return undefined;
}
