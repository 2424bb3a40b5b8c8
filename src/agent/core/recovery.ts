import { destroyForTimeout, executorExited } from "./executors.ts";
import { startRegistration } from "./registration.ts";
import type { AgentExecutor, AgentFramework, AgentTask, Ctx } from "./state.ts";
import { isTerminal } from "./state.ts";
import type { RecoveredStream } from "./status-update-types.ts";
import type { RecoveredAgentState } from "./types.ts";

export const RECOVERY_TIMER = "executor_reregistration";

export function recover(ctx: Ctx, state: RecoveredAgentState | undefined): void {
  if (ctx.s.recovery !== "pending") return;
  if (state === undefined) {
    finishRecovery(ctx);
    return;
  }
  ctx.s.agentId = state.agentId;
  ctx.s.checkpointedResources = state.checkpointedResources ?? [];
  const streams: RecoveredStream[] = [];
  for (const fw of state.frameworks) {
    // Nothing of a non-checkpointing framework is on disk; an entry without the bit is ignored.
    if (fw.info.checkpoint !== true) continue;
    for (const ex of fw.executors) {
      for (const t of ex.tasks) {
        streams.push({
          at: {
            frameworkId: fwId(fw.info),
            executorId: ex.info.executor_id.value,
            containerId: ex.containerId,
            taskId: t.task.task_id.value,
          },
          records: t.records,
        });
      }
    }
  }
  ctx.sum.recover(streams);

  const gone: AgentExecutor[] = [];
  for (const fw of state.frameworks) {
    if (fw.info.checkpoint !== true) continue;
    const id = fwId(fw.info);
    const framework: AgentFramework = {
      id,
      info: fw.info,
      phase: "running",
      executors: new Map(),
      completedExecutors: [],
    };
    for (const ex of fw.executors) {
      const executor: AgentExecutor = {
        id: ex.info.executor_id.value,
        frameworkId: id,
        info: ex.info,
        containerId: ex.containerId,
        // Mesos marks the executors it generated for command tasks by their source/id.
        commandExecutor: ex.info.source === ex.info.executor_id.value,
        phase: "running",
        streamId: undefined,
        recovered: true,
        queue: [],
        tasks: new Map(),
        completedTasks: [],
        terminationReason: undefined,
        terminationMessage: undefined,
      };
      for (const t of ex.tasks) {
        const taskId = t.task.task_id.value;
        // A task whose terminal update was acknowledged is finished: nothing to recover.
        if (ctx.sum.isCompleted(id, taskId)) continue;
        const state = ctx.sum.latestState(id, taskId) ?? t.task.state;
        const task: AgentTask = {
          frameworkId: id,
          executorId: executor.id,
          info: undefined,
          task: { ...t.task, state },
          // Whether it reached the executor is unknown: the executor's SUBSCRIBE tells.
          stage: isTerminal(state) ? "terminated" : "launched",
          pendingToken: undefined,
        };
        executor.tasks.set(taskId, task);
      }
      framework.executors.set(executor.id, executor);
      ctx.s.containers.set(executor.containerId, [id, executor.id]);
      if (state.rebooted || ctx.flags.recover === "cleanup") gone.push(executor);
    }
    ctx.s.frameworks.set(id, framework);
  }

  for (const executor of gone) {
    executor.recovered = false;
    if (state.rebooted) {
      // The host rebooted: no process of the old run survived.
      executorExited(ctx, executor, { message: "Executor did not survive the host reboot" });
    } else {
      // --recover=cleanup: kill it; its tasks are reported when the container is gone.
      executor.phase = "terminating";
      ctx.out.push({ kind: "destroy_container", containerId: executor.containerId });
    }
  }
  if (waitingExecutors(ctx).length === 0) {
    finishRecovery(ctx);
    return;
  }
  ctx.s.recovery = "reconnecting";
  ctx.setTimer(RECOVERY_TIMER, ctx.nowMs + ctx.flags.executorReregistrationTimeoutMs);
}

function fwId(info: { id?: { value: string } | undefined }): string {
  const id = info.id?.value;
  if (id === undefined) throw new Error("agent core: a checkpointed framework has an id");
  return id;
}

function waitingExecutors(ctx: Ctx): AgentExecutor[] {
  const out: AgentExecutor[] = [];
  for (const framework of ctx.s.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      if (executor.recovered && executor.phase === "running") out.push(executor);
    }
  }
  return out;
}

/** After a recovered executor re-subscribed: recovery ends early when none is left waiting. */
export function executorReconnected(ctx: Ctx): void {
  if (ctx.s.recovery !== "reconnecting" || waitingExecutors(ctx).length > 0) return;
  ctx.cancelTimer(RECOVERY_TIMER);
  finishRecovery(ctx);
}

/** --executor_reregistration_timeout passed: executors that did not come back are destroyed. */
export function recoveryTimeout(ctx: Ctx): void {
  if (ctx.s.recovery !== "reconnecting") return;
  for (const executor of waitingExecutors(ctx)) {
    executor.recovered = false;
    destroyForTimeout(ctx, executor, "reregister");
  }
  finishRecovery(ctx);
}

function finishRecovery(ctx: Ctx): void {
  ctx.s.recovery = "done";
  if (ctx.s.masterKnown) startRegistration(ctx);
}
