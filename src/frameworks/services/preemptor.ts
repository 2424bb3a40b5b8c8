// The services core's preemptor (Aurora's, reference §3.1): on each tick, instances that have
// waited for an offer longer than the preemption delay look for an agent where evicting
// victims frees enough room (preemption.ts decides); the victims' tasks are killed — their
// instances keep goal Running, so they wait again and are rescheduled when room returns — and
// the freed slot is held for the candidate: offers of that agent go to it alone until it is
// placed or the hold time ends. What is free on an agent is what its last offer left unused.
import { toMilli } from "../../resources/scalar.ts";
import type { AppDefinition } from "./app-definition.ts";
import type { AppRegistry } from "./app-registry.ts";
import { type AgentFacts, checkConstraints } from "./constraints.ts";
import { checkDedicated } from "./dedicated.ts";
import { type Instance, isAlive, isThrottled } from "./instance.ts";
import { isWaitingForOffer } from "./instance-index.ts";
import type { InstanceLifecycle } from "./instance-lifecycle.ts";
import type { AppId } from "./path-id.ts";
import { appConstraints, type OfferView } from "./placement.ts";
import {
  choosePreemption,
  type Need,
  NO_NEED,
  type PreemptionAgent,
  type PreemptionCandidate,
  type PreemptionTask,
} from "./preemption.ts";
import type { ServicesCtx } from "./services-context.ts";
import { priorityOf, type TierConfig, tierSettings } from "./tiers.ts";

/** Aurora's `preemption_delay`: how long an instance waits before it may preempt. */
export const PREEMPTION_DELAY_MS = 3 * 60_000;
/** Aurora's `preemption_slot_hold_time`: how long a freed slot waits for its candidate. */
export const SLOT_HOLD_MS = 5 * 60_000;
/** An agent's last offer older than this says nothing any more: its free room counts as 0. */
export const SLACK_MAX_AGE_MS = 10 * 60_000;
/**
 * After a search found no slot, the instance searches again only this much later (Aurora's
 * `preemption_slot_search_interval`): a full cluster of work nobody may preempt would otherwise
 * cost a whole-cluster search per waiting instance on every tick.
 */
export const PREEMPTION_SEARCH_INTERVAL_MS = 60_000;
/** Candidates considered per review, so one tick stays short however many wait. */
export const MAX_PREEMPTION_CANDIDATES_PER_REVIEW = 20;

export interface PreemptorOptions {
  readonly tiers: TierConfig;
  readonly preemptionDelayMs: number;
  readonly slotHoldMs: number;
}

export interface SlotHold {
  readonly agentId: string;
  readonly instanceId: string;
  readonly appId: AppId;
  readonly untilMs: number;
  readonly victims: readonly string[];
}

/** What an app's instance takes, in the preemption decision's units. */
export function needOf(app: Pick<AppDefinition, "cpus" | "mem" | "disk" | "gpus">): Need {
  return [toMilli(app.cpus), toMilli(app.mem), toMilli(app.disk), toMilli(app.gpus)];
}

const SCALARS = ["cpus", "mem", "disk", "gpus"];

interface AgentSlack {
  readonly atMs: number;
  readonly agent: AgentFacts;
  readonly free: Need;
  readonly freeRevocable: Need;
}

export class Preemptor {
  /** Per agent: what its last offer left unused, and its facts. */
  private readonly slack = new Map<string, AgentSlack>();
  private readonly holds = new Map<string, SlotHold>();
  /** Instance id -> the agent holding a slot for it. */
  private readonly heldAgentOf = new Map<string, string>();
  /** Instance id -> since when it waits for an offer (in memory: a restart waits again). */
  private readonly waitingSince = new Map<string, number>();
  /** Instance id -> when it may search again after a search that found no slot. */
  private readonly nextSearchMs = new Map<string, number>();

  constructor(
    readonly options: PreemptorOptions,
    private readonly registry: AppRegistry,
    private readonly lifecycle: InstanceLifecycle,
  ) {}

  /** Remembers what an offer left after matching: the agent's known free room. */
  noteOffer(view: OfferView, nowMs: number): void {
    const free = [0, 0, 0, 0];
    const freeRevocable = [0, 0, 0, 0];
    for (const r of view.available) {
      const d = SCALARS.indexOf(r.name);
      if (d < 0 || r.kind !== "scalar") continue;
      const into = r.revocable ? freeRevocable : free;
      into[d] = (into[d] as number) + r.scalar;
    }
    this.slack.set(view.agentId, {
      atMs: nowMs,
      agent: view.agent,
      free: free as unknown as Need,
      freeRevocable: freeRevocable as unknown as Need,
    });
  }

  /** The hold on `agentId` at `nowMs`, if any (expired holds are dropped). */
  holdOn(agentId: string, nowMs: number): SlotHold | undefined {
    const hold = this.holds.get(agentId);
    if (hold === undefined) return undefined;
    // Expired, or its candidate no longer waits (its app was removed or scaled down).
    const candidate = this.lifecycle.index.get(hold.instanceId);
    if (hold.untilMs <= nowMs || candidate === undefined || !isWaitingForOffer(candidate)) {
      this.dropHold(hold);
      return undefined;
    }
    return hold;
  }

  /** The hold waiting for `instanceId`, if any. */
  holdFor(instanceId: string, nowMs: number): SlotHold | undefined {
    const agentId = this.heldAgentOf.get(instanceId);
    return agentId === undefined ? undefined : this.holdOn(agentId, nowMs);
  }

  /** The candidate was placed (anywhere): its hold ends. */
  placed(i: Instance): void {
    const agentId = this.heldAgentOf.get(i.instanceId);
    const hold = agentId === undefined ? undefined : this.holds.get(agentId);
    if (hold !== undefined) this.dropHold(hold);
  }

  private dropHold(hold: SlotHold): void {
    this.holds.delete(hold.agentId);
    this.heldAgentOf.delete(hold.instanceId);
  }

  /** How long `i` has waited for an offer at `nowMs` (0 when not seen waiting yet). */
  waitedMs(i: Instance, nowMs: number): number {
    const since = this.waitingSince.get(i.instanceId);
    return since === undefined ? 0 : nowMs - since;
  }

  /** One review: candidates past the delay preempt where they can; returns the holds made. */
  review(ctx: ServicesCtx): SlotHold[] {
    const candidates = this.candidates(ctx.nowMs);
    if (candidates.length === 0) return [];
    const agents = this.agentModel(ctx.nowMs);
    const made: SlotHold[] = [];
    // Instances of one app need the same: once one finds no slot, its siblings would not either.
    const fruitless = new Set<AppId>();
    for (const { i, app } of candidates) {
      if (fruitless.has(i.appId)) {
        this.nextSearchMs.set(i.instanceId, ctx.nowMs + PREEMPTION_SEARCH_INTERVAL_MS);
        continue;
      }
      const settings = tierSettings(app, this.options.tiers);
      const candidate: PreemptionCandidate = {
        role: app.role,
        preemptible: settings.preemptible,
        revocable: settings.revocable,
        priority: priorityOf(app),
        needs: needOf(app),
      };
      const pool = [...agents.values()].map((a) => ({
        agentId: a.agentId,
        free: settings.revocable ? a.freeRevocable : a.free,
        tasks: a.tasks,
      }));
      const placedAgents = this.lifecycle.index
        .of(i.appId)
        .flatMap((x) => (isAlive(x) && x.agent !== undefined ? [x.agent] : []));
      const constraints = appConstraints(app);
      const fits = (agentId: string): boolean => {
        const facts = agents.get(agentId)?.facts;
        if (facts === undefined) return false;
        return (
          checkConstraints(constraints, facts, placedAgents).ok && checkDedicated(app, facts).ok
        );
      };
      const choice = choosePreemption(candidate, pool, fits);
      if (choice === undefined) {
        fruitless.add(i.appId);
        this.nextSearchMs.set(i.instanceId, ctx.nowMs + PREEMPTION_SEARCH_INTERVAL_MS);
        continue;
      }
      for (const victimId of choice.victims) {
        const victim = this.lifecycle.index.get(victimId);
        if (victim !== undefined) this.lifecycle.requestKill(victim);
      }
      const hold: SlotHold = {
        agentId: choice.agentId,
        instanceId: i.instanceId,
        appId: i.appId,
        untilMs: ctx.nowMs + this.options.slotHoldMs,
        victims: choice.victims,
      };
      this.holds.set(choice.agentId, hold);
      this.heldAgentOf.set(i.instanceId, choice.agentId);
      // The held agent is no one else's slot this review.
      agents.delete(choice.agentId);
      made.push(hold);
    }
    return made;
  }

  /** Waiting instances past the delay, not throttled, not delayed, holding no slot yet: the most important ones. */
  private candidates(nowMs: number): { i: Instance; app: AppDefinition }[] {
    const index = this.lifecycle.index;
    const seen = new Set<string>();
    const out: { i: Instance; app: AppDefinition }[] = [];
    for (const appId of index.appsWaiting().sort()) {
      const current = this.registry.get(appId);
      for (const i of index.waitingOf(appId)) {
        seen.add(i.instanceId);
        if (!this.waitingSince.has(i.instanceId)) this.waitingSince.set(i.instanceId, nowMs);
        if (current === undefined) continue;
        if (this.waitedMs(i, nowMs) < this.options.preemptionDelayMs) continue;
        if (isThrottled(i, nowMs) || this.lifecycle.delayed(appId, nowMs)) continue;
        if (this.holdFor(i.instanceId, nowMs) !== undefined) continue;
        if ((this.nextSearchMs.get(i.instanceId) ?? 0) > nowMs) continue;
        out.push({ i, app: current.app });
      }
    }
    for (const id of this.waitingSince.keys()) if (!seen.has(id)) this.waitingSince.delete(id);
    for (const id of this.nextSearchMs.keys()) if (!seen.has(id)) this.nextSearchMs.delete(id);
    // The most important first: non-preemptible tiers, then higher priorities, then app id order.
    const ranked = out.map((c, order) => ({
      c,
      preferred: !tierSettings(c.app, this.options.tiers).preemptible,
      priority: priorityOf(c.app),
      order,
    }));
    ranked.sort(
      (a, b) =>
        Number(b.preferred) - Number(a.preferred) || b.priority - a.priority || a.order - b.order,
    );
    return ranked.slice(0, MAX_PREEMPTION_CANDIDATES_PER_REVIEW).map((x) => x.c);
  }

  /** Every agent known from offers or placed instances, with its running tasks; held ones left out. */
  private agentModel(
    nowMs: number,
  ): Map<
    string,
    PreemptionAgent & { facts: AgentFacts; freeRevocable: Need; tasks: PreemptionTask[] }
  > {
    const agents = new Map<
      string,
      PreemptionAgent & { facts: AgentFacts; freeRevocable: Need; tasks: PreemptionTask[] }
    >();
    for (const [agentId, s] of this.slack) {
      if (nowMs - s.atMs > SLACK_MAX_AGE_MS) {
        this.slack.delete(agentId); // gone, or full since: known again from its instances
        continue;
      }
      agents.set(agentId, {
        agentId,
        facts: s.agent,
        free: s.free,
        freeRevocable: s.freeRevocable,
        tasks: [],
      });
    }
    for (const i of this.lifecycle.index.all()) {
      if (!isAlive(i) || i.agentId === undefined || i.agent === undefined) continue;
      if (i.state === "TASK_KILLING") continue; // already going
      const v = this.registry.version(i.appId, i.version) ?? this.registry.get(i.appId);
      if (v === undefined) continue;
      let agent = agents.get(i.agentId);
      if (agent === undefined) {
        agent = {
          agentId: i.agentId,
          facts: i.agent,
          free: NO_NEED,
          freeRevocable: NO_NEED,
          tasks: [],
        };
        agents.set(i.agentId, agent);
      }
      const settings = tierSettings(v.app, this.options.tiers);
      agent.tasks.push({
        id: i.instanceId,
        role: v.app.role,
        preemptible: settings.preemptible,
        revocable: settings.revocable,
        priority: priorityOf(v.app),
        uses: needOf(v.app),
      });
    }
    for (const agentId of [...agents.keys()])
      if (this.holdOn(agentId, nowMs) !== undefined) agents.delete(agentId);
    return agents;
  }
}
