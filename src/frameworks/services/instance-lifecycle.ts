// Instance lifecycle of the services core: every transition of an instance (scheduled, staged
// on an offer, its task's status, relaunched as a new incarnation, decommissioned, replaced when
// unreachable, removed), the launch delays after failures, and readiness. Each transition
// updates the index and adds its store write to the context; kills of decommissioned tasks are
// collected and sent when the input is drained (`drainKills`), as Marathon's kill service does.
import { isTerminalState, type TaskState } from "../../wire/status.ts";
import type { AppDefinition } from "./app-definition.ts";
import type { AppVersion } from "./app-json.ts";
import type { AgentFacts } from "./constraints.ts";
import { nextBackoffSeconds } from "./deployment-plan.ts";
import { type Instance, isAlive, isScheduled } from "./instance.ts";
import { InstanceIndex } from "./instance-index.ts";
import type { AppId } from "./path-id.ts";
import { dueProbes, type ReadinessProbeTarget, type ReadinessResult } from "./readiness.ts";
import type { ServicesCtx } from "./services-context.ts";
import type { TaskStatusInput } from "./services-outputs.ts";
import type { Backoff } from "./services-types.ts";
import { instanceIdFor, taskIdFor } from "./task-info.ts";
import { throttlePenaltyMs } from "./throttle.ts";
import { hasTierFields } from "./tiers.ts";
import { reviewUnreachable } from "./unreachable.ts";

/** Task ends that count as failures: they start (or grow) the app's launch delay. */
export const FAILURE_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  "TASK_FAILED",
  "TASK_FINISHED",
  "TASK_ERROR",
]);

/** What a status transition needs to know from the rest of the core. */
export interface LifecycleHooks {
  /** A new-config instance failed: deployments watching it may roll back. */
  watchFailure(i: Instance): void;
  /** Whether a deployment touches the app (it then decides the app's instances itself). */
  locked(appId: AppId): boolean;
}

/** Where an instance's task was placed (see InstanceLifecycle.stage). */
export interface Placement {
  readonly run: AppVersion;
  readonly agentId: string;
  readonly agent: AgentFacts;
  readonly hostPorts: number[];
}

/**
 * A kill whose task is still alive this long after it was sent is sent again (Marathon's
 * `kill_retry_timeout`, 10 s): the master drops a kill it cannot deliver (a failover, an
 * unreachable agent), and nothing else would ever end the task.
 */
export const KILL_RETRY_MS = 10_000;

export class InstanceLifecycle {
  readonly index: InstanceIndex;
  private readonly backoffs = new Map<AppId, Backoff>();
  private readonly pendingKills: Instance[] = [];
  /** Task id -> when its kill was last sent (in memory, as Marathon's kill service). */
  private readonly killSentMs = new Map<string, number>();
  /** Readiness: last result and last probe time per task id (in memory, as in Marathon). */
  private readonly readiness = new Map<string, ReadinessResult>();
  private readonly lastProbeMs = new Map<string, number>();

  constructor(
    private readonly newId: () => string,
    instances: Iterable<Instance>,
  ) {
    this.index = new InstanceIndex(instances);
  }

  // ---- transitions ---------------------------------------------------------------------------

  /** A new instance of `v`, Scheduled: it waits for an offer. */
  schedule(ctx: ServicesCtx, v: AppVersion): Instance {
    const i: Instance = {
      instanceId: instanceIdFor(v.app.id as AppId, this.newId()),
      appId: v.app.id as AppId,
      version: v.version,
      configVersion: v.lastConfigChangeAt,
      incarnation: 1,
      goal: "Running",
      state: undefined,
      agentId: undefined,
      agent: undefined,
      hostPorts: [],
      healthy: undefined,
      ready: v.app.readinessChecks.length === 0,
      stagedAtMs: undefined,
      startedAtMs: undefined,
      createdAtMs: ctx.nowMs,
    };
    this.index.add(i);
    this.save(ctx, i);
    return i;
  }

  /** Its task was launched on an offer: TASK_STAGING until Mesos says more. */
  stage(ctx: ServicesCtx, i: Instance, at: Placement): void {
    i.state = "TASK_STAGING";
    i.agentId = at.agentId;
    i.agent = at.agent;
    i.hostPorts = at.hostPorts;
    i.stagedAtMs = ctx.nowMs;
    i.version = at.run.version;
    i.ready = at.run.app.readinessChecks.length === 0;
    this.save(ctx, i);
  }

  /** Goal Decommissioned: a scheduled instance vanishes, a launched one's task is killed. */
  decommission(ctx: ServicesCtx, i: Instance): void {
    i.goal = "Decommissioned";
    if (isScheduled(i)) this.remove(ctx, i);
    else {
      this.save(ctx, i);
      this.pendingKills.push(i);
    }
  }

  /** Kills the instance's current task; with goal Running a new incarnation replaces it. */
  requestKill(i: Instance): void {
    if (isAlive(i)) this.pendingKills.push(i);
  }

  /** A status of the instance's current incarnation (already matched by task id). */
  applyStatus(
    ctx: ServicesCtx,
    i: Instance,
    update: TaskStatusInput,
    app: AppVersion | undefined,
    hooks: LifecycleHooks,
  ): void {
    if (update.healthy !== undefined && update.healthy !== i.healthy) {
      i.healthy = update.healthy;
      ctx.event("instance_health_changed_event", {
        instanceId: i.instanceId,
        runSpecId: i.appId,
        healthy: update.healthy,
        runSpecVersion: i.version,
      });
      if (!update.healthy) hooks.watchFailure(i);
    }
    const wasUnreachable = i.state === "TASK_UNREACHABLE";
    i.state = update.state;
    if (update.state === "TASK_RUNNING" && i.startedAtMs === undefined) i.startedAtMs = ctx.nowMs;
    if (isTerminalState(update.state)) {
      if (i.goal === "Decommissioned") this.remove(ctx, i);
      else this.relaunchLater(ctx, i, update.state, app, hooks);
    } else if (update.state === "TASK_UNREACHABLE") {
      i.unreachableSinceMs ??= ctx.nowMs;
      this.save(ctx, i);
    } else {
      i.unreachableSinceMs = undefined;
      this.save(ctx, i);
      // A replaced unreachable task came back: it goes (Marathon kills it on its return).
      if (wasUnreachable && i.goal === "Decommissioned") this.pendingKills.push(i);
    }
  }

  /** A task of a Running instance ended: a new incarnation is scheduled, after backoff on failure. */
  private relaunchLater(
    ctx: ServicesCtx,
    i: Instance,
    state: TaskState,
    app: AppVersion | undefined,
    hooks: LifecycleHooks,
  ): void {
    if (FAILURE_STATES.has(state)) {
      hooks.watchFailure(i);
      if (app !== undefined) {
        const delaySeconds = nextBackoffSeconds(app.app, this.backoffs.get(i.appId)?.delaySeconds);
        this.backoffs.set(i.appId, { delaySeconds, untilMs: ctx.nowMs + delaySeconds * 1000 });
      }
    }
    // Aurora's THROTTLED: a task that ended by itself soon after starting waits a growing
    // penalty; kills, preemption and losses of the agent or by QoS eviction are no flaps.
    if (app !== undefined && hasTierFields(app.app) && FAILURE_STATES.has(state)) {
      const penalty = throttlePenaltyMs(i.startedAtMs, ctx.nowMs, i.throttlePenaltyMs);
      i.throttlePenaltyMs = penalty;
      i.throttledUntilMs = penalty === undefined ? undefined : ctx.nowMs + penalty;
    }
    i.incarnation += 1;
    i.state = undefined;
    i.agentId = undefined;
    i.agent = undefined;
    i.hostPorts = [];
    i.healthy = undefined;
    i.stagedAtMs = undefined;
    i.startedAtMs = undefined;
    if (app !== undefined && i.configVersion !== app.lastConfigChangeAt && !hooks.locked(i.appId)) {
      i.configVersion = app.lastConfigChangeAt;
      i.version = app.version;
    }
    this.save(ctx, i);
  }

  /**
   * Marathon's unreachableStrategy: instances unreachable for too long are replaced (outside
   * deployments a new instance is scheduled at once), and forgotten later still.
   */
  reviewUnreachable(
    ctx: ServicesCtx,
    appOf: (id: AppId) => AppVersion | undefined,
    locked: (id: AppId) => boolean,
  ): void {
    const review = reviewUnreachable(
      this.index.unreachableInstances(),
      (i) => appOf(i.appId)?.app,
      ctx.nowMs,
    );
    for (const i of review.replace) {
      const app = appOf(i.appId);
      i.goal = "Decommissioned";
      this.save(ctx, i);
      if (app !== undefined && !locked(i.appId)) this.schedule(ctx, app);
    }
    for (const i of review.expunge) this.remove(ctx, i);
  }

  /** The kills collected since the last drain, as scheduler calls. */
  drainKills(ctx: ServicesCtx): void {
    for (const i of this.pendingKills.splice(0)) {
      if (i.state === undefined) continue;
      const taskId = taskIdFor(i.instanceId, i.incarnation);
      ctx.call({ kind: "kill", taskId, agentId: i.agentId });
      this.killSentMs.set(taskId, ctx.nowMs);
    }
  }

  /** Whether the framework sent a kill for this task (its end is then no failure). */
  killRequested(taskId: string): boolean {
    return this.killSentMs.has(taskId);
  }

  /** Sends again each kill of KILL_RETRY_MS ago whose task is still alive; forgets the others. */
  retryKills(ctx: ServicesCtx): void {
    for (const [taskId, sentMs] of this.killSentMs) {
      const i = this.index.all().find((x) => taskIdFor(x.instanceId, x.incarnation) === taskId);
      if (i === undefined || !isAlive(i)) this.killSentMs.delete(taskId);
      else if (ctx.nowMs - sentMs >= KILL_RETRY_MS) this.pendingKills.push(i);
    }
  }

  private save(ctx: ServicesCtx, i: Instance): void {
    this.index.reindex(i);
    ctx.write({ kind: "put_instance", instance: i });
  }

  private remove(ctx: ServicesCtx, i: Instance): void {
    this.index.delete(i);
    ctx.write({ kind: "delete_instance", instanceId: i.instanceId });
  }

  // ---- launch delays -------------------------------------------------------------------------

  backoff(id: AppId): Backoff | undefined {
    return this.backoffs.get(id);
  }

  /** Whether the app's launch delay holds its instances back at `nowMs`. */
  delayed(id: AppId, nowMs: number): boolean {
    const b = this.backoffs.get(id);
    return b !== undefined && b.untilMs > nowMs;
  }

  /** Apps whose launch delay (or an instance's flapping penalty) has not ended at `nowMs`. */
  activeDelays(nowMs: number): { appId: AppId; untilMs: number }[] {
    const out: { appId: AppId; untilMs: number }[] = [];
    for (const [appId, b] of this.backoffs)
      if (b.untilMs > nowMs) out.push({ appId, untilMs: b.untilMs });
    for (const appId of this.index.appsWaiting())
      for (const i of this.index.waitingOf(appId))
        if (i.throttledUntilMs !== undefined && i.throttledUntilMs > nowMs)
          out.push({ appId, untilMs: i.throttledUntilMs });
    return out;
  }

  resetDelay(id: AppId): boolean {
    return this.backoffs.delete(id);
  }

  // ---- readiness -----------------------------------------------------------------------------

  /** Probes due now; each is spaced from the last one of its task by the check's interval. */
  dueProbes(apps: ReadonlyMap<string, AppDefinition>, nowMs: number): ReadinessProbeTarget[] {
    const due = dueProbes(apps, this.index.all(), this.lastProbeMs, nowMs);
    for (const t of due) this.lastProbeMs.set(t.taskId, nowMs);
    return due;
  }

  /** Records a probe's answer; false when its task is no longer the instance's current one. */
  readinessResult(
    ctx: ServicesCtx,
    target: ReadinessProbeTarget,
    result: ReadinessResult,
  ): boolean {
    const i = this.index.get(target.instanceId);
    if (i === undefined || i.incarnation !== target.incarnation) return false;
    this.readiness.set(target.taskId, result);
    if (result.ready && !i.ready) {
      i.ready = true;
      this.save(ctx, i);
      this.lastProbeMs.delete(target.taskId);
    }
    return true;
  }

  /** Latest readiness results of an app's current tasks (deployment `readinessCheckResults`). */
  readinessResultsOf(id: AppId): ReadinessResult[] {
    return this.index.of(id).flatMap((i) => {
      const r = this.readiness.get(taskIdFor(i.instanceId, i.incarnation));
      return r === undefined ? [] : [r];
    });
  }
}
