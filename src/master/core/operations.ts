// The offer operations that convert resources (reference §2.6, containers.md §5): RESERVE,
// UNRESERVE, CREATE, DESTROY, GROW_VOLUME, SHRINK_VOLUME. One check per type, with Mesos's
// rules and messages (master/validation.cpp `validation::operation`), shared by ACCEPT (a
// framework, resources carrying their allocation role) and the operator API (no framework,
// unallocated resources). A check changes nothing; it returns what the operation consumes
// and what it turns that into (Mesos's ResourceConversion), applied by the caller.
//
// `principal` is the one place authorization hooks in: it is the framework's principal on
// ACCEPT and the authenticated operator's on the operator API (undefined without
// authentication, when, as in Mesos, no principal check is made).
import {
  isDynamicallyReserved,
  isPersistentVolume,
  type Resource,
  reservationRole,
  validateResources,
} from "../../resources/index.ts";
import { resourcesFromWire } from "../../resources/wire-format.ts";
import type { OfferOperation } from "../../wire/offer.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import {
  type Conversion,
  error,
  type OperationScope,
  parse,
  reservationStacksEqual,
  roleCapabilityError,
  singleAllocationRole,
  str,
} from "./operations-common.ts";
import { checkCreate, checkDestroy, checkGrow, checkShrink } from "./operations-volumes.ts";

export type { Conversion, OperationScope } from "./operations-common.ts";
export { persistenceIdError, stripVolume } from "./operations-volumes.ts";

export const CONVERSION_TYPES: ReadonlySet<string> = new Set([
  "RESERVE",
  "UNRESERVE",
  "CREATE",
  "DESTROY",
  "GROW_VOLUME",
  "SHRINK_VOLUME",
]);

export function checkConversion(scope: OperationScope, op: OfferOperation): Conversion {
  switch (op.type) {
    case "RESERVE":
      return op.reserve === undefined
        ? error("Missing 'reserve'")
        : checkReserve(scope, op.reserve.resources ?? [], op.reserve.source ?? []);
    case "UNRESERVE":
      return op.unreserve === undefined
        ? error("Missing 'unreserve'")
        : checkUnreserve(scope, op.unreserve.resources ?? []);
    case "CREATE":
      return op.create === undefined
        ? error("Missing 'create'")
        : checkCreate(scope, op.create.volumes ?? []);
    case "DESTROY":
      return op.destroy === undefined
        ? error("Missing 'destroy'")
        : checkDestroy(scope, op.destroy.volumes ?? []);
    case "GROW_VOLUME":
      return op.grow_volume === undefined
        ? error("Missing 'grow_volume'")
        : checkGrow(scope, op.grow_volume.volume, op.grow_volume.addition);
    case "SHRINK_VOLUME":
      return op.shrink_volume === undefined
        ? error("Missing 'shrink_volume'")
        : checkShrink(scope, op.shrink_volume.volume, op.shrink_volume.subtract.value);
    default:
      return error(`Operation ${op.type ?? "UNKNOWN"} does not convert resources`);
  }
}

function checkReserve(
  scope: OperationScope,
  list: readonly WireResource[],
  sourceList: readonly WireResource[],
): Conversion {
  const parsed = parse(scope, list);
  if (!parsed.ok) return error(`Invalid resources: ${parsed.message}`);
  const resources = parsed.value;
  const invalid = validateResources(resources);
  if (invalid !== undefined) return error(`Invalid resources: ${invalid}`);
  const parsedSource = parse(scope, sourceList);
  if (!parsedSource.ok) return error(`Invalid source: ${parsedSource.message}`);
  const source = parsedSource.value;
  const invalidSource = validateResources(source);
  if (invalidSource !== undefined) return error(`Invalid source: ${invalidSource}`);
  if (sourceList.length > 0) {
    if (source.isEmpty()) return error("Invalid source: Resource cannot be empty");
    if (!reservationStacksEqual(source)) {
      return error(`Invalid source: Mixed reservations are not supported${source.toString()}`);
    }
    if (resources.isEmpty()) return error("Invalid resources: Resource cannot be empty");
    if (!reservationStacksEqual(resources)) {
      return error(
        `Invalid resources: Mixed reservations are not supported${resources.toString()}`,
      );
    }
    if (!source.flatten().equals(resources.flatten())) {
      return error(
        `Source and target resources should refer to identical resource quantities: ${source.flatten().toString()} vs. ${resources.flatten().toString()}`,
      );
    }
  }
  for (const r of resources) {
    const refused = reserveResourceError(scope, r);
    if (refused !== undefined) return error(refused);
  }
  if (scope.framework !== undefined) {
    const single = singleAllocationRole(resources);
    if (single !== undefined) return error(`Invalid reservation resources: ${single}`);
  }
  if (resources.isEmpty()) return error("Invalid resources: no resources specified");
  const consumed = sourceList.length > 0 ? source : resources.popReservation();
  return { ok: true, consumed, converted: resources };
}

function reserveResourceError(scope: OperationScope, r: Resource): string | undefined {
  if (!isDynamicallyReserved(r)) return `Resource ${str(r)} is not dynamically reserved`;
  const capability = roleCapabilityError(scope, r, "Resource");
  if (capability !== undefined) return capability;
  if (scope.principal !== undefined) {
    const reservedBy = r.reservations[r.reservations.length - 1]?.principal;
    if (reservedBy === undefined) {
      return `A reserve operation was attempted by principal '${scope.principal}', but there is a reserved resource in the request with no principal set`;
    }
    if (reservedBy !== scope.principal) {
      return `A reserve operation was attempted by authenticated principal '${scope.principal}', which does not match a reserved resource in the request with principal '${reservedBy}'`;
    }
  }
  const role = reservationRole(r);
  if (scope.framework === undefined) {
    if (r.allocationRole !== undefined) {
      return "A reserve operation was attempted with an allocated resource, but the operator API only allows reservations to be made to unallocated resources";
    }
    return undefined;
  }
  const roles = scope.framework.roles;
  if (r.allocationRole === undefined) {
    return `A reserve operation was attempted on unallocated resource ${str(r)}, but frameworks can only perform reservations on allocated resources`;
  }
  if (r.allocationRole !== role) {
    return `A reserve operation was attempted for a resource with role '${role}', but the resource was allocated to role '${r.allocationRole}'`;
  }
  if (!roles.includes(r.allocationRole)) {
    return `A reserve operation was attempted for a resource allocated to role '${r.allocationRole}', but the framework only has roles '{ ${roles.join(", ")} }'`;
  }
  return undefined;
}

function checkUnreserve(scope: OperationScope, list: readonly WireResource[]): Conversion {
  const parsed = parse(scope, list);
  if (!parsed.ok) return error(`Invalid resources: ${parsed.message}`);
  const invalid = validateResources(parsed.value);
  if (invalid !== undefined) return error(`Invalid resources: ${invalid}`);
  // No principal check: who may unreserve whose reservations is the `unreserve` ACL's
  // business; without one, any principal may (as Mesos).
  for (const r of parsed.value) {
    if (!isDynamicallyReserved(r)) return error(`Resource ${str(r)} is not dynamically reserved`);
    if (isPersistentVolume(r)) {
      return error(
        `A dynamically reserved persistent volume ${str(r)} cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource`,
      );
    }
  }
  if (parsed.value.isEmpty()) return error("Invalid resources: no resources specified");
  return { ok: true, consumed: parsed.value, converted: parsed.value.popReservation() };
}

/** Mesos's validatePersistentVolume. */
/** What the agent checkpoints: dynamic reservations and persistent volumes (Mesos's rule). */
export function needsCheckpointing(r: Resource): boolean {
  return isDynamicallyReserved(r) || isPersistentVolume(r);
}

/**
 * CREATE_DISK and DESTROY_DISK work on disks of resource providers, which Tessera's agents do
 * not have: Mesos's check then refuses every one (master/validation.cpp), with this message.
 */
export function diskOperationError(op: OfferOperation): string {
  const type = op.type === "CREATE_DISK" ? "CREATE_DISK" : "DESTROY_DISK";
  const source = op.create_disk?.source ?? op.destroy_disk?.source;
  const parsed = source === undefined ? undefined : resourcesFromWire([source]);
  if (parsed !== undefined && !parsed.ok) {
    return `Invalid ${type} Operation: Invalid resource: ${parsed.message}`;
  }
  return `Invalid ${type} Operation: 'source' is not managed by a resource provider`;
}
