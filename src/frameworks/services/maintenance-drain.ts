// SLA-aware maintenance (Aurora's host drain, reference §3 and mesos-api.md §8): the master sends
// an inverse offer for each agent scheduled for maintenance. The services engine answers it by
// draining the agent only as fast as every app's SLA allows (sla.ts): each time the inverse
// offer comes, it moves away (kills, to be relaunched elsewhere) those of its instances on the
// agent whose going keeps their app's SLA, and accepts the inverse offer once none of its
// instances is left there; until then it declines, with a short filter so the master asks again
// soon. From the first inverse offer on, offers of that agent are declined so that nothing new
// lands on it, until it offers without an unavailability (its maintenance is over).
// Pure: inputs and the time in, decisions out.
import type { InverseOffer, Offer } from "../../wire/offer.ts";
import type { AppVersion } from "./app-json.ts";
import { type Instance, isAlive } from "./instance.ts";
import type { AppId } from "./path-id.ts";
import { keepsSla } from "./sla.ts";

/** Seconds before the master sends a declined inverse offer again: how often a drain retries. */
export const DRAIN_RETRY_SECONDS = 5;
/** Seconds an offer of a draining agent is refused for (new work must not land there). */
export const DRAINING_OFFER_REFUSE_SECONDS = 5;

export interface DrainDecision {
  readonly inverseOfferId: string;
  readonly accept: boolean;
  /** Instances to move away now (their tasks are killed; goal Running relaunches them). */
  readonly move: readonly Instance[];
}

export class MaintenanceDrain {
  /** Agents being drained. */
  private readonly draining = new Set<string>();
  /** Tasks already killed to move them away (still counted as leaving while alive). */
  private readonly moved = new Set<string>();

  isDraining(agentId: string): boolean {
    return this.draining.has(agentId);
  }

  drainingAgents(): string[] {
    return [...this.draining].sort();
  }

  /**
   * The offers to use, the others to decline: a draining agent's. An offer of a draining agent
   * without an unavailability ends its drain (the machine is up again).
   */
  sortOffers(offers: readonly Offer[]): { usable: Offer[]; refused: Offer[] } {
    const usable: Offer[] = [];
    const refused: Offer[] = [];
    for (const o of offers) {
      const agent = o.agent_id.value;
      if (this.draining.has(agent) && o.unavailability === undefined) this.draining.delete(agent);
      (this.draining.has(agent) ? refused : usable).push(o);
    }
    return { usable, refused };
  }

  /**
   * Answers one inverse offer. `instancesOf` gives an app's instances, `app` its definition;
   * `onAgent` the instances with a task on the agent. `taskOf` names an instance's current task.
   */
  decide(
    io: InverseOffer,
    onAgent: readonly Instance[],
    instancesOf: (id: AppId) => readonly Instance[],
    app: (id: AppId) => AppVersion | undefined,
    taskOf: (i: Instance) => string,
    nowMs: number,
  ): DrainDecision {
    const agent = io.agent_id?.value;
    const id = io.id.value;
    if (agent === undefined) return { inverseOfferId: id, accept: true, move: [] };
    this.draining.add(agent);
    const here = onAgent.filter(isAlive);
    const leaving = new Map<AppId, Set<string>>();
    const leavingOf = (a: AppId) => {
      let set = leaving.get(a);
      if (set === undefined) {
        set = new Set();
        leaving.set(a, set);
      }
      return set;
    };
    // Tasks moved before and still running count as gone already.
    for (const i of here) if (this.moved.has(taskOf(i))) leavingOf(i.appId).add(i.instanceId);
    const move: Instance[] = [];
    for (const i of here) {
      // Decommissioned ones are being killed anyway; the accept waits for them all the same.
      if (this.moved.has(taskOf(i)) || i.goal !== "Running") continue;
      const v = app(i.appId);
      const set = leavingOf(i.appId);
      set.add(i.instanceId);
      if (v === undefined || keepsSla(v.app, instancesOf(i.appId), set, nowMs)) {
        move.push(i);
        this.moved.add(taskOf(i));
      } else set.delete(i.instanceId);
    }
    return { inverseOfferId: id, accept: here.length === 0, move };
  }

  /** A task ended: it no longer needs remembering. */
  forgetTask(taskId: string): void {
    this.moved.delete(taskId);
  }
}
