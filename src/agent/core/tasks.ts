// Tasks on the agent: RUN_TASK / RUN_TASK_GROUP (checkpoint task.info, queue for the executor),
// KILL_TASK (before or after the task reached its executor), executor UPDATEs, the framework's
// acknowledgements relayed by the master, and answers to the master's reconciliations (§5.6).
import type { AgentEvent, TaskReconciliation } from "../../wire/agent-channel.ts";
import type { ExecutorCall } from "../../wire/executor.ts";
import type { TaskStatus } from "../../wire/status.ts";
import type { ExecutorInfo, Task, TaskInfo } from "../../wire/task.ts";
import {
  commandExecutorInfo,
  DEFAULT_COMMAND_EXECUTOR_PATH,
  taskRole,
} from "./command-executor.ts";
import { flushQueue, launchExecutor, removeExecutorIfDone, shutdownExecutor } from "./executors.ts";
import { ensureFramework } from "./frameworks.ts";
import {
  type AgentExecutor,
  type AgentFramework,
  type AgentTask,
  type Ctx,
  isPartitionAware,
  isTerminal,
  MAX_COMPLETED_TASKS_PER_EXECUTOR,
  remember,
} from "./state.ts";

type RunTask = NonNullable<AgentEvent["run_task"]>;
type RunTaskGroup = NonNullable<AgentEvent["run_task_group"]>;
type KillTask = NonNullable<AgentEvent["kill_task"]>;

export function runTask(ctx: Ctx, run: RunTask): void {
  if (refusedForCheckpoint(ctx, run.framework_id.value, [run.task])) return;
  const framework = ensureFramework(ctx, run.framework_id.value, run.framework_info);
  const task = run.task;
  if (task.executor !== undefined) {
    const info: ExecutorInfo = { ...task.executor, framework_id: { value: framework.id } };
    launchTasks(ctx, framework, info, [task], false, undefined);
  } else {
    const path = ctx.config.commandExecutorPath ?? DEFAULT_COMMAND_EXECUTOR_PATH;
    launchTasks(ctx, framework, commandExecutorInfo(task, framework.id, path), [task], false, task);
  }
}

export function runTaskGroup(ctx: Ctx, run: RunTaskGroup): void {
  if (refusedForCheckpoint(ctx, run.framework_id.value, run.task_group.tasks ?? [])) return;
  const framework = ensureFramework(ctx, run.framework_id.value, run.framework_info);
  const info: ExecutorInfo = { ...run.executor, framework_id: { value: framework.id } };
  launchTasks(ctx, framework, info, run.task_group.tasks ?? [], true, undefined);
}

/**
 * An agent whose checkpoint cannot be written takes no new tasks: each ends TASK_FAILED with
 * the reason a failed launch carries, naming the failure. The task was never recorded here,
 * so its update needs no checkpoint (a restarted agent would not know it either).
 */
function refusedForCheckpoint(ctx: Ctx, frameworkId: string, tasks: readonly TaskInfo[]): boolean {
  const failure = ctx.s.checkpointFailure;
  if (failure === undefined) return false;
  for (const task of tasks) {
    ctx.agentUpdate(
      frameworkId,
      undefined,
      task.task_id.value,
      "TASK_FAILED",
      "REASON_CONTAINER_LAUNCH_FAILED",
      `${CHECKPOINT_FAILED_MESSAGE}: ${failure}`,
    );
  }
  return true;
}

/** What a task refused after a failed checkpoint write is told (its message starts so). */
export const CHECKPOINT_FAILED_MESSAGE =
  "Agent takes no new tasks: its checkpoint could not be written (restart it once the work dir is writable)";

function taskRecord(
  ctx: Ctx,
  frameworkId: string,
  info: TaskInfo,
  executor: ExecutorInfo | undefined,
): Task {
  return {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: frameworkId },
    // Command tasks have no executor id in Mesos's Task (reference §10.2 item 11).
    ...(executor === undefined ? {} : { executor_id: executor.executor_id }),
    agent_id: { value: ctx.agentId },
    state: "TASK_STAGING",
    resources: info.resources ?? [],
    statuses: [],
    ...(info.labels === undefined ? {} : { labels: info.labels }),
    ...(info.discovery === undefined ? {} : { discovery: info.discovery }),
    ...(info.container === undefined ? {} : { container: info.container }),
    ...(info.health_check === undefined ? {} : { health_check: info.health_check }),
    ...(info.kill_policy === undefined ? {} : { kill_policy: info.kill_policy }),
    ...(info.limits === undefined ? {} : { limits: info.limits }),
  };
}

function launchTasks(
  ctx: Ctx,
  framework: AgentFramework,
  info: ExecutorInfo,
  tasks: readonly TaskInfo[],
  group: boolean,
  commandTask: TaskInfo | undefined,
): void {
  if (framework.phase === "terminating" || tasks.length === 0) return;
  let executor = framework.executors.get(info.executor_id.value);
  if (
    executor !== undefined &&
    (executor.phase === "terminating" || executor.phase === "terminated")
  ) {
    // Mesos refuses to launch on an executor that is going away.
    const state = isPartitionAware(framework.info) ? "TASK_DROPPED" : "TASK_LOST";
    for (const task of tasks) {
      ctx.agentUpdate(
        framework.id,
        executor.id,
        task.task_id.value,
        state,
        "REASON_EXECUTOR_TERMINATED",
        "Executor terminating",
      );
    }
    return;
  }
  if (executor === undefined) {
    const resources = tasks.flatMap((t) => t.resources ?? []);
    executor = launchExecutor(ctx, framework, info, commandTask, resources, taskRole(resources));
  }
  for (const taskInfo of tasks) {
    const record = taskRecord(
      ctx,
      framework.id,
      taskInfo,
      commandTask === undefined ? info : undefined,
    );
    const task: AgentTask = {
      frameworkId: framework.id,
      executorId: executor.id,
      info: taskInfo,
      task: record,
      stage: "queued",
      pendingToken: undefined,
    };
    if (framework.info.checkpoint === true) {
      // Checkpointed before it may reach the executor (Mesos writes task.info in `run`).
      task.pendingToken = ctx.checkpoint({
        type: "task",
        agentId: ctx.agentId,
        frameworkId: framework.id,
        executorId: executor.id,
        containerId: executor.containerId,
        task: record,
      });
    }
    executor.tasks.set(taskInfo.task_id.value, task);
  }
  executor.queue.push({ taskIds: tasks.map((t) => t.task_id.value), group });
  flushQueue(ctx, executor);
}

/** A checkpoint write finished: tasks waiting for their task.info may now be sent. */
export function taskWritten(ctx: Ctx, token: number): void {
  for (const framework of ctx.s.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      let found = false;
      for (const task of executor.tasks.values()) {
        if (task.pendingToken === token) {
          task.pendingToken = undefined;
          found = true;
        }
      }
      if (found) {
        flushQueue(ctx, executor);
        return;
      }
    }
  }
}

export function killTask(ctx: Ctx, kill: KillTask): void {
  const framework = ctx.s.frameworks.get(kill.framework_id.value);
  const taskId = kill.task_id.value;
  // Mesos ignores kills for frameworks it does not run.
  if (framework === undefined || framework.phase === "terminating") return;
  const task = ctx.findTask(framework.id, taskId);
  if (task === undefined) {
    // Never launched here: Mesos answers so that the framework stops waiting.
    const state = isPartitionAware(framework.info) ? "TASK_DROPPED" : "TASK_LOST";
    ctx.agentUpdate(
      framework.id,
      undefined,
      taskId,
      state,
      "REASON_EXECUTOR_TERMINATED",
      "Cannot find executor",
    );
    return;
  }
  const executor = framework.executors.get(task.executorId);
  if (executor === undefined || task.stage === "terminated") return;
  if (task.stage === "queued") {
    // Killed before delivery: the whole queued item (a task group is one unit) is killed.
    const item = executor.queue.find((i) => i.taskIds.includes(taskId));
    executor.queue = executor.queue.filter((i) => i !== item);
    for (const id of item?.taskIds ?? [taskId]) {
      const queued = executor.tasks.get(id);
      if (queued === undefined || queued.stage !== "queued") continue;
      ctx.agentUpdate(
        framework.id,
        executor.id,
        id,
        "TASK_KILLED",
        "REASON_TASK_KILLED_DURING_LAUNCH",
        "Killed before delivery to the executor",
      );
    }
    let live = false;
    for (const t of executor.tasks.values()) if (!isTerminal(t.task.state)) live = true;
    // An executor whose every initial task was killed has nothing to do (Mesos shuts it down).
    if (!live && executor.queue.length === 0 && executor.phase === "registering") {
      shutdownExecutor(ctx, executor);
    }
    return;
  }
  ctx.toExecutor(executor, {
    type: "KILL",
    kill: {
      task_id: kill.task_id,
      ...(kill.kill_policy === undefined ? {} : { kill_policy: kill.kill_policy }),
    },
  });
}

/** UPDATE from a subscribed executor: into the status update manager; 202. */
export function executorUpdate(ctx: Ctx, call: ExecutorCall): void {
  const status = call.update?.status;
  if (status === undefined) return;
  const executor = ctx.executor(call.framework_id.value, call.executor_id.value);
  ctx.statusUpdate({
    frameworkId: call.framework_id.value,
    executorId: call.executor_id.value,
    status: executor === undefined ? status : withContainerStatus(ctx, status, executor),
  });
}

/**
 * Mesos's agent adds the container's status to every update an executor sends while its
 * container runs: the container's id (the executor's own, unless the executor named a nested
 * one) and, when no isolator gave the container a network, the agent's own IP, which is the
 * container's on the host network (schedulers read a task's IP from here).
 */
function withContainerStatus(ctx: Ctx, status: TaskStatus, executor: AgentExecutor): TaskStatus {
  const given = status.container_status;
  const networks = given?.network_infos ?? [];
  return {
    ...status,
    container_status: {
      ...given,
      container_id: given?.container_id ?? { value: executor.containerId },
      network_infos:
        networks.length > 0
          ? networks
          : [{ ip_addresses: [{ protocol: "IPv4", ip_address: ctx.config.endpoint.ip }] }],
    },
  };
}

/** The framework acknowledged an update; a terminal one completes the task. */
export function acknowledge(ctx: Ctx, frameworkId: string, taskId: string, uuid: string): void {
  const { result, outputs } = ctx.sum.acknowledge(frameworkId, taskId, uuid, ctx.nowMs);
  ctx.sumOutputs(outputs);
  if (!result.ok || !result.terminal) return;
  const task = ctx.findTask(frameworkId, taskId);
  if (task === undefined) return;
  const executor = ctx.executor(frameworkId, task.executorId);
  if (executor === undefined) return;
  executor.tasks.delete(taskId);
  remember(executor.completedTasks, task.task, MAX_COMPLETED_TASKS_PER_EXECUTOR);
  removeExecutorIfDone(ctx, executor);
}

/** Tasks the master has for this agent that it does not know: TASK_DROPPED / TASK_LOST. */
export function reconcile(ctx: Ctx, tasks: readonly TaskReconciliation[]): void {
  for (const r of tasks) {
    const fw = r.framework_id.value;
    const id = r.task_id.value;
    if (ctx.findTask(fw, id) !== undefined || ctx.sum.hasStream(fw, id)) continue;
    // The FrameworkInfo came with a RUN_TASK or from the checkpoint; a framework that already
    // completed here is still known by its history. Only one this agent never saw (its tasks'
    // RUN_TASK was lost in the crash) is answered TASK_LOST: the master knows the framework and
    // turns that into TASK_DROPPED for a partition-aware one (reference §9.3).
    const framework = ctx.s.frameworks.get(fw) ?? ctx.s.completedFrameworks.get(fw);
    const aware = framework !== undefined && isPartitionAware(framework.info);
    ctx.agentUpdate(
      fw,
      undefined,
      id,
      aware ? "TASK_DROPPED" : "TASK_LOST",
      "REASON_RECONCILIATION",
      "Reconciliation: task unknown to the agent",
    );
  }
}
