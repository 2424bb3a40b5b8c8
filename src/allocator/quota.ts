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

/** What the role's guarantees still lack (empty when satisfied or without guarantees). */
export function unsatisfiedGuarantees(top: RoleState, names: NameIndex): ResourceQuantities {
  const guarantees = top.quota?.guarantees;
  if (guarantees === undefined || guarantees.isEmpty()) return ResourceQuantities.empty();
  return guarantees.subtract(consumedQuota(top, names));
}

/** Per limited name, what may still be allocated to the subtree; undefined when unlimited. */
export function remainingLimits(top: RoleState, names: NameIndex): Map<string, Milli> | undefined {
  const limits = top.quota?.limits;
  if (limits === undefined || limits.size === 0) return undefined;
  const consumed = consumedQuota(top, names);
  const out = new Map<string, Milli>();
  for (const [name, limit] of limits) out.set(name, Math.max(0, limit - consumed.get(name)));
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
    this.required = this.required.subtract(before).add(after);
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
    for (const [name, required] of this.required) {
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
  if (a === undefined) return b === undefined ? undefined : new Map(b);
  const out = new Map(a);
  if (b !== undefined) for (const [name, v] of b) out.set(name, Math.min(v, out.get(name) ?? v));
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
