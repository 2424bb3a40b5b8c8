// Offer matching of the services core: every offer is either used to launch instances that
// wait for one, or declined. Only apps with waiting instances are visited (the instance index
// keeps them per app), in app id order, up to `maxInstancesPerOffer` launches per offer; an
// app's first rejection ends its turn on that offer, as in Marathon's launch queue.
import type { TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { Offer } from "../../wire/offer.ts";
import { instanceNumberOf } from "../aurora/thermos-app.ts";
import type { AppRegistry } from "./app-registry.ts";
import type { AgentFacts } from "./constraints.ts";
import { isAlive, isThrottled } from "./instance.ts";
import type { InstanceLifecycle } from "./instance-lifecycle.ts";
import { OfferStats } from "./offer-stats.ts";
import type { AppId } from "./path-id.ts";
import { type OfferView, offerView, placeInstance } from "./placement.ts";
import { buildPodGroup } from "./pod-group.ts";
import { isPod } from "./pods.ts";
import type { Preemptor } from "./preemptor.ts";
import type { ServicesCtx } from "./services-context.ts";
import type { PodTaskGroup, SchedulerCallOutput } from "./services-outputs.ts";
import { buildTaskInfo } from "./task-info.ts";
import { tierSettings } from "./tiers.ts";

export interface OfferMatcherOptions {
  /** Most instances launched from one offer (Marathon's `--max_instances_per_offer`). */
  readonly maxInstancesPerOffer: number;
  /** refuse_seconds for declined offers (Marathon's `--decline_offer_duration`). */
  readonly declineRefuseSeconds: number;
}

export class OfferMatcher {
  /** Per app: what recent offers showed (`/v2/queue`, deployments' "waiting because"). */
  private readonly stats = new Map<AppId, OfferStats>();

  constructor(
    private readonly options: OfferMatcherOptions,
    private readonly registry: AppRegistry,
    private readonly lifecycle: InstanceLifecycle,
    /** Tiers (revocable resources) and slots held for preempting instances. */
    private readonly preemptor: Preemptor,
  ) {}

  statsOf(id: AppId): OfferStats | undefined {
    return this.stats.get(id);
  }

  /** Matches `offers` against the waiting instances; adds one launch or decline per offer. */
  match(ctx: ServicesCtx, offers: readonly Offer[]): void {
    const index = this.lifecycle.index;
    const refuseSeconds = this.declineSeconds(ctx.nowMs);
    // Visiting only these is enough: matching never makes an instance start waiting.
    const apps = index
      .appsWaiting()
      .filter((id) => this.registry.has(id))
      .sort();
    const calls: SchedulerCallOutput[] = [];
    for (const offer of offers) {
      const view = offerView(offer, ctx.nowMs);
      const tasks: TaskInfoInput[] = [];
      const groups: PodTaskGroup[] = [];
      for (const id of apps) {
        if (tasks.length + groups.length >= this.options.maxInstancesPerOffer) break;
        this.matchApp(ctx, id, offer, view, tasks, groups);
      }
      this.preemptor.noteOffer(view, ctx.nowMs);
      if (groups.length > 0)
        calls.push({ kind: "launch", offerId: view.offerId, agentId: view.agentId, tasks, groups });
      else if (tasks.length > 0)
        calls.push({ kind: "launch", offerId: view.offerId, agentId: view.agentId, tasks });
      else calls.push({ kind: "decline", offerId: view.offerId, refuseSeconds });
    }
    // The rest of an accepted offer would be filtered for Mesos's default 5 s: while instances
    // still wait, refuse it for 0 s so that it comes straight back (one agent can then take
    // more than maxInstancesPerOffer instances without 5 s pauses).
    const stillWaiting = index.hasWaiting();
    for (const c of calls)
      ctx.call(c.kind === "launch" && stillWaiting ? { ...c, refuseSeconds: 0 } : c);
  }

  /**
   * Instances held back by a launch delay must not lose their offers for the whole decline
   * duration: such declines refuse only until the earliest delay ends (Marathon revives then).
   */
  private declineSeconds(nowMs: number): number {
    let refuseSeconds = this.options.declineRefuseSeconds;
    for (const { appId, untilMs } of this.lifecycle.activeDelays(nowMs)) {
      if (!this.lifecycle.index.hasWaiting(appId)) continue;
      refuseSeconds = Math.min(refuseSeconds, Math.ceil((untilMs - nowMs) / 1000));
    }
    return refuseSeconds;
  }

  /** One app's turn on one offer: places its waiting instances until one does not fit. */
  private matchApp(
    ctx: ServicesCtx,
    id: AppId,
    offer: Offer,
    view: OfferView,
    tasks: TaskInfoInput[],
    groups: PodTaskGroup[] = [],
  ): void {
    const index = this.lifecycle.index;
    // A slot freed by preemption is its candidate's alone while the hold lasts.
    const hold = this.preemptor.holdOn(view.agentId, ctx.nowMs);
    if (hold !== undefined && hold.appId !== id) return;
    const waiting = index
      .waitingOf(id)
      .filter((i) => !isThrottled(i, ctx.nowMs))
      .filter((i) => hold === undefined || i.instanceId === hold.instanceId);
    if (waiting.length === 0 || this.lifecycle.delayed(id, ctx.nowMs)) return;
    const stats = this.stats.get(id) ?? new OfferStats();
    this.stats.set(id, stats);
    const current = this.registry.get(id);
    if (current === undefined) return;
    // The agents of the app's launched instances, for constraints; grows as this offer is used.
    const placed: AgentFacts[] = index
      .of(id)
      .flatMap((x) => (isAlive(x) && x.agent !== undefined ? [x.agent] : []));
    let used = false;
    for (const i of waiting) {
      if (tasks.length + groups.length >= this.options.maxInstancesPerOffer) break;
      const run =
        current.lastConfigChangeAt === i.configVersion
          ? current
          : this.registry.version(i.appId, i.version);
      if (run === undefined) continue;
      const { revocable } = tierSettings(run.app, this.preemptor.options.tiers);
      const result = placeInstance(run.app, view, placed, { revocable });
      if (!result.ok) {
        if (!used) stats.recordUnused(offer, result.reason, result.message, ctx.nowMs);
        break;
      }
      used = true;
      const at = { run, agentId: view.agentId, agent: view.agent, hostPorts: result.hostPorts };
      // Numbered before staging, so the number is stored with the instance.
      if (run.app.thermos !== undefined) i.shard = instanceNumberOf(index.of(id), i.instanceId);
      this.lifecycle.stage(ctx, i, at);
      this.preemptor.placed(i);
      placed.push(view.agent);
      const build = {
        version: run.version,
        instanceId: i.instanceId,
        incarnation: i.incarnation,
        agentId: view.agentId,
        host: view.agent.hostname,
        resources: result.resources,
        hostPorts: result.hostPorts,
      };
      // A pod's instance is one task group on the default executor (pods.ts).
      if (isPod(run.app)) {
        groups.push(buildPodGroup({ ...build, app: run.app }));
        continue;
      }
      tasks.push(
        buildTaskInfo({
          ...build,
          app: run.app,
          ...(i.shard === undefined ? {} : { instanceNumber: i.shard }),
        }),
      );
    }
    if (used) stats.recordUsed(offer, ctx.nowMs);
  }
}
