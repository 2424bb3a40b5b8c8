// The allocator's public API (reference §6): a pure object the master drives. It is told
// about frameworks, agents, recovered resources, weights and quota, and answers "who gets
// what" when asked with `allocate(nowMs)`. No timers, no I/O: time is an argument and all
// randomness comes from the seed.
//
// Batched triggering (reference §6.2): events only mark what changed — adding or activating a
// framework and REVIVE mark every agent, adding or updating an agent marks that agent. The
// master asks `needsAllocation()` after a burst of events and runs one `allocate(nowMs)`,
// which serves all of them; the periodic cycle is `allocate(nowMs, { full: true })`.
// Agents whose last visit offered nothing to anyone, and that nothing has changed for since,
// are skipped, so a cycle with no work is cheap.
import { ResourceQuantities, Resources, validateRole } from "../resources/index.ts";
import type { Unavailability } from "../wire/framework.ts";
import { AllocationCycle } from "./allocation-cycle.ts";
import { singleAllocationRole, splitByAllocationRole } from "./allocation-roles.ts";
import { AllocatorState, normalizeOptions } from "./allocator-state.ts";
import {
  type InverseOfferAnswer,
  InverseOfferBook,
  type InverseOfferDecision,
  type InverseOfferStatus,
} from "./inverse-offers.ts";
import { filterTimeoutMs } from "./offer-filters.ts";
import { checkQuota, consumedQuota } from "./quota.ts";
import { AgentState, FrameworkState, frameworkCapabilities, unsettle } from "./records.ts";
import {
  type AgentId,
  type AgentSpec,
  type AllocatorOptions,
  type AllocatorResult,
  type FrameworkId,
  type FrameworkSpec,
  failure,
  type Offer,
  OK,
  type Quota,
} from "./types.ts";
import { weightError } from "./weights.ts";

export class Allocator {
  private readonly state: AllocatorState;
  /** Maintenance: agents' unavailability, inverse offers out, answers (inverse-offers.ts). */
  private readonly maintenance = new InverseOfferBook();

  constructor(options: AllocatorOptions = {}) {
    this.state = new AllocatorState(
      normalizeOptions(options),
      options.fairnessExcludedResourceNames ?? [],
    );
  }

  // --- frameworks --------------------------------------------------------------------------

  addFramework(id: FrameworkId, spec: FrameworkSpec): void {
    const existing = this.state.frameworks.get(id);
    if (existing?.known === true) throw new Error(`bug: framework ${id} added twice`);
    const fw = existing ?? new FrameworkState(id);
    fw.known = true;
    this.state.frameworks.set(id, fw);
    this.apply(fw, spec);
  }

  /** Replaces roles, suppressed roles, capabilities and per-role minimums (UPDATE_FRAMEWORK). */
  updateFramework(id: FrameworkId, spec: FrameworkSpec): void {
    this.apply(this.framework(id), spec);
  }

  private apply(fw: FrameworkState, spec: FrameworkSpec): void {
    const state = this.state;
    const oldRoles = fw.roles;
    fw.roles = new Set(spec.roles);
    fw.suppressed = new Set(spec.suppressedRoles ?? []);
    fw.active = spec.active ?? true;
    fw.capabilities = frameworkCapabilities(spec);
    fw.minAllocatable = spec.minAllocatable ?? new Map();
    for (const role of fw.roles) state.track(fw, role);
    for (const role of fw.subscriptions.keys()) state.refreshFramework(fw, role);
    for (const role of oldRoles) if (!fw.roles.has(role)) state.untrackIfUnused(fw, role);
    state.unsettleAll();
    state.pendingAll = true;
  }

  /** Forgets the framework and releases everything it holds (Mesos `removeFramework`). */
  removeFramework(id: FrameworkId): void {
    const fw = this.state.frameworks.get(id);
    if (fw === undefined) return;
    for (const holding of fw.holdings()) this.state.release(holding);
    fw.roles = new Set();
    for (const role of [...fw.subscriptions.keys()]) this.state.untrackIfUnused(fw, role);
    this.state.frameworks.delete(id);
    this.maintenance.removeFramework(id);
  }

  activateFramework(id: FrameworkId): void {
    const fw = this.framework(id);
    fw.active = true;
    for (const role of fw.subscriptions.keys()) this.state.refreshFramework(fw, role);
    this.state.unsettleAll();
    this.state.pendingAll = true;
  }

  /** No offers until re-activated; its offer filters are dropped (they would be stale). */
  deactivateFramework(id: FrameworkId): void {
    const fw = this.framework(id);
    fw.active = false;
    for (const role of fw.subscriptions.keys()) this.state.refreshFramework(fw, role);
    this.clearFilters(fw, [...fw.subscriptions.keys()]);
    this.maintenance.clearFilters(id);
  }

  suppressRoles(id: FrameworkId, roles: readonly string[]): void {
    const fw = this.framework(id);
    const suppressed = new Set(fw.suppressed);
    for (const role of roles) if (fw.roles.has(role)) suppressed.add(role);
    fw.suppressed = suppressed;
    for (const role of roles) this.state.refreshFramework(fw, role);
  }

  /** Un-suppresses the roles (all subscribed roles when empty) and drops their filters. */
  reviveRoles(id: FrameworkId, roles: readonly string[]): void {
    const fw = this.framework(id);
    const targets = roles.length === 0 ? [...fw.roles] : roles.filter((r) => fw.roles.has(r));
    const suppressed = new Set(fw.suppressed);
    for (const role of targets) suppressed.delete(role);
    fw.suppressed = suppressed;
    for (const role of targets) this.state.refreshFramework(fw, role);
    this.clearFilters(fw, targets);
    this.maintenance.clearFilters(id);
    this.state.unsettleAll();
    this.state.pendingAll = true;
  }

  private clearFilters(fw: FrameworkState, roles: readonly string[]): void {
    for (const role of roles) {
      const subscription = fw.subscriptions.get(role);
      if (subscription === undefined) continue;
      this.state.filters.removeSubscription(subscription, unsettle);
    }
  }

  private framework(id: FrameworkId): FrameworkState {
    const fw = this.state.frameworks.get(id);
    if (fw === undefined) throw new Error(`bug: unknown framework ${id}`);
    return fw;
  }

  // --- agents ------------------------------------------------------------------------------

  /**
   * Adds an agent with what frameworks already use on it (re-registration). Used resources
   * carry their allocation role; a framework not added yet is remembered as inactive.
   */
  addAgent(id: AgentId, spec: AgentSpec, used: ReadonlyMap<FrameworkId, Resources> = new Map()) {
    const state = this.state;
    if (state.agents.has(id)) throw new Error(`bug: agent ${id} added twice`);
    const capabilities = {
      multiRole: spec.capabilities?.multiRole ?? true,
      hierarchicalRole: spec.capabilities?.hierarchicalRole ?? true,
    };
    const order = state.nextAgentOrder++;
    const active = spec.active ?? true;
    const agent = new AgentState(id, order, spec.hostname, spec.total, capabilities, active);
    state.agents.set(id, agent);
    state.countAgentTotal(agent, 1);
    for (const [frameworkId, resources] of used) this.addUsed(frameworkId, id, resources);
    state.pendingAgents.add(agent);
  }

  /** Marks resources as used by a framework on an agent (learnt from the agent). */
  addUsed(frameworkId: FrameworkId, agentId: AgentId, resources: Resources): void {
    const state = this.state;
    const agent = this.agent(agentId);
    let fw = state.frameworks.get(frameworkId);
    if (fw === undefined) {
      fw = new FrameworkState(frameworkId);
      fw.known = false;
      fw.active = false;
      state.frameworks.set(frameworkId, fw);
    }
    for (const [role, part] of splitByAllocationRole(fw, resources)) {
      state.track(fw, role);
      state.allocate(fw, state.role(role), agent, part.unallocate());
    }
  }

  removeAgent(id: AgentId): void {
    const state = this.state;
    const agent = state.agents.get(id);
    if (agent === undefined) return;
    for (const holding of agent.holdings()) state.release(holding);
    state.countAgentTotal(agent, -1);
    state.filters.removeAgent(agent);
    state.pendingAgents.delete(agent);
    state.agents.delete(id);
    this.maintenance.removeAgent(id);
  }

  /**
   * Replaces an agent's total (oversubscription estimate, operator reservations). What is
   * allocated stays allocated; its offer filters are dropped (Mesos `updateSlave`).
   */
  updateAgent(id: AgentId, total: Resources): void {
    const state = this.state;
    const agent = this.agent(id);
    state.countAgentTotal(agent, -1);
    agent.total = total;
    agent.available = total.subtract(agent.allocatedTotal());
    state.countAgentTotal(agent, 1);
    state.filters.removeAgent(agent);
    agent.settledEpoch = -1;
    state.pendingAgents.add(agent);
  }

  /** Deactivated (and draining) agents are not offered. */
  deactivateAgent(id: AgentId): void {
    this.agent(id).active = false;
  }

  activateAgent(id: AgentId): void {
    const agent = this.agent(id);
    agent.active = true;
    agent.settledEpoch = -1;
    this.state.pendingAgents.add(agent);
  }

  private agent(id: AgentId): AgentState {
    const agent = this.state.agents.get(id);
    if (agent === undefined) throw new Error(`bug: unknown agent ${id}`);
    return agent;
  }

  // --- resources ---------------------------------------------------------------------------

  /**
   * Gives resources back (declined, unused part of an accepted offer, rescinded, released by
   * a terminal task). With `filter.refuseSeconds`, the framework is not offered these again
   * on this agent in that role until the filter expires. Unknown framework or agent (a race
   * with their removal) is ignored, as in Mesos.
   */
  recoverResources(
    frameworkId: FrameworkId,
    agentId: AgentId,
    resources: Resources,
    filter: { readonly refuseSeconds: number } | undefined,
    nowMs: number,
  ): void {
    const state = this.state;
    const fw = state.frameworks.get(frameworkId);
    const agent = state.agents.get(agentId);
    if (fw === undefined || agent === undefined) return;
    const timeoutMs =
      filter === undefined
        ? 0
        : filterTimeoutMs(filter.refuseSeconds, state.options.allocationIntervalMs);
    const refusedUntilMs = timeoutMs > 0 ? nowMs + timeoutMs : undefined;
    // Common case (every recovery of an offer): all of it carries one allocation role, and
    // the collection is used as it is (unallocate only reads it).
    const single = singleAllocationRole(resources);
    if (single !== undefined) {
      this.recoverPart(fw, agent, single, resources, refusedUntilMs);
      return;
    }
    for (const [role, part] of splitByAllocationRole(fw, resources)) {
      this.recoverPart(fw, agent, role, part, refusedUntilMs);
    }
  }

  /** Returns one role's part; with `refusedUntilMs`, filters it on the agent until then. */
  private recoverPart(
    fw: FrameworkState,
    agent: AgentState,
    role: string,
    part: Resources,
    refusedUntilMs: number | undefined,
  ): void {
    const unallocated = this.state.unallocate(fw, role, agent, part);
    if (refusedUntilMs === undefined) return;
    const subscription = fw.subscriptions.get(role);
    if (subscription !== undefined) {
      this.state.filters.add(agent, subscription, unallocated, refusedUntilMs);
    }
  }

  // --- weights and quota -------------------------------------------------------------------

  /** Sets role weights (UPDATE_WEIGHTS); roles not named keep theirs. */
  updateWeights(weights: Iterable<readonly [string, number]>): AllocatorResult {
    const entries = [...weights];
    for (const [role, weight] of entries) {
      const invalid = validateRole(role);
      if (invalid !== undefined) return failure("INVALID_ROLE", invalid);
      const invalidWeight = weightError(weight);
      if (invalidWeight !== undefined) return failure("INVALID_WEIGHT", invalidWeight);
    }
    for (const [role, weight] of entries) {
      if (weight === 1) this.state.weights.delete(role);
      else this.state.weights.set(role, weight);
      this.state.role(role).weight = weight;
    }
    this.state.roleSorter.refreshWeights();
    return OK;
  }

  /** Sets (or with undefined, removes) the quota of a top-level role. */
  updateQuota(role: string, quota: Quota | undefined): AllocatorResult {
    const invalid = checkQuota(role, quota);
    if (!invalid.ok) return invalid;
    const state = this.state;
    const top = state.role(role);
    top.quota = quota;
    if (quota === undefined) state.quotaRoles.delete(top);
    else state.quotaRoles.add(top);
    state.refreshSubtree(top);
    state.unsettleAll();
    return OK;
  }

  // --- allocation --------------------------------------------------------------------------

  /** True when events since the last cycle ask for an allocation run. */
  needsAllocation(): boolean {
    return this.state.pendingAll || this.state.pendingAgents.size > 0;
  }

  /**
   * Runs one allocation cycle at `nowMs` over the agents marked by events since the last
   * cycle, or over every agent with `full` (the periodic cycle), and returns the offers.
   */
  allocate(nowMs: number, options: { readonly full?: boolean } = {}): Offer[] {
    const state = this.state;
    state.filters.expire(nowMs, unsettle);
    const all = options.full === true || state.pendingAll;
    const candidates: AgentState[] = [];
    for (const agent of all ? state.agents.values() : state.pendingAgents) {
      if (!agent.active || agent.settledEpoch === state.epoch || agent.available.isEmpty())
        continue;
      candidates.push(agent);
    }
    state.pendingAll = false;
    state.pendingAgents.clear();
    if (candidates.length === 0) return [];
    return new AllocationCycle(state).run(candidates);
  }

  // --- maintenance (inverse-offers.ts) ----------------------------------------------------

  /** Sets or clears an agent's maintenance window; its inverse offer state starts afresh. */
  updateUnavailability(agentId: AgentId, unavailability: Unavailability | undefined): void {
    this.agent(agentId);
    this.maintenance.setUnavailability(agentId, unavailability);
  }

  /** An inverse offer was answered (`answer`), or rescinded / expired (undefined). */
  updateInverseOffer(
    agentId: AgentId,
    frameworkId: FrameworkId,
    answer: InverseOfferAnswer | undefined,
    refuseSeconds: number | undefined,
    nowMs: number,
  ): void {
    this.maintenance.update(agentId, frameworkId, answer, refuseSeconds, nowMs);
  }

  /** The inverse offers to make now; the master asks after each allocation run. */
  generateInverseOffers(nowMs: number): InverseOfferDecision[] {
    return this.maintenance.generate(this.holders, nowMs);
  }

  getInverseOfferStatuses(): Map<AgentId, InverseOfferStatus[]> {
    return this.maintenance.statuses();
  }

  private readonly holders = {
    activeHolders: (agentId: AgentId): FrameworkId[] => {
      const agent = this.state.agents.get(agentId);
      if (agent === undefined) return [];
      return agent.holdings().flatMap((h) => (h.fw.known && h.fw.active ? [h.fw.id] : []));
    },
  };

  // --- read-only views (master, metrics, tests) --------------------------------------------

  agentIds(): AgentId[] {
    return [...this.state.agents.keys()];
  }

  total(agentId: AgentId): Resources {
    return this.agent(agentId).total;
  }

  available(agentId: AgentId): Resources {
    return this.agent(agentId).available.clone();
  }

  /** Everything allocated on the agent (offered or used), without allocation info. */
  allocatedOn(agentId: AgentId): Resources {
    return this.agent(agentId).allocatedTotal();
  }

  /** What a framework holds (offered or used), optionally in one role, over all agents. */
  allocatedTo(frameworkId: FrameworkId, role?: string): Resources {
    return this.state.frameworks.get(frameworkId)?.held(role) ?? Resources.empty();
  }

  /** The role's weighted dominant share (0 for roles without frameworks). */
  roleShare(role: string): number {
    const sorter = this.state.roleSorter;
    return sorter.has(role) ? sorter.share(role) : 0;
  }

  /** Roles that would be asked, in the order they would be asked now. */
  roleOrder(): string[] {
    return this.state.roleSorter.sorted();
  }

  /** Frameworks of a role that would be asked, in order. */
  frameworkOrder(role: string): string[] {
    return this.state.roles.get(role)?.frameworkSorter.sorted() ?? [];
  }

  /** Consumed quota of a top-level role (allocated unreserved + reservations of its subtree). */
  quotaConsumed(role: string): ResourceQuantities {
    const state = this.state;
    const top = state.roles.get(role);
    return top === undefined
      ? ResourceQuantities.empty()
      : consumedQuota(state.topOf(top), state.names);
  }

  isSuppressed(frameworkId: FrameworkId, role: string): boolean {
    return this.state.frameworks.get(frameworkId)?.suppressed.has(role) ?? false;
  }

  /** Offer filters in force. */
  filterCount(): number {
    return this.state.filters.size;
  }
}
