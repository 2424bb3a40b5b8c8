// Connects JobsState to a Mesos master through the SDK's SchedulerClient: offers and status
// updates go in, effects (launch/decline/kill) come out as scheduler calls — each only after the
// store batch that recorded it is durable (the run is in the ledger before its task exists).
// A status update is acknowledged only after its outcome is durable, so an update the scheduler
// crashed on is sent again by Mesos. After every (re)subscription with the stored framework id
// every launched, unfinished attempt is reconciled. Time is driven by a short tick.
import { basicAuthorizationHeader } from "../../http/client.ts";
import { SchedulerClient } from "../../sdk/scheduler-client.ts";
import type { Offer } from "../../wire/offer.ts";
import type { TaskStatus } from "../../wire/status.ts";
import { type AdapterClient, sendSchedulerCalls } from "../services/mesos-adapter.ts";
import type { JobsEffect, JobsState } from "./jobs-state.ts";

/** Chronos's `--failover_timeout`: one week, tasks survive a scheduler restart. */
export const JOBS_FAILOVER_TIMEOUT_SECONDS = 7 * 24 * 3600;
/** The framework's own role. */
export const JOBS_ROLE = "jobs";
/** How often due occurrences are looked for (the lag from due time to launch is at most this). */
export const JOBS_TICK_MS = 200;
/** How often the adapter looks again whether a queued run could launch (see reviveIfNeeded). */
export const JOBS_WANTS_OFFERS_CHECK_MS = 100;
/** While runs wait for offers, revive again this often. */
export const JOBS_REVIVE_REPEAT_MS = 5000;
/**
 * Every launched, unfinished attempt is reconciled explicitly this often, besides after each
 * (re)subscription (Mesos's advice: reconcile periodically). A task reported TASK_UNREACHABLE
 * whose agent came back without it, or a launch lost on the way, is otherwise never heard of
 * again while the subscription lasts: its run waited for good (nemesis seed 5230).
 */
export const JOBS_RECONCILE_INTERVAL_MS = 30_000;

export class JobsAdapter {
  client: AdapterClient | undefined;
  #wantedOffers = false;
  #lastReviveMs = Number.NEGATIVE_INFINITY;
  #lastCheckMs = Number.NEGATIVE_INFINITY;
  #lastReconcileMs = Number.NEGATIVE_INFINITY;
  /** Calls wait for the store; this keeps them in order. */
  #sending: Promise<void> = Promise.resolve();

  constructor(
    readonly state: JobsState,
    private readonly nowMs: () => number,
    readonly role = JOBS_ROLE,
  ) {}

  /** Carries out effects once everything written so far is durable; resolves when sent. */
  apply(effects: readonly JobsEffect[]): Promise<void> {
    if (effects.length === 0) {
      this.reviveIfNeeded();
      return this.#sending;
    }
    this.#sending = this.#sending
      .then(() => this.state.store.durable())
      .then(
        () => this.#send(effects),
        // Not durable: send nothing; offers go back by their timeout, the tick retries later.
        () => undefined,
      );
    return this.#sending;
  }

  #send(effects: readonly JobsEffect[]): void {
    const client = this.client;
    if (client === undefined) return; // not connected: reconciliation and offers redo it
    sendSchedulerCalls(client, effects);
    this.reviveIfNeeded();
  }

  /** Revive when runs start waiting for offers, and every JOBS_REVIVE_REPEAT_MS while they do. */
  reviveIfNeeded(): void {
    const now = this.nowMs();
    // wantsOffers walks the queue while every run in it is blocked: once per interval is
    // enough (a status update per task would otherwise walk it each time).
    if (now - this.#lastCheckMs < JOBS_WANTS_OFFERS_CHECK_MS) return;
    this.#lastCheckMs = now;
    const waiting = this.state.wantsOffers(now);
    const repeat = waiting && now - this.#lastReviveMs >= JOBS_REVIVE_REPEAT_MS;
    if (waiting && (!this.#wantedOffers || repeat) && this.client !== undefined) {
      this.client.revive([this.role]);
      this.#lastReviveMs = now;
    }
    this.#wantedOffers = waiting;
  }

  onOffers(offers: readonly Offer[]): Promise<void> {
    return this.apply(this.state.handleOffers(offers, this.nowMs()));
  }

  onUpdate(status: TaskStatus): Promise<void> {
    const update = {
      taskId: status.task_id.value,
      state: status.state,
      ...(status.agent_id !== undefined ? { agentId: status.agent_id.value } : {}),
      ...(status.message !== undefined ? { message: status.message } : {}),
      ...(status.reason !== undefined ? { reason: status.reason } : {}),
      ...(status.timestamp !== undefined
        ? { timestampMs: Math.round(status.timestamp * 1000) }
        : {}),
    };
    const effects = this.state.handleStatus(update, this.nowMs());
    // Acknowledged (by the client, when this resolves) only once the outcome is durable. When
    // it is not (a ZooKeeper write failed) this rejects and the client leaves the update
    // unacknowledged: Mesos sends it again, to the term that reloads the store (start.ts).
    // Acknowledging it anyway lost the outcome: the next term found the attempt unfinished,
    // Mesos no longer knew it, and it ran again (nemesis seed 909).
    return this.apply(effects).then(() => this.state.store.durable());
  }

  tick(): void {
    const now = this.nowMs();
    if (this.client !== undefined && now - this.#lastReconcileMs >= JOBS_RECONCILE_INTERVAL_MS) {
      this.#lastReconcileMs = now;
      const tasks = this.state.activeTasks();
      if (tasks.length > 0) this.client.reconcile(tasks);
    }
    void this.apply(this.state.tick(now));
  }

  onSubscribed(frameworkId: string): void {
    this.state.setFrameworkId(frameworkId);
    this.#wantedOffers = false;
    this.#lastCheckMs = Number.NEGATIVE_INFINITY;
    // The client reconciles every unfinished attempt now: the periodic round starts over.
    this.#lastReconcileMs = this.nowMs();
    this.reviveIfNeeded();
  }
}

/** Builds the SchedulerClient for the adapter and wires its handlers and tick timer. */
export function connectJobs(
  adapter: JobsAdapter,
  master: string,
  user: string,
  /** This framework's API, shown by the master (FrameworkInfo.webui_url): the web UI finds it there. */
  webuiUrl?: string,
  credential?: { readonly principal: string; readonly secret: string },
): { client: SchedulerClient; stop(): Promise<void> } {
  const frameworkId = adapter.state.frameworkId();
  const client = new SchedulerClient({
    master,
    ...(credential === undefined
      ? {}
      : { headers: { Authorization: basicAuthorizationHeader(credential) } }),
    frameworkInfo: {
      ...(credential === undefined ? {} : { principal: credential.principal }),
      user,
      name: "tessera-jobs",
      roles: [adapter.role],
      failover_timeout: JOBS_FAILOVER_TIMEOUT_SECONDS,
      checkpoint: true,
      ...(webuiUrl === undefined ? {} : { webui_url: webuiUrl }),
      capabilities: [
        { type: "MULTI_ROLE" },
        { type: "PARTITION_AWARE" },
        { type: "TASK_KILLING_STATE" },
      ],
    },
    ...(frameworkId !== undefined ? { frameworkId } : {}),
    reconcile: { tasks: () => adapter.state.activeTasks() },
  });
  adapter.client = client;
  client.on("subscribed", ({ frameworkId: id }) => adapter.onSubscribed(id));
  client.on("offers", (offers) => adapter.onOffers(offers));
  client.on("update", (status) => adapter.onUpdate(status));
  const timer = setInterval(() => adapter.tick(), JOBS_TICK_MS);
  void client.start();
  return {
    client,
    async stop() {
      clearInterval(timer);
      adapter.client = undefined;
      await client.stop();
    },
  };
}
