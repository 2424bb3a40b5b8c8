// The nemesis workload: schedulers written with the SDK (src/sdk) that launch short tasks (a
// sleep that then touches its done marker and exits 0) and long ones (a sleep killed by the
// workload later), kill some, acknowledge every update (the SDK's auto-acknowledgement) and
// record what they saw, per task, for the checkers (checks.ts). Every task id is new: the
// workload never launches an id twice, so any second launch is the system's.
import { join } from "node:path";
import type { SeededRandom } from "../../src/base/prng.ts";
import { commandTask, type Offer, RemainingOffer, SchedulerClient } from "../../src/sdk/index.ts";
import type { TaskStatus } from "../../src/wire/status.ts";
import {
  isReconcileAnswer,
  isTerminalOrUnknown,
  reconciledState,
  type TaskHistory,
  terminalState,
} from "./checks.ts";

/** What each task asks for: small, so that a few dozen fit on one agent. */
const TASK_NEEDS = { cpus: 0.05, memMb: 8 } as const;
/** Bound on tasks waiting for an offer (the workload stops adding past it). */
export const MAX_PENDING_LAUNCHES = 64;

interface Pending {
  readonly id: string;
  readonly cmd: string;
}

export class SdkWorkload {
  readonly client: SchedulerClient;
  readonly tasks = new Map<string, TaskHistory>();
  /** Task id -> agent id, from the launch. */
  readonly agentOf = new Map<string, string>();
  readonly #pending: Pending[] = [];
  readonly #stopped: Promise<unknown>;
  #next = 0;

  constructor(
    readonly name: string,
    zkUrl: string,
    readonly doneDir: string,
  ) {
    this.client = new SchedulerClient({
      master: zkUrl,
      frameworkInfo: {
        user: "root",
        name,
        failover_timeout: 3600,
        checkpoint: true,
        roles: ["*"],
        capabilities: [
          { type: "MULTI_ROLE" },
          { type: "PARTITION_AWARE" },
          { type: "TASK_KILLING_STATE" },
        ],
      },
      backoffInitialMs: 100,
      backoffMaxMs: 1_000,
    });
    this.client.on("update", (status) => this.#record(status));
    this.client.on("offers", (offers) => this.#offers(offers));
    this.#stopped = this.client.start();
  }

  #record(status: TaskStatus): void {
    const task = this.tasks.get(status.task_id.value);
    if (task === undefined) return;
    task.updates.push({
      state: status.state,
      uuid: status.uuid,
      source: status.source,
      reason: status.reason,
      message: status.message,
    });
  }

  async #offers(offers: Offer[]): Promise<void> {
    for (const offer of offers) {
      const remaining = new RemainingOffer(offer);
      const infos = [];
      const ids: string[] = [];
      while (this.#pending.length > 0) {
        const taken = remaining.take(TASK_NEEDS);
        const next = this.#pending[0];
        if (taken === undefined || next === undefined) break;
        this.#pending.shift();
        ids.push(next.id);
        infos.push(
          commandTask({
            id: next.id,
            agentId: offer.agent_id.value,
            cmd: next.cmd,
            resources: taken.resources,
            env: { NEMESIS_TASK_ID: next.id },
          }),
        );
      }
      if (infos.length === 0) {
        await this.client.decline([offer.id.value], { refuseSeconds: 0.2 });
        continue;
      }
      for (const id of ids) {
        const task = this.tasks.get(id);
        if (task !== undefined) task.launches++;
        this.agentOf.set(id, offer.agent_id.value);
      }
      const result = await this.client.launch([offer.id.value], infos);
      for (const id of ids) {
        const task = this.tasks.get(id);
        if (task !== undefined) task.acceptedByMaster = result.ok;
      }
    }
  }

  #newTask(kind: "short" | "long", cmd: (id: string) => string): void {
    if (this.#pending.length >= MAX_PENDING_LAUNCHES) return;
    const id = `${this.name}-${++this.#next}`;
    this.tasks.set(id, {
      id,
      framework: this.name,
      kind,
      launches: 0,
      acceptedByMaster: false,
      killRequested: false,
      updates: [],
    });
    this.#pending.push({ id, cmd: cmd(id) });
  }

  /** A task that sleeps `sleepMs`, then touches its done marker and exits 0. */
  launchShort(sleepMs: number): void {
    const seconds = (sleepMs / 1000).toFixed(2);
    this.#newTask("short", (id) => `sleep ${seconds} && touch ${join(this.doneDir, id)}`);
  }

  launchLong(): void {
    this.#newTask("long", () => "sleep 600");
  }

  /** Kills one of the long tasks not yet terminal (chosen by `random`). */
  async killOne(random: SeededRandom): Promise<void> {
    const live = [...this.tasks.values()].filter(
      (t) => t.kind === "long" && !t.killRequested && t.launches > 0 && !this.#terminal(t),
    );
    if (live.length === 0) return;
    const task = live[random.nextInt(live.length)] as TaskHistory;
    await this.kill(task);
  }

  async kill(task: TaskHistory): Promise<void> {
    task.killRequested = true;
    await this.client.kill(task.id, this.agentOf.get(task.id));
  }

  #terminal(task: TaskHistory): boolean {
    return terminalState(task) !== undefined;
  }

  /**
   * Tasks launched and not settled: no terminal update, and, for a task never seen running,
   * reconciliation has not said it is gone or unknown (a launch lost in flight; the checkers
   * judge whether that was allowed). A task seen running waits for its terminal update even
   * when reconciliation already tells its end: the agent retries it (every 10 s at first),
   * and an update that never comes is what the checkers are for.
   */
  open(): TaskHistory[] {
    return [...this.tasks.values()].filter((t) => {
      if (t.launches === 0 || this.#terminal(t)) return false;
      const reconciled = reconciledState(t);
      if (reconciled === undefined || !isTerminalOrUnknown(reconciled)) return true;
      return t.updates.some((u) => u.state === "TASK_RUNNING" && !isReconcileAnswer(u));
    });
  }

  /** Tasks created but never put into an ACCEPT: dropped (they were never launched). */
  dropUnlaunched(): void {
    this.#pending.length = 0;
    for (const [id, task] of this.tasks) if (task.launches === 0) this.tasks.delete(id);
  }

  /** Explicit reconciliation of the open tasks (answers arrive as updates). */
  async reconcileOpen(): Promise<void> {
    const open = this.open();
    if (open.length === 0) return;
    await this.client.reconcile(
      open.map((t) => {
        const agentId = this.agentOf.get(t.id);
        return agentId === undefined ? { taskId: t.id } : { taskId: t.id, agentId };
      }),
    );
  }

  /** Forgets the finished tasks of a seed (the cluster goes on with the next). */
  clear(): void {
    this.tasks.clear();
    this.agentOf.clear();
  }

  async stop(): Promise<void> {
    await this.client.stop();
    await this.#stopped;
  }
}
