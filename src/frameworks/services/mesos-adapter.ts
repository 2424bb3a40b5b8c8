// Connects ServicesState to a Mesos master through the SDK's SchedulerClient: offers and status
// updates go in, effects (launch/decline/kill) come out as scheduler calls. Time is driven by a
// ~1 s tick, as Marathon's scheduler actor reviews its launch queue periodically.
import { basicAuthorizationHeader } from "../../http/client.ts";
import { launchOperation } from "../../sdk/offer-matching.ts";
import { SchedulerClient } from "../../sdk/scheduler-client.ts";
import type { TaskStatus } from "../../wire/status.ts";
import { isScheduled } from "./instance.ts";
import { containerTaskId, isPod } from "./pods.ts";
import { fetchQuotas } from "./quota-source.ts";
import { probe } from "./readiness.ts";
import type { PodTaskGroup, SchedulerCallOutput } from "./services-outputs.ts";
import type { ServicesEffect, ServicesState } from "./services-state.ts";
import { parseTaskId, taskIdFor } from "./task-info.ts";

/** Marathon's default failover timeout is one week: tasks survive a framework restart. */
export const SERVICES_FAILOVER_TIMEOUT_SECONDS = 7 * 24 * 3600;
/** The framework's own role (`--role`): apps that name no role run under it, and placement only
 * uses offers allocated to the app's role, so the API's default role and the subscription's
 * role are the same value. Marathon's default is "*"; Tessera's services get their own role so
 * that operators can weight and reserve for them. */
export const SERVICES_ROLE = "services";
export const SERVICES_TICK_MS = 1000;
/** While instances wait for offers, revive again this often. */
export const SERVICES_REVIVE_REPEAT_MS = 5000;
/**
 * Implicit reconciliation (an empty RECONCILE: the master answers with every task it holds
 * for the framework) after each (re)subscription, at these delays, then every
 * SERVICES_RECONCILE_INTERVAL_MS (Marathon's `--reconciliation_interval`). It is how a task
 * the framework forgot (an instance replaced and expunged while its agent was unreachable)
 * that came back while the framework was not connected, or to a master that failed over
 * meanwhile, is heard of, and then killed (services-core's status handling). Repeated early:
 * after a failover the agents re-register on their own schedule, and the master answers only
 * for the tasks of those that have.
 */
export const SERVICES_IMPLICIT_RECONCILE_AFTER_MS: readonly number[] = [0, 5_000, 15_000, 30_000];
export const SERVICES_RECONCILE_INTERVAL_MS = 600_000;

/** The calls the adapter makes; SchedulerClient satisfies it, unit tests record it. */
export interface AdapterClient {
  accept(
    offerIds: readonly string[],
    ops: ReturnType<typeof launchOperation>[],
    filters?: { refuseSeconds?: number },
  ): unknown;
  decline(offerIds: readonly string[], filters?: { refuseSeconds?: number }): unknown;
  kill(taskId: string, agentId?: string): unknown;
  revive(roles?: readonly string[]): unknown;
  /** RECONCILE: explicit for these tasks, implicit (every task) with none. */
  reconcile(tasks?: readonly { taskId: string; agentId?: string }[]): unknown;
  /** Maintenance answers; absent in clients of engines that never get inverse offers. */
  acceptInverseOffers?(ids: readonly string[], filters?: { refuseSeconds?: number }): unknown;
  declineInverseOffers?(ids: readonly string[], filters?: { refuseSeconds?: number }): unknown;
}

/** Sends a framework engine's scheduler calls (services-outputs.ts) in order. */
export function sendSchedulerCalls(
  client: AdapterClient,
  calls: readonly SchedulerCallOutput[],
): void {
  for (const c of calls) {
    if (c.kind === "launch")
      client.accept(
        [c.offerId],
        [
          ...(c.tasks.length > 0 || c.groups === undefined ? [launchOperation(c.tasks)] : []),
          ...(c.groups ?? []).map((g) => launchGroupOperation(g)),
        ],
        ...(c.refuseSeconds === undefined ? [] : [{ refuseSeconds: c.refuseSeconds }]),
      );
    else if (c.kind === "decline") client.decline([c.offerId], { refuseSeconds: c.refuseSeconds });
    else if (c.kind === "kill") client.kill(c.taskId, c.agentId);
    else if (c.accept) client.acceptInverseOffers?.([c.inverseOfferId], {});
    else client.declineInverseOffers?.([c.inverseOfferId], { refuseSeconds: c.refuseSeconds });
  }
}

export interface ServicesAdapterOptions {
  readonly state: ServicesState;
  readonly nowMs: () => number;
  readonly role?: string;
  /** More roles to subscribe with (Aurora jobs run under their own role). */
  readonly extraRoles?: readonly string[];
}

/** Maps state effects onto scheduler calls; pure apart from the client it is given. */
export class ServicesAdapter {
  readonly state: ServicesState;
  private readonly nowMs: () => number;
  readonly role: string;
  /** Every role subscribed with: the framework's own first. */
  readonly roles: readonly string[];
  client: AdapterClient | undefined;
  /** Set once the framework stops: late readiness answers are dropped. */
  stopped = false;
  private wantedOffers = false;
  private lastReviveMs = Number.NEGATIVE_INFINITY;
  /** Reads the master's quotas (set by connectServices); undefined while not connected. */
  quotaSource: (() => ReturnType<typeof fetchQuotas>) | undefined;
  /** The implicit reconciliation rounds since the last subscription (see above). */
  private subscribedAtMs: number | undefined;
  private implicitRounds = 0;

  constructor(options: ServicesAdapterOptions) {
    this.state = options.state;
    this.nowMs = options.nowMs;
    this.role = options.role ?? SERVICES_ROLE;
    this.roles = [...new Set([this.role, ...(options.extraRoles ?? [])])];
  }

  /** Carries out effects (from the API, offers, updates or ticks). */
  apply(effects: readonly ServicesEffect[]): void {
    const client = this.client;
    if (client === undefined) return; // not connected: the tick re-derives launches later
    sendSchedulerCalls(
      client,
      effects.map((e) =>
        e.kind === "kill" ? { ...e, taskId: this.mesosTaskIds(e.taskId)[0] ?? e.taskId } : e,
      ),
    );
    this.reviveIfNeeded();
  }

  /**
   * Revive when instances start waiting for offers (after declines with refuse_seconds), and
   * again every SERVICES_REVIVE_REPEAT_MS while they still wait: like Marathon's repeated
   * revives (`--min_revive_offers_interval`), this recovers from a revive that raced with
   * an offer being rescinded or a launch being dropped.
   */
  reviveIfNeeded(): void {
    const waiting = this.state.hasWaitingInstances();
    const now = this.nowMs();
    const repeat = waiting && now - this.lastReviveMs >= SERVICES_REVIVE_REPEAT_MS;
    if (waiting && (!this.wantedOffers || repeat) && this.client !== undefined) {
      this.client.revive(this.roles);
      this.lastReviveMs = now;
    }
    this.wantedOffers = waiting;
  }

  onOffers(offers: Parameters<ServicesState["handleOffers"]>[0]): void {
    this.apply(this.state.handleOffers(offers, this.nowMs()));
  }

  onUpdate(status: TaskStatus): void {
    const update = {
      taskId: status.task_id.value,
      state: status.state,
      ...(status.agent_id !== undefined ? { agentId: status.agent_id.value } : {}),
      ...(status.healthy !== undefined ? { healthy: status.healthy } : {}),
      ...(status.message !== undefined ? { message: status.message } : {}),
    };
    this.apply(this.state.handleStatus(update, this.nowMs()));
  }

  /** Maintenance: drains the agents as far as the apps' SLAs allow (maintenance-drain.ts). */
  onInverseOffers(inverseOffers: Parameters<ServicesState["handleInverseOffers"]>[0]): void {
    this.apply(this.state.handleInverseOffers(inverseOffers, this.nowMs()));
  }

  tick(): void {
    this.apply(this.state.tick(this.nowMs()));
    this.reconcileIfDue();
    void this.probeReadiness();
  }

  /** Sends the implicit reconciliation due now, if any (the schedule is above). */
  reconcileIfDue(): void {
    if (this.client === undefined || this.subscribedAtMs === undefined) return;
    const early = SERVICES_IMPLICIT_RECONCILE_AFTER_MS;
    const last = early.at(-1) ?? 0;
    const dueAfter =
      early[this.implicitRounds] ??
      last + (this.implicitRounds - early.length + 1) * SERVICES_RECONCILE_INTERVAL_MS;
    if (this.nowMs() - this.subscribedAtMs < dueAfter) return;
    this.implicitRounds += 1;
    this.client.reconcile([]);
  }

  /** Runs the readiness probes due now; resolves once their results are applied. */
  async probeReadiness(): Promise<void> {
    const due = this.state.readinessProbes(this.nowMs());
    await Promise.all(
      due.map(async (target) => {
        const result = await probe(target);
        // Stopped meanwhile: the state's store may be closed; the next start probes again.
        if (this.stopped) return;
        this.apply(this.state.readinessResult(target, result, this.nowMs()));
      }),
    );
  }

  /**
   * The Mesos tasks of an instance's task id: itself, or for a pod one per container (killing
   * one kills the group: the default executor takes a group down as one).
   */
  mesosTaskIds(taskId: string): string[] {
    const parsed = parseTaskId(taskId);
    if (parsed === undefined || taskIdFor(parsed.instanceId, parsed.incarnation) !== taskId)
      return [taskId];
    const app = this.state.app(parsed.appId)?.app;
    if (app === undefined || !isPod(app)) return [taskId];
    return app.pod.containers.map((c) => containerTaskId(taskId, c.name));
  }

  onSubscribed(frameworkId: string, master = ""): void {
    const again = this.state.frameworkId() === frameworkId;
    this.state.setFrameworkId(frameworkId);
    const eventType = again ? "scheduler_reregistered_event" : "scheduler_registered_event";
    this.state.emit(eventType, this.nowMs(), { frameworkId, master });
    this.wantedOffers = false;
    this.reviveIfNeeded();
    void this.refreshQuotas();
    // The first round goes now, after the explicit one the client sent for the known tasks.
    this.subscribedAtMs = this.nowMs();
    this.implicitRounds = 0;
    this.reconcileIfDue();
  }

  /**
   * Hands the master's current quotas to the state for quota admission: before every change
   * made through the API (so a quota set just before a deploy counts) and after subscribing.
   */
  async refreshQuotas(): Promise<void> {
    const quotas = await this.quotaSource?.();
    if (quotas !== undefined && !this.stopped)
      this.state.handle({ kind: "quotas", quotas }, this.nowMs());
  }

  /** The tasks to reconcile explicitly after each (re)subscription. */
  reconcileTasks(): { taskId: string; agentId?: string }[] {
    const out: { taskId: string; agentId?: string }[] = [];
    for (const i of this.state.instances()) {
      if (isScheduled(i)) continue;
      for (const taskId of this.mesosTaskIds(taskIdFor(i.instanceId, i.incarnation)))
        out.push(i.agentId === undefined ? { taskId } : { taskId, agentId: i.agentId });
    }
    return out;
  }
}

/** A pod instance's LAUNCH_GROUP operation. */
function launchGroupOperation(g: PodTaskGroup): ReturnType<typeof launchOperation> {
  return {
    type: "LAUNCH_GROUP",
    launch_group: { executor: g.executor, task_group: { tasks: g.tasks } },
  };
}

/** Builds the SchedulerClient for the adapter and wires its handlers and tick timer. */
export function connectServices(
  adapter: ServicesAdapter,
  state: ServicesState,
  master: string,
  credential?: { readonly principal: string; readonly secret: string },
  /** This framework's API, shown by the master (FrameworkInfo.webui_url): the web UI finds it there. */
  webuiUrl?: string,
): { client: SchedulerClient; stop(): Promise<void> } {
  const frameworkId = state.frameworkId();
  const client = new SchedulerClient({
    master,
    ...(credential === undefined
      ? {}
      : { headers: { Authorization: basicAuthorizationHeader(credential) } }),
    frameworkInfo: {
      ...(credential === undefined ? {} : { principal: credential.principal }),
      user: "root",
      name: "tessera-services",
      roles: [...adapter.roles],
      failover_timeout: SERVICES_FAILOVER_TIMEOUT_SECONDS,
      checkpoint: true,
      ...(webuiUrl === undefined ? {} : { webui_url: webuiUrl }),
      capabilities: [
        { type: "MULTI_ROLE" },
        { type: "PARTITION_AWARE" },
        { type: "TASK_KILLING_STATE" },
        // The revocable tier runs on revocable (oversubscribed) resources only.
        { type: "REVOCABLE_RESOURCES" },
      ],
    },
    ...(frameworkId !== undefined ? { frameworkId } : {}),
    reconcile: { tasks: () => adapter.reconcileTasks() },
  });
  adapter.client = client;
  const authorization = credential === undefined ? undefined : basicAuthorizationHeader(credential);
  adapter.quotaSource = () =>
    fetchQuotas(
      () => client.endpoint,
      authorization === undefined ? undefined : { Authorization: authorization },
    );
  client.on("subscribed", ({ frameworkId: id }) => adapter.onSubscribed(id, master));
  client.on("disconnected", () =>
    adapter.state.emit("scheduler_disconnected_event", Date.now(), { master }),
  );
  client.on("offers", (offers) => adapter.onOffers(offers));
  client.on("update", (status) => adapter.onUpdate(status));
  client.on("inverseOffers", (ios) => adapter.onInverseOffers(ios));
  const timer = setInterval(() => adapter.tick(), SERVICES_TICK_MS);
  void client.start();
  return {
    client,
    async stop() {
      clearInterval(timer);
      adapter.client = undefined;
      adapter.stopped = true;
      await client.stop();
    },
  };
}
