// The services scheduler's state (pure apart from the injected store): apps, instances and
// deployments; commands from the API and inputs from Mesos (offers, status updates, time) go in,
// effects (launch, decline, kill) and Marathon events come out. Deployments are driven
// level-triggered by deployment-plan.ts's decisions after every input, like a controller loop.
import { assert } from "../../base/assert.ts";
import type { TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { Offer } from "../../wire/offer.ts";
import { isTerminalState, type TaskState } from "../../wire/status.ts";
import type { AppDefinition } from "./app-definition.ts";
import type { AppVersion } from "./app-json.ts";
import type { AppStore, DeploymentRecord } from "./app-store.ts";
import type { AgentFacts } from "./constraints.ts";
import {
  type ActionDecision,
  buildPlan,
  decideRestart,
  decideScale,
  decideStop,
  nextBackoffSeconds,
  restartBounds,
} from "./deployment-plan.ts";
import { type Instance, isAlive, isScheduled } from "./instance.ts";
import { OfferStats } from "./offer-stats.ts";
import type { AppId } from "./path-id.ts";
import { offerView, placeInstance } from "./placement.ts";
import { dueProbes, type ReadinessProbeTarget, type ReadinessResult } from "./readiness.ts";
import { assignServicePorts } from "./service-ports.ts";
import type {
  Backoff,
  DeploymentResult,
  Result,
  ServiceEvent,
  ServicesEffect,
  ServicesStateOptions,
} from "./services-types.ts";
import { buildTaskInfo, instanceIdFor, parseTaskId, taskIdFor } from "./task-info.ts";
import { reviewUnreachable } from "./unreachable.ts";

export type {
  DeploymentResult,
  Result,
  ServiceEvent,
  ServicesEffect,
  ServicesError,
  ServicesErrorCode,
  ServicesStateOptions,
} from "./services-types.ts";

const FAILURE_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  "TASK_FAILED",
  "TASK_FINISHED",
  "TASK_ERROR",
]);

const iso = (ms: number) => new Date(ms).toISOString();

export class ServicesState {
  private readonly store: AppStore;
  private readonly newId: () => string;
  private readonly maxPerOffer: number;
  private readonly refuseSeconds: number;
  private readonly portRange: readonly [number, number];
  private readonly appMap = new Map<AppId, AppVersion>();
  private readonly instanceMap = new Map<string, Instance>();
  private readonly deploymentList: DeploymentRecord[] = [];
  private readonly stats = new Map<AppId, OfferStats>();
  private readonly backoffs = new Map<AppId, Backoff>();
  private readonly listeners: ((e: ServiceEvent) => void)[] = [];
  /** Readiness: last result and last probe time per task id (in memory, as in Marathon). */
  private readonly readiness = new Map<string, ReadinessResult>();
  private readonly lastProbeMs = new Map<string, number>();
  private lastVersionMs = 0;

  constructor(options: ServicesStateOptions) {
    this.store = options.store;
    this.newId = options.newId;
    this.maxPerOffer = options.maxInstancesPerOffer ?? 5;
    this.refuseSeconds = options.declineRefuseSeconds ?? 120;
    this.portRange = options.servicePortRange ?? [10000, 20000];
    for (const v of this.store.apps()) this.appMap.set(v.app.id as AppId, v);
    for (const i of this.store.instances()) this.instanceMap.set(i.instanceId, i);
    this.deploymentList.push(
      ...this.store.deployments().sort((a, b) => (a.version < b.version ? -1 : 1)),
    );
  }

  onEvent(listener: (e: ServiceEvent) => void): void {
    this.listeners.push(listener);
  }

  emit(eventType: string, nowMs: number, fields: Record<string, unknown>): void {
    const event: ServiceEvent = { eventType, timestamp: iso(nowMs), ...fields };
    for (const l of this.listeners) l(event);
  }

  // ---- queries -------------------------------------------------------------------------------

  apps(): AppVersion[] {
    return [...this.appMap.values()].sort((a, b) => (a.app.id < b.app.id ? -1 : 1));
  }
  app(id: AppId): AppVersion | undefined {
    return this.appMap.get(id);
  }
  instancesOf(id: AppId): Instance[] {
    return [...this.instanceMap.values()].filter((i) => i.appId === id);
  }
  instances(): Instance[] {
    return [...this.instanceMap.values()];
  }
  deployments(): readonly DeploymentRecord[] {
    return this.deploymentList;
  }
  deploymentsOf(id: AppId): DeploymentRecord[] {
    return this.deploymentList.filter((d) => d.affectedApps.includes(id));
  }
  versions(id: AppId): string[] {
    return this.store.versions(id);
  }
  version(id: AppId, version: string): AppVersion | undefined {
    return this.store.version(id, version);
  }
  offerStats(id: AppId): OfferStats | undefined {
    return this.stats.get(id);
  }
  backoff(id: AppId): Backoff | undefined {
    return this.backoffs.get(id);
  }
  frameworkId(): string | undefined {
    return this.store.frameworkId();
  }
  setFrameworkId(id: string): void {
    this.store.setFrameworkId(id);
  }

  /** A fresh version timestamp, strictly increasing even within one millisecond. */
  private nextVersion(nowMs: number): string {
    this.lastVersionMs = Math.max(nowMs, this.lastVersionMs + 1);
    return iso(this.lastVersionMs);
  }

  // ---- commands ------------------------------------------------------------------------------

  /**
   * One change of the app tree: `upsert` definitions (created or updated), `remove` ids,
   * `restart` ids (new version without a config change). Refused with APP_LOCKED when a running
   * deployment touches the same apps, unless `force` (which stops those deployments).
   */
  deploy(
    change: {
      upsert?: AppDefinition[];
      remove?: AppId[];
      restart?: AppId[];
      rollbackTo?: AppVersion[];
    },
    force: boolean,
    nowMs: number,
  ): Result<DeploymentResult> {
    const affected = new Set<AppId>([
      ...(change.upsert ?? []).map((a) => a.id as AppId),
      ...(change.remove ?? []),
      ...(change.restart ?? []),
      ...(change.rollbackTo ?? []).map((v) => v.app.id as AppId),
    ]);
    for (const id of [...(change.remove ?? []), ...(change.restart ?? [])]) {
      if (!this.appMap.has(id))
        return {
          ok: false,
          error: { code: "APP_NOT_FOUND", message: `App '${id}' does not exist` },
        };
    }
    const conflicting = this.deploymentList.filter((d) =>
      d.affectedApps.some((a) => affected.has(a)),
    );
    if (conflicting.length > 0 && !force) {
      const ids = conflicting.map((d) => d.id);
      return {
        ok: false,
        error: {
          code: "APP_LOCKED",
          message: `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.`,
          deployments: ids,
        },
      };
    }
    for (const d of conflicting) this.finishDeployment(d, nowMs, undefined, false);
    const version = this.nextVersion(nowMs);
    const original = new Map<AppId, AppVersion>();
    const target = new Map<AppId, AppVersion>();
    for (const id of affected) {
      const current = this.appMap.get(id);
      if (current !== undefined) {
        original.set(id, current);
        target.set(id, current);
      }
    }
    for (const app of change.upsert ?? []) {
      const before = this.appMap.get(app.id as AppId);
      const withPorts = assignServicePorts(
        app,
        [...this.appMap.values()].map((v) => v.app),
        this.portRange,
      );
      const configChanged =
        before === undefined ||
        buildPlan(
          new Map([[app.id as AppId, before]]),
          new Map([[app.id as AppId, { ...before, app: withPorts }]]),
        ).some((s) => s.some((a) => a.action === "RestartApplication"));
      target.set(app.id as AppId, {
        app: withPorts,
        version,
        lastScalingAt: version,
        lastConfigChangeAt:
          configChanged || before === undefined ? version : before.lastConfigChangeAt,
      });
    }
    for (const v of change.rollbackTo ?? []) {
      // The restored definition keeps its lastConfigChangeAt: instances still running that
      // config are current again and stay; only the others are replaced.
      target.set(v.app.id as AppId, { ...v, version, lastScalingAt: version });
    }
    for (const id of change.restart ?? []) {
      const current = this.appMap.get(id) as AppVersion;
      target.set(id, { ...current, version, lastScalingAt: version, lastConfigChangeAt: version });
    }
    for (const id of change.remove ?? []) target.delete(id);
    const steps = buildPlan(original, target, new Set(change.restart ?? []));
    for (const [id, v] of target) {
      this.appMap.set(id, v);
      this.store.putApp(v);
      if (original.get(id)?.lastConfigChangeAt !== v.lastConfigChangeAt) this.backoffs.delete(id);
    }
    for (const id of change.remove ?? []) {
      this.appMap.delete(id);
      this.store.deleteApp(id);
    }
    const record: DeploymentRecord = {
      id: this.newId(),
      version,
      affectedApps: [...affected].sort(),
      steps,
      currentStep: 0,
      original: Object.fromEntries(original),
      target: Object.fromEntries(target),
      restartBounds: {},
      waiting: {},
      watchFailures: {},
    };
    this.deploymentList.push(record);
    this.store.putDeployment(record);
    if (steps.length > 0) this.emitStepInfo(record, nowMs);
    return { ok: true, value: { deploymentId: record.id, version } };
  }

  /**
   * DELETE /v2/deployments/{id}: without force a revert deployment puts the affected apps back
   * to their original versions; with force the deployment just stops.
   */
  cancelDeployment(
    id: string,
    force: boolean,
    nowMs: number,
  ): Result<DeploymentResult | undefined> {
    const d = this.deploymentList.find((x) => x.id === id);
    if (d === undefined) {
      return {
        ok: false,
        error: { code: "DEPLOYMENT_NOT_FOUND", message: `DeploymentPlan ${id} does not exist` },
      };
    }
    this.finishDeployment(d, nowMs, "cancelled", false);
    if (force) return { ok: true, value: undefined };
    return this.revert(d, nowMs);
  }

  private revert(d: DeploymentRecord, nowMs: number): Result<DeploymentResult> {
    const rollbackTo: AppVersion[] = [];
    const remove: AppId[] = [];
    for (const id of d.affectedApps) {
      const before = d.original[id];
      if (before !== undefined) rollbackTo.push(before);
      else if (this.appMap.has(id)) remove.push(id);
    }
    return this.deploy({ rollbackTo, remove }, true, nowMs);
  }

  /** Kills tasks; with `scale` the app's instance count shrinks (a deployment), else they are replaced. */
  killTasks(
    taskIds: readonly string[],
    scale: boolean,
    nowMs: number,
  ): Result<{ killed: Instance[]; deployment?: DeploymentResult }> {
    const victims: Instance[] = [];
    for (const taskId of taskIds) {
      const parsed = parseTaskId(taskId);
      const instance = parsed === undefined ? undefined : this.instanceMap.get(parsed.instanceId);
      if (instance === undefined)
        return {
          ok: false,
          error: { code: "TASK_NOT_FOUND", message: `Task '${taskId}' does not exist` },
        };
      victims.push(instance);
    }
    const killed = victims.map((i) => ({ ...i }));
    if (!scale) {
      // Goal stays Running: a replacement incarnation launches (Marathon without `scale`).
      for (const i of victims) if (isAlive(i)) this.pendingKills.push(i);
      return { ok: true, value: { killed } };
    }
    const byApp = new Map<AppId, Instance[]>();
    for (const i of victims) byApp.set(i.appId, [...(byApp.get(i.appId) ?? []), i]);
    const upsert: AppDefinition[] = [];
    for (const [appId, list] of byApp) {
      const current = this.appMap.get(appId);
      if (current === undefined) continue;
      for (const i of list) this.decommission(i, nowMs);
      upsert.push({ ...current.app, instances: Math.max(0, current.app.instances - list.length) });
    }
    const result = this.deploy({ upsert }, true, nowMs);
    if (!result.ok) return result;
    return { ok: true, value: { killed, deployment: result.value } };
  }

  private readonly pendingKills: Instance[] = [];

  // ---- instance bookkeeping ------------------------------------------------------------------

  private save(i: Instance): void {
    this.store.putInstance(i);
  }

  private remove(i: Instance): void {
    this.instanceMap.delete(i.instanceId);
    this.store.deleteInstance(i.instanceId);
  }

  private decommission(i: Instance, _nowMs: number): void {
    i.goal = "Decommissioned";
    if (isScheduled(i)) this.remove(i);
    else {
      this.save(i);
      this.pendingKills.push(i);
    }
  }

  private schedule(v: AppVersion, nowMs: number): void {
    const instanceId = instanceIdFor(v.app.id as AppId, this.newId());
    const i: Instance = {
      instanceId,
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
      createdAtMs: nowMs,
    };
    this.instanceMap.set(instanceId, i);
    this.save(i);
  }

  private drainKills(): ServicesEffect[] {
    const out: ServicesEffect[] = [];
    for (const i of this.pendingKills.splice(0)) {
      if (i.state === undefined) continue;
      out.push({
        kind: "kill",
        taskId: taskIdFor(i.instanceId, i.incarnation),
        agentId: i.agentId,
      });
    }
    return out;
  }

  // ---- deployments ---------------------------------------------------------------------------

  private emitStepInfo(d: DeploymentRecord, nowMs: number): void {
    this.emit("deployment_info", nowMs, {
      plan: { id: d.id, steps: d.steps.map((actions) => ({ actions })), version: d.version },
      currentStep: { actions: d.steps[d.currentStep] ?? [] },
    });
  }

  private finishDeployment(
    d: DeploymentRecord,
    nowMs: number,
    failure: string | undefined,
    success: boolean,
  ): void {
    const at = this.deploymentList.indexOf(d);
    if (at >= 0) this.deploymentList.splice(at, 1);
    this.store.deleteDeployment(d.id);
    const plan = { id: d.id, steps: d.steps.map((actions) => ({ actions })), version: d.version };
    if (success) this.emit("deployment_success", nowMs, { id: d.id, plan });
    else
      this.emit("deployment_failed", nowMs, {
        id: d.id,
        plan,
        ...(failure === undefined ? {} : { reason: failure }),
      });
  }

  private decide(d: DeploymentRecord, action: { action: string; app: AppId }): ActionDecision {
    const instances = this.instancesOf(action.app);
    const target = d.target[action.app];
    switch (action.action) {
      case "StartApplication":
        return { kill: [], launch: 0, done: true, waiting: undefined };
      case "StopApplication":
        return decideStop(instances);
      case "ScaleApplication":
        assert(target !== undefined, "scale of an app missing from the target");
        return decideScale(target.app, instances);
      default: {
        assert(target !== undefined, "restart of an app missing from the target");
        let bounds = d.restartBounds[action.app];
        if (bounds === undefined) {
          bounds = restartBounds(
            target.app,
            instances.filter((i) => i.configVersion !== target.lastConfigChangeAt),
          );
          d.restartBounds[action.app] = bounds;
          this.store.putDeployment(d);
        }
        return decideRestart(target.app, target.lastConfigChangeAt, bounds, instances);
      }
    }
  }

  /** Drives every deployment as far as it can go now; returns kills to send. */
  advance(nowMs: number): ServicesEffect[] {
    for (const d of [...this.deploymentList]) {
      const failedApp = d.affectedApps.find((id) => (d.watchFailures[id] ?? 0) > 0);
      if (failedApp !== undefined) {
        this.finishDeployment(
          d,
          nowMs,
          `a new instance of ${failedApp} failed within the watch period; rolling back`,
          false,
        );
        this.revert(d, nowMs);
        continue;
      }
      for (;;) {
        const step = d.steps[d.currentStep];
        if (step === undefined) {
          this.finishDeployment(d, nowMs, undefined, true);
          break;
        }
        let allDone = true;
        d.waiting = {};
        for (const action of step) {
          const decision = this.decide(d, action);
          for (const id of decision.kill) {
            const i = this.instanceMap.get(id);
            if (i !== undefined) this.decommission(i, nowMs);
          }
          const target = d.target[action.app];
          for (let k = 0; k < decision.launch && target !== undefined; k++)
            this.schedule(target, nowMs);
          const settled = decision.kill.length === 0 && decision.launch === 0 && decision.done;
          if (!settled) {
            allDone = false;
            d.waiting[action.app] = this.explainWaiting(action.app, decision.waiting);
          }
        }
        if (!allDone) {
          this.store.putDeployment(d);
          break;
        }
        this.emit("deployment_step_success", nowMs, {
          plan: { id: d.id, version: d.version },
          currentStep: { actions: step },
        });
        d.currentStep += 1;
        this.store.putDeployment(d);
        if (d.currentStep < d.steps.length) this.emitStepInfo(d, nowMs);
      }
    }
    return this.drainKills();
  }

  /** Adds the offer-side reason when instances wait for offers (pain point §4.2). */
  private explainWaiting(id: AppId, base: string | undefined): string {
    const scheduled = this.instancesOf(id).filter(
      (i) => isScheduled(i) && i.goal === "Running",
    ).length;
    if (scheduled === 0) return base ?? "waiting";
    const top = this.stats.get(id)?.topReason();
    const because =
      top === undefined
        ? "no offers received yet"
        : `${top.count} of the last ${top.of} offers declined: ${top.reason} (${top.message})`;
    return `${base ?? "waiting"}; ${scheduled} instances waiting for offers: ${because}`;
  }

  // ---- Mesos inputs --------------------------------------------------------------------------

  /** Matches offers against scheduled instances; every offer is either used or declined. */
  handleOffers(offers: readonly Offer[], nowMs: number): ServicesEffect[] {
    const effects: ServicesEffect[] = [];
    // Instances held back by a launch delay must not lose their offers for the whole decline
    // duration: such declines refuse only until the earliest delay ends (Marathon revives then).
    let refuseSeconds = this.refuseSeconds;
    for (const [id, backoff] of this.backoffs) {
      if (backoff.untilMs <= nowMs) continue;
      if (!this.instancesOf(id).some((i) => isScheduled(i) && i.goal === "Running")) continue;
      refuseSeconds = Math.min(refuseSeconds, Math.ceil((backoff.untilMs - nowMs) / 1000));
    }
    for (const offer of offers) {
      const view = offerView(offer, nowMs);
      const tasks: TaskInfoInput[] = [];
      for (const v of this.apps()) {
        if (tasks.length >= this.maxPerOffer) break;
        const id = v.app.id as AppId;
        const waiting = this.instancesOf(id).filter((i) => isScheduled(i) && i.goal === "Running");
        if (waiting.length === 0) continue;
        const backoff = this.backoffs.get(id);
        if (backoff !== undefined && backoff.untilMs > nowMs) continue;
        const stats = this.stats.get(id) ?? new OfferStats();
        this.stats.set(id, stats);
        let used = false;
        for (const i of waiting) {
          if (tasks.length >= this.maxPerOffer) break;
          const placed: AgentFacts[] = this.instancesOf(id).flatMap((x) =>
            isAlive(x) && x.agent !== undefined ? [x.agent] : [],
          );
          const current = this.appMap.get(id) as AppVersion;
          const runAs =
            current.lastConfigChangeAt === i.configVersion ? current : this.versionFor(i);
          if (runAs === undefined) continue;
          const result = placeInstance(runAs.app, view, placed);
          if (!result.ok) {
            if (!used) stats.recordUnused(offer, result.reason, result.message, nowMs);
            break;
          }
          used = true;
          i.state = "TASK_STAGING";
          i.agentId = view.agentId;
          i.agent = view.agent;
          i.hostPorts = result.hostPorts;
          i.stagedAtMs = nowMs;
          i.version = runAs.version;
          i.ready = runAs.app.readinessChecks.length === 0;
          this.save(i);
          tasks.push(
            buildTaskInfo({
              app: runAs.app,
              version: runAs.version,
              instanceId: i.instanceId,
              incarnation: i.incarnation,
              agentId: view.agentId,
              host: view.agent.hostname,
              resources: result.resources,
              hostPorts: result.hostPorts,
            }),
          );
        }
        if (used) stats.recordUsed(offer, nowMs);
      }
      if (tasks.length > 0)
        effects.push({ kind: "launch", offerId: view.offerId, agentId: view.agentId, tasks });
      else effects.push({ kind: "decline", offerId: view.offerId, refuseSeconds });
    }
    // The rest of an accepted offer would be filtered for Mesos's default 5 s: while instances
    // still wait, refuse it for 0 s so that it comes straight back (one agent can then take
    // more than maxInstancesPerOffer instances without 5 s pauses).
    const stillWaiting = this.instances().some((i) => isScheduled(i) && i.goal === "Running");
    const out = effects.map((e) =>
      e.kind === "launch" && stillWaiting ? { ...e, refuseSeconds: 0 } : e,
    );
    // Refreshes the deployments' "waiting because ..." with what these offers showed.
    return [...out, ...this.advance(nowMs)];
  }

  private versionFor(i: Instance): AppVersion | undefined {
    return this.store.version(i.appId, i.version);
  }

  /** A task status from Mesos (already acknowledged by the adapter). */
  handleStatus(
    update: {
      taskId: string;
      state: TaskState;
      agentId?: string;
      healthy?: boolean;
      message?: string;
    },
    nowMs: number,
  ): ServicesEffect[] {
    const parsed = parseTaskId(update.taskId);
    const i = parsed === undefined ? undefined : this.instanceMap.get(parsed.instanceId);
    if (i === undefined || parsed === undefined || parsed.incarnation !== i.incarnation) {
      // Unknown or stale tasks are killed, as Marathon's reconciliation does.
      if (!isTerminalState(update.state)) {
        return [{ kind: "kill", taskId: update.taskId, agentId: update.agentId }];
      }
      return [];
    }
    const app = this.appMap.get(i.appId);
    this.emit("status_update_event", nowMs, {
      slaveId: i.agentId ?? update.agentId ?? "",
      taskId: update.taskId,
      taskStatus: update.state,
      message: update.message ?? "",
      appId: i.appId,
      host: i.agent?.hostname ?? "",
      ipAddresses: [],
      ports: i.hostPorts,
      version: i.version,
    });
    if (update.healthy !== undefined && update.healthy !== i.healthy) {
      i.healthy = update.healthy;
      this.emit("instance_health_changed_event", nowMs, {
        instanceId: i.instanceId,
        runSpecId: i.appId,
        healthy: update.healthy,
        runSpecVersion: i.version,
      });
      if (!update.healthy) this.noteWatchFailure(i, nowMs);
    }
    const wasUnreachable = i.state === "TASK_UNREACHABLE";
    i.state = update.state;
    if (update.state === "TASK_RUNNING" && i.startedAtMs === undefined) i.startedAtMs = nowMs;
    if (isTerminalState(update.state)) {
      if (i.goal === "Decommissioned") this.remove(i);
      else this.relaunchLater(i, update.state, app, nowMs);
    } else if (update.state === "TASK_UNREACHABLE") {
      i.unreachableSinceMs ??= nowMs;
      this.save(i);
    } else {
      i.unreachableSinceMs = undefined;
      this.save(i);
      // A replaced unreachable task came back: it goes (Marathon kills it on its return).
      if (wasUnreachable && i.goal === "Decommissioned") this.pendingKills.push(i);
    }
    this.applyUnreachableStrategy(nowMs);
    return [...this.drainKills(), ...this.advance(nowMs)];
  }

  private applyUnreachableStrategy(nowMs: number): void {
    const review = reviewUnreachable(
      this.instanceMap.values(),
      (i) => this.appMap.get(i.appId)?.app,
      nowMs,
    );
    for (const i of review.replace) {
      const app = this.appMap.get(i.appId);
      i.goal = "Decommissioned";
      this.save(i);
      if (app !== undefined && this.deploymentsOf(i.appId).length === 0) this.schedule(app, nowMs);
    }
    for (const i of review.expunge) this.remove(i);
  }

  private noteWatchFailure(i: Instance, nowMs: number): void {
    for (const d of this.deploymentList) {
      const target = d.target[i.appId];
      const strategy = target?.app.upgradeStrategy;
      if (target === undefined || strategy?.rollbackOnFailure !== true) continue;
      if (i.configVersion !== target.lastConfigChangeAt) continue;
      const watchMs = (strategy.watchSeconds ?? 0) * 1000;
      const started = i.startedAtMs ?? nowMs;
      if (watchMs === 0 || nowMs - started <= watchMs) {
        d.watchFailures[i.appId] = (d.watchFailures[i.appId] ?? 0) + 1;
      }
    }
  }

  /** A task of a Running instance ended: a new incarnation is scheduled, after backoff on failure. */
  private relaunchLater(
    i: Instance,
    state: TaskState,
    app: AppVersion | undefined,
    nowMs: number,
  ): void {
    if (FAILURE_STATES.has(state)) {
      this.noteWatchFailure(i, nowMs);
      if (app !== undefined) {
        const delaySeconds = nextBackoffSeconds(app.app, this.backoffs.get(i.appId)?.delaySeconds);
        this.backoffs.set(i.appId, { delaySeconds, untilMs: nowMs + delaySeconds * 1000 });
      }
    }
    i.incarnation += 1;
    i.state = undefined;
    i.agentId = undefined;
    i.agent = undefined;
    i.hostPorts = [];
    i.healthy = undefined;
    i.stagedAtMs = undefined;
    i.startedAtMs = undefined;
    if (
      app !== undefined &&
      i.configVersion !== app.lastConfigChangeAt &&
      this.deploymentsOf(i.appId).length === 0
    ) {
      i.configVersion = app.lastConfigChangeAt;
      i.version = app.version;
    }
    this.save(i);
  }

  /** Readiness probes due now (the adapter runs them over HTTP and reports each result). */
  readinessProbes(nowMs: number): ReadinessProbeTarget[] {
    const apps = new Map([...this.appMap].map(([id, v]) => [id as string, v.app]));
    const due = dueProbes(apps, this.instanceMap.values(), this.lastProbeMs, nowMs);
    for (const t of due) this.lastProbeMs.set(t.taskId, nowMs);
    return due;
  }

  /** A readiness probe's answer: a ready instance now counts toward deployment progress. */
  readinessResult(
    target: ReadinessProbeTarget,
    result: ReadinessResult,
    nowMs: number,
  ): ServicesEffect[] {
    const i = this.instanceMap.get(target.instanceId);
    if (i === undefined || i.incarnation !== target.incarnation) return [];
    this.readiness.set(target.taskId, result);
    if (result.ready && !i.ready) {
      i.ready = true;
      this.save(i);
      this.lastProbeMs.delete(target.taskId);
    }
    return this.advance(nowMs);
  }

  /** Latest readiness results of an app's current tasks (deployment `readinessCheckResults`). */
  readinessResultsOf(id: AppId): ReadinessResult[] {
    return this.instancesOf(id).flatMap((i) => {
      const r = this.readiness.get(taskIdFor(i.instanceId, i.incarnation));
      return r === undefined ? [] : [r];
    });
  }

  /** Resets an app's launch delay (DELETE /v2/queue/{id}/delay). */
  resetDelay(id: AppId): boolean {
    return this.backoffs.delete(id);
  }

  /** Timers: deployments, and Marathon's scale check for apps outside deployments. */
  tick(nowMs: number): ServicesEffect[] {
    this.applyUnreachableStrategy(nowMs);
    for (const v of this.apps()) {
      const id = v.app.id as AppId;
      if (this.deploymentsOf(id).length > 0) continue;
      const running = this.instancesOf(id).filter((i) => i.goal === "Running");
      for (let k = running.length; k < v.app.instances; k++) this.schedule(v, nowMs);
    }
    return [...this.drainKills(), ...this.advance(nowMs)];
  }
}
