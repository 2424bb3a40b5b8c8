// Executors on the agent (reference §3): launching their containers with the §3.4 environment,
// SUBSCRIBE (first and after an agent restart), the launch queue, registration timeout,
// graceful shutdown, and what happens to their tasks when the container ends (§5.6).

import type { ExecutorCall } from "../../wire/executor.ts";
import type { Resource } from "../../wire/resource.ts";
import type { Reason, TaskResourceLimitation } from "../../wire/status.ts";
import type { ExecutorInfo, TaskInfo } from "../../wire/task.ts";
import { COMMAND_EXECUTOR_MEM_MB } from "./command-executor.ts";
import { executorEnvironment, formatStoutDuration } from "./executor-env.ts";
import { removeFrameworkIfIdle } from "./frameworks.ts";
import { sandboxPath } from "./paths.ts";
import {
  type AgentExecutor,
  type AgentFramework,
  type Ctx,
  executorIds,
  isPartitionAware,
  isTerminal,
  remember,
} from "./state.ts";

export function registrationTimerId(executor: AgentExecutor): string {
  return `executor_registration:${executor.frameworkId}/${executor.id}/${executor.containerId}`;
}

export function shutdownTimerId(executor: AgentExecutor): string {
  return `executor_shutdown:${executor.frameworkId}/${executor.id}/${executor.containerId}`;
}

/** Looks up the executor a `<prefix>:<fw>/<ex>/<container>` timer names, if still that run. */
export function executorOfTimer(ctx: Ctx, rest: string): AgentExecutor | undefined {
  const [fw, ex, container] = rest.split("/");
  if (fw === undefined || ex === undefined || container === undefined) return undefined;
  const executor = ctx.executor(fw, ex);
  return executor?.containerId === container ? executor : undefined;
}

function shutdownGracePeriodMs(ctx: Ctx, info: ExecutorInfo): number {
  const ns = info.shutdown_grace_period?.nanoseconds;
  return ns === undefined ? ctx.flags.executorShutdownGracePeriodMs : ns / 1e6;
}

/** Creates the executor record and asks the shell to launch its container. */
export function launchExecutor(
  ctx: Ctx,
  framework: AgentFramework,
  info: ExecutorInfo,
  commandTask: TaskInfo | undefined,
  taskResources: readonly Resource[],
  allocationRole: string | undefined,
): AgentExecutor {
  const containerId = ctx.random.containerId();
  const executor: AgentExecutor = {
    id: info.executor_id.value,
    frameworkId: framework.id,
    info,
    containerId,
    commandExecutor: commandTask !== undefined,
    phase: "registering",
    streamId: undefined,
    recovered: false,
    queue: [],
    tasks: new Map(),
    completedTasks: [],
    terminationReason: undefined,
    terminationMessage: undefined,
  };
  framework.executors.set(executor.id, executor);
  ctx.s.containers.set(containerId, [framework.id, executor.id]);
  const checkpoint = framework.info.checkpoint === true;
  const run = {
    agentId: ctx.agentId,
    frameworkId: framework.id,
    executorId: executor.id,
    containerId,
  };
  if (checkpoint) ctx.checkpoint({ type: "executor", info, ...run });
  const directory = sandboxPath(
    ctx.config.workDir,
    ctx.agentId,
    framework.id,
    executor.id,
    containerId,
  );
  const env = executorEnvironment({
    frameworkId: framework.id,
    executorId: executor.id,
    agentId: ctx.agentId,
    directory,
    ...(ctx.config.sandboxMountPoint === undefined
      ? {}
      : { sandbox: ctx.config.sandboxMountPoint }),
    endpoint: ctx.config.endpoint,
    checkpoint,
    httpCommandExecutor: ctx.flags.httpCommandExecutor,
    shutdownGracePeriodMs: shutdownGracePeriodMs(ctx, info),
    recoveryTimeoutMs: ctx.flags.recoveryTimeoutMs,
    subscriptionBackoffMaxMs: ctx.flags.executorReregistrationTimeoutMs,
    allocationRole,
    commandEnvironment: info.command?.environment,
  });
  ctx.out.push({
    kind: "launch_container",
    launch: {
      containerId,
      frameworkId: framework.id,
      executorId: executor.id,
      executorInfo: info,
      frameworkInfo: framework.info,
      resources: [...(info.resources ?? []), ...taskResources],
      directory,
      env,
      user: info.command?.user ?? framework.info.user,
      commandExecutor: commandTask !== undefined,
      task: commandTask,
      checkpoint,
    },
  });
  ctx.setTimer(registrationTimerId(executor), ctx.nowMs + ctx.flags.executorRegistrationTimeoutMs);
  return executor;
}

/** Sends queued tasks to a subscribed executor, in order, once their task.info is durable. */
export function flushQueue(ctx: Ctx, executor: AgentExecutor): void {
  if (executor.phase !== "running" || executor.streamId === undefined) return;
  while (executor.queue.length > 0) {
    const item = executor.queue[0];
    if (item === undefined) break;
    const tasks = item.taskIds.flatMap((id) => {
      const task = executor.tasks.get(id);
      return task !== undefined && task.stage === "queued" ? [task] : [];
    });
    if (tasks.some((t) => t.pendingToken !== undefined)) return;
    executor.queue.shift();
    if (tasks.length === 0) continue;
    for (const task of tasks) task.stage = "launched";
    const infos = tasks.flatMap((t) => (t.info === undefined ? [] : [t.info]));
    if (item.group) {
      ctx.toExecutor(executor, {
        type: "LAUNCH_GROUP",
        launch_group: { task_group: { tasks: infos } },
      });
    } else {
      for (const info of infos)
        ctx.toExecutor(executor, { type: "LAUNCH", launch: { task: info } });
    }
  }
}

function liveTasks(executor: AgentExecutor): number {
  let n = 0;
  for (const task of executor.tasks.values()) if (!isTerminal(task.task.state)) n++;
  return n;
}

/** SUBSCRIBE from an executor (reference §3.3, "Agent behaviour on SUBSCRIBE"). */
export function executorSubscribe(
  ctx: Ctx,
  requestId: number,
  streamId: string,
  call: ExecutorCall,
): void {
  const framework = ctx.s.frameworks.get(call.framework_id.value);
  const executor = framework?.executors.get(call.executor_id.value);
  if (framework === undefined || executor === undefined) {
    const message =
      framework === undefined ? "Framework cannot be found" : "Executor cannot be found";
    ctx.out.push({ kind: "executor_reply", requestId, reply: { ok: false, status: 400, message } });
    return;
  }
  ctx.out.push({ kind: "executor_reply", requestId, reply: { ok: true, status: 200 } });
  if (
    framework.phase === "terminating" ||
    executor.phase === "terminating" ||
    executor.phase === "terminated"
  ) {
    ctx.out.push({ kind: "executor_event", streamId, event: { type: "SHUTDOWN" } });
    ctx.out.push({ kind: "close_executor_stream", streamId });
    return;
  }
  if (executor.streamId !== undefined && executor.streamId !== streamId) {
    // Mesos closes the older connection of a re-subscribing executor.
    ctx.out.push({ kind: "close_executor_stream", streamId: executor.streamId });
    ctx.s.executorStreams.delete(executor.streamId);
  }
  executor.streamId = streamId;
  ctx.s.executorStreams.set(streamId, [framework.id, executor.id]);
  const wasRecovered = executor.recovered;
  executor.phase = "running";
  executor.recovered = false;
  ctx.cancelTimer(registrationTimerId(executor));

  // The status update manager ignores the ones it already has (checkpointed before a crash).
  for (const update of call.subscribe?.unacknowledged_updates ?? []) {
    ctx.statusUpdate({ frameworkId: framework.id, executorId: executor.id, status: update.status });
  }
  if (wasRecovered) {
    // Tasks the agent sent before it restarted but the executor never got (reference §3.3).
    const listed = new Set(
      (call.subscribe?.unacknowledged_tasks ?? []).map((t) => t.task_id.value),
    );
    for (const task of executor.tasks.values()) {
      if (task.stage !== "launched" || task.task.state !== "TASK_STAGING") continue;
      if (listed.has(task.task.task_id.value)) continue;
      ctx.agentUpdate(
        framework.id,
        executor.id,
        task.task.task_id.value,
        isPartitionAware(framework.info) ? "TASK_DROPPED" : "TASK_LOST",
        "REASON_AGENT_RESTARTED",
        "Task launched during agent restart",
      );
    }
  }
  if (executor.queue.length === 0 && liveTasks(executor) === 0) {
    // The executor has nothing to run (its tasks were killed or dropped): shut it down.
    shutdownExecutor(ctx, executor);
    return;
  }
  ctx.toExecutor(executor, {
    type: "SUBSCRIBED",
    subscribed: {
      executor_info: executor.info,
      framework_info: framework.info,
      agent_info: { ...ctx.s.info, id: { value: ctx.agentId } },
      container_id: { value: executor.containerId },
    },
  });
  flushQueue(ctx, executor);
}

/** Asks the executor to shut down; its container is destroyed after the grace period. */
export function shutdownExecutor(ctx: Ctx, executor: AgentExecutor): void {
  if (executor.phase === "terminating" || executor.phase === "terminated") return;
  executor.phase = "terminating";
  ctx.cancelTimer(registrationTimerId(executor));
  if (ctx.toExecutor(executor, { type: "SHUTDOWN" })) {
    ctx.setTimer(shutdownTimerId(executor), ctx.nowMs + shutdownGracePeriodMs(ctx, executor.info));
  } else {
    ctx.out.push({ kind: "destroy_container", containerId: executor.containerId });
  }
}

/** The shutdown grace period ran out: destroy the container. */
export function shutdownTimeout(ctx: Ctx, executor: AgentExecutor): void {
  if (executor.phase !== "terminating") return;
  ctx.out.push({ kind: "destroy_container", containerId: executor.containerId });
}

/** The executor never subscribed in time (REASON_EXECUTOR_REGISTRATION_TIMEOUT). */
export function registrationTimeout(ctx: Ctx, executor: AgentExecutor): void {
  if (executor.phase !== "registering") return;
  destroyForTimeout(ctx, executor, "register");
}

/**
 * The agent ends an executor that did not (re)subscribe within --executor_registration_timeout
 * or --executor_reregistration_timeout: its tasks fail with that timeout's reason.
 */
export function destroyForTimeout(
  ctx: Ctx,
  executor: AgentExecutor,
  missed: "register" | "reregister",
): void {
  const first = missed === "register";
  const timeoutMs = first
    ? ctx.flags.executorRegistrationTimeoutMs
    : ctx.flags.executorReregistrationTimeoutMs;
  executor.phase = "terminating";
  executor.terminationReason = first
    ? "REASON_EXECUTOR_REGISTRATION_TIMEOUT"
    : "REASON_EXECUTOR_REREGISTRATION_TIMEOUT";
  executor.terminationMessage = `Executor did not ${missed} within ${formatStoutDuration(timeoutMs)}`;
  ctx.out.push({ kind: "destroy_container", containerId: executor.containerId });
}

export interface ContainerExit {
  status?: number | undefined;
  reason?: Reason | undefined;
  message?: string | undefined;
  limitation?: TaskResourceLimitation | undefined;
}

/**
 * A memory-limit message for a command task: the container's limit Mesos reports includes the
 * command executor's own 32 MB, so the task's figure is named beside it (otherwise the user
 * reads a limit other than the one asked for).
 */
function withTaskMemory(message: string, resources: readonly Resource[]): string {
  let mem = 0;
  for (const r of resources) if (r.name === "mem") mem += r.scalar?.value ?? 0;
  if (mem <= 0) return message;
  return `${message} (the task asked for ${Math.round(mem)}MB; the limit adds ${COMMAND_EXECUTOR_MEM_MB}MB for the command executor)`;
}

/**
 * The executor's container is gone (Mesos's `executorTerminated`): every live task fails with
 * the agent's own reason if it ended the container, else the containerizer's, else
 * REASON_EXECUTOR_TERMINATED; the master hears EXECUTOR_EXITED for custom executors only.
 */
export function executorExited(ctx: Ctx, executor: AgentExecutor, exit: ContainerExit): void {
  if (executor.phase === "terminated") return;
  const framework = ctx.s.frameworks.get(executor.frameworkId);
  executor.phase = "terminated";
  ctx.cancelTimer(registrationTimerId(executor));
  ctx.cancelTimer(shutdownTimerId(executor));
  if (executor.streamId !== undefined) {
    ctx.out.push({ kind: "close_executor_stream", streamId: executor.streamId });
    ctx.s.executorStreams.delete(executor.streamId);
    executor.streamId = undefined;
  }
  ctx.s.containers.delete(executor.containerId);
  executor.queue = [];
  if (framework === undefined || framework.phase === "terminating") {
    // A framework being shut down gets no updates (Mesos skips them too).
    executor.tasks.clear();
  } else {
    const reason = executor.terminationReason ?? exit.reason ?? "REASON_EXECUTOR_TERMINATED";
    const message = executor.terminationMessage ?? exit.message ?? "Executor terminated";
    for (const task of [...executor.tasks.values()]) {
      if (isTerminal(task.task.state)) continue;
      ctx.agentUpdate(
        framework.id,
        executor.id,
        task.task.task_id.value,
        executor.terminationState ?? "TASK_FAILED",
        reason,
        executor.commandExecutor && reason === "REASON_CONTAINER_LIMITATION_MEMORY"
          ? withTaskMemory(message, task.task.resources ?? [])
          : message,
        exit.limitation === undefined ? {} : { limitation: exit.limitation },
      );
    }
  }
  // Mesos does not tell the master about command executors: it never knew them.
  if (!executor.commandExecutor && ctx.s.connection === "registered") {
    ctx.toMaster({
      type: "EXECUTOR_EXITED",
      agent_id: { value: ctx.agentId },
      executor_exited: { ...executorIds(executor), status: exit.status ?? 0 },
    });
  }
  removeExecutorIfDone(ctx, executor);
}

/** A terminated executor whose tasks' terminal updates are all acknowledged is forgotten. */
export function removeExecutorIfDone(ctx: Ctx, executor: AgentExecutor): void {
  if (executor.phase !== "terminated" || executor.tasks.size > 0) return;
  const framework = ctx.s.frameworks.get(executor.frameworkId);
  if (framework === undefined || framework.executors.get(executor.id) !== executor) return;
  framework.executors.delete(executor.id);
  remember(framework.completedExecutors, executor, ctx.flags.maxCompletedExecutorsPerFramework);
  if (framework.info.checkpoint === true) {
    ctx.checkpoint({
      type: "remove_executor",
      agentId: ctx.agentId,
      frameworkId: framework.id,
      executorId: executor.id,
      containerId: executor.containerId,
    });
  }
  removeFrameworkIfIdle(ctx, framework);
}
