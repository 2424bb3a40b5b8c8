// The domain `Resource` (reference §2.4): one named quantity on an agent with its reservation
// stack, allocation role and markers. Wire JSON is converted to and from this type in
// wire-format.ts; nothing else in the domain sees raw JSON.
//
// Resources are immutable values. Each carries a precomputed `key`: two resources with equal
// keys are "the same kind" and Mesos merges them when adding (resources.cpp `addable`).
import { assert } from "../base/assert.ts";
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

type Meta = Omit<ResourceBase, "key">;

function valueText(r: Pick<Resource, "kind"> & Partial<Record<string, unknown>>): string {
  switch (r.kind) {
    case "scalar":
      return String(r.scalar);
    case "ranges":
      return formatRanges(r.ranges as Ranges);
    case "set":
      return formatSet(r.set as ValueSet);
  }
}

function computeKey(kind: ResourceKind, m: Meta, value: Record<string, unknown>): string {
  let key = `${kind}\u0000${m.name}\u0000`;
  for (const reservation of m.reservations) key += `${reservationKey(reservation)}\u0002`;
  key += `\u0000${m.allocationRole ?? ""}\u0000${m.revocable ? 1 : 0}${m.shared ? 1 : 0}`;
  key += `\u0000${m.disk?.key ?? ""}\u0000${m.providerId ?? ""}`;
  if (isAtomicParts(m.shared, m.disk)) key += `\u0000${valueText({ kind, ...value })}`;
  return key;
}

// Objects are always built by these three literals, fields in one order, so that every
// resource of a kind shares one hidden class (object spread is several times slower and
// produces other shapes; this is the allocator's hot path). The allocation role is passed
// separately so that `withAllocationRole` can reuse the other metadata as it is.
function scalarObject(
  m: Meta,
  allocationRole: string | undefined,
  key: string,
  scalar: Milli,
): ScalarResource {
  return {
    kind: "scalar",
    name: m.name,
    reservations: m.reservations,
    allocationRole,
    revocable: m.revocable,
    shared: m.shared,
    disk: m.disk,
    providerId: m.providerId,
    key,
    scalar,
  };
}

function rangesObject(
  m: Meta,
  allocationRole: string | undefined,
  key: string,
  ranges: Ranges,
): RangesResource {
  return {
    kind: "ranges",
    name: m.name,
    reservations: m.reservations,
    allocationRole,
    revocable: m.revocable,
    shared: m.shared,
    disk: m.disk,
    providerId: m.providerId,
    key,
    ranges,
  };
}

function setObject(
  m: Meta,
  allocationRole: string | undefined,
  key: string,
  set: ValueSet,
): SetResource {
  return {
    kind: "set",
    name: m.name,
    reservations: m.reservations,
    allocationRole,
    revocable: m.revocable,
    shared: m.shared,
    disk: m.disk,
    providerId: m.providerId,
    key,
    set,
  };
}

function meta(name: string, opts: ResourceOptions | undefined): Meta {
  assert(name.length > 0, "resource name must not be empty");
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
  // The message is built only on failure (a template literal argument would be built on
  // every call, and this runs for every resource the allocator creates).
  if (!(Number.isSafeInteger(milli) && milli >= 0)) {
    assert(false, `scalar ${name} must be non-negative integer thousandths, got ${milli}`);
  }
  const m = meta(name, opts);
  return scalarObject(
    m,
    m.allocationRole,
    internKey(computeKey("scalar", m, { scalar: milli })),
    milli,
  );
}

export function rangesResource(
  name: string,
  ranges: Ranges,
  opts?: ResourceOptions,
): RangesResource {
  if (!isNormalized(ranges)) assert(false, `ranges of ${name} must be normalised`);
  const m = meta(name, opts);
  return rangesObject(m, m.allocationRole, internKey(computeKey("ranges", m, { ranges })), ranges);
}

export function setResource(name: string, set: ValueSet, opts?: ResourceOptions): SetResource {
  const m = meta(name, opts);
  return setObject(m, m.allocationRole, internKey(computeKey("set", m, { set })), set);
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

// The same metadata with a new value of the same kind. Only for non-atomic resources, whose
// key does not include the value, so the key is reused.
export function withScalar(r: ScalarResource, milli: Milli): ScalarResource {
  return scalarObject(r, r.allocationRole, r.key, milli);
}
export function withRanges(r: RangesResource, ranges: Ranges): RangesResource {
  return rangesObject(r, r.allocationRole, r.key, ranges);
}
export function withSet(r: SetResource, set: ValueSet): SetResource {
  return setObject(r, r.allocationRole, r.key, set);
}

/**
 * The same resource with `allocation_info.role` set (or cleared with undefined): what Mesos
 * `Resources::allocate` / `unallocate` do to every offer and recovery. Equal to
 * `withOptions(r, { allocationRole })`, but the new key comes from a cache keyed by the old
 * key and the role, and the other metadata is shared, so only the object itself is new.
 */
export function withAllocationRole(r: Resource, allocationRole: string | undefined): Resource {
  if (r.allocationRole === allocationRole) return r;
  const key = allocationKey(r, allocationRole);
  switch (r.kind) {
    case "scalar":
      return scalarObject(r, allocationRole, key, r.scalar);
    case "ranges":
      return rangesObject(r, allocationRole, key, r.ranges);
    case "set":
      return setObject(r, allocationRole, key, r.set);
  }
}

// Keys are interned: equal keys are then usually one string, so the `===` comparisons of
// `Resources` succeed on identity, and a key is hashed (for the caches below) only once. The
// caches are bounded: when one grows past its limit it is dropped and rebuilt on demand
// (atomic resources put their value in the key, so the set of keys is unbounded).
const KEY_CACHE_LIMIT = 100_000;
let internedKeys = new Map<string, string>();
let allocationKeys = new Map<string, Map<string, string>>();
let allocationKeyCount = 0;

function internKey(key: string): string {
  const known = internedKeys.get(key);
  if (known !== undefined) return known;
  if (internedKeys.size >= KEY_CACHE_LIMIT) internedKeys = new Map();
  internedKeys.set(key, key);
  return key;
}

function allocationKey(r: Resource, allocationRole: string | undefined): string {
  const role = allocationRole ?? "";
  let perKey = allocationKeys.get(r.key);
  let key = perKey?.get(role);
  if (key !== undefined) return key;
  // Not interned as well: this cache already makes it one string per (key, role), and
  // interning hashed every new key into the global table (a quarter of the first
  // LargeAndSmallQuota cycle, which makes 9,000 of them).
  key = computeKey(r.kind, { ...metaOf(r), allocationRole }, valueFields(r));
  if (allocationKeyCount >= KEY_CACHE_LIMIT) {
    allocationKeys = new Map();
    allocationKeyCount = 0;
    perKey = undefined;
  }
  if (perKey === undefined) {
    perKey = new Map();
    allocationKeys.set(r.key, perKey);
  }
  perKey.set(role, key);
  allocationKeyCount++;
  return key;
}

function metaOf(r: Resource): Meta {
  return {
    name: r.name,
    reservations: r.reservations,
    allocationRole: r.allocationRole,
    revocable: r.revocable,
    shared: r.shared,
    disk: r.disk,
    providerId: r.providerId,
  };
}

function valueFields(r: Resource): Record<string, unknown> {
  switch (r.kind) {
    case "scalar":
      return { scalar: r.scalar };
    case "ranges":
      return { ranges: r.ranges };
    case "set":
      return { set: r.set };
  }
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
