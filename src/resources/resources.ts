// `Resources`: a collection of resources in canonical form (Mesos `Resources`), the
// allocator's hot path.
//
// Canonical form: at most one entry per key (see resource.ts); mergeable resources are merged
// on add (scalars summed, ranges and sets unioned); empty resources are never stored; atomic
// resources (shared, persistent volumes, whole-device disks) are counted, not merged.
//
// Mutability: every method returns a new collection and leaves `this` unchanged, except the
// explicit `addInPlace` / `subtractInPlace`, which exist for owners of a collection on hot paths
// (e.g. an agent's available resources in the allocator). A collection is two small arrays;
// an immutable op copies them once, so no operation allocates more than O(entries). A clone
// shares the arrays until either side changes (copy on write): the allocator hands out a
// clone of the same read-only collection with every offer, and most are never changed.
//
// Subtraction follows Mesos (`Resources::subtract`): it never goes below zero. A scalar that
// would become zero or negative is dropped, ranges and sets lose only what they hold, a counted
// resource loses its count. Callers that require `a.contains(b)` before `a - b` (Mesos
// CHECKs that in the allocator) should use `subtractContained`, which throws on a violation:
// that is a bug, not an expected failure.
import { assert } from "../base/assert.ts";
import { ResourceQuantities } from "./quantities.ts";
import {
  describeResource,
  isAtomic,
  isEmptyResource,
  isUnreserved,
  type Reservation,
  type Resource,
  reservationRole,
  withAllocationRole,
  withOptions,
  withScalar,
} from "./resource.ts";
import { containsValue, equalValue, mergeValues, subtractValues } from "./resource-values.ts";
import { isStrictSubroleOf } from "./roles.ts";
import type { Milli } from "./scalar.ts";

// The arrays of a collection emptied while shared (`clearInPlace`): shared by all of them, so
// never changed (a collection holding them is marked shared and copies before a change).
const NO_ITEMS: Resource[] = [];
const NO_COUNTS: number[] = [];

export class Resources implements Iterable<Resource> {
  // Parallel arrays: entry i is items[i] held counts[i] times (counts[i] is 1 unless atomic).
  private items: Resource[];
  private counts: number[];
  /** Whether the arrays may be shared with a clone: copied before the next change. */
  private arraysShared = false;

  private constructor(items: Resource[], counts: number[]) {
    this.items = items;
    this.counts = counts;
  }

  static empty(): Resources {
    return new Resources([], []);
  }

  /** A collection holding the given resources (merged; empty ones dropped). */
  static of(...resources: readonly Resource[]): Resources {
    return Resources.from(resources);
  }

  static from(resources: Iterable<Resource>): Resources {
    const out = Resources.empty();
    for (const r of resources) out.addOne(r, 1);
    return out;
  }

  /** Number of distinct entries (not counting repeats of shared resources). */
  get size(): number {
    return this.items.length;
  }

  isEmpty(): boolean {
    return this.items.length === 0;
  }

  [Symbol.iterator](): Iterator<Resource> {
    return this.items[Symbol.iterator]();
  }

  /** The entries as an array (a copy). */
  toArray(): Resource[] {
    return this.items.slice();
  }

  /** How many times an atomic (e.g. shared) resource is held; 0 when absent. */
  count(resource: Resource): number {
    const i = this.indexOf(resource.key);
    if (i < 0) return 0;
    return isAtomic(resource) ? this.counts[i]! : equalValue(this.items[i]!, resource) ? 1 : 0;
  }

  clone(): Resources {
    const copy = new Resources(this.items, this.counts);
    copy.arraysShared = true;
    this.arraysShared = true;
    return copy;
  }

  /** Makes the arrays this collection's own before a change (see `clone`). */
  private own(): void {
    if (!this.arraysShared) return;
    this.items = this.items.slice();
    this.counts = this.counts.slice();
    this.arraysShared = false;
  }

  // --- arithmetic -------------------------------------------------------------------------

  // (A copy of its own, not a clone: it changes at once, and `this` would be left shared.)
  add(other: Resources | Resource): Resources {
    return new Resources(this.items.slice(), this.counts.slice()).addInPlace(other);
  }

  subtract(other: Resources | Resource): Resources {
    return new Resources(this.items.slice(), this.counts.slice()).subtractInPlace(other);
  }

  /** Mutates `this`; returns it. Only for owners of the collection. */
  addInPlace(other: Resources | Resource): this {
    if (other instanceof Resources) {
      // Into an empty collection: share the other's (canonical) arrays, as a clone does. An
      // agent's resources declined whole come back so, and an offer of them again, or a
      // filter on them, is then recognised by identity (`sameEntries`) without a read.
      if (this.items.length === 0 && other.items.length > 0) {
        this.items = other.items;
        this.counts = other.counts;
        this.arraysShared = true;
        other.arraysShared = true;
        return this;
      }
      for (let j = 0; j < other.items.length; j++) this.addOne(other.items[j]!, other.counts[j]!);
    } else {
      this.addOne(other, 1);
    }
    return this;
  }

  /** Mutates `this`; returns it. Clamped like `subtract`. Only for owners of the collection. */
  subtractInPlace(other: Resources | Resource): this {
    if (other instanceof Resources) {
      for (let j = 0; j < other.items.length; j++) {
        this.subtractOne(other.items[j]!, other.counts[j]!);
      }
    } else {
      this.subtractOne(other, 1);
    }
    return this;
  }

  /**
   * Empties `this` in place; returns it. Popped one by one, which keeps the arrays' backing
   * stores (`length = 0` gives them up, and the next additions would allocate them again);
   * arrays shared with a clone are let go instead. Only for owners of the collection.
   */
  clearInPlace(): this {
    if (this.arraysShared) {
      this.items = NO_ITEMS;
      this.counts = NO_COUNTS;
      return this;
    }
    while (this.items.length > 0) {
      this.items.pop();
      this.counts.pop();
    }
    return this;
  }

  /** `this - other`, throwing (a bug) unless `this` contains `other`. */
  subtractContained(other: Resources | Resource): Resources {
    if (!this.contains(other)) {
      const text = other instanceof Resources ? other.toString() : describeResource(other);
      throw new Error(`bug: subtracting ${text} from ${this.toString()} which does not contain it`);
    }
    return this.subtract(other);
  }

  /** True when every resource of `other` is held here (Mesos `Resources::contains`). */
  contains(other: Resources | Resource): boolean {
    if (other instanceof Resources) {
      for (let j = 0; j < other.items.length; j++) {
        if (!this.containsOne(other.items[j]!, other.counts[j]!)) return false;
      }
      return true;
    }
    return isEmptyResource(other) || this.containsOne(other, 1);
  }

  /**
   * True when both hold the very same entry objects in the same order, with the same counts
   * (identity, not value: cheaper than `equals`, for sharing one immutable collection).
   */
  sameEntries(other: Resources): boolean {
    if (this.items === other.items && this.counts === other.counts) return true;
    if (this.items.length !== other.items.length) return false;
    for (let i = 0; i < this.items.length; i++) {
      if (this.items[i] !== other.items[i] || this.counts[i] !== other.counts[i]) return false;
    }
    return true;
  }

  equals(other: Resources): boolean {
    if (this.items.length !== other.items.length) return false;
    for (let j = 0; j < other.items.length; j++) {
      const i = this.indexOf(other.items[j]!.key);
      if (i < 0 || this.counts[i] !== other.counts[j]) return false;
      if (!equalValue(this.items[i]!, other.items[j]!)) return false;
    }
    return true;
  }

  private indexOf(key: string): number {
    const items = this.items;
    for (let i = 0; i < items.length; i++) if (items[i]!.key === key) return i;
    return -1;
  }

  private addOne(r: Resource, count: number): void {
    if (isEmptyResource(r) || count <= 0) return;
    this.own();
    const i = this.indexOf(r.key);
    if (i < 0) {
      this.items.push(r);
      this.counts.push(isAtomic(r) ? count : 1);
    } else if (isAtomic(r)) {
      this.counts[i]! += count;
    } else {
      this.items[i] = mergeValues(this.items[i]!, r);
    }
  }

  private subtractOne(r: Resource, count: number): void {
    if (isEmptyResource(r) || count <= 0) return;
    const i = this.indexOf(r.key);
    if (i < 0) return;
    this.own();
    if (isAtomic(r)) {
      const left = this.counts[i]! - count;
      if (left > 0) this.counts[i] = left;
      else this.removeAt(i);
      return;
    }
    const held = this.items[i]!;
    // Taking all of a scalar is the common case (a whole agent offered, a whole offer
    // declined): drop the entry without building the empty intermediate.
    if (held.kind === "scalar" && r.kind === "scalar" && r.scalar >= held.scalar) {
      this.removeAt(i);
      return;
    }
    const next = subtractValues(held, r);
    if (isEmptyResource(next)) this.removeAt(i);
    else this.items[i] = next;
  }

  private containsOne(r: Resource, count: number): boolean {
    const i = this.indexOf(r.key);
    if (i < 0) return false;
    if (isAtomic(r)) return this.counts[i]! >= count;
    return containsValue(this.items[i]!, r);
  }

  private removeAt(i: number): void {
    // Order is not meaningful; swap-remove keeps this O(1).
    const last = this.items.length - 1;
    this.items[i] = this.items[last]!;
    this.counts[i] = this.counts[last]!;
    this.items.pop();
    this.counts.pop();
  }

  // --- filters (Mesos `Resources::filter` family) -----------------------------------------

  filter(predicate: (r: Resource) => boolean): Resources {
    const items: Resource[] = [];
    const counts: number[] = [];
    for (let i = 0; i < this.items.length; i++) {
      const r = this.items[i]!;
      if (predicate(r)) {
        items.push(r);
        counts.push(this.counts[i]!);
      }
    }
    return new Resources(items, counts);
  }

  /** Reserved resources; with a role, only those whose current reservation is that role. */
  reserved(role?: string): Resources {
    return this.filter(
      (r) => r.reservations.length > 0 && (role === undefined || reservationRole(r) === role),
    );
  }

  unreserved(): Resources {
    return this.filter(isUnreserved);
  }

  /**
   * Resources reserved to `role` or to any of its descendants (Mesos
   * `isReservedToRoleSubtree`): what a role subtree's quota consumption counts.
   */
  reservedToSubtree(role: string): Resources {
    return this.filter((r) => {
      if (r.reservations.length === 0) return false;
      const current = reservationRole(r);
      return current === role || isStrictSubroleOf(current, role);
    });
  }

  /**
   * What may be offered to `role` (Mesos `isAllocatableTo`): unreserved resources plus those
   * reserved to the role itself or to one of its ancestors.
   */
  allocatableTo(role: string): Resources {
    if (this.items.every(isUnreserved)) return this.clone();
    return this.filter((r) => {
      if (r.reservations.length === 0) return true;
      const current = reservationRole(r);
      return current === role || isStrictSubroleOf(role, current);
    });
  }

  /** Resources whose `allocation_info.role` is `role`. */
  allocatedTo(role: string): Resources {
    return this.filter((r) => r.allocationRole === role);
  }

  revocable(): Resources {
    return this.filter((r) => r.revocable);
  }

  nonRevocable(): Resources {
    return this.filter((r) => !r.revocable);
  }

  shared(): Resources {
    return this.filter((r) => r.shared);
  }

  nonShared(): Resources {
    return this.filter((r) => !r.shared);
  }

  scalars(): Resources {
    return this.filter((r) => r.kind === "scalar");
  }

  nonScalars(): Resources {
    return this.filter((r) => r.kind !== "scalar");
  }

  persistentVolumes(): Resources {
    return this.filter((r) => r.disk?.persistenceId !== undefined);
  }

  named(name: string): Resources {
    return this.filter((r) => r.name === name);
  }

  // --- transforms -------------------------------------------------------------------------

  /** Applies `fn` to every entry and re-merges (keys may now coincide). */
  map(fn: (r: Resource) => Resource): Resources {
    const out = Resources.empty();
    for (let i = 0; i < this.items.length; i++) out.addOne(fn(this.items[i]!), this.counts[i]!);
    return out;
  }

  /** Sets `allocation_info.role` on every resource (Mesos `Resources::allocate`). */
  allocate(role: string): Resources {
    return this.withAllocationRole(role);
  }

  /** Clears `allocation_info` (Mesos `Resources::unallocate`). */
  unallocate(): Resources {
    return this.withAllocationRole(undefined);
  }

  // `map(withAllocationRole)` without the closure, and a plain copy when nothing changes
  // (every offer and every recovery of the allocator goes through here).
  private withAllocationRole(role: string | undefined): Resources {
    const items = this.items;
    let same = true;
    for (let i = 0; i < items.length; i++) {
      if (items[i]!.allocationRole !== role) {
        same = false;
        break;
      }
    }
    if (same) return this.clone();
    const out = Resources.empty();
    for (let i = 0; i < items.length; i++) {
      out.addOne(withAllocationRole(items[i]!, role), this.counts[i]!);
    }
    return out;
  }

  /**
   * Drops every reservation (Mesos `Resources::toUnreserved` / `flatten()`); with a role other
   * than "*", makes everything statically reserved to that role instead.
   */
  flatten(role?: string): Resources {
    const reservations: readonly Reservation[] =
      role === undefined || role === "*" ? [] : [{ type: "STATIC", role }];
    return this.map((r) => withOptions(r, { reservations }));
  }

  /** Adds a reservation on top of each resource's stack (RESERVE; refinement when stacked). */
  pushReservation(reservation: Reservation): Resources {
    return this.map((r) => withOptions(r, { reservations: [...r.reservations, reservation] }));
  }

  /** Removes the current reservation of each resource (UNRESERVE). */
  popReservation(): Resources {
    return this.map((r) => {
      assert(r.reservations.length > 0, `cannot pop the reservation of unreserved ${r.name}`);
      return withOptions(r, { reservations: r.reservations.slice(0, -1) });
    });
  }

  /**
   * Keeps at most `limits.get(name)` of each limited scalar name (Mesos `shrinkResources`, the
   * allocator's quota "chopping"); names without a limit, and non-scalars, are kept whole.
   * Splittable scalars are cut to fit; atomic ones (shared, persistent volumes, whole-device
   * disks) are kept only if they fit entirely. Entries are taken in collection order.
   */
  shrink(limits: ReadonlyMap<string, Milli>): Resources {
    // Copied by forEach: `new Map(limits)` allocates an entry array per name.
    const left = new Map<string, Milli>();
    limits.forEach((limit, name) => {
      left.set(name, limit);
    });
    const out = Resources.empty();
    for (let i = 0; i < this.items.length; i++) {
      const r = this.items[i]!;
      const limit = r.kind === "scalar" ? left.get(r.name) : undefined;
      if (r.kind !== "scalar" || limit === undefined) {
        out.addOne(r, this.counts[i]!);
        continue;
      }
      if (r.scalar <= limit) {
        out.addOne(r, this.counts[i]!);
        left.set(r.name, limit - r.scalar);
      } else if (!isAtomic(r) && limit > 0) {
        out.addOne(withScalar(r, limit), 1);
        left.set(r.name, 0);
      }
    }
    return out;
  }

  // --- totals -----------------------------------------------------------------------------

  /** Sum of the scalar resources named `name`, in thousandths (Mesos `get<Scalar>(name)`). */
  get(name: string): Milli {
    let total = 0;
    for (const r of this.items) if (r.kind === "scalar" && r.name === name) total += r.scalar;
    return total;
  }

  /** Distinct names, sorted. */
  names(): string[] {
    const names = new Set<string>();
    for (const r of this.items) names.add(r.name);
    return [...names].sort();
  }

  /**
   * Scalar totals by name, dropping everything else (Mesos
   * `ResourceQuantities::fromScalarResources`); a shared resource counts once.
   */
  toQuantities(): ResourceQuantities {
    const q = ResourceQuantities.empty();
    for (const r of this.items) if (r.kind === "scalar") q.addInPlace(r.name, r.scalar);
    return q;
  }

  /** Human-readable form for logs: `cpus:2; mem:1024; ports:[31000-32000]`. */
  toString(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.items.length; i++) {
      const text = describeResource(this.items[i]!);
      parts.push(this.counts[i]! > 1 ? `${text}<x${this.counts[i]}>` : text);
    }
    return parts.join("; ");
  }
}
