// The allocator's bookkeeping records: one per agent, framework and role. Plain mutable state
// owned by `AllocatorState`; nothing here decides anything.
import {
  type Resource,
  ResourceQuantities,
  Resources,
  withAllocationRole,
} from "../resources/index.ts";
import { Holding } from "./holding.ts";
import type { ScalarDeltas, ScalarVector } from "./scalar-vector.ts";
import type { Sorter } from "./sorter.ts";
import type {
  AgentCapabilities,
  AgentId,
  FrameworkCapabilities,
  FrameworkId,
  FrameworkSpec,
  Quota,
} from "./types.ts";

/** Past this many frameworks holding resources on one agent, lookups go through a Map. */
const INDEXED_HOLDINGS = 8;
/** Twins remembered per agent (see `AgentState.allocateHere`); past this they start afresh. */
const AGENT_TWINS = 32;

export { Holding };

export class AgentState {
  /** Unallocated resources (total − allocated); owned, mutated in place. */
  available: Resources;
  // Allocations (carrying their allocation role) per framework, by role: an array in the
  // order the holdings were made (as a Map would iterate), searched linearly while short
  // (an agent usually serves a few frameworks; a Map's add/delete churn per offer was
  // measurable), with a Map index once it grows past INDEXED_HOLDINGS.
  private readonly holdingList: Holding[] = [];
  /**
   * `holdingList[i].fw` at index i: `holdingOf` compares these without reading each holding
   * (a cache miss per holding on a large cluster, the hottest line of a DeclineOffers round).
   */
  private readonly holdingFws: FrameworkState[] = [];
  private holdingIndex: Map<FrameworkState, Holding> | undefined;
  /** Whether the agent's total holds reserved resources (read per visit: no Set to read). */
  hasReservations = false;
  hasGpus = false;
  // Whether the agent's total has revocable, shared or refined (reservation stack deeper
  // than one) resources: without them, nothing needs stripping for a framework lacking the
  // capability, and the cycle does not look at each resource.
  hasRevocable = false;
  hasShared = false;
  hasRefined = false;
  /**
   * The allocator epoch at which a visit of this agent ended with nothing offered, nothing
   * chopped by quota and everyone refusing; while the epoch and the agent are unchanged, the
   * next visit would end the same way and is skipped. -1 when unsettled.
   */
  settledEpoch = -1;

  // The agent's resource objects and their allocated twins (same index): an offer of the
  // agent's resources and its decline hand the same objects back and forth, so a declined
  // offer returns the very objects it was cut from, instead of new copies that would live on
  // in `available` and in offer filters (resources are immutable values: an equal object may
  // be handed out again). Searched by identity; a handful per agent.
  private readonly plainTwins: Resource[] = [];
  private readonly allocatedTwins: Resource[] = [];

  // The last allocation's entries as a pair of read-only collections: `pairPlain` (as they
  // were available) and `pairAllocated` (allocated to `pairRole`). An agent offered whole
  // again after a decline has the very same entries available, and a decline returns the very
  // same entries: both are then answered from the pair, with no collection built and none
  // kept alive. That matters beyond the copying: holdings and offer filters live until the
  // next cycle or longer, and every collection kept alive is copied by the young-generation
  // collector (most of a round's garbage collection time at 50,000 agents). The pair is
  // shared by the books: they never change it in place (holdings copy on change, offer
  // filters only read).
  private pairPlain: Resources | undefined;
  private pairAllocated: Resources | undefined;
  private pairRole: string | undefined;
  /**
   * The pair's scalar deltas (`scalarDeltas` of its entries, made by `AllocatorState` on first
   * use) and the minimum allocatable list the plain side was last checked against, with the
   * answer: an agent offered and declined whole every cycle has its resource objects read
   * once, not on every offer (on a large cluster each read is a cache miss).
   */
  pairDeltas: ScalarDeltas | undefined;
  private pairMin: readonly ResourceQuantities[] | undefined;
  private pairMinAnswer = false;

  /** Whether `resources` hold the very entries of the pair's plain side. */
  isPairPlain(resources: Resources): boolean {
    return this.pairPlain !== undefined && resources.sameEntries(this.pairPlain);
  }

  /** `isAllocatable(resources, min)`, answered from the pair when `resources` are its plain side. */
  allocatableHere(
    resources: Resources,
    min: readonly ResourceQuantities[],
    check: (r: Resources, min: readonly ResourceQuantities[]) => boolean,
  ): boolean {
    if (!this.isPairPlain(resources)) return check(resources, min);
    if (this.pairMin !== min) {
      this.pairMinAnswer = check(resources, min);
      this.pairMin = min;
    }
    return this.pairMinAnswer;
  }

  /**
   * `allocated` (just answered by `allocateHere`) was cut from resources found allocatable
   * against `min`: when they made (or matched) the pair, the pair keeps that answer, so the
   * agent declined whole and offered again is not read for it (the resources were just read).
   */
  notePairAllocatable(allocated: Resources, min: readonly ResourceQuantities[]): void {
    if (allocated !== this.pairAllocated || this.pairMin !== undefined) return;
    this.pairMin = min;
    this.pairMinAnswer = true;
  }

  /**
   * `resources.allocate(role)`, reusing the allocated twins of the agent's resources; the
   * answer is read-only (copy it to hand it out).
   */
  allocateHere(resources: Resources, role: string): Resources {
    if (role === this.pairRole && resources.sameEntries(this.pairPlain!)) {
      return this.pairAllocated!;
    }
    let plain = true;
    const out = resources.map((r) => {
      if (r.allocationRole !== undefined) plain = false;
      return this.allocatedTwin(r, role);
    });
    // Only plain entries make a pair (`unallocateHere` answers `pairPlain` for the reverse).
    this.pairPlain = plain ? resources.clone() : undefined;
    this.pairAllocated = plain ? out : undefined;
    this.pairRole = plain ? role : undefined;
    this.pairDeltas = undefined;
    this.pairMin = undefined;
    return out;
  }

  /**
   * `resources.unallocate()`, answering the agent's own objects where they are twins; the
   * answer is read-only.
   */
  unallocateHere(resources: Resources): Resources {
    if (this.pairAllocated !== undefined && resources.sameEntries(this.pairAllocated)) {
      return this.pairPlain!;
    }
    return resources.map((r) => this.plainTwin(r));
  }

  private allocatedTwin(r: Resource, role: string): Resource {
    if (r.allocationRole !== undefined) return withAllocationRole(r, role);
    const plain = this.plainTwins;
    const allocated = this.allocatedTwins;
    for (let i = 0; i < plain.length; i++) {
      if (plain[i] === r && allocated[i]!.allocationRole === role) return allocated[i]!;
    }
    const twin = withAllocationRole(r, role);
    this.remember(r, twin);
    return twin;
  }

  private plainTwin(r: Resource): Resource {
    if (r.allocationRole === undefined) return r;
    const allocated = this.allocatedTwins;
    for (let i = 0; i < allocated.length; i++) {
      if (allocated[i] === r) return this.plainTwins[i]!;
    }
    const twin = withAllocationRole(r, undefined);
    this.remember(twin, r);
    return twin;
  }

  private remember(plain: Resource, allocated: Resource): void {
    if (this.plainTwins.length >= AGENT_TWINS) {
      this.plainTwins.length = 0;
      this.allocatedTwins.length = 0;
    }
    this.plainTwins.push(plain);
    this.allocatedTwins.push(allocated);
  }

  /** Everything allocated (offered or used), without allocation info. */
  allocatedTotal(): Resources {
    const out = Resources.empty();
    for (const holding of this.holdingList) {
      for (const [, held] of holding.entries()) out.addInPlace(held.unallocate());
    }
    return out;
  }

  holdingOf(fw: FrameworkState): Holding | undefined {
    if (this.holdingIndex !== undefined) return this.holdingIndex.get(fw);
    const fws = this.holdingFws;
    for (let i = 0; i < fws.length; i++) if (fws[i] === fw) return this.holdingList[i];
    return undefined;
  }

  /**
   * The agent's last holding given up, for its next one (`newHolding`): a decline gives up
   * a holding and the next offer makes one, and every one made lives until the next decline.
   */
  private spare: Holding | undefined;

  /** A holding of `fw` on this agent, reusing the one last given up when there is one. */
  newHolding(fw: FrameworkState): Holding {
    const spare = this.spare;
    if (spare === undefined) return new Holding(fw, this);
    this.spare = undefined;
    spare.reuseFor(fw);
    return spare;
  }

  addHolding(h: Holding): void {
    if (this.spare === h) this.spare = undefined;
    this.holdingList.push(h);
    this.holdingFws.push(h.fw);
    if (this.holdingIndex !== undefined) this.holdingIndex.set(h.fw, h);
    else if (this.holdingList.length > INDEXED_HOLDINGS) {
      this.holdingIndex = new Map(this.holdingList.map((x) => [x.fw, x]));
    }
  }

  removeHolding(h: Holding): void {
    const list = this.holdingList;
    const at = list.indexOf(h);
    if (at < 0) throw new Error(`bug: holding of ${h.fw.id} missing on ${this.id}`);
    const fws = this.holdingFws;
    for (let i = at; i < list.length - 1; i++) {
      list[i] = list[i + 1]!;
      fws[i] = fws[i + 1]!;
    }
    list.pop();
    fws.pop();
    this.holdingIndex?.delete(h.fw);
    if (list.length === 0) this.holdingIndex = undefined;
    if (h.isEmpty()) this.spare = h;
  }

  /** The holdings in the order they were made (a snapshot). */
  holdings(): Holding[] {
    return this.holdingList.slice();
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

/** A framework's capabilities as the allocator reads them (absent ones are off). */
export function frameworkCapabilities(spec: FrameworkSpec): Required<FrameworkCapabilities> {
  const caps = spec.capabilities;
  return {
    gpuResources: caps?.gpuResources ?? false,
    revocableResources: caps?.revocableResources ?? false,
    sharedResources: caps?.sharedResources ?? false,
    reservationRefinement: caps?.reservationRefinement ?? false,
    // A framework subscribed to several roles is necessarily MULTI_ROLE.
    multiRole: caps?.multiRole ?? spec.roles.length > 1,
  };
}

/** Marks an agent as worth visiting again (its offer filters or holdings changed). */
export function unsettle(agent: AgentState): void {
  agent.settledEpoch = -1;
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
  // Its holdings on agents, a list linked through `Holding.prev/next` in the order they were
  // made (the order a Set of agents would iterate in). A linked list, not a Set: every offer
  // adds one and every decline removes it, and hash-set churn was a measurable part of a
  // DeclineOffers round.
  private firstHolding: Holding | undefined;
  private lastHolding: Holding | undefined;

  constructor(readonly id: FrameworkId) {}

  link(h: Holding): void {
    h.prev = this.lastHolding;
    h.next = undefined;
    if (this.lastHolding === undefined) this.firstHolding = h;
    else this.lastHolding.next = h;
    this.lastHolding = h;
  }

  unlink(h: Holding): void {
    if (h.prev === undefined) this.firstHolding = h.next;
    else h.prev.next = h.next;
    if (h.next === undefined) this.lastHolding = h.prev;
    else h.next.prev = h.prev;
    h.prev = undefined;
    h.next = undefined;
  }

  /** The holdings, oldest first (a snapshot: callers may release while iterating it). */
  holdings(): Holding[] {
    const out: Holding[] = [];
    for (let h = this.firstHolding; h !== undefined; h = h.next) out.push(h);
    return out;
  }

  /** What it holds (offered or used), optionally in one role, over all agents. */
  held(role?: string): Resources {
    const out = Resources.empty();
    for (let h = this.firstHolding; h !== undefined; h = h.next) {
      for (const [r, held] of h.entries())
        if (role === undefined || r === role) out.addInPlace(held);
    }
    return out;
  }

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
  /** Whether the role is below another (agents without HIERARCHICAL_ROLE are not offered). */
  readonly nested: boolean;

  constructor(
    readonly path: string,
    readonly top: string,
    readonly frameworkSorter: Sorter<FrameworkState>,
  ) {
    this.nested = path.includes("/");
  }
}
