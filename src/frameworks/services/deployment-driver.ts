// The deployment driver of the services core: the running deployments (indexed by app id), how
// a change of the app tree becomes one (locks, versions, plan), cancel and revert, and the
// level-triggered loop that drives each deployment's current step by deployment-plan.ts's
// decisions after every input, like a controller loop.
import { assert } from "../../base/assert.ts";
import type { AppVersion } from "./app-json.ts";
import type { AppRegistry } from "./app-registry.ts";
import type { DeploymentRecord } from "./app-store.ts";
import {
  type AuroraUpdate,
  assignInstances,
  isTerminalUpdateState,
  noteFailure,
  type UpdateCommand,
} from "./aurora-update.ts";
import {
  type ActionDecision,
  buildPlan,
  type DeploymentAction,
  decideRestart,
  decideScale,
  decideStop,
  restartBounds,
} from "./deployment-plan.ts";
import type { Instance } from "./instance.ts";
import type { InstanceLifecycle } from "./instance-lifecycle.ts";
import type { OfferStats } from "./offer-stats.ts";
import type { AppId } from "./path-id.ts";
import type { ServicesCtx } from "./services-context.ts";
import type { PlanJson } from "./services-events.ts";
import type { AppChange } from "./services-outputs.ts";
import type { DeploymentResult, Result, ServicesError } from "./services-types.ts";
import {
  auroraDecision,
  commandAll,
  overBudget,
  recordFinished,
  recordSignature,
  rollbackUpdates,
  setUpdateStates,
} from "./update-control.ts";

const deploymentNotFound = (id: string): { ok: false; error: ServicesError } => ({
  ok: false,
  error: { code: "DEPLOYMENT_NOT_FOUND", message: `DeploymentPlan ${id} does not exist` },
});

const planJson = (d: DeploymentRecord): PlanJson => ({
  id: d.id,
  steps: d.steps.map((actions) => ({ actions })),
  version: d.version,
});

export class DeploymentDriver {
  /** Running deployments, oldest first. */
  private readonly list: DeploymentRecord[] = [];
  /** The same deployments by each app they affect, oldest first. */
  private readonly byApp = new Map<AppId, Set<DeploymentRecord>>();
  /** Finished deployments with Aurora updates, newest last (bounded: update-control.ts). */
  private readonly finished = new Map<string, DeploymentRecord>();

  constructor(
    private readonly newId: () => string,
    private readonly registry: AppRegistry,
    private readonly lifecycle: InstanceLifecycle,
    private readonly statsOf: (id: AppId) => OfferStats | undefined,
    deployments: readonly DeploymentRecord[],
  ) {
    for (const d of [...deployments].sort((a, b) => (a.version < b.version ? -1 : 1))) this.add(d);
  }

  all(): readonly DeploymentRecord[] {
    return this.list;
  }

  of(id: AppId): DeploymentRecord[] {
    return [...(this.byApp.get(id) ?? [])];
  }

  /** A running or recently finished deployment by id (finished ones only with updates). */
  get(id: string): DeploymentRecord | undefined {
    return this.list.find((d) => d.id === id) ?? this.finished.get(id);
  }

  /** Whether a running deployment touches the app. */
  locked(id: AppId): boolean {
    return this.byApp.has(id);
  }

  /**
   * One change of the app tree: `upsert` definitions (created or updated), `remove` ids,
   * `restart` ids (new version without a config change). Refused with APP_LOCKED when a running
   * deployment touches the same apps, unless `force` (which stops those deployments).
   */
  deploy(
    ctx: ServicesCtx,
    change: AppChange,
    force: boolean,
    reuse?: { readonly id: string; readonly updates: Partial<Record<AppId, AuroraUpdate>> },
  ): Result<DeploymentResult> {
    const affected = new Set<AppId>([
      ...(change.upsert ?? []).map((a) => a.id as AppId),
      ...(change.remove ?? []),
      ...(change.restart ?? []),
      ...(change.rollbackTo ?? []).map((v) => v.app.id as AppId),
    ]);
    for (const id of [...(change.remove ?? []), ...(change.restart ?? [])]) {
      if (!this.registry.has(id))
        return {
          ok: false,
          error: { code: "APP_NOT_FOUND", message: `App '${id}' does not exist` },
        };
    }
    const conflicting = this.list.filter((d) => d.affectedApps.some((a) => affected.has(a)));
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
    for (const d of conflicting) {
      setUpdateStates(d, "ABORTED");
      this.finish(ctx, d, undefined, false);
    }
    const version = this.registry.nextVersion(ctx.nowMs);
    const { original, target } = this.registry.resolve(change, affected, version);
    const steps = buildPlan(original, target, new Set(change.restart ?? []));
    for (const [id, v] of target) {
      const runs = this.lifecycle.index.of(id);
      this.registry.put(ctx, v, (old) => runs.some((i) => i.version === old));
      if (original.get(id)?.lastConfigChangeAt !== v.lastConfigChangeAt)
        this.lifecycle.resetDelay(id);
    }
    for (const id of change.remove ?? []) this.registry.delete(ctx, id);
    const record: DeploymentRecord = {
      id: reuse?.id ?? this.newId(),
      version,
      affectedApps: [...affected].sort(),
      steps,
      currentStep: 0,
      original: Object.fromEntries(original),
      target: Object.fromEntries(target),
      restartBounds: {},
      waiting: {},
      watchFailures: {},
      updates: reuse?.updates ?? {},
    };
    this.add(record);
    ctx.write({ kind: "put_deployment", deployment: record });
    if (steps.length > 0) this.stepInfo(ctx, record);
    return { ok: true, value: { deploymentId: record.id, version } };
  }

  /**
   * DELETE /v2/deployments/{id}: without force a revert deployment puts the affected apps back
   * to their original versions; with force the deployment just stops.
   */
  cancel(ctx: ServicesCtx, id: string, force: boolean): Result<DeploymentResult | undefined> {
    const d = this.list.find((x) => x.id === id);
    if (d === undefined) return deploymentNotFound(id);
    if (force) {
      setUpdateStates(d, "ABORTED");
      this.finish(ctx, d, "cancelled", false);
      return { ok: true, value: undefined };
    }
    this.finish(ctx, d, "cancelled", false);
    return this.revert(ctx, d);
  }

  /**
   * Tessera: pause, resume, pulse or roll back the Aurora updates of a running deployment
   * (POST /v2/deployments/{id}/pause ...). A rollback keeps the deployment's id.
   */
  command(
    ctx: ServicesCtx,
    id: string,
    command: UpdateCommand | "rollback",
  ): Result<DeploymentResult | undefined> {
    const d = this.list.find((x) => x.id === id);
    if (d === undefined) return deploymentNotFound(id);
    const refused = commandAll(d, command, ctx.nowMs);
    if (refused !== undefined)
      return { ok: false, error: { code: "UPDATE_STATE", message: refused } };
    if (command === "rollback") {
      this.finish(ctx, d, "rolled back on request", false);
      return this.revert(ctx, d);
    }
    ctx.write({ kind: "put_deployment", deployment: d });
    return { ok: true, value: undefined };
  }

  /** Drives every deployment as far as it can go now, then sends the kills collected. */
  advance(ctx: ServicesCtx): void {
    for (const d of [...this.list]) {
      if (this.budgetSpent(ctx, d)) continue;
      const failedApp = d.affectedApps.find((id) => (d.watchFailures[id] ?? 0) > 0);
      if (failedApp !== undefined) {
        this.finish(
          ctx,
          d,
          `a new instance of ${failedApp} failed within the watch period; rolling back`,
          false,
        );
        this.revert(ctx, d);
        continue;
      }
      this.driveSteps(ctx, d);
    }
    this.lifecycle.drainKills(ctx);
  }

  /** A new-config instance failed: deployments watching its app count it (and roll back). */
  noteWatchFailure(i: Instance, nowMs: number): void {
    for (const d of this.of(i.appId)) {
      const update = d.updates?.[i.appId];
      if (update !== undefined) {
        noteFailure(update, i.instanceId);
        continue;
      }
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

  // ---- internals -----------------------------------------------------------------------------

  private add(d: DeploymentRecord): void {
    this.list.push(d);
    for (const id of d.affectedApps) {
      let set = this.byApp.get(id);
      if (set === undefined) {
        set = new Set();
        this.byApp.set(id, set);
      }
      set.add(d);
    }
  }

  /** An update over its failure budget rolls back (rollbackOnFailure) or ends FAILED. */
  private budgetSpent(ctx: ServicesCtx, d: DeploymentRecord): boolean {
    const spent = overBudget(d);
    if (spent === undefined) return false;
    if (spent.rollBack) {
      this.finish(ctx, d, spent.reason, false);
      this.revert(ctx, d);
    } else {
      setUpdateStates(d, "FAILED");
      this.finish(ctx, d, spent.reason, false);
    }
    return true;
  }

  private revert(ctx: ServicesCtx, d: DeploymentRecord): Result<DeploymentResult> {
    const rollbackTo: AppVersion[] = [];
    const remove: AppId[] = [];
    for (const id of d.affectedApps) {
      const before = d.original[id];
      if (before !== undefined) rollbackTo.push(before);
      else if (this.registry.has(id)) remove.push(id);
    }
    const updates = rollbackUpdates(d);
    // An Aurora update rolls back under its own id, batches replayed in reverse.
    const reuse = updates === undefined ? undefined : { id: d.id, updates };
    return this.deploy(ctx, { rollbackTo, remove }, true, reuse);
  }

  private finish(
    ctx: ServicesCtx,
    d: DeploymentRecord,
    failure: string | undefined,
    success: boolean,
  ): void {
    const at = this.list.indexOf(d);
    if (at >= 0) this.list.splice(at, 1);
    for (const id of d.affectedApps) {
      const set = this.byApp.get(id);
      set?.delete(d);
      if (set?.size === 0) this.byApp.delete(id);
    }
    ctx.write({ kind: "delete_deployment", deploymentId: d.id });
    recordFinished(this.finished, d);
    const plan = planJson(d);
    if (success) {
      ctx.event("deployment_success", { id: d.id, plan });
      ctx.event("group_change_success", { groupId: "/", version: d.version });
      return;
    }
    ctx.event("deployment_step_failure", {
      plan,
      currentStep: { actions: d.steps[d.currentStep] ?? [] },
    });
    ctx.event("deployment_failed", {
      id: d.id,
      plan,
      ...(failure === undefined ? {} : { reason: failure }),
    });
    const reason = failure ?? "stopped by a forced deployment";
    ctx.event("group_change_failed", { groupId: "/", version: d.version, reason });
  }

  private stepInfo(ctx: ServicesCtx, d: DeploymentRecord): void {
    ctx.event("deployment_info", {
      plan: planJson(d),
      currentStep: { actions: d.steps[d.currentStep] ?? [] },
    });
  }

  /** Runs the deployment's steps while each one is done at once; stops at one that waits. */
  private driveSteps(ctx: ServicesCtx, d: DeploymentRecord): void {
    for (;;) {
      const step = d.steps[d.currentStep];
      if (step === undefined) {
        this.finish(ctx, d, undefined, true);
        return;
      }
      let allDone = true;
      const before = recordSignature(d);
      d.waiting = {};
      for (const action of step) {
        const decision = this.decide(ctx, d, action);
        for (const id of decision.kill) {
          const i = this.lifecycle.index.get(id);
          if (i !== undefined) this.lifecycle.decommission(ctx, i);
        }
        const target = d.target[action.app];
        // A deployment replaced during this pass still schedules its own target version.
        if (target !== undefined && decision.launch > 0) this.registry.retain(target);
        const launched: string[] = [];
        for (let k = 0; k < decision.launch && target !== undefined; k++)
          launched.push(this.lifecycle.schedule(ctx, target).instanceId);
        const update = d.updates?.[action.app];
        if (update !== undefined && !isTerminalUpdateState(update.state))
          assignInstances(update, launched);
        const settled = decision.kill.length === 0 && decision.launch === 0 && decision.done;
        if (!settled) {
          allDone = false;
          d.waiting[action.app] = this.explainWaiting(action.app, decision.waiting);
        }
      }
      if (!allDone) {
        // Unchanged records are not written again: a big update's record is rewritten only
        // when an instance or the state moves, not on every tick and offer.
        if (recordSignature(d) !== before) ctx.write({ kind: "put_deployment", deployment: d });
        return;
      }
      ctx.event("deployment_step_success", { plan: planJson(d), currentStep: { actions: step } });
      for (const action of step)
        if (action.action === "StopApplication")
          ctx.event("app_terminated_event", { appId: action.app });
      d.currentStep += 1;
      ctx.write({ kind: "put_deployment", deployment: d });
      if (d.currentStep < d.steps.length) this.stepInfo(ctx, d);
    }
  }

  private decide(ctx: ServicesCtx, d: DeploymentRecord, action: DeploymentAction): ActionDecision {
    const instances = this.lifecycle.index.of(action.app);
    const target = d.target[action.app];
    switch (action.action) {
      case "StartApplication":
        return { kill: [], launch: 0, done: true, waiting: undefined };
      case "StopApplication":
        return decideStop(instances);
      case "ScaleApplication":
        assert(target !== undefined, "scale of an app missing from the target");
        return decideScale(target.app, instances);
      case "RestartApplication": {
        assert(target !== undefined, "restart of an app missing from the target");
        const aurora = auroraDecision(d, target, instances, ctx.nowMs);
        if (aurora !== undefined) return aurora;
        let bounds = d.restartBounds[action.app];
        if (bounds === undefined) {
          bounds = restartBounds(
            target.app,
            instances.filter((i) => i.configVersion !== target.lastConfigChangeAt),
          );
          d.restartBounds[action.app] = bounds;
          ctx.write({ kind: "put_deployment", deployment: d });
        }
        return decideRestart(target.app, target.lastConfigChangeAt, bounds, instances);
      }
    }
  }

  /** Adds the offer-side reason when instances wait for offers (pain point §4.2). */
  private explainWaiting(id: AppId, base: string | undefined): string {
    const scheduled = this.lifecycle.index.waitingOf(id).length;
    if (scheduled === 0) return base ?? "waiting";
    const top = this.statsOf(id)?.topReason();
    const because =
      top === undefined
        ? "no offers received yet"
        : `${top.count} of the last ${top.of} offers declined: ${top.reason} (${top.message})`;
    return `${base ?? "waiting"}; ${scheduled} instances waiting for offers: ${because}`;
  }
}
