// The built-in command executor (reference §3.5), hosted inside the agent's process.
//
// Why hosted, not one Node process per task: the targets (ACCEPT→TASK_FINISHED p50
// under 27 ms, over 330 tasks/s on a 2-core machine) leave no room for a Node.js start-up
// (~40 ms, ~40 MB) per task. Each hosted executor is still an ordinary v1 executor: it
// SUBSCRIBEs with its own framework_id/executor_id and sends UPDATE calls, and gets
// SUBSCRIBED/LAUNCH/KILL/ACKNOWLEDGED/SHUTDOWN events, so the agent core treats it exactly like
// a custom executor. Only the transport differs (`ExecutorTransport`): the agent hands the
// calls and events across in-process (executor-transport.ts) instead of through a loopback
// HTTP connection, which would cost more CPU than the rest of a `true` task's launch; the HTTP
// transport remains for anything outside the agent. Its per-task cost is a few objects (see
// bench/agent.bench.ts for the measured overhead).
// The task's process is the container's first process, launched through the containerizer
// (`TaskRunner`: cgroups joined by the sh wrapper before exec, own session, detached), so it
// keeps running when the agent dies and is re-attached by pid on recovery; the re-created
// executor then re-subscribes. The price: after an agent restart the exit status of a
// recovered task cannot be collected (it is not the new agent's child), as for any
// re-attached Mesos container; such a task ends as TASK_FAILED "unknown status".
//
// Behaviour matched (src/launcher/executor.cpp): TASK_STARTING, fork, TASK_RUNNING; exit 0 ->
// TASK_FINISHED, else TASK_FAILED, "Command exited with status N" / "Command terminated with
// signal <name>"; kill: TASK_KILLING only with TASK_KILLING_STATE, SIGTERM to the tree, SIGKILL
// after the grace period (KILL's kill_policy > TaskInfo's > 3 s) -> TASK_KILLED; SHUTDOWN
// kills with the executor's shutdown grace period less 2 s; max_completion_time ->
// TASK_FAILED REASON_MAX_COMPLETION_TIME_REACHED; health checks flip `healthy` and kill the
// task after consecutive failures; general checks (TaskInfo.check) send check_status with
// REASON_TASK_CHECK_STATUS_UPDATED when the result changes and never kill the task; the
// executor ends once its terminal update is acknowledged.
// A container limitation (OOM) ends the executor without an update: the agent then reports
// TASK_FAILED with the containerizer's reason, as Mesos does.
import { randomUuidBase64 } from "../../base/uuid.ts";
import type { ExecutorCall, ExecutorEvent } from "../../wire/executor.ts";
import type { FrameworkInfo } from "../../wire/framework.ts";
import type { CheckStatusInfo, Reason, TaskState, TaskStatus } from "../../wire/status.ts";
import type { TaskInfo } from "../../wire/task.ts";
import type { CommandSpec, Termination } from "../containerizer/containerizer.ts";
import { Checker, emptyCheckStatus } from "./checks.ts";
import type { ExecutorConnection, ExecutorTransport } from "./executor-transport.ts";
import { HealthChecker } from "./health-check.ts";
import type { InContainer } from "./probes.ts";

export const DEFAULT_KILL_GRACE_MS = 3_000;
/** MAX_REAP_INTERVAL + 1 s, which the agent added to the kill policy's grace period. */
const SHUTDOWN_GRACE_EXTRA_MS = 2_000;
/** Mesos's executor ends after the terminal ack or 60 s, whichever first. */
const TERMINAL_ACK_WAIT_MS = 60_000;
const SUBSCRIBE_RETRY_MS = 1_000;
const SUBSCRIBE_ATTEMPTS = 60;

/** Launches and controls the task's process inside the executor's container. */
export interface TaskRunner {
  launch(
    command: CommandSpec,
    env: Record<string, string>,
  ): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Resolves when the container has ended. */
  wait(): Promise<Termination | undefined>;
  /** SIGTERM the tree, SIGKILL after the grace period. */
  kill(gracePeriodMs: number): Promise<void>;
  /** For a task in an image: how COMMAND health checks enter its container. */
  inContainer?: InContainer;
}

export type ExecutorOutcome =
  | { kind: "done"; termination: Termination | undefined }
  | { kind: "launch_failed"; message: string }
  /** The container ended by a limitation (or the task never started): the agent reports it. */
  | { kind: "container_ended"; termination: Termination | undefined };

export interface CommandExecutorOptions {
  /** How calls reach the agent and events come back. */
  transport: ExecutorTransport;
  frameworkId: string;
  executorId: string;
  /** The executor's environment (§3.4), which the task inherits. */
  env: Record<string, string>;
  sandboxDir: string;
  shutdownGracePeriodMs: number;
  runner: TaskRunner;
  /** The task runs in an image: a CommandInfo without a value runs its Entrypoint/Cmd. */
  commandFromImage?: boolean;
  onExit(outcome: ExecutorOutcome): void;
  /** Set after an agent restart: the task already runs in the container. `reportRunning`:
   *  the agent died before the task's TASK_RUNNING was checkpointed (it was STAGING or
   *  STARTING), so the executor that would have sent it, or sent it again, sends it now. */
  recovered?:
    | { taskId: string; unacknowledgedTasks: TaskInfo[]; reportRunning?: boolean }
    | undefined;
}

/** Why the executor is killing its task, for the terminal update. */
interface KillWhy {
  reason?: Reason;
  message?: string;
  healthy?: boolean;
  state?: TaskState;
}

const SIGNAL_NAMES: Readonly<Record<string, string>> = {
  SIGTERM: "Terminated",
  SIGKILL: "Killed",
  SIGINT: "Interrupt",
  SIGHUP: "Hangup",
  SIGSEGV: "Segmentation fault",
  SIGABRT: "Aborted",
  SIGQUIT: "Quit",
  SIGPIPE: "Broken pipe",
  SIGBUS: "Bus error",
  SIGFPE: "Floating point exception",
  SIGILL: "Illegal instruction",
  SIGUSR1: "User defined signal 1",
  SIGUSR2: "User defined signal 2",
};

/** Mesos's message for how the command ended. */
export function terminationMessage(t: Termination | undefined): string {
  if (t === undefined || (t.exitCode === null && t.signal === null)) {
    return "Command exited with unknown status";
  }
  if (t.signal !== null)
    return `Command terminated with signal ${SIGNAL_NAMES[t.signal] ?? t.signal}`;
  return `Command exited with status ${t.exitCode}`;
}

export class HostedCommandExecutor {
  readonly #o: CommandExecutorOptions;
  #subscription: ExecutorConnection | undefined;
  #framework: FrameworkInfo | undefined;
  #task: TaskInfo | undefined;
  #taskId: string | undefined;
  #launched = false;
  /** The task's launch while the containerizer starts it: a kill, shutdown or destroy that
   *  comes meanwhile waits for it, then kills what it started (a terminal update is only
   *  sent once the task's process is gone). */
  #launching: Promise<{ ok: true } | { ok: false; message: string }> | undefined;
  #killing: KillWhy | undefined;
  #terminalUuid: string | undefined;
  #ended = false;
  #closed = false;
  #sendChain: Promise<void> = Promise.resolve();
  #health: HealthChecker | undefined;
  #check: Checker | undefined;
  #timers: NodeJS.Timeout[] = [];
  readonly #unacked = new Map<string, TaskStatus>();

  constructor(options: CommandExecutorOptions) {
    this.#o = options;
    if (options.recovered !== undefined) {
      this.#taskId = options.recovered.taskId;
      this.#launched = true;
      // Made before the task's end can be: the agent refuses it until the SUBSCRIBE, which
      // carries it among the unacknowledged updates, in order, ahead of the end.
      if (options.recovered.reportRunning === true) this.#update("TASK_RUNNING", {});
      void this.#watch();
    }
  }

  get taskId(): string | undefined {
    return this.#taskId;
  }

  /** Subscribes, retrying every second as Mesos's executor does. */
  async start(): Promise<void> {
    for (let attempt = 0; attempt < SUBSCRIBE_ATTEMPTS && !this.#closed; attempt++) {
      const call: ExecutorCall = {
        type: "SUBSCRIBE",
        framework_id: { value: this.#o.frameworkId },
        executor_id: { value: this.#o.executorId },
        subscribe: {
          unacknowledged_tasks: this.#o.recovered?.unacknowledgedTasks ?? [],
          unacknowledged_updates: [...this.#unacked.values()].map((status) => ({ status })),
        },
      };
      const connection = await this.#o.transport.subscribe(call, {
        event: (event) => this.#event(event),
        closed: () => this.#streamClosed(),
      });
      if (connection !== undefined) {
        // Destroyed while subscribing: nothing may be launched on this stream.
        if (this.#ended) connection.close();
        else this.#subscription = connection;
        return;
      }
      // The agent is not answering yet: retry.
      await new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_RETRY_MS));
    }
    this.#end({ kind: "container_ended", termination: undefined });
  }

  #streamClosed(): void {
    // A closed stream ends a non-checkpointing executor; the agent is in this process, so a
    // broken stream means the executor is being shut down in any case.
    if (!this.#ended && !this.#launched)
      this.#end({ kind: "container_ended", termination: undefined });
  }

  #event(event: ExecutorEvent): void {
    switch (event.type) {
      case "SUBSCRIBED":
        this.#framework = event.subscribed?.framework_info;
        break;
      case "LAUNCH":
        if (event.launch !== undefined) void this.#launch(event.launch.task);
        break;
      case "LAUNCH_GROUP":
        // The command executor runs one task; task groups belong to the default executor.
        break;
      case "KILL": {
        const ns = event.kill?.kill_policy?.grace_period?.nanoseconds;
        void this.#kill(ns === undefined ? undefined : ns / 1e6, {});
        break;
      }
      case "ACKNOWLEDGED": {
        const uuid = event.acknowledged?.uuid;
        if (uuid === undefined) break;
        this.#unacked.delete(uuid);
        if (uuid === this.#terminalUuid) this.#finish();
        break;
      }
      case "SHUTDOWN":
        void this.#kill(Math.max(0, this.#o.shutdownGracePeriodMs - SHUTDOWN_GRACE_EXTRA_MS), {});
        // A launch in flight ends by the kill above, once it has started its process.
        if (!this.#launched && this.#launching === undefined)
          this.#end({ kind: "container_ended", termination: undefined });
        break;
      default:
        break;
    }
  }

  async #launch(task: TaskInfo): Promise<void> {
    if (this.#task !== undefined || this.#launched || this.#ended || this.#closed) return;
    this.#task = task;
    this.#taskId = task.task_id.value;
    this.#update("TASK_STARTING", {});
    const command = task.command;
    if (
      command === undefined ||
      (command.value === undefined && this.#o.commandFromImage !== true)
    ) {
      this.#update("TASK_FAILED", { message: "Task has no command to run" });
      return;
    }
    const spec: CommandSpec = {
      shell: command.shell !== false,
      value: command.value ?? "",
      arguments: command.arguments,
    };
    this.#launching = this.#o.runner.launch(spec, this.#o.env);
    const launched = await this.#launching;
    this.#launching = undefined;
    if (!launched.ok) {
      this.#end({ kind: "launch_failed", message: launched.message });
      return;
    }
    this.#launched = true;
    // With a general check, TASK_RUNNING carries its empty status until the first result.
    this.#update(
      "TASK_RUNNING",
      task.check === undefined ? {} : { check_status: emptyCheckStatus(task.check) },
    );
    const maxNs = task.max_completion_time?.nanoseconds;
    if (maxNs !== undefined) {
      this.#timers.push(
        setTimeout(() => {
          void this.#kill(0, {
            reason: "REASON_MAX_COMPLETION_TIME_REACHED",
            message: "Task has reached its max completion time",
            state: "TASK_FAILED",
          });
        }, maxNs / 1e6),
      );
    }
    if (task.check !== undefined) {
      this.#check = new Checker(
        task.check,
        this.#o.env,
        this.#o.sandboxDir,
        {
          checkUpdated: (checkStatus) =>
            this.#update("TASK_RUNNING", {
              check_status: checkStatus,
              reason: "REASON_TASK_CHECK_STATUS_UPDATED",
            }),
        },
        this.#o.runner.inContainer,
      );
    }
    if (task.health_check !== undefined) {
      this.#health = new HealthChecker(
        task.health_check,
        this.#o.env,
        this.#o.sandboxDir,
        {
          healthChanged: (healthy) =>
            this.#update("TASK_RUNNING", {
              healthy,
              reason: "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED",
            }),
          unhealthy: (failures) =>
            void this.#kill(undefined, {
              healthy: false,
              message: `Task was killed since health check failed ${failures} times consecutively`,
            }),
        },
        this.#o.runner.inContainer,
      );
    }
    await this.#watch();
  }

  async #watch(): Promise<void> {
    const termination = await this.#o.runner.wait();
    this.#health?.stop();
    this.#check?.stop();
    for (const t of this.#timers) clearTimeout(t);
    if (termination?.limitation !== undefined) {
      this.#end({ kind: "container_ended", termination });
      return;
    }
    const message = terminationMessage(termination);
    if (this.#closed) return;
    const k = this.#killing;
    let state: TaskState;
    if (k !== undefined) state = k.state ?? "TASK_KILLED";
    else if (termination?.exitCode === 0) state = "TASK_FINISHED";
    else state = "TASK_FAILED";
    this.#pendingTermination = termination;
    this.#update(state, {
      message: k?.message ?? message,
      ...(k?.reason === undefined ? {} : { reason: k.reason }),
      ...(k?.healthy === undefined ? {} : { healthy: k.healthy }),
    });
    this.#timers.push(setTimeout(() => this.#finish(), TERMINAL_ACK_WAIT_MS));
  }

  #pendingTermination: Termination | undefined;

  async #kill(gracePeriodMs: number | undefined, why: KillWhy): Promise<void> {
    // #launch's own continuation ran first (it awaited first): #launched is set by now.
    if (this.#launching !== undefined) await this.#launching;
    if (!this.#launched || this.#terminalUuid !== undefined) return;
    const first = this.#killing === undefined;
    if (first) this.#killing = why;
    const hasKillingState = (this.#framework?.capabilities ?? []).some(
      (c) => c.type === "TASK_KILLING_STATE",
    );
    if (first && hasKillingState) this.#update("TASK_KILLING", {});
    const policyNs = this.#task?.kill_policy?.grace_period?.nanoseconds;
    const graceMs =
      gracePeriodMs ?? (policyNs === undefined ? DEFAULT_KILL_GRACE_MS : policyNs / 1e6);
    await this.#o.runner.kill(graceMs);
  }

  #update(
    state: TaskState,
    extra: {
      message?: string;
      reason?: Reason;
      healthy?: boolean;
      check_status?: CheckStatusInfo;
    },
  ): void {
    const taskId = this.#taskId;
    if (taskId === undefined || this.#closed) return;
    const uuid = randomUuidBase64();
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      source: "SOURCE_EXECUTOR",
      executor_id: { value: this.#o.executorId },
      timestamp: Date.now() / 1000,
      uuid,
      ...extra,
    };
    this.#unacked.set(uuid, status);
    if (state !== "TASK_STARTING" && state !== "TASK_RUNNING" && state !== "TASK_KILLING") {
      this.#terminalUuid = uuid;
    }
    const call: ExecutorCall = {
      type: "UPDATE",
      framework_id: { value: this.#o.frameworkId },
      executor_id: { value: this.#o.executorId },
      update: { status },
    };
    // One call at a time: the agent must see a task's updates in the order they were made.
    // A failed call (the agent is gone) is carried by the next subscription's unacknowledged
    // updates.
    this.#sendChain = this.#sendChain.then(() => this.#o.transport.post(call));
  }

  #finish(): void {
    this.#end({ kind: "done", termination: this.#pendingTermination });
  }

  #end(outcome: ExecutorOutcome): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#health?.stop();
    this.#check?.stop();
    for (const t of this.#timers) clearTimeout(t);
    this.#subscription?.close();
    this.#o.onExit(outcome);
  }

  /** An operator killed the container (KILL_CONTAINER): the task ends TASK_KILLED, as if the
   *  framework had killed it with this grace period. */
  async killTask(gracePeriodMs: number): Promise<void> {
    await this.#kill(gracePeriodMs, {});
  }

  /** The agent destroys the container (shutdown timeout, framework removed, agent stopping). */
  async destroy(): Promise<void> {
    this.#closed = true;
    if (this.#launching !== undefined && (await this.#launching).ok) await this.#o.runner.kill(0);
    else if (this.#launched) await this.#o.runner.kill(0);
    this.#end({ kind: "container_ended", termination: this.#pendingTermination });
  }

  /** Stops talking to the agent without touching the task (the agent is closing). */
  detach(): void {
    this.#closed = true;
    this.#ended = true;
    this.#health?.stop();
    this.#check?.stop();
    for (const t of this.#timers) clearTimeout(t);
    this.#subscription?.close();
  }
}
