// The domain `Resource` (reference §2.4): one named quantity on an agent with its reservation
// stack, allocation role and markers. Wire JSON is converted to and from this type in
// wire-format.ts; nothing else in the domain sees raw JSON.
//
// Resources are immutable values. Each carries a precomputed `key`: two resources with equal
// keys are "the same kind" and Mesos merges them when adding (resources.cpp `addable`).
import { assert } from "./assert.ts";
import { formatRanges, isNormalized, type Ranges } from "./ranges.ts";
import { formatMilli, type Milli } from "./scalar.ts";
import { formatSet, type ValueSet } from "./value-set.ts";

export type ReservationType = "STATIC" | "DYNAMIC";

export interface Label {
  readonly key: string;
  readonly value?: string;
}

/** One level of a reservation stack (`ReservationInfo`); the last entry is the current one. */
export interface Reservation {
  readonly type: ReservationType;
  readonly role: string;
  readonly principal?: string;
  readonly labels?: readonly Label[];
}

/**
 * `DiskInfo`, carried through unchanged. Only the parts the arithmetic needs are lifted out;
 * `info` is the message as it came from the wire (persistence, volume, source) so that it
 * round-trips, and `key` is its canonical form for "same disk" comparisons.
 */
export interface DiskInfo {
  readonly persistenceId: string | undefined;
  readonly sourceType: string | undefined;
  readonly info: Readonly<Record<string, unknown>>;
  readonly key: string;
}

interface ResourceBase {
  readonly name: string;
  /** Reservation stack, outermost first; empty = unreserved (role "*"). */
  readonly reservations: readonly Reservation[];
  /** `allocation_info.role`: the role this resource is offered or allocated to. */
  readonly allocationRole: string | undefined;
  readonly revocable: boolean;
  readonly shared: boolean;
  readonly disk: DiskInfo | undefined;
  readonly providerId: string | undefined;
  /** Everything but the value (and, for atomic resources, the value too); see `isAtomic`. */
  readonly key: string;
}

export interface ScalarResource extends ResourceBase {
  readonly kind: "scalar";
  readonly scalar: Milli;
}

export interface RangesResource extends ResourceBase {
  readonly kind: "ranges";
  readonly ranges: Ranges;
}

export interface SetResource extends ResourceBase {
  readonly kind: "set";
  readonly set: ValueSet;
}

export type Resource = ScalarResource | RangesResource | SetResource;
export type ResourceKind = Resource["kind"];

/** The metadata of a resource; every field optional when building one. */
export interface ResourceOptions {
  readonly reservations?: readonly Reservation[];
  readonly allocationRole?: string | undefined;
  readonly revocable?: boolean;
  readonly shared?: boolean;
  readonly disk?: DiskInfo | undefined;
  readonly providerId?: string | undefined;
}

const NO_RESERVATIONS: readonly Reservation[] = Object.freeze([]);

/** Canonical JSON (sorted keys) used for keys of nested messages. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
}

/** Builds a DiskInfo from the wire message (`{persistence?, volume?, source?}`). */
export function diskInfo(info: Readonly<Record<string, unknown>>): DiskInfo {
  const persistence = info.persistence as { id?: unknown } | undefined;
  const source = info.source as { type?: unknown } | undefined;
  return {
    persistenceId: typeof persistence?.id === "string" ? persistence.id : undefined,
    sourceType: typeof source?.type === "string" ? source.type : undefined,
    info,
    key: canonicalJson(info),
  };
}

function reservationKey(r: Reservation): string {
  let key = `${r.type === "STATIC" ? "S" : "D"}${r.role}\u0001${r.principal ?? ""}`;
  if (r.labels !== undefined && r.labels.length > 0) key += `\u0001${canonicalJson(r.labels)}`;
  return key;
}

/**
 * Atomic resources are counted, never merged or split (Mesos `addable`/`subtractable`):
 * shared resources (counted by `sharedCount`), persistent volumes, and disks whose source is a
 * whole device (MOUNT, BLOCK, RAW). Their key includes the value so only identical ones match.
 */
export function isAtomicParts(shared: boolean, disk: DiskInfo | undefined): boolean {
  if (shared) return true;
  if (disk === undefined) return false;
  if (disk.persistenceId !== undefined) return true;
  const type = disk.sourceType;
  return type === "MOUNT" || type === "BLOCK" || type === "RAW";
}

export function isAtomic(r: Resource): boolean {
  return isAtomicParts(r.shared, r.disk);
}

function valueText(r: Resource): string {
  switch (r.kind) {
    case "scalar":
      return String(r.scalar);
    case "ranges":
      return formatRanges(r.ranges);
    case "set":
      return formatSet(r.set);
  }
}

function computeKey(r: Omit<Resource, "key">): string {
  let key = `${r.kind}\u0000${r.name}\u0000`;
  for (const reservation of r.reservations) key += `${reservationKey(reservation)}\u0002`;
  key += `\u0000${r.allocationRole ?? ""}\u0000${r.revocable ? 1 : 0}${r.shared ? 1 : 0}`;
  key += `\u0000${r.disk?.key ?? ""}\u0000${r.providerId ?? ""}`;
  if (isAtomicParts(r.shared, r.disk)) key += `\u0000${valueText(r as Resource)}`;
  return key;
}

function build<R extends Resource>(fields: Omit<R, "key">): R {
  assert(fields.name.length > 0, "resource name must not be empty");
  const r = fields as R & { key: string };
  r.key = computeKey(fields);
  return r;
}

function meta(name: string, opts: ResourceOptions | undefined) {
  return {
    name,
    reservations: opts?.reservations ?? NO_RESERVATIONS,
    allocationRole: opts?.allocationRole,
    revocable: opts?.revocable ?? false,
    shared: opts?.shared ?? false,
    disk: opts?.disk,
    providerId: opts?.providerId,
  };
}

export function scalarResource(name: string, milli: Milli, opts?: ResourceOptions): ScalarResource {
  assert(
    Number.isSafeInteger(milli) && milli >= 0,
    `scalar ${name} must be non-negative integer thousandths, got ${milli}`,
  );
  return build<ScalarResource>({ kind: "scalar", ...meta(name, opts), scalar: milli });
}

export function rangesResource(
  name: string,
  ranges: Ranges,
  opts?: ResourceOptions,
): RangesResource {
  assert(isNormalized(ranges), `ranges of ${name} must be normalised`);
  return build<RangesResource>({ kind: "ranges", ...meta(name, opts), ranges });
}

export function setResource(name: string, set: ValueSet, opts?: ResourceOptions): SetResource {
  return build<SetResource>({ kind: "set", ...meta(name, opts), set });
}

/** The same resource with some metadata replaced (key recomputed). */
export function withOptions(r: Resource, changes: ResourceOptions): Resource {
  const opts: ResourceOptions = {
    reservations: r.reservations,
    allocationRole: r.allocationRole,
    revocable: r.revocable,
    shared: r.shared,
    disk: r.disk,
    providerId: r.providerId,
    ...changes,
  };
  switch (r.kind) {
    case "scalar":
      return scalarResource(r.name, r.scalar, opts);
    case "ranges":
      return rangesResource(r.name, r.ranges, opts);
    case "set":
      return setResource(r.name, r.set, opts);
  }
}

/** The same metadata with a new value of the same kind (key reused: value is not in it). */
export function withScalar(r: ScalarResource, milli: Milli): ScalarResource {
  return { ...r, scalar: milli };
}
export function withRanges(r: RangesResource, ranges: Ranges): RangesResource {
  return { ...r, ranges };
}
export function withSet(r: SetResource, set: ValueSet): SetResource {
  return { ...r, set };
}

export function isEmptyResource(r: Resource): boolean {
  switch (r.kind) {
    case "scalar":
      return r.scalar === 0;
    case "ranges":
      return r.ranges.length === 0;
    case "set":
      return r.set.length === 0;
  }
}

/** The current reservation role, or "*" for unreserved resources (Mesos `reservationRole`). */
export function reservationRole(r: Resource): string {
  const last = r.reservations[r.reservations.length - 1];
  return last === undefined ? "*" : last.role;
}

export function isUnreserved(r: Resource): boolean {
  return r.reservations.length === 0;
}

export function isDynamicallyReserved(r: Resource): boolean {
  return r.reservations[r.reservations.length - 1]?.type === "DYNAMIC";
}

export function isPersistentVolume(r: Resource): boolean {
  return r.disk?.persistenceId !== undefined;
}

/** A short human-readable form for logs and error messages: `cpus(r1,DYNAMIC):2`. */
export function describeResource(r: Resource): string {
  let head = r.name;
  if (r.reservations.length > 0) {
    head += `(${r.reservations.map((x) => (x.type === "STATIC" ? x.role : `${x.role},DYNAMIC`)).join("/")})`;
  }
  if (r.allocationRole !== undefined) head += `{allocated:${r.allocationRole}}`;
  if (r.revocable) head += "{REV}";
  if (r.shared) head += "<SHARED>";
  if (r.disk?.persistenceId !== undefined) head += `[${r.disk.persistenceId}]`;
  const value =
    r.kind === "scalar"
      ? formatMilli(r.scalar)
      : r.kind === "ranges"
        ? formatRanges(r.ranges)
        : formatSet(r.set);
  return `${head}:${value}`;
}
