// One allocation cycle (Mesos `__generateOffers`, reference §6.3): candidate agents in a
// seeded random order, two stages.
//
// Stage 1 (quota guarantees): for each agent, roles with unsatisfied guarantees in sorter
// order, their frameworks in sorter order; the offer holds unreserved non-revocable scalars
// cut to the unsatisfied guarantees (plus names without a guarantee, within limits and the
// headroom surplus), the role's reservations, non-scalars and revocable resources.
// Stage 2 (fair share): agents re-shuffled; every active role and framework in sorter order;
// the offer is everything allocatable to the role with unreserved non-revocable scalars cut
// to the role's quota limits and to the headroom surplus.
//
// In both stages a framework is skipped when an offer filter refuses the candidate, when it
// is not allocatable (`min_allocatable_resources`) or when its capabilities exclude the agent.
// An agent is one greedy pass: the first framework asked typically takes all of it.
import type { Resource, ResourceQuantities, Resources } from "../resources/index.ts";
import type { AllocatorState } from "./allocator-state.ts";
import { type OfferFilter, OfferFilters } from "./offer-filters.ts";
import {
  asBounds,
  Headroom,
  isAllocatable,
  isQuotaGoverned,
  remainingLimits,
  tightest,
  unsatisfiedGuarantees,
} from "./quota.ts";
import type { AgentState, FrameworkState, RoleState } from "./records.ts";
import type { Offer } from "./types.ts";

interface MutableOffer {
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  readonly resources: Resources;
}

const notGoverned = (r: Resource) => !isQuotaGoverned(r);
const governed = (r: Resource) => isQuotaGoverned(r);
const nonRevocable = (r: Resource) => !r.revocable;
const nonShared = (r: Resource) => !r.shared;
const notRefined = (r: Resource) => r.reservations.length <= 1;

/**
 * What `fairShareCandidate` found: nothing to offer the role here (`NOTHING`,
 * `CUT_TO_NOTHING`) or the candidate itself (`CUT`: quota limits or headroom cut something
 * off it; `WHOLE`: they did not). An agent where something was cut is not settled (what was
 * cut off may be offered once the limits or the headroom move).
 */
const NOTHING = 0;
const CUT_TO_NOTHING = 1;
const WHOLE = 2;
const CUT = 3;

/** The offer filters in force on one agent, by subscription (see `OfferFilters.forAgent`). */
type AgentFilters = ReadonlyMap<number, OfferFilter> | undefined;

/**
 * The candidate (what the role may be offered on the agent) with what the framework cannot
 * accept removed; the agent's flags say whether it has such resources at all.
 */
function forFramework(c: Resources, agent: AgentState, fw: FrameworkState): Resources {
  let out = c;
  const caps = fw.capabilities;
  if (agent.hasRevocable && !caps.revocableResources) out = out.filter(nonRevocable);
  if (agent.hasShared && !caps.sharedResources) out = out.filter(nonShared);
  if (agent.hasRefined && !caps.reservationRefinement) out = out.filter(notRefined);
  return out;
}

export class AllocationCycle {
  private readonly headroom: Headroom;
  private readonly out: MutableOffer[] = [];
  /** Offers made in stage 1, so that stage 2 merges into them (one offer per triple). */
  private readonly stage1 = new Map<AgentState, MutableOffer[]>();

  constructor(private readonly state: AllocatorState) {
    this.headroom = new Headroom(state.unallocatedGoverned, state.names);
    this.headroom.recompute(state.quotaRoles);
  }

  run(agents: AgentState[]): Offer[] {
    const rng = this.state.rng;
    if (!this.headroom.unconstrained) {
      rng.shuffle(agents);
      for (const agent of agents) if (!agent.available.isEmpty()) this.guarantees(agent);
    }
    rng.shuffle(agents);
    for (const agent of agents) if (!agent.available.isEmpty()) this.fairShare(agent);
    return this.out;
  }

  private eligible(fw: FrameworkState, role: RoleState, agent: AgentState): boolean {
    if (this.state.options.filterGpuResources && agent.hasGpus && !fw.capabilities.gpuResources) {
      return false;
    }
    if (fw.capabilities.multiRole && !agent.capabilities.multiRole) return false;
    if (role.nested && !agent.capabilities.hierarchicalRole) return false;
    return true;
  }

  /** The minimum allocatable list `wanted` last checked an offer against. */
  private wantedMin: readonly ResourceQuantities[] | undefined;

  /**
   * False when one of the agent's `filters` refuses the offer or it is below the minimum
   * allocatable.
   */
  private wanted(
    fw: FrameworkState,
    role: RoleState,
    agent: AgentState,
    offer: Resources,
    filters: AgentFilters,
  ): boolean {
    if (offer.isEmpty()) return false;
    if (filters !== undefined) {
      const list = filters.get(this.state.subscription(fw, role.path));
      if (OfferFilters.filters(list, offer)) return false;
    }
    const min = fw.minAllocatable.get(role.path) ?? this.state.options.minAllocatableResources;
    this.wantedMin = min;
    return agent.allocatableHere(offer, min, isAllocatable);
  }

  private give(
    fw: FrameworkState,
    role: RoleState,
    agent: AgentState,
    offer: Resources,
    stage: 1 | 2,
    unsatisfied?: ResourceQuantities,
  ): ResourceQuantities | undefined {
    // With quota, the top role's unsatisfied guarantees before (`unsatisfied` when the caller
    // has them) and after: the headroom follows the change, and the caller gets them.
    const top = this.state.topOf(role);
    const names = this.state.names;
    const before =
      top.quota === undefined ? undefined : (unsatisfied ?? unsatisfiedGuarantees(top, names));
    const allocated = this.state.allocate(fw, role, agent, offer);
    // `wanted` just found this very offer allocatable (every `give` follows one).
    agent.notePairAllocatable(allocated, this.wantedMin!);
    const after = before === undefined ? undefined : unsatisfiedGuarantees(top, names);
    if (before !== undefined) this.headroom.replace(before, after!);
    const earlier = stage === 2 && this.stage1.size > 0 ? this.stage1.get(agent) : undefined;
    const same = earlier?.find((o) => o.frameworkId === fw.id && o.role === role.path);
    if (same !== undefined) {
      same.resources.addInPlace(allocated);
      return after;
    }
    // The offer's collection is the caller's; `allocated` stays in the books.
    const made: MutableOffer = {
      frameworkId: fw.id,
      role: role.path,
      agentId: agent.id,
      resources: allocated.clone(),
    };
    this.out.push(made);
    if (stage === 1) {
      const list = this.stage1.get(agent);
      if (list === undefined) this.stage1.set(agent, [made]);
      else list.push(made);
    }
    return after;
  }

  // --- stage 1 -----------------------------------------------------------------------------

  private guarantees(agent: AgentState): void {
    const filters = this.state.filters.forAgent(agent);
    this.state.roleSorter.walk((role) => {
      if (agent.available.isEmpty()) return false;
      // Quota is set on top-level roles only; their own frameworks get stage 1.
      if (role.top !== role.path || role.quota === undefined) return true;
      if (role.quota.guarantees.isEmpty()) return true;
      let unsatisfied = unsatisfiedGuarantees(role, this.state.names);
      if (unsatisfied.isEmpty()) return true;
      let base = agent.available.allocatableTo(role.path);
      role.frameworkSorter.walk((fw) => {
        if (!this.eligible(fw, role, agent)) return true;
        const offer = this.guaranteeOffer(role, forFramework(base, agent, fw), unsatisfied);
        if (offer === undefined || !this.wanted(fw, role, agent, offer, filters)) return true;
        // (A top-level role with quota: `give` answers its unsatisfied guarantees.)
        unsatisfied = this.give(fw, role, agent, offer, 1, unsatisfied)!;
        if (unsatisfied.isEmpty() || agent.available.isEmpty()) return false;
        base = agent.available.allocatableTo(role.path);
        return true;
      });
      return true;
    });
  }

  private guaranteeOffer(
    top: RoleState,
    resources: Resources,
    unsatisfied: ReturnType<typeof unsatisfiedGuarantees>,
  ): Resources | undefined {
    const guarantees = top.quota!.guarantees;
    const limits = remainingLimits(top, this.state.names);
    const pool = resources.filter(governed);
    // Usually every governed name has a guarantee: nothing goes beyond, and the headroom
    // bounds of what would are not needed.
    let beyondAny = false;
    for (const r of pool) if (!guarantees.has(r.name)) beyondAny = true;
    const towardGuarantee = (beyondAny ? pool.filter((r) => guarantees.has(r.name)) : pool).shrink(
      tightest(asBounds(unsatisfied), limits)!,
    );
    if (towardGuarantee.isEmpty()) return undefined; // no progress possible here
    const offer = resources.filter(notGoverned).addInPlace(towardGuarantee);
    if (!beyondAny) return offer;
    const bounds = tightest(limits, this.headroom.bounds(unsatisfied));
    let beyond = pool.filter((r) => !guarantees.has(r.name));
    if (bounds !== undefined) beyond = beyond.shrink(bounds);
    return offer.addInPlace(beyond);
  }

  // --- stage 2 -----------------------------------------------------------------------------

  // The fair-share walk's state and visitors: made once per cycle, not once per agent.
  private visiting: AgentState | undefined;
  private visitingFilters: AgentFilters;
  private visitingRole: RoleState | undefined;
  private offeredHere = false;
  private choppedHere = false;

  private fairShare(agent: AgentState): void {
    this.visiting = agent;
    this.visitingFilters = this.state.filters.forAgent(agent);
    this.offeredHere = false;
    this.choppedHere = false;
    this.state.roleSorter.walk(this.fairShareRole);
    if (!this.offeredHere && !this.choppedHere) agent.settledEpoch = this.state.epoch;
  }

  private readonly fairShareRole = (role: RoleState): boolean => {
    const agent = this.visiting!;
    if (agent.available.isEmpty()) return false;
    const found = this.fairShareCandidate(role, agent);
    if (found === CUT || found === CUT_TO_NOTHING) this.choppedHere = true;
    if (found === NOTHING || found === CUT_TO_NOTHING) return true;
    this.visitingRole = role;
    role.frameworkSorter.walk(this.fairShareFramework);
    return true;
  };

  /** Offers the role's candidate (`found`) to a framework; false when nothing is left. */
  private readonly fairShareFramework = (fw: FrameworkState): boolean => {
    const agent = this.visiting!;
    const role = this.visitingRole!;
    if (!this.eligible(fw, role, agent)) return true;
    const offer = forFramework(this.found!, agent, fw);
    if (!this.wanted(fw, role, agent, offer, this.visitingFilters)) return true;
    this.give(fw, role, agent, offer, 2);
    this.offeredHere = true;
    const next = this.fairShareCandidate(role, agent);
    return next === WHOLE || next === CUT;
  };

  /** The candidate `fairShareCandidate` found last (for `WHOLE` and `CUT`). */
  private found: Resources | undefined;

  /**
   * Everything allocatable to the role, governed scalars cut to limits and headroom; the
   * candidate is left in `found` (no result object per visit).
   */
  private fairShareCandidate(
    role: RoleState,
    agent: AgentState,
  ): typeof NOTHING | typeof CUT_TO_NOTHING | typeof WHOLE | typeof CUT {
    this.found = undefined;
    const available = agent.available;
    if (available.isEmpty()) return NOTHING;
    // Without reservations on the agent everything is allocatable: the candidate is the
    // available collection itself, and an offer of all of it is taken over whole by
    // `AllocatorState.allocate` (no copy, no subtraction).
    const all = agent.hasReservations ? available.allocatableTo(role.path) : available;
    if (all.isEmpty()) return NOTHING;
    const top = this.state.topOf(role);
    if (top.quota === undefined && this.headroom.unconstrained) {
      this.found = all;
      return WHOLE;
    }
    const names = this.state.names;
    const limits = top.quota === undefined ? undefined : remainingLimits(top, names);
    const headroom = this.headroom.unconstrained
      ? undefined
      : this.headroom.bounds(unsatisfiedGuarantees(top, names));
    const bounds = tightest(limits, headroom);
    if (bounds === undefined) {
      this.found = all;
      return WHOLE;
    }
    const pool = all.filter(governed);
    const cut = pool.shrink(bounds);
    if (cut.contains(pool)) {
      this.found = all;
      return WHOLE;
    }
    const resources = all.filter(notGoverned).addInPlace(cut);
    if (resources.isEmpty()) return CUT_TO_NOTHING;
    this.found = resources;
    return CUT;
  }
}
