// The allocator's state and its bookkeeping: what is allocated where, role and framework
// tracking in the sorters, quota consumption, cluster totals. Every change of allocation goes
// through `allocate` / `unallocate`, which keep the sorters, quota counters and headroom in
// step incrementally (no recomputation over the cluster).
import { assert } from "../base/assert.ts";
import { SeededRandom } from "../base/prng.ts";
import {
  parentRole,
  ResourceQuantities,
  type Resources,
  reservationRole,
  toMilli,
} from "../resources/index.ts";
import { OfferFilters } from "./offer-filters.ts";
import { remainingLimit } from "./quota.ts";
import {
  type AgentState,
  type FrameworkState,
  type Holding,
  RoleState,
  unsettle,
} from "./records.ts";
import {
  applyDelta,
  emptyDeltas,
  KeptDeltas,
  NameIndex,
  type ScalarDeltas,
  type ScalarVector,
  scalarDeltas,
} from "./scalar-vector.ts";
import { createSorter, type Sorter, type SorterContext, type SorterKind } from "./sorter.ts";
import type { AllocatorOptions } from "./types.ts";

export interface NormalizedOptions {
  readonly allocationIntervalMs: number;
  readonly minAllocatableResources: readonly ResourceQuantities[];
  readonly filterGpuResources: boolean;
  readonly sorter: SorterKind;
  readonly seed: number;
}

const DEFAULT_MIN_ALLOCATABLE: readonly ResourceQuantities[] = [
  ResourceQuantities.fromRecord({ cpus: toMilli(0.01) }),
  ResourceQuantities.fromRecord({ mem: toMilli(32) }),
];

/** The options with their defaults filled in. */
export function normalizeOptions(options: AllocatorOptions): NormalizedOptions {
  return {
    allocationIntervalMs: options.allocationIntervalMs ?? 1000,
    minAllocatableResources: options.minAllocatableResources ?? DEFAULT_MIN_ALLOCATABLE,
    filterGpuResources: options.filterGpuResources ?? true,
    sorter: options.sorter ?? "drf",
    seed: options.seed ?? 1,
  };
}

export function topLevel(role: string): string {
  const slash = role.indexOf("/");
  return slash < 0 ? role : role.slice(0, slash);
}

export class AllocatorState {
  readonly names = new NameIndex();
  readonly context: SorterContext = { total: [], totalVersion: 0, excluded: [] };
  readonly rng: SeededRandom;
  readonly roleSorter: Sorter<RoleState>;
  readonly roles = new Map<string, RoleState>();
  /** Top-level roles with a quota set. */
  readonly quotaRoles = new Set<RoleState>();
  readonly weights = new Map<string, number>();
  readonly frameworks = new Map<string, FrameworkState>();
  readonly agents = new Map<string, AgentState>();
  readonly filters = new OfferFilters<AgentState>();
  /** Unallocated unreserved non-revocable scalars over all agents (the available headroom). */
  readonly unallocatedGoverned: ScalarVector = [];
  /** Unreserved resource names in the cluster, with the number of agents having each. */
  private readonly unreservedNames = new Map<string, number>();
  private revocableAgents = 0;
  /** Bumped by every change that may make a refused agent worth offering again. */
  epoch = 0;
  pendingAll = false;
  readonly pendingAgents = new Set<AgentState>();
  private nextSubscription = 0;
  /** Scratch for the scalar deltas of one allocation or recovery (applied at once). */
  private readonly deltas = emptyDeltas();
  /** The agents' pair deltas, one copy per distinct content. */
  private readonly keptDeltas = new KeptDeltas();
  nextAgentOrder = 0;

  constructor(
    readonly options: NormalizedOptions,
    excludedNames: readonly string[],
  ) {
    this.rng = new SeededRandom(options.seed);
    for (const name of excludedNames) this.context.excluded[this.names.id(name)] = true;
    this.roleSorter = this.newSorter(true, (path) => this.weights.get(path) ?? 1);
  }

  private newSorter<T>(hierarchical: boolean, weightOf: (path: string) => number): Sorter<T> {
    return createSorter<T>(this.options.sorter, this.context, hierarchical, weightOf, this.rng);
  }

  /** Something changed that may let a refused agent be offered again. */
  unsettleAll(): void {
    this.epoch++;
  }

  // --- roles and framework tracking --------------------------------------------------------

  role(path: string): RoleState {
    let role = this.roles.get(path);
    if (role === undefined) {
      const top = topLevel(path);
      role = new RoleState(
        path,
        top,
        this.newSorter(false, () => 1),
      );
      this.roles.set(path, role);
      if (top !== path) this.role(top).subtree.add(role);
      else role.subtree.add(role);
    }
    return role;
  }

  topOf(role: RoleState): RoleState {
    return role.top === role.path ? role : this.role(role.top);
  }

  subscription(fw: FrameworkState, role: string): number {
    const id = fw.subscriptions.get(role);
    if (id === undefined) throw new Error(`bug: ${fw.id} is not tracked under ${role}`);
    return id;
  }

  /** Tracks the framework under the role (subscribed, or holding resources there). */
  track(fw: FrameworkState, path: string): void {
    const role = this.role(path);
    if (role.frameworks.has(fw)) return;
    role.frameworks.add(fw);
    fw.subscriptions.set(path, this.nextSubscription++);
    role.frameworkSorter.add(fw.id, fw);
    if (!role.inRoleSorter) {
      role.inRoleSorter = true;
      this.roleSorter.add(path, role);
    }
    this.refreshFramework(fw, path);
  }

  /** Stops tracking when the framework neither subscribes to nor holds anything in the role. */
  untrackIfUnused(fw: FrameworkState, path: string): void {
    const role = this.roles.get(path);
    if (role === undefined || !role.frameworks.has(fw)) return;
    if (fw.roles.has(path) || (fw.heldRoles.get(path) ?? 0) > 0) return;
    if (role.frameworkSorter.isActive(fw.id)) role.activeFrameworks--;
    role.frameworkSorter.remove(fw.id);
    role.frameworks.delete(fw);
    const subscription = fw.subscriptions.get(path)!;
    fw.subscriptions.delete(path);
    this.filters.removeSubscription(subscription, unsettle);
    if (role.frameworks.size === 0) {
      role.inRoleSorter = false;
      this.roleSorter.remove(path);
    } else {
      this.refreshRole(role);
    }
  }

  /** Re-derives whether the framework is active in the role's framework sorter. */
  refreshFramework(fw: FrameworkState, path: string): void {
    const role = this.roles.get(path);
    if (role === undefined || !role.frameworks.has(fw)) return;
    const want = fw.wantsOffers(path);
    const sorter = role.frameworkSorter;
    if (want !== sorter.isActive(fw.id)) {
      if (want) sorter.activate(fw.id);
      else sorter.deactivate(fw.id);
      role.activeFrameworks += want ? 1 : -1;
      if (role.activeFrameworks < 0 || role.activeFrameworks > role.frameworks.size) {
        assert(false, `role ${role.path} counts ${role.activeFrameworks} active frameworks`);
      }
    }
    this.refreshRole(role);
  }

  /** A role is offered when it has an active framework and quota does not block it. */
  refreshRole(role: RoleState): void {
    if (!role.inRoleSorter) return;
    const wasBlocked = role.blocked;
    role.blocked = this.isBlocked(role);
    if (wasBlocked && !role.blocked) this.unsettleAll();
    const want = role.activeFrameworks > 0 && !role.blocked;
    if (want !== this.roleSorter.isActive(role.path)) {
      if (want) this.roleSorter.activate(role.path);
      else this.roleSorter.deactivate(role.path);
    }
  }

  refreshSubtree(top: RoleState): void {
    for (const role of top.subtree) this.refreshRole(role);
  }

  refreshQuotaRoles(): void {
    for (const top of this.quotaRoles) this.refreshSubtree(top);
  }

  /**
   * True when the role's quota limits leave nothing it could be offered on any agent: every
   * unreserved name in the cluster is limited and used up, there are no revocable resources,
   * and nothing is reserved to the role or an ancestor. Such roles are left out of the walk
   * entirely (Mesos visits them on every agent and offers nothing).
   */
  private isBlocked(role: RoleState): boolean {
    const top = this.topOf(role);
    if (top.quota === undefined || top.quota.limits.size === 0) return false;
    if (this.revocableAgents > 0) return false;
    for (let p: string | undefined = role.path; p !== undefined; p = parentRole(p)) {
      if ((this.roles.get(p)?.reservationAgents ?? 0) > 0) return false;
    }
    for (const name of this.unreservedNames.keys()) {
      const left = remainingLimit(top, name, this.names);
      if (left === undefined || left > 0) return false;
    }
    return true;
  }

  // --- allocation bookkeeping --------------------------------------------------------------

  /**
   * Allocates `offer` (unallocated resources from the agent's available) to (fw, role);
   * answers it allocated, read-only (kept in the books: copy it to hand it out).
   */
  allocate(fw: FrameworkState, role: RoleState, agent: AgentState, offer: Resources): Resources {
    // `offer` is cut from `agent.available` by the cycle, so it is contained by construction;
    // the property tests check allocated + available = total after every step. An offer of
    // everything may be the available collection itself: it is read first, then emptied.
    const whole = offer === agent.available;
    // (subtractInPlace clamps: an offer not contained would leave allocated > total.)
    if (!whole && !agent.available.contains(offer)) {
      assert(false, `allocating ${offer.toString()} beyond what ${agent.id} has available`);
    }
    const allocated = agent.allocateHere(offer, role.path);
    const { all, governed } = this.deltasOf(agent, offer);
    if (whole) agent.available.clearInPlace();
    else agent.available.subtractInPlace(offer);
    this.hold(fw, role.path, agent, allocated);
    this.roleSorter.allocated(role.path, all);
    role.frameworkSorter.allocated(fw.id, all);
    this.assertRoleSum(role, all.ids);
    if (governed.ids.length > 0) {
      const top = this.topOf(role);
      applyDelta(top.allocatedUnreserved, governed, 1);
      applyDelta(this.unallocatedGoverned, governed, -1);
      if (top.quota !== undefined) this.refreshSubtree(top);
    }
    agent.settledEpoch = -1;
    return allocated;
  }

  /** Records resources (carrying their allocation role, read-only) as held by the framework. */
  hold(fw: FrameworkState, path: string, agent: AgentState, allocated: Resources): void {
    let holding = agent.holdingOf(fw);
    if (holding === undefined) {
      holding = agent.newHolding(fw);
      agent.addHolding(holding);
      fw.link(holding);
    }
    if (holding.get(path) === undefined) {
      holding.add(path, allocated);
      fw.heldRoles.set(path, (fw.heldRoles.get(path) ?? 0) + 1);
    } else {
      holding.addTo(path, allocated);
    }
  }

  /**
   * Returns resources (carrying their allocation role `path`) to the agent's available;
   * answers them without allocation info.
   */
  unallocate(fw: FrameworkState, path: string, agent: AgentState, resources: Resources): Resources {
    const holding = agent.holdingOf(fw);
    const held = holding?.get(path);
    if (holding === undefined || held === undefined || !held.contains(resources)) {
      assert(
        false,
        `recovering ${resources.toString()} that ${fw.id} does not hold in ${path} on ${agent.id}`,
      );
    }
    holding.subtractFrom(path, resources);
    const role = this.role(path);
    const unallocated = agent.unallocateHere(resources);
    const { all, governed } = this.deltasOf(agent, unallocated);
    agent.available.addInPlace(unallocated);
    this.roleSorter.unallocated(path, all);
    role.frameworkSorter.unallocated(fw.id, all);
    this.assertRoleSum(role, all.ids);
    if (governed.ids.length > 0) {
      const top = this.topOf(role);
      applyDelta(top.allocatedUnreserved, governed, -1);
      applyDelta(this.unallocatedGoverned, governed, 1);
      if (top.quota !== undefined) this.refreshSubtree(top);
    }
    agent.settledEpoch = -1;
    if (holding.get(path)!.isEmpty()) {
      holding.delete(path);
      if (holding.isEmpty()) {
        agent.removeHolding(holding);
        fw.unlink(holding);
      }
      const left = (fw.heldRoles.get(path) ?? 0) - 1;
      if (left < 0) assert(false, `${fw.id} held ${path} on fewer agents than it released`);
      if (left > 0) fw.heldRoles.set(path, left);
      else {
        fw.heldRoles.delete(path);
        this.untrackIfUnused(fw, path);
      }
    }
    return unallocated;
  }

  /**
   * The scalar deltas of unallocated resources of the agent: the pair's own (kept) when they
   * are its plain side, else computed into the scratch buffer.
   */
  private deltasOf(agent: AgentState, plain: Resources): ScalarDeltas {
    if (!agent.isPairPlain(plain)) return scalarDeltas(plain, this.names, this.deltas);
    agent.pairDeltas ??= this.keptDeltas.keep(scalarDeltas(plain, this.names, this.deltas));
    return agent.pairDeltas;
  }

  /** Returns everything the holding has, in every role, to its agent. */
  release(holding: Holding): void {
    for (const [role, held] of holding.entries()) {
      this.unallocate(holding.fw, role, holding.agent, held.clone());
    }
  }

  /** A role's allocation is the sum of its frameworks' (checked for the names just changed). */
  private assertRoleSum(role: RoleState, ids: readonly number[]): void {
    const own = this.roleSorter.allocation(role.path);
    const parts = role.frameworkSorter.totalAllocation();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if ((own[id] ?? 0) !== (parts[id] ?? 0)) {
        assert(
          false,
          `role ${role.path} holds ${own[id]} of resource ${id}, its frameworks ${parts[id]}`,
        );
      }
    }
  }

  // --- cluster totals ----------------------------------------------------------------------

  /** Adds (sign 1) or removes (sign -1) an agent's total from every cluster-wide count. */
  countAgentTotal(agent: AgentState, sign: 1 | -1): void {
    const total = this.context.total;
    let namesChanged = false;
    let hasRevocable = false;
    const reservedRoles = new Set<string>();
    const reservedTops = new Set<RoleState>();
    for (const r of agent.total) {
      if (r.kind === "scalar") {
        const id = this.names.id(r.name);
        while (total.length <= id) total.push(0);
        total[id]! += sign * r.scalar;
        if (total[id]! < 0) assert(false, `cluster total of ${r.name} went negative`);
      }
      if (r.revocable) hasRevocable = true;
      if (r.reservations.length === 0) {
        const before = this.unreservedNames.get(r.name) ?? 0;
        const after = before + sign;
        if (after > 0) this.unreservedNames.set(r.name, after);
        else this.unreservedNames.delete(r.name);
        if ((before === 0) !== (after === 0)) namesChanged = true;
      } else {
        const path = reservationRole(r);
        reservedRoles.add(path);
        const top = this.role(topLevel(path));
        reservedTops.add(top);
        if (r.kind === "scalar") {
          if (sign > 0) top.reserved.addInPlace(r.name, r.scalar);
          else top.reserved.subtractInPlace(r.name, r.scalar);
        }
      }
    }
    for (const path of reservedRoles) this.role(path).reservationAgents += sign;
    agent.hasReservations = sign > 0 && reservedRoles.size > 0;
    agent.hasGpus = agent.total.get("gpus") > 0;
    agent.hasRevocable = hasRevocable;
    agent.hasShared = false;
    agent.hasRefined = false;
    for (const r of agent.total) {
      if (r.shared) agent.hasShared = true;
      if (r.reservations.length > 1) agent.hasRefined = true;
    }
    if (hasRevocable) {
      const before = this.revocableAgents;
      this.revocableAgents += sign;
      if ((before === 0) !== (this.revocableAgents === 0)) namesChanged = true;
    }
    applyDelta(this.unallocatedGoverned, scalarDeltas(agent.available, this.names).governed, sign);
    this.context.totalVersion++;
    if (namesChanged) this.refreshQuotaRoles();
    else for (const top of reservedTops) if (top.quota !== undefined) this.refreshSubtree(top);
  }
}
