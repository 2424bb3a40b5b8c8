// Maintenance inverse offers (Mesos hierarchical allocator: updateUnavailability,
// updateInverseOffer, generateInverseOffers, getInverseOfferStatuses; reference
// security-ui-maintenance.md §5). An agent on a machine with a maintenance window carries its
// unavailability here; every allocation run asks each active framework that holds resources
// (offered or used) on such an agent to give the whole agent back, at most one outstanding
// inverse offer per framework and agent. A framework's answer (ACCEPT or DECLINE) is recorded
// with its time; it is advisory only, as in Mesos. An answer's `refuse_seconds` only delays the
// next inverse offer to that framework for that agent (no allocation-interval minimum, unlike
// offer filters). Pure: time comes in as an argument.
import type { Unavailability } from "../wire/framework.ts";
import { DEFAULT_REFUSE_SECONDS, MAX_REFUSE_SECONDS } from "./offer-filters.ts";
import type { AgentId, FrameworkId } from "./types.ts";

export type InverseOfferAnswer = "ACCEPT" | "DECLINE";

/** A framework's latest answer for one agent (Mesos allocator::InverseOfferStatus). */
export interface InverseOfferStatus {
  readonly frameworkId: FrameworkId;
  readonly status: InverseOfferAnswer;
  readonly timestampMs: number;
}

/** One inverse offer to make: the whole agent, for its unavailability. */
export interface InverseOfferDecision {
  readonly frameworkId: FrameworkId;
  readonly agentId: AgentId;
  readonly unavailability: Unavailability;
}

interface AgentMaintenance {
  readonly unavailability: Unavailability;
  /** Frameworks with an inverse offer for this agent that is not answered, rescinded or expired. */
  readonly outstanding: Set<FrameworkId>;
  readonly statuses: Map<FrameworkId, InverseOfferStatus>;
  /** Refused-until time by framework (the latest answer's filter wins). */
  readonly filteredUntilMs: Map<FrameworkId, number>;
}

/** How long an answer's filter keeps inverse offers away, in ms; 0 = no filter (Mesos's rules). */
export function inverseFilterMs(refuseSeconds: number | undefined): number {
  let seconds = refuseSeconds ?? DEFAULT_REFUSE_SECONDS;
  if (!Number.isFinite(seconds) || seconds < 0) seconds = DEFAULT_REFUSE_SECONDS;
  return Math.round(Math.min(seconds, MAX_REFUSE_SECONDS) * 1000);
}

/** What the book needs to know of the allocator's state: who holds what where, who is active. */
export interface HoldersView {
  /** Frameworks known to the allocator and active, with resources offered or used on the agent. */
  activeHolders(agentId: AgentId): Iterable<FrameworkId>;
}

export class InverseOfferBook {
  readonly #agents = new Map<AgentId, AgentMaintenance>();

  /**
   * Sets (or with undefined, clears) an agent's unavailability. Like Mesos, the agent starts
   * from a clean slate: earlier statuses, outstanding inverse offers and filters are dropped
   * (the master rescinds the inverse offers it had out before calling this).
   */
  setUnavailability(agentId: AgentId, unavailability: Unavailability | undefined): void {
    if (unavailability === undefined) {
      this.#agents.delete(agentId);
      return;
    }
    this.#agents.set(agentId, {
      unavailability,
      outstanding: new Set(),
      statuses: new Map(),
      filteredUntilMs: new Map(),
    });
  }

  unavailabilityOf(agentId: AgentId): Unavailability | undefined {
    return this.#agents.get(agentId)?.unavailability;
  }

  /**
   * An inverse offer ended: answered (`answer` set), rescinded or expired (no answer). Only an
   * outstanding one counts; a stale answer is ignored. A filter is installed whenever
   * `refuseSeconds` is given, answered or not, as in Mesos.
   */
  update(
    agentId: AgentId,
    frameworkId: FrameworkId,
    answer: InverseOfferAnswer | undefined,
    refuseSeconds: number | undefined,
    nowMs: number,
  ): void {
    const agent = this.#agents.get(agentId);
    if (agent === undefined) return;
    if (agent.outstanding.delete(frameworkId) && answer !== undefined) {
      agent.statuses.set(frameworkId, { frameworkId, status: answer, timestampMs: nowMs });
    }
    if (refuseSeconds === undefined) return;
    const filterMs = inverseFilterMs(refuseSeconds);
    if (filterMs > 0) agent.filteredUntilMs.set(frameworkId, nowMs + filterMs);
  }

  /** The inverse offers to make now (each marked outstanding). */
  generate(view: HoldersView, nowMs: number): InverseOfferDecision[] {
    const out: InverseOfferDecision[] = [];
    for (const [agentId, agent] of this.#agents) {
      for (const frameworkId of view.activeHolders(agentId)) {
        if (agent.outstanding.has(frameworkId)) continue;
        const until = agent.filteredUntilMs.get(frameworkId);
        if (until !== undefined) {
          if (until > nowMs) continue;
          agent.filteredUntilMs.delete(frameworkId);
        }
        agent.outstanding.add(frameworkId);
        out.push({ frameworkId, agentId, unavailability: agent.unavailability });
      }
    }
    return out;
  }

  /** The latest answers, by agent (agents with a maintenance window only). */
  statuses(): Map<AgentId, InverseOfferStatus[]> {
    const out = new Map<AgentId, InverseOfferStatus[]>();
    for (const [agentId, agent] of this.#agents) out.set(agentId, [...agent.statuses.values()]);
    return out;
  }

  /** Inverse offers outstanding (for tests and invariant checks). */
  outstandingCount(): number {
    let n = 0;
    for (const agent of this.#agents.values()) n += agent.outstanding.size;
    return n;
  }

  /** Deactivating or reviving a framework drops its inverse offer filters (Mesos). */
  clearFilters(frameworkId: FrameworkId): void {
    for (const agent of this.#agents.values()) agent.filteredUntilMs.delete(frameworkId);
  }

  /**
   * A removed framework's outstanding inverse offers and filters are forgotten; its recorded
   * answers stay until the agent's unavailability changes, as in Mesos.
   */
  removeFramework(frameworkId: FrameworkId): void {
    for (const agent of this.#agents.values()) {
      agent.outstanding.delete(frameworkId);
      agent.filteredUntilMs.delete(frameworkId);
    }
  }

  removeAgent(agentId: AgentId): void {
    this.#agents.delete(agentId);
  }
}
