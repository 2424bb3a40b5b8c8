// The checks of CREATE, DESTROY, GROW_VOLUME and SHRINK_VOLUME (containers.md §5), with Mesos's
// rules and messages (master/validation.cpp `validate(Create|Destroy|GrowVolume|ShrinkVolume)`),
// and what a volume is made from (`stripVolume`).
import {
  isPersistentVolume,
  type Resource,
  Resources,
  reservationRole,
  type ScalarResource,
  stripPersistentVolume,
  validateResources,
  withOptions,
} from "../../resources/index.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import {
  type Conversion,
  error,
  has,
  type OperationScope,
  parse,
  roleCapabilityError,
  singleAllocationRole,
  str,
} from "./operations-common.ts";

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

export function checkCreate(scope: OperationScope, list: readonly WireResource[]): Conversion {
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

export function checkDestroy(scope: OperationScope, list: readonly WireResource[]): Conversion {
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

export function checkGrow(scope: OperationScope, volumeW: WireResource, additionW: WireResource) {
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

export function checkShrink(
  scope: OperationScope,
  volumeW: WireResource,
  subtract: number,
): Conversion {
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

/** The disk a volume is made on (src/resources/volumes.ts). */
export const stripVolume = stripPersistentVolume;
