// Quota arithmetic (reference §6.1, QUOTA_V2): consumption of a top-level role's subtree,
// unsatisfied guarantees, what its limits still allow, the global headroom that protects
// guarantees, and the "chopping" bounds applied to unreserved non-revocable scalars.
import {
  type Milli,
  ResourceQuantities,
  type Resources,
  validateRole,
} from "../resources/index.ts";
import type { RoleState } from "./records.ts";
import { type NameIndex, type ScalarVector, vectorQuantities } from "./scalar-vector.ts";
import { type AllocatorResult, failure, OK, type Quota } from "./types.ts";

/** Whether `quota` (undefined: none) may be set on `role`: top-level, guarantees within limits. */
export function checkQuota(role: string, quota: Quota | undefined): AllocatorResult {
  const invalid = validateRole(role);
  if (invalid !== undefined) return failure("INVALID_ROLE", invalid);
  if (role === "*" || role.includes("/")) {
    return failure("INVALID_QUOTA", `quota can only be set on top-level roles other than '*'`);
  }
  if (quota !== undefined) {
    for (const [name, guarantee] of quota.guarantees) {
      const limit = quota.limits.get(name);
      if (limit !== undefined && limit < guarantee) {
        return failure("INVALID_QUOTA", `guarantee of '${name}' exceeds its limit in '${role}'`);
      }
    }
  }
  return OK;
}

/** Unreserved, non-revocable scalars: the part of resources that quota and headroom govern. */
export function isQuotaGoverned(r: {
  kind: string;
  reservations: readonly unknown[];
  revocable: boolean;
}): boolean {
  return r.kind === "scalar" && r.reservations.length === 0 && !r.revocable;
}

/** Consumed quota of a top-level role: allocated unreserved + every reservation of its subtree. */
export function consumedQuota(top: RoleState, names: NameIndex): ResourceQuantities {
  return vectorQuantities(top.allocatedUnreserved, names).addAllInPlace(top.reserved);
}

/**
 * `consumedQuota(top, names).get(name)` without building the quantities (the cycle asks
 * this several times per allocation to a role with quota).
 */
function consumedOf(top: RoleState, name: string, names: NameIndex): Milli {
  const id = names.lookup(name);
  const allocated = id === undefined ? 0 : (top.allocatedUnreserved[id] ?? 0);
  return allocated + top.reserved.get(name);
}

/** What the role's guarantees still lack (empty when satisfied or without guarantees). */
export function unsatisfiedGuarantees(top: RoleState, names: NameIndex): ResourceQuantities {
  const out = ResourceQuantities.empty();
  const guarantees = top.quota?.guarantees;
  if (guarantees === undefined) return out;
  for (let i = 0; i < guarantees.size; i++) {
    const name = guarantees.nameAt(i);
    const lack = guarantees.amountAt(i) - consumedOf(top, name, names);
    if (lack > 0) out.addInPlace(name, lack);
  }
  return out;
}

/** What the subtree may still be allocated of `name`; undefined when it is not limited. */
export function remainingLimit(top: RoleState, name: string, names: NameIndex): Milli | undefined {
  const limit = top.quota?.limits.get(name);
  return limit === undefined ? undefined : Math.max(0, limit - consumedOf(top, name, names));
}

/** Per limited name, what may still be allocated to the subtree; undefined when unlimited. */
export function remainingLimits(top: RoleState, names: NameIndex): Map<string, Milli> | undefined {
  const limits = top.quota?.limits;
  if (limits === undefined || limits.size === 0) return undefined;
  const out = new Map<string, Milli>();
  limits.forEach((limit, name) => {
    out.set(name, Math.max(0, limit - consumedOf(top, name, names)));
  });
  return out;
}

/**
 * Global headroom (reference §6.1): the unallocated unreserved non-revocable resources must
 * stay at or above the sum of all unsatisfied guarantees, except for allocations that
 * themselves satisfy a guarantee.
 */
export class Headroom {
  /** Σ over roles with guarantees of max(0, guarantee − consumed). */
  required = ResourceQuantities.empty();

  constructor(
    /** The allocator's live unallocated unreserved non-revocable scalars, per name id. */
    private readonly available: ScalarVector,
    private readonly names: NameIndex,
  ) {}

  recompute(quotaRoles: Iterable<RoleState>): void {
    const required = ResourceQuantities.empty();
    for (const role of quotaRoles) required.addAllInPlace(unsatisfiedGuarantees(role, this.names));
    this.required = required;
  }

  /** After an allocation changed one role's unsatisfied guarantees from `before` to `after`. */
  replace(before: ResourceQuantities, after: ResourceQuantities): void {
    // In place (the same clamped per-name arithmetic): `required` is this object's own.
    this.required.subtractAllInPlace(before).addAllInPlace(after);
  }

  /** True when every allocation may proceed without looking at headroom. */
  get unconstrained(): boolean {
    return this.required.isEmpty();
  }

  /**
   * How much of each headroom-governed name an allocation to a role with `ownUnsatisfied`
   * guarantees may take: the surplus, plus what counts towards its own guarantee.
   */
  bounds(ownUnsatisfied: ResourceQuantities): Map<string, Milli> {
    const out = new Map<string, Milli>();
    const requiredAll = this.required;
    for (let i = 0; i < requiredAll.size; i++) {
      const name = requiredAll.nameAt(i);
      const required = requiredAll.amountAt(i);
      const id = this.names.lookup(name);
      const available = id === undefined ? 0 : (this.available[id] ?? 0);
      const surplus = Math.max(0, available - required);
      out.set(name, surplus + ownUnsatisfied.get(name));
    }
    return out;
  }
}

/** Per-name minimum of two bound maps (a name absent from one is bounded by the other). */
export function tightest(
  a: ReadonlyMap<string, Milli> | undefined,
  b: ReadonlyMap<string, Milli> | undefined,
): Map<string, Milli> | undefined {
  if (a === undefined) return b === undefined ? undefined : copy(b);
  const out = copy(a);
  b?.forEach((v, name) => {
    out.set(name, Math.min(v, out.get(name) ?? v));
  });
  return out;
}

/** `new Map(m)` without an entry array per name. */
function copy(m: ReadonlyMap<string, Milli>): Map<string, Milli> {
  const out = new Map<string, Milli>();
  m.forEach((v, name) => {
    out.set(name, v);
  });
  return out;
}

/** The quantities as a map of bounds by name. */
export function asBounds(q: ResourceQuantities): Map<string, Milli> {
  const out = new Map<string, Milli>();
  for (let i = 0; i < q.size; i++) out.set(q.nameAt(i), q.amountAt(i));
  return out;
}

/**
 * `--min_allocatable_resources` (reference §6.1): an offer is allocatable when it holds at
 * least one of the quantity sets; an empty list allows anything non-empty.
 */
export function isAllocatable(
  offer: Resources,
  minAllocatable: readonly ResourceQuantities[],
): boolean {
  if (offer.isEmpty()) return false;
  if (minAllocatable.length === 0) return true;
  for (const q of minAllocatable) {
    let enough = true;
    for (let i = 0; i < q.size; i++) {
      if (offer.get(q.nameAt(i)) < q.amountAt(i)) {
        enough = false;
        break;
      }
    }
    if (enough) return true;
  }
  return false;
}
