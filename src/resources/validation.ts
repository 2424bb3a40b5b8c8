// Mesos's resource validation (`Resources::validate`, `validateReservations`) for what survives
// conversion into the domain type. Value checks (negative scalars, overlapping ranges,
// duplicate set items, a `type` without its value) happen while converting from the wire, in
// wire-format.ts, because the domain types cannot even hold those values.
import type { Resource } from "./resource.ts";
import { isStrictSubroleOf, validateRole } from "./roles.ts";

/** Returns an error message for an invalid resource, or undefined. */
export function validateResource(r: Resource): string | undefined {
  if (r.name.length === 0) return "Empty resource name";
  for (let i = 0; i < r.reservations.length; i++) {
    const reservation = r.reservations[i]!;
    if (reservation.role === "*") {
      return `Resource '${r.name}': a reservation cannot be made to role '*'`;
    }
    const roleError = validateRole(reservation.role);
    if (roleError !== undefined) return `Resource '${r.name}': ${roleError}`;
    if (i > 0) {
      // Only the first reservation may be STATIC; each later one refines the previous role
      // to one of its descendants.
      if (reservation.type !== "DYNAMIC") {
        return `Resource '${r.name}': only the first reservation may be STATIC`;
      }
      const previous = r.reservations[i - 1]!.role;
      if (!isStrictSubroleOf(reservation.role, previous)) {
        return (
          `Resource '${r.name}': reservation to '${reservation.role}' must refine ` +
          `the previous reservation role '${previous}' to a child role`
        );
      }
    }
  }
  if (r.allocationRole !== undefined) {
    const roleError = validateRole(r.allocationRole);
    if (roleError !== undefined) return `Resource '${r.name}' allocation role: ${roleError}`;
  }
  if (r.disk !== undefined && r.name !== "disk") {
    return `DiskInfo should not be set for '${r.name}' resource`;
  }
  // Mesos allows sharing only for persistent volumes.
  if (r.shared && r.disk?.persistenceId === undefined) {
    return `Resource '${r.name}': only persistent volumes can be shared`;
  }
  return undefined;
}

/** Validates every resource; returns the first error message, or undefined. */
export function validateResources(resources: Iterable<Resource>): string | undefined {
  for (const r of resources) {
    const error = validateResource(r);
    if (error !== undefined) return error;
  }
  return undefined;
}
