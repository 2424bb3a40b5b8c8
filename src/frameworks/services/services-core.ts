// ServicesCore: the services framework's pure state machine (DESIGN.md "Pure core, thin shell",
// shaped like src/master/core). One input switch; the handlers work through a context that
// collects the outputs, split by concern: the app registry (apps and versions), the instance
// lifecycle (every instance transition, launch delays, readiness), the offer matcher and the
// deployment driver. Nothing here writes a store, calls Mesos or reads a clock: the shell
// (services-state.ts) hands in inputs with the time and carries out the outputs in order.
import type { InverseOffer } from "../../wire/offer.ts";
import { isTerminalState } from "../../wire/status.ts";
import type { AppVersion } from "./app-json.ts";
import { AppRegistry, type RegistrySnapshot } from "./app-registry.ts";
import type { DeploymentRecord } from "./app-store.ts";
import { DeploymentDriver } from "./deployment-driver.ts";
import type { Instance } from "./instance.ts";
import { InstanceLifecycle, type LifecycleHooks } from "./instance-lifecycle.ts";
import {
  DRAIN_RETRY_SECONDS,
  DRAINING_OFFER_REFUSE_SECONDS,
  MaintenanceDrain,
} from "./maintenance-drain.ts";
import { OfferMatcher } from "./offer-matcher.ts";
import type { OfferStats } from "./offer-stats.ts";
import type { AppId } from "./path-id.ts";
import { type PendingReason, pendingReasons } from "./pending-reason.ts";
import { PREEMPTION_DELAY_MS, Preemptor, SLOT_HOLD_MS } from "./preemptor.ts";
import { checkQuota, type RoleQuota } from "./quota-admission.ts";
import type { ReadinessResult } from "./readiness.ts";
import { ServicesCtx } from "./services-context.ts";
import type {
  AppChange,
  KilledTasks,
  ServicesInput,
  ServicesOutput,
  TaskStatusInput,
} from "./services-outputs.ts";
import type { Backoff, DeploymentResult, Result, ServicesCoreOptions } from "./services-types.ts";
import { statusEvents, unknownTaskEvent } from "./status-events.ts";
import { isTaskFailure, type TaskFailure, TaskFailures } from "./task-failures.ts";
import { parseTaskId, taskIdFor } from "./task-info.ts";
import { DEFAULT_TIER_CONFIG, type TierConfig } from "./tiers.ts";

/** What the core starts from: the store's records, as the shell read them. */
export interface ServicesSnapshot extends RegistrySnapshot {
  readonly instances: readonly Instance[];
  readonly deployments: readonly DeploymentRecord[];
  /** The apps' last task failures an earlier run stored. */
  readonly failures?: readonly TaskFailure[];
}

export class ServicesCore {
  readonly #registry: AppRegistry;
  readonly #lifecycle: InstanceLifecycle;
  readonly #matcher: OfferMatcher;
  readonly #driver: DeploymentDriver;
  readonly #preemptor: Preemptor;
  /** The roles' quotas from the master; undefined until it first answered. */
  #quotas: ReadonlyMap<string, RoleQuota> | undefined;
  readonly #drain = new MaintenanceDrain();
  readonly #failures: TaskFailures;

  constructor(options: ServicesCoreOptions, snapshot: ServicesSnapshot) {
    this.#failures = new TaskFailures(snapshot.failures);
    this.#registry = new AppRegistry(options.servicePortRange ?? [10000, 20000], snapshot);
    this.#lifecycle = new InstanceLifecycle(options.newId, snapshot.instances);
    this.#preemptor = new Preemptor(
      {
        tiers: options.tiers ?? DEFAULT_TIER_CONFIG,
        preemptionDelayMs: options.preemptionDelayMs ?? PREEMPTION_DELAY_MS,
        slotHoldMs: options.slotHoldMs ?? SLOT_HOLD_MS,
      },
      this.#registry,
      this.#lifecycle,
    );
    this.#matcher = new OfferMatcher(
      {
        maxInstancesPerOffer: options.maxInstancesPerOffer ?? 5,
        declineRefuseSeconds: options.declineRefuseSeconds ?? 120,
      },
      this.#registry,
      this.#lifecycle,
      this.#preemptor,
    );
    this.#driver = new DeploymentDriver(
      options.newId,
      this.#registry,
      this.#lifecycle,
      (id) => this.#matcher.statsOf(id),
      snapshot.deployments,
    );
  }

  /** Handles one input at `nowMs`; the outputs are to be carried out in order. */
  handle(input: ServicesInput, nowMs: number): ServicesOutput[] {
    const ctx = new ServicesCtx(nowMs);
    switch (input.kind) {
      case "deploy": {
        const refused = this.#admit(input.change);
        const result = refused ?? this.#driver.deploy(ctx, input.change, input.force);
        ctx.reply({ to: "deploy", result });
        break;
      }
      case "quotas":
        this.#quotas = new Map(input.quotas.map((q) => [q.role, q]));
        break;
      case "cancel_deployment": {
        const result = this.#driver.cancel(ctx, input.deploymentId, input.force);
        ctx.reply({ to: "cancel_deployment", result });
        break;
      }
      case "update_command": {
        const result = this.#driver.command(ctx, input.deploymentId, input.command);
        ctx.reply({ to: "update_command", result });
        break;
      }
      case "kill_tasks":
        ctx.reply({ to: "kill_tasks", result: this.#killTasks(ctx, input.taskIds, input.scale) });
        break;
      case "reset_delay":
        ctx.reply({ to: "reset_delay", reset: this.#lifecycle.resetDelay(input.appId) });
        break;
      case "offers": {
        const { usable, refused } = this.#drain.sortOffers(input.offers);
        for (const o of refused)
          ctx.call({
            kind: "decline",
            offerId: o.id.value,
            refuseSeconds: DRAINING_OFFER_REFUSE_SECONDS,
          });
        this.#matcher.match(ctx, usable);
        // Refreshes the deployments' "waiting because ..." with what these offers showed.
        this.#driver.advance(ctx);
        break;
      }
      case "inverse_offers":
        this.#inverseOffers(ctx, input.inverseOffers);
        break;
      case "task_status":
        this.#taskStatus(ctx, input.update);
        break;
      case "readiness_due":
        for (const target of this.#lifecycle.dueProbes(this.#registry.definitions(), nowMs))
          ctx.probe(target);
        break;
      case "readiness_result":
        // A ready instance now counts toward deployment progress.
        if (this.#lifecycle.readinessResult(ctx, input.target, input.result))
          this.#driver.advance(ctx);
        break;
      case "tick":
        this.#tick(ctx);
        break;
      case "advance":
        this.#driver.advance(ctx);
        break;
    }
    // A removed app's last failure goes with it (a new app of that id starts clean).
    for (const o of ctx.out)
      if (o.kind === "store_write" && o.write.kind === "delete_app")
        this.#failures.forget(o.write.appId);
    return ctx.out;
  }

  // ---- queries -------------------------------------------------------------------------------

  apps(): AppVersion[] {
    return this.#registry.sorted();
  }
  app(id: AppId): AppVersion | undefined {
    return this.#registry.get(id);
  }
  instancesOf(id: AppId): Instance[] {
    return this.#lifecycle.index.of(id);
  }
  instances(): Instance[] {
    return this.#lifecycle.index.all();
  }
  /** Whether any instance waits for an offer (the adapter then wants offers). */
  hasWaitingInstances(): boolean {
    return this.#lifecycle.index.hasWaiting();
  }
  deployments(): readonly DeploymentRecord[] {
    return this.#driver.all();
  }
  /** Agents being drained for maintenance. */
  drainingAgents(): string[] {
    return this.#drain.drainingAgents();
  }
  /** A running deployment, or a finished one that had Aurora updates (kept a while). */
  deployment(id: string): DeploymentRecord | undefined {
    return this.#driver.get(id);
  }
  deploymentsOf(id: AppId): DeploymentRecord[] {
    return this.#driver.of(id);
  }
  offerStats(id: AppId): OfferStats | undefined {
    return this.#matcher.statsOf(id);
  }
  backoff(id: AppId): Backoff | undefined {
    return this.#lifecycle.backoff(id);
  }
  readinessResultsOf(id: AppId): ReadinessResult[] {
    return this.#lifecycle.readinessResultsOf(id);
  }
  /** The app's last task failure (Marathon's lastTaskFailure), if one is known. */
  lastTaskFailure(id: AppId): TaskFailure | undefined {
    return this.#failures.of(id);
  }
  /** The tier config in use (Aurora's getTierConfigs). */
  tierConfig(): TierConfig {
    return this.#preemptor.options.tiers;
  }
  /** The roles' quotas as last reported by the master (undefined before its first answer). */
  quotas(): ReadonlyMap<string, RoleQuota> | undefined {
    return this.#quotas;
  }
  /** Why each of the app's waiting instances still waits (Aurora's getPendingReason). */
  pendingReasons(id: AppId, nowMs: number): PendingReason[] {
    return pendingReasons(this.#lifecycle, this.#preemptor, this.#matcher.statsOf(id), id, nowMs);
  }

  // ---- handlers ------------------------------------------------------------------------------

  /** Kills tasks; with `scale` the app's instance count shrinks (a deployment), else they are replaced. */
  #killTasks(ctx: ServicesCtx, taskIds: readonly string[], scale: boolean): Result<KilledTasks> {
    const victims: Instance[] = [];
    for (const taskId of taskIds) {
      const parsed = parseTaskId(taskId);
      const instance =
        parsed === undefined ? undefined : this.#lifecycle.index.get(parsed.instanceId);
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
      for (const i of victims) this.#lifecycle.requestKill(i);
      return { ok: true, value: { killed } };
    }
    const byApp = new Map<AppId, Instance[]>();
    for (const i of victims) byApp.set(i.appId, [...(byApp.get(i.appId) ?? []), i]);
    const upsert: NonNullable<AppChange["upsert"]> = [];
    for (const [appId, list] of byApp) {
      const current = this.#registry.get(appId);
      if (current === undefined) continue;
      for (const i of list) this.#lifecycle.decommission(ctx, i);
      upsert.push({ ...current.app, instances: Math.max(0, current.app.instances - list.length) });
    }
    const result: Result<DeploymentResult> = this.#driver.deploy(ctx, { upsert }, true);
    if (!result.ok) return result;
    return { ok: true, value: { killed, deployment: result.value } };
  }

  /** Quota admission: the refusal when the change takes production apps over quota. */
  #admit(change: AppChange): Result<DeploymentResult> | undefined {
    const current = this.#registry.definitions();
    const after = new Map(current);
    for (const id of change.remove ?? []) after.delete(id);
    for (const app of change.upsert ?? []) after.set(app.id, app);
    for (const v of change.rollbackTo ?? []) after.set(v.app.id, v.app);
    const check = checkQuota(
      [...current.values()],
      [...after.values()],
      this.#quotas,
      this.#preemptor.options.tiers,
    );
    return check.ok
      ? undefined
      : { ok: false, error: { code: "QUOTA_EXCEEDED", message: check.message } };
  }

  /** Maintenance: each agent drains as far as its apps' SLAs allow; accepted once empty. */
  #inverseOffers(ctx: ServicesCtx, inverseOffers: readonly InverseOffer[]): void {
    const all = this.#lifecycle.index.all();
    for (const io of inverseOffers) {
      const agent = io.agent_id?.value;
      const decision = this.#drain.decide(
        io,
        all.filter((i) => agent !== undefined && i.agentId === agent),
        (id) => this.#lifecycle.index.of(id),
        (id) => this.#registry.get(id),
        (i) => taskIdFor(i.instanceId, i.incarnation),
        ctx.nowMs,
      );
      for (const i of decision.move) this.#lifecycle.requestKill(i);
      ctx.call({
        kind: "inverse_offer",
        inverseOfferId: decision.inverseOfferId,
        accept: decision.accept,
        refuseSeconds: DRAIN_RETRY_SECONDS,
      });
    }
    this.#lifecycle.drainKills(ctx);
  }

  #taskStatus(ctx: ServicesCtx, update: TaskStatusInput): void {
    if (isTerminalState(update.state)) this.#drain.forgetTask(update.taskId);
    const parsed = parseTaskId(update.taskId);
    const i = parsed === undefined ? undefined : this.#lifecycle.index.get(parsed.instanceId);
    if (i === undefined || parsed === undefined || parsed.incarnation !== i.incarnation) {
      // Unknown or stale tasks are killed, as Marathon's reconciliation does.
      if (!isTerminalState(update.state)) {
        ctx.call({ kind: "kill", taskId: update.taskId, agentId: update.agentId });
        unknownTaskEvent(ctx, update);
      }
      return;
    }
    ctx.event("status_update_event", {
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
    statusEvents(ctx, i, update, this.#registry.get(i.appId));
    if (isTaskFailure(i, update, this.#lifecycle.killRequested(update.taskId)))
      ctx.write({ kind: "put_task_failure", failure: this.#failures.note(i, update, ctx.nowMs) });
    this.#lifecycle.applyStatus(ctx, i, update, this.#registry.get(i.appId), this.#hooks(ctx));
    this.#reviewUnreachable(ctx);
    this.#lifecycle.drainKills(ctx);
    this.#driver.advance(ctx);
  }

  /** Timers: deployments, and Marathon's scale check for apps outside deployments. */
  #tick(ctx: ServicesCtx): void {
    this.#reviewUnreachable(ctx);
    for (const v of this.#registry.sorted()) {
      const id = v.app.id as AppId;
      if (this.#driver.locked(id)) continue;
      const running = this.#lifecycle.index.of(id).filter((i) => i.goal === "Running");
      for (let k = running.length; k < v.app.instances; k++) this.#lifecycle.schedule(ctx, v);
    }
    this.#preemptor.review(ctx);
    this.#lifecycle.retryKills(ctx);
    this.#lifecycle.drainKills(ctx);
    this.#driver.advance(ctx);
  }

  #reviewUnreachable(ctx: ServicesCtx): void {
    this.#lifecycle.reviewUnreachable(
      ctx,
      (id) => this.#registry.get(id),
      (id) => this.#driver.locked(id),
    );
  }

  #hooks(ctx: ServicesCtx): LifecycleHooks {
    return {
      watchFailure: (i) => this.#driver.noteWatchFailure(i, ctx.nowMs),
      locked: (id) => this.#driver.locked(id),
    };
  }
}
