// The agent core's in-memory state and the context every handler works in: the state, the
// current time, the outputs being built, and the status update manager wired to them.
import { assert } from "../../base/assert.ts";
import type { AgentInfo, FrameworkInfo } from "../../wire/framework.ts";
import type { Resource } from "../../wire/resource.ts";
import {
  isTerminalState,
  type Reason,
  type TaskState,
  type TaskStatus,
} from "../../wire/status.ts";
import type { ExecutorInfo, Task, TaskInfo } from "../../wire/task.ts";
import type { PendingOperation } from "./checkpointed-resources.ts";
import type { StatusUpdateManager } from "./status-update-manager.ts";
import type { StatusUpdate, StatusUpdateOutput, StreamLocation } from "./status-update-types.ts";
import type {
  AgentConfig,
  AgentFlags,
  AgentOutput,
  AgentRandom,
  CheckpointWrite,
  ExecutorEventOut,
  MasterCall,
} from "./types.ts";

export type TaskStage = "queued" | "launched" | "terminated";

export interface AgentTask {
  frameworkId: string;
  executorId: string;
  /** The TaskInfo as received (undefined for tasks recovered from task.info only). */
  info: TaskInfo | undefined;
  /** The agent's record (reported on re-registration); `state` is the latest known state. */
  task: Task;
  /** queued: not sent to the executor; launched: sent; terminated: terminal, update unacked. */
  stage: TaskStage;
  /** Checkpoint of task.info not durable yet: it is not sent to the executor before. */
  pendingToken: number | undefined;
}

/** An item of an executor's launch queue: one task, or a task group sent as one. */
export type LaunchItem = { taskIds: string[]; group: boolean };

export type ExecutorPhase = "registering" | "running" | "terminating" | "terminated";

export interface AgentExecutor {
  id: string;
  frameworkId: string;
  info: ExecutorInfo;
  containerId: string;
  commandExecutor: boolean;
  phase: ExecutorPhase;
  streamId: string | undefined;
  /** Recovered after an agent restart and not re-subscribed yet. */
  recovered: boolean;
  queue: LaunchItem[];
  tasks: Map<string, AgentTask>;
  /** Tasks whose terminal update was acknowledged, oldest first (at most
   *  MAX_COMPLETED_TASKS_PER_EXECUTOR): /state's completed_tasks. */
  completedTasks: Task[];
  /** Set when the agent itself ends the container (registration timeout, launch failure). */
  terminationReason: Reason | undefined;
  terminationMessage: string | undefined;
  /** The state its live tasks end in when the agent ended the container (default TASK_FAILED;
   *  a QoS correction: TASK_LOST, or TASK_GONE_BY_OPERATOR for partition-aware frameworks). */
  terminationState?: TaskState;
}

export type FrameworkPhase = "running" | "terminating";

export interface AgentFramework {
  id: string;
  info: FrameworkInfo;
  phase: FrameworkPhase;
  executors: Map<string, AgentExecutor>;
  /** Executors that ended and were forgotten, oldest first (at most
   *  --max_completed_executors_per_framework): /state's completed_executors. */
  completedExecutors: AgentExecutor[];
}

// Mesos's bounds on the history the agent keeps in memory for /state and the operator API
// (executors per framework: the --max_completed_executors_per_framework flag).
export const MAX_COMPLETED_TASKS_PER_EXECUTOR = 200;
export const MAX_COMPLETED_FRAMEWORKS = 50;

/** Appends to a history, dropping the oldest beyond `max`. */
export function remember<T>(history: T[], item: T, max: number): void {
  history.push(item);
  if (history.length > max) history.splice(0, history.length - max);
}

export type MasterConnection = "disconnected" | "registering" | "registered";

export interface AgentState {
  info: AgentInfo;
  agentId: string | undefined;
  /** Until the `recover` input and the re-subscription of recovered executors are done. */
  recovery: "pending" | "reconnecting" | "done";
  masterKnown: boolean;
  connection: MasterConnection;
  /** Current upper bound of the random registration delay. */
  registrationBackoffMs: number;
  /** `total_ping_timeout_seconds` of the last SUBSCRIBED, in ms. */
  pingTimeoutMs: number;
  frameworks: Map<string, AgentFramework>;
  /** Frameworks with no executor left, by id, oldest first (at most MAX_COMPLETED_FRAMEWORKS);
   *  one that launches again takes its completed executors back (as Mesos). */
  completedFrameworks: Map<string, AgentFramework>;
  /** Executor stream id -> [framework id, executor id]. */
  executorStreams: Map<string, [string, string]>;
  /** Container id -> [framework id, executor id]. */
  containers: Map<string, [string, string]>;
  nextToken: number;
  shuttingDown: boolean;
  /** Why the checkpoint cannot be written (the first failure), once one failed: from then
   *  on the agent refuses new tasks, as the master stops on a failed registry write. */
  checkpointFailure: string | undefined;
  counts: AgentCounts;
  /** Dynamic reservations and persistent volumes, as the master last told them (wire form). */
  checkpointedResources: Resource[];
  /** Operations waiting for their checkpoint write, by the write's token. */
  pendingOperations: Map<number, PendingOperation>;
  /** The resource estimator's latest revocable resources (oversubscription.ts). */
  oversubscribed: Resource[];
  /** What the master was last told of them on this connection; undefined: nothing yet. */
  oversubscribedSent: string | undefined;
}

/** What the agent counts since it started (the `slave/*` counters of /metrics/snapshot). */
export interface AgentCounts {
  /** Status updates taken by the status update manager (new or retried). */
  validStatusUpdates: number;
  /** Updates refused: after the task's terminal update. */
  invalidStatusUpdates: number;
  /** Tasks that reached each terminal state here. */
  tasksEnded: Map<TaskState, number>;
  containerLaunchErrors: number;
  /** Checkpoint writes that failed (each one the shell reported). */
  checkpointWriteErrors: number;
  /** Framework messages relayed (either way), and those for an unknown executor or framework. */
  validFrameworkMessages: number;
  invalidFrameworkMessages: number;
  /** Executors destroyed by a QoS correction. */
  executorsPreempted: number;
}

/** The wire ids of an executor, as the agent's calls to the master carry them. */
export function executorIds(executor: AgentExecutor): {
  framework_id: { value: string };
  executor_id: { value: string };
} {
  return { framework_id: { value: executor.frameworkId }, executor_id: { value: executor.id } };
}

export function isPartitionAware(info: FrameworkInfo): boolean {
  return (info.capabilities ?? []).some((c) => c.type === "PARTITION_AWARE");
}

/** Handlers' view of one `handle` call. */
export class Ctx {
  out: AgentOutput[] = [];

  constructor(
    readonly s: AgentState,
    readonly sum: StatusUpdateManager,
    readonly config: AgentConfig,
    readonly flags: AgentFlags,
    readonly random: AgentRandom,
    readonly nowMs: number,
  ) {}

  get agentId(): string {
    assert(this.s.agentId !== undefined, "no agent id before registration");
    return this.s.agentId;
  }

  newToken(): number {
    return ++this.s.nextToken;
  }

  checkpoint(write: CheckpointWrite): number {
    const token = this.newToken();
    this.out.push({ kind: "checkpoint", token, write });
    return token;
  }

  setTimer(timerId: string, atMs: number): void {
    this.out.push({ kind: "set_timer", timerId, atMs });
  }

  cancelTimer(timerId: string): void {
    this.out.push({ kind: "cancel_timer", timerId });
  }

  toMaster(call: MasterCall): void {
    this.out.push({ kind: "master_call", call });
  }

  /** Events to an executor without a connection are dropped, as Mesos drops them. */
  toExecutor(executor: AgentExecutor, event: ExecutorEventOut): boolean {
    if (executor.streamId === undefined) return false;
    this.out.push({ kind: "executor_event", streamId: executor.streamId, event });
    return true;
  }

  executor(frameworkId: string, executorId: string): AgentExecutor | undefined {
    return this.s.frameworks.get(frameworkId)?.executors.get(executorId);
  }

  /** Finds the executor that holds a task. */
  findTask(frameworkId: string, taskId: string): AgentTask | undefined {
    const framework = this.s.frameworks.get(frameworkId);
    if (framework === undefined) return undefined;
    // A command task's executor has the task's id: found without walking every executor
    // (one per running command task), asked on every status update.
    const own = framework.executors.get(taskId)?.tasks.get(taskId);
    if (own !== undefined) return own;
    for (const executor of framework.executors.values()) {
      const task = executor.tasks.get(taskId);
      if (task !== undefined) return task;
    }
    return undefined;
  }

  /** Hands an update to the status update manager and carries out what it returns. */
  statusUpdate(update: StatusUpdate): void {
    const task = this.findTask(update.frameworkId, update.status.task_id.value);
    const executor =
      task === undefined ? undefined : this.executor(task.frameworkId, task.executorId);
    const framework = this.s.frameworks.get(update.frameworkId);
    let at: StreamLocation | undefined;
    if (executor !== undefined && framework?.info.checkpoint === true) {
      at = {
        frameworkId: update.frameworkId,
        executorId: executor.id,
        containerId: executor.containerId,
        taskId: update.status.task_id.value,
      };
    }
    const { result, outputs } = this.sum.update(update, at, this.nowMs);
    const counts = this.s.counts;
    if (result === "after_terminal") counts.invalidStatusUpdates++;
    else counts.validStatusUpdates++;
    if (result === "accepted" && isTerminal(update.status.state)) {
      counts.tasksEnded.set(
        update.status.state,
        (counts.tasksEnded.get(update.status.state) ?? 0) + 1,
      );
    }
    if (result === "accepted" && task !== undefined) applyTaskState(task, update.status);
    this.sumOutputs(outputs);
  }

  sumOutputs(outputs: StatusUpdateOutput[]): void {
    for (const o of outputs) {
      switch (o.kind) {
        case "forward": {
          // What the master is told last, as Mesos's agent records it on its Task.
          const forwarded = this.findTask(o.update.frameworkId, o.update.status.task_id.value);
          if (forwarded !== undefined) {
            forwarded.task.status_update_state = o.update.status.state;
            if (o.update.status.uuid !== undefined) {
              forwarded.task.status_update_uuid = o.update.status.uuid;
            }
          }
          this.toMaster({
            type: "UPDATE",
            agent_id: { value: this.agentId },
            update: {
              framework_id: { value: o.update.frameworkId },
              ...(o.update.executorId === undefined
                ? {}
                : { executor_id: { value: o.update.executorId } }),
              status: o.update.status,
              latest_state: o.latestState,
            },
          });
          break;
        }
        case "record":
          this.out.push({
            kind: "checkpoint",
            token: o.token,
            write: { type: "status_update", agentId: this.agentId, at: o.at, record: o.record },
          });
          break;
        case "durable": {
          // The agent's ACKNOWLEDGED (reference §3.3): only executors' own updates.
          if (o.update.status.source !== "SOURCE_EXECUTOR" || o.update.executorId === undefined) {
            break;
          }
          const executor = this.executor(o.update.frameworkId, o.update.executorId);
          if (executor === undefined) break;
          const uuid = o.update.status.uuid;
          assert(uuid !== undefined, "accepted updates carry a uuid");
          this.toExecutor(executor, {
            type: "ACKNOWLEDGED",
            acknowledged: { task_id: o.update.status.task_id, uuid },
          });
          break;
        }
        case "set_timer":
        case "cancel_timer":
          this.out.push(o);
          break;
      }
    }
  }

  /** An update the agent itself generates (reference §5.6, SOURCE_AGENT). */
  agentUpdate(
    frameworkId: string,
    executorId: string | undefined,
    taskId: string,
    state: TaskState,
    reason: Reason | undefined,
    message: string,
    extra: Partial<TaskStatus> = {},
  ): void {
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      source: "SOURCE_AGENT",
      message,
      agent_id: { value: this.agentId },
      timestamp: this.nowMs / 1000,
      uuid: this.random.uuid(),
      ...(reason === undefined ? {} : { reason }),
      ...(executorId === undefined ? {} : { executor_id: { value: executorId } }),
      ...extra,
    };
    this.statusUpdate({ frameworkId, executorId, status });
  }
}

/**
 * Mesos's `Executor::updateTaskState`: the agent's record follows every accepted update, and
 * keeps it in `statuses` (one that repeats the last state replaces it, so a task's health
 * updates do not pile up).
 */
export function applyTaskState(task: AgentTask, status: TaskStatus): void {
  const statuses = task.task.statuses ?? [];
  if (statuses.at(-1)?.state === status.state) statuses.pop();
  statuses.push(status);
  task.task.statuses = statuses;
  task.task.state = status.state;
  if (isTerminal(status.state)) task.stage = "terminated";
}

export function isTerminal(state: TaskState): boolean {
  return isTerminalState(state);
}
