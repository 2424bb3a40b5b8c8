// The Marathon events a task status gives rise to (reference §1.8), beside the
// status_update_event the core always emits: the instance's condition change, its health
// changes and failed checks, and Marathon's unhealthy kill. Built from the instance as it was
// before the status is applied, so "changed" means changed.
import { isTerminalState, type TaskState } from "../../wire/status.ts";
import type { AppVersion } from "./app-json.ts";
import type { Instance } from "./instance.ts";
import type { ServicesCtx } from "./services-context.ts";
import type { TaskStatusInput } from "./services-outputs.ts";
import { parseTaskId } from "./task-info.ts";

/** Marathon's instance Condition for a Mesos task state. */
const CONDITIONS: Record<TaskState, string> = {
  TASK_STAGING: "Staging",
  TASK_STARTING: "Starting",
  TASK_RUNNING: "Running",
  TASK_KILLING: "Killing",
  TASK_FINISHED: "Finished",
  TASK_FAILED: "Failed",
  TASK_KILLED: "Killed",
  TASK_ERROR: "Error",
  TASK_LOST: "Unreachable",
  TASK_UNREACHABLE: "Unreachable",
  TASK_GONE: "Gone",
  TASK_GONE_BY_OPERATOR: "Gone",
  TASK_DROPPED: "Dropped",
  TASK_UNKNOWN: "Unknown",
};

export function conditionOf(state: TaskState): string {
  return CONDITIONS[state] ?? "Unknown";
}

/**
 * The events of one status of instance `i`'s current task; call before the status is applied.
 * A task that ends while its last health result was a failure, and that Marathon did not ask
 * to stop (goal still Running), was killed for its health: unhealthy_instance_kill_event.
 */
export function statusEvents(
  ctx: ServicesCtx,
  i: Instance,
  update: TaskStatusInput,
  app: AppVersion | undefined,
): void {
  const agentId = i.agentId ?? update.agentId ?? "";
  const host = i.agent?.hostname ?? "";
  if (update.state !== i.state) {
    ctx.event("instance_changed_event", {
      instanceId: i.instanceId,
      condition: conditionOf(update.state),
      runSpecId: i.appId,
      agentId,
      host,
      runSpecVersion: i.version,
    });
  }
  const healthCheck = app?.app.healthChecks[0] ?? null;
  if (update.healthy === false) {
    ctx.event("failed_health_check_event", {
      appId: i.appId,
      taskId: update.taskId,
      healthCheck,
    });
  }
  if (update.healthy !== undefined && update.healthy !== i.healthy) {
    ctx.event("health_status_changed_event", {
      appId: i.appId,
      instanceId: i.instanceId,
      version: i.version,
      alive: update.healthy,
    });
  }
  const lastHealthy = update.healthy ?? i.healthy;
  if (
    isTerminalState(update.state) &&
    (update.state === "TASK_KILLED" || update.state === "TASK_FAILED") &&
    lastHealthy === false &&
    i.goal === "Running"
  ) {
    ctx.event("unhealthy_instance_kill_event", {
      appId: i.appId,
      taskId: update.taskId,
      instanceId: i.instanceId,
      version: i.version,
      reason: update.message ?? "health check failed",
      host,
      slaveId: agentId,
    });
  }
}

/** A task no instance owns any more (it is being killed): Marathon's unknown-instance event. */
export function unknownTaskEvent(ctx: ServicesCtx, update: TaskStatusInput): void {
  const parsed = parseTaskId(update.taskId);
  ctx.event("unknown_instance_terminated_event", {
    instanceId: parsed?.instanceId ?? update.taskId,
    runSpecId: parsed?.appId ?? "",
    condition: conditionOf(update.state),
  });
}
