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
  diskInfo,
  isDynamicallyReserved,
  isPersistentVolume,
  type Resource,
  Resources,
  reservationRole,
  type ScalarResource,
  validateResources,
  withOptions,
} from "../../resources/index.ts";
import { resourcesFromWire } from "../../resources/wire-format.ts";
import type { AgentCapabilityType } from "../../wire/framework.ts";
import type { OfferOperation } from "../../wire/offer.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import type { FrameworkRecord } from "./state.ts";
import { operationResources } from "./task-validation.ts";

/** Who does the operation, and on which agent. */
export interface OperationScope {
  /** The framework accepting an offer; undefined for the operator API. */
  framework: FrameworkRecord | undefined;
  /** The offer's allocation role (framework path only). */
  role: string | undefined;
  /** The principal doing it; undefined: no principal checks (no authentication). */
  principal: string | undefined;
  agentCapabilities: readonly AgentCapabilityType[];
  /** The agent's checkpointed resources (dynamic reservations and persistent volumes). */
  checkpointed: Resources;
  /** What tasks and executors use on the agent, unallocated. */
  used: Resources;
}

/** What a valid operation consumes and what it converts that into. */
export type Conversion =
  | { ok: true; consumed: Resources; converted: Resources }
  | { ok: false; message: string };

export const CONVERSION_TYPES: ReadonlySet<string> = new Set([
  "RESERVE",
  "UNRESERVE",
  "CREATE",
  "DESTROY",
  "GROW_VOLUME",
  "SHRINK_VOLUME",
]);

type Parsed = { ok: true; value: Resources } | { ok: false; message: string };

function parse(scope: OperationScope, list: readonly WireResource[]): Parsed {
  if (scope.framework !== undefined && scope.role !== undefined) {
    return operationResources([...list], scope.role);
  }
  const parsed = resourcesFromWire([...list]);
  return parsed.ok ? parsed : { ok: false, message: parsed.message };
}

function error(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

/** Checks one operation of CONVERSION_TYPES; changes nothing. */
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

const has = (scope: OperationScope, cap: AgentCapabilityType) =>
  scope.agentCapabilities.length === 0 || scope.agentCapabilities.includes(cap);

function str(r: Resource): string {
  return Resources.of(r).toString();
}

/** Checks every reserved resource (RESERVE) or volume (CREATE) shares on the agent's side. */
function roleCapabilityError(scope: OperationScope, r: Resource, what: string): string | undefined {
  const role = reservationRole(r);
  const verb = what === "Resource" ? "reserved" : "created";
  if (!has(scope, "HIERARCHICAL_ROLE") && role.includes("/")) {
    return `${what} ${str(r)} with reservation for hierarchical role '${role}' cannot be ${verb} on an agent without HIERARCHICAL_ROLE capability`;
  }
  if (!has(scope, "RESERVATION_REFINEMENT") && r.reservations.length > 1) {
    return `${what} ${str(r)} with reservation refinement cannot be ${verb} on an agent without RESERVATION_REFINEMENT capability`;
  }
  return undefined;
}

function singleAllocationRole(resources: Resources): string | undefined {
  let role: string | undefined;
  for (const r of resources) {
    if (r.allocationRole === undefined) return "The resources are not allocated to a role";
    if (role === undefined) role = r.allocationRole;
    else if (r.allocationRole !== role) {
      return `The resources have multiple allocation roles ('${r.allocationRole}' and '${role}') but only one allocation role is allowed`;
    }
  }
  return undefined;
}

function reservationStacksEqual(resources: Resources): boolean {
  const first = resources.toArray()[0];
  if (first === undefined) return true;
  const key = JSON.stringify(first.reservations);
  return resources.toArray().every((r) => JSON.stringify(r.reservations) === key);
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
function persistentVolumeError(volumes: Resources): string | undefined {
  for (const v of volumes) {
    const info = v.disk?.info as { persistence?: unknown; volume?: { mode?: string } } | undefined;
    if (info === undefined) return `Resource ${str(v)} does not have DiskInfo`;
    if (info.persistence === undefined) return "'persistence' is not set in DiskInfo";
    if (info.volume === undefined) return "Expecting 'volume' to be set for persistent volume";
    if (info.volume.mode === "RO") return "Read-only persistent volume not supported";
  }
  return undefined;
}

/**
 * Mesos's validateUniquePersistenceID: an id is used once per role on an agent. The same
 * volume twice is one entry of a `Resources`, counted 2: each count is one use of the id.
 */
export function persistenceIdError(...collections: Resources[]): string | undefined {
  const seen = new Set<string>();
  const each = collections.flatMap((c) =>
    c.toArray().flatMap((v) => Array.from({ length: c.count(v) }, () => v)),
  );
  for (const v of each) {
    if (!isPersistentVolume(v)) continue;
    const key = `${reservationRole(v)}\u0000${v.disk?.persistenceId}`;
    if (seen.has(key)) return `Persistence ID '${v.disk?.persistenceId}' is not unique`;
    seen.add(key);
  }
  return undefined;
}

function checkCreate(scope: OperationScope, list: readonly WireResource[]): Conversion {
  const parsed = parse(scope, list);
  if (!parsed.ok) return error(`Invalid resources: ${parsed.message}`);
  const volumes = parsed.value;
  const invalid = validateResources(volumes);
  if (invalid !== undefined) return error(`Invalid resources: ${invalid}`);
  const notVolume = persistentVolumeError(volumes);
  if (notVolume !== undefined) return error(`Not a persistent volume: ${notVolume}`);
  const duplicate = persistenceIdError(scope.checkpointed, parsed.value.unallocate());
  if (duplicate !== undefined) return error(duplicate);
  for (const v of volumes) {
    const refused = createVolumeError(scope, v);
    if (refused !== undefined) return error(refused);
  }
  if (scope.framework !== undefined) {
    const single = singleAllocationRole(volumes);
    if (single !== undefined) return error(`Invalid volume resources: ${single}`);
  }
  if (volumes.isEmpty()) return error("Invalid resources: no volumes specified");
  return { ok: true, consumed: volumes.map(stripVolume), converted: volumes };
}

function createVolumeError(scope: OperationScope, v: Resource): string | undefined {
  const framework = scope.framework;
  if (
    framework !== undefined &&
    v.shared &&
    !(framework.info.capabilities ?? []).some((c) => c.type === "SHARED_RESOURCES")
  ) {
    return `Create volume operation for '${str(v)}' has been attempted by framework '${framework.id}' with no SHARED_RESOURCES capability`;
  }
  const capability = roleCapabilityError(scope, v, "Volume");
  if (capability !== undefined) return capability;
  if (scope.principal !== undefined) {
    const info = v.disk?.info as { persistence?: { principal?: string } } | undefined;
    const persistence = info?.persistence;
    if (persistence?.principal === undefined) {
      return `Create volume operation attempted by principal '${scope.principal}', but there is a volume in the operation with no principal set in 'disk.persistence'`;
    }
    if (persistence.principal !== scope.principal) {
      return `Create volume operation attempted by authenticated principal '${scope.principal}', which does not match a volume in the operation with principal '${persistence.principal}' set in 'disk.persistence'`;
    }
  }
  // A volume is made on reserved disk only (Mesos: no volume from unreserved resources).
  if (v.reservations.length === 0) {
    return `Persistent volumes cannot be created from unreserved resources`;
  }
  return undefined;
}

function checkDestroy(scope: OperationScope, list: readonly WireResource[]): Conversion {
  const parsed = parse(scope, list);
  if (!parsed.ok) return error(`Invalid resources: ${parsed.message}`);
  const volumes = parsed.value;
  const plain = volumes.unallocate();
  const invalid = validateResources(plain);
  if (invalid !== undefined) return error(`Invalid resources: ${invalid}`);
  const notVolume = persistentVolumeError(plain);
  if (notVolume !== undefined) return error(`Not a persistent volume: ${notVolume}`);
  for (const v of plain) {
    if (!scope.checkpointed.contains(v)) return error("Persistent volumes not found");
  }
  for (const v of plain) {
    if (scope.used.contains(v)) return error("Persistent volumes in use");
  }
  if (volumes.isEmpty()) return error("Invalid resources: no volumes specified");
  return { ok: true, consumed: volumes, converted: volumes.map(stripVolume) };
}

function one(
  scope: OperationScope,
  wire: WireResource,
  field: string,
): { ok: true; value: ScalarResource } | { ok: false; message: string } {
  const parsed = parse(scope, [wire]);
  const message = !parsed.ok ? parsed.message : validateResources(parsed.value);
  if (message !== undefined) {
    return error(`Invalid resource in the '${field}' field: ${message}`);
  }
  const r = parsed.ok ? parsed.value.toArray()[0] : undefined;
  if (r === undefined || r.kind !== "scalar") {
    return error(`Invalid resource in the '${field}' field: a disk scalar is expected`);
  }
  return { ok: true, value: r };
}

function resizeVolumeError(v: ScalarResource, verb: string, field: string) {
  if (v.providerId !== undefined) {
    return `${verb === "grown" ? "Growing" : "Shrinking"} a volume from a resource provider is not supported`;
  }
  const notVolume = persistentVolumeError(Resources.of(v));
  if (notVolume !== undefined) {
    return `Invalid persistent volume in the '${field}' field: ${notVolume}`;
  }
  if (v.shared) {
    return `${verb === "grown" ? "Growing" : "Shrinking"} a shared persistent volume is not supported`;
  }
  return undefined;
}

function checkGrow(scope: OperationScope, volumeW: WireResource, additionW: WireResource) {
  const volume = one(scope, volumeW, "GrowVolume.volume");
  if (!volume.ok) return volume;
  // Checked on the wire: an empty resource does not survive into the domain type.
  if (!((additionW.scalar?.value ?? 0) > 0)) {
    return error("The size of 'GrowVolume.addition' field must be greater than zero");
  }
  const addition = one(scope, additionW, "GrowVolume.addition");
  if (!addition.ok) return addition;
  const refused = resizeVolumeError(volume.value, "grown", "GrowVolume.volume");
  if (refused !== undefined) return error(refused);
  const stripped = stripVolume(volume.value);
  if (stripped.key !== addition.value.key) {
    return error(
      "Incompatible resources in the 'GrowVolume.volume' and 'GrowVolume.addition' fields",
    );
  }
  if (!has(scope, "RESIZE_VOLUME")) {
    return error(
      `Volume ${str(volume.value)} cannot be grown on an agent without RESIZE_VOLUME capability`,
    );
  }
  const grown = resized(volume.value, volume.value.scalar + addition.value.scalar);
  return {
    ok: true as const,
    consumed: Resources.of(volume.value, addition.value),
    converted: Resources.of(grown),
  };
}

function checkShrink(scope: OperationScope, volumeW: WireResource, subtract: number): Conversion {
  const volume = one(scope, volumeW, "ShrinkVolume.volume");
  if (!volume.ok) return volume;
  const milli = Math.round(subtract * 1000);
  if (!(milli > 0)) return error("Value of 'ShrinkVolume.subtract' must be greater than zero");
  if (volume.value.scalar <= milli) {
    return error(
      "Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'",
    );
  }
  if (volume.value.disk?.sourceType === "MOUNT") {
    return error("Shrinking a volume on a MOUNT disk is not supported");
  }
  const refused = resizeVolumeError(volume.value, "shrunk", "ShrinkVolume.volume");
  if (refused !== undefined) return error(refused);
  if (!has(scope, "RESIZE_VOLUME")) {
    return error(
      `Volume ${str(volume.value)} cannot be shrunk on an agent without RESIZE_VOLUME capability`,
    );
  }
  const freed = resized(stripVolume(volume.value) as ScalarResource, milli);
  return {
    ok: true,
    consumed: Resources.of(volume.value),
    converted: Resources.of(resized(volume.value, volume.value.scalar - milli), freed),
  };
}

function resized(r: ScalarResource, milli: number): ScalarResource {
  // Volumes are atomic (the value is in the key), so the resource is rebuilt, not copied.
  return withOptions({ ...r, scalar: milli } as ScalarResource, {}) as ScalarResource;
}

/**
 * The disk a volume is made on: ROOT disk loses its DiskInfo, a PATH or MOUNT disk keeps its
 * source; either way the persistence, the volume and sharing go.
 */
export function stripVolume(r: Resource): Resource {
  if (r.disk === undefined) return r.shared ? withOptions(r, { shared: false }) : r;
  const { persistence: _p, volume: _v, ...rest } = r.disk.info as Record<string, unknown>;
  const disk = rest.source === undefined ? undefined : diskInfo(rest);
  return withOptions(r, { disk, shared: false });
}

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
