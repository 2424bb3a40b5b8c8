// The allocator's bookkeeping records: one per agent, framework and role. Plain mutable state
// owned by `AllocatorState`; nothing here decides anything.
import { ResourceQuantities, Resources } from "../resources/index.ts";
import type { ScalarVector } from "./scalar-vector.ts";
import type { Sorter } from "./sorter.ts";
import type {
  AgentCapabilities,
  AgentId,
  FrameworkCapabilities,
  FrameworkId,
  Quota,
} from "./types.ts";

export class AgentState {
  /** Unallocated resources (total − allocated); owned, mutated in place. */
  available: Resources;
  /** Allocations (carrying their allocation role) per framework and role. */
  readonly allocations = new Map<FrameworkState, Map<string, Resources>>();
  /** Roles holding reservations on this agent (current reservation role). */
  reservedRoles: ReadonlySet<string> = new Set();
  hasGpus = false;
  /**
   * The allocator epoch at which a visit of this agent ended with nothing offered, nothing
   * chopped by quota and everyone refusing; while the epoch and the agent are unchanged, the
   * next visit would end the same way and is skipped. -1 when unsettled.
   */
  settledEpoch = -1;

  /** Everything allocated (offered or used), without allocation info. */
  allocatedTotal(): Resources {
    const out = Resources.empty();
    for (const perFw of this.allocations.values()) {
      for (const held of perFw.values()) out.addInPlace(held.unallocate());
    }
    return out;
  }

  constructor(
    readonly id: AgentId,
    readonly order: number,
    public hostname: string,
    public total: Resources,
    public capabilities: Required<AgentCapabilities>,
    public active: boolean,
  ) {
    this.available = total.clone();
  }
}

export class FrameworkState {
  roles: ReadonlySet<string> = new Set();
  suppressed: ReadonlySet<string> = new Set();
  capabilities: Required<FrameworkCapabilities> = {
    gpuResources: false,
    revocableResources: false,
    sharedResources: false,
    reservationRefinement: false,
    multiRole: false,
  };
  minAllocatable: ReadonlyMap<string, readonly ResourceQuantities[]> = new Map();
  active = true;
  /** False for a placeholder made for resources seen on an agent before the framework. */
  known = true;
  /** Offer-filter key per tracked role. */
  readonly subscriptions = new Map<string, number>();
  /** Per role: on how many agents the framework holds an allocation in that role. */
  readonly heldRoles = new Map<string, number>();
  /** Agents on which the framework holds anything. */
  readonly agents = new Set<AgentState>();

  constructor(readonly id: FrameworkId) {}

  /** Whether the framework wants offers in the role now. */
  wantsOffers(role: string): boolean {
    return this.active && this.roles.has(role) && !this.suppressed.has(role);
  }
}

export class RoleState {
  /** Frameworks tracked under the role: subscribed to it or holding resources in it. */
  readonly frameworks = new Set<FrameworkState>();
  activeFrameworks = 0;
  inRoleSorter = false;
  /** Agents holding a reservation whose current role is exactly this role. */
  reservationAgents = 0;
  weight = 1;
  // Quota accounting, kept on top-level roles for their whole subtree (reference §6.1:
  // consumed = allocated unreserved non-revocable + all reservations of the subtree).
  quota: Quota | undefined;
  /** Allocated unreserved non-revocable scalars of the subtree, per name id. */
  readonly allocatedUnreserved: ScalarVector = [];
  readonly reserved = ResourceQuantities.empty();
  /** Roles of this top-level role's subtree that are tracked (including itself). */
  readonly subtree = new Set<RoleState>();
  /** True when quota limits leave nothing this role could be offered anywhere. */
  blocked = false;

  constructor(
    readonly path: string,
    readonly top: string,
    readonly frameworkSorter: Sorter<FrameworkState>,
  ) {}
}
