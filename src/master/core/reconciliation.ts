// Task reconciliation (reference §5.7, Mesos `Master::reconcile`): implicit (all active tasks)
// and explicit (the listed tasks), including the deliberate no-reply while agents recovered from
// the registry have not re-registered.
import type { Ctx, FrameworkRecord, TaskRecord } from "./state.ts";
import { stateFor } from "./task-states.ts";
import { masterStatus } from "./tasks.ts";
import type { TaskState, TaskStatus } from "./wire-types.ts";

/** What the master knows of an agent, for the decision table. */
export type AgentStanding = "registered" | "recovered" | "unreachable" | "gone" | "unknown";

export type ReconcileAnswer =
  | { kind: "latest"; task: TaskRecord }
  | { kind: "no_reply" }
  | { kind: "state"; state: TaskState; message: string; unreachableTimeMs?: number };

/** The decision for one explicitly listed task (the six cases of §5.7), before PA mapping. */
export function decideExplicit(
  task: TaskRecord | undefined,
  agent: AgentStanding | undefined,
  anyRecoveredAgents: boolean,
  unreachableTimeMs: number | undefined,
): ReconcileAnswer {
  if (task !== undefined) return { kind: "latest", task };
  if (agent === "recovered" || (agent === undefined && anyRecoveredAgents)) {
    // The agent may still re-register with the task: Mesos stays silent, the scheduler retries.
    return { kind: "no_reply" };
  }
  switch (agent) {
    case "registered":
      return {
        kind: "state",
        state: "TASK_GONE",
        message: "Reconciliation: Task is unknown to the agent",
      };
    case "unreachable":
      return {
        kind: "state",
        state: "TASK_UNREACHABLE",
        message: "Reconciliation: Task is unreachable",
        ...(unreachableTimeMs === undefined ? {} : { unreachableTimeMs }),
      };
    case "gone":
      return {
        kind: "state",
        state: "TASK_GONE_BY_OPERATOR",
        message: "Reconciliation: Task is gone",
      };
    default:
      return { kind: "state", state: "TASK_UNKNOWN", message: "Reconciliation: Task is unknown" };
  }
}

export function agentStanding(ctx: Ctx, agentId: string | undefined): AgentStanding | undefined {
  if (agentId === undefined) return undefined;
  if (ctx.s.agents.has(agentId)) return "registered";
  if (ctx.s.recoveredAgents.has(agentId)) return "recovered";
  if (ctx.s.unreachableAgents.has(agentId)) return "unreachable";
  if (ctx.s.goneAgents.has(agentId)) return "gone";
  return "unknown";
}

/** The latest state of a known task: status_update_state first, then state (§5.7). */
export function latestStatus(ctx: Ctx, task: TaskRecord): TaskStatus {
  const status = masterStatus(
    ctx,
    task,
    task.statusUpdateState ?? task.state,
    "REASON_RECONCILIATION",
    "Reconciliation: Latest task state",
  );
  const last = task.statuses[task.statuses.length - 1];
  if (last?.healthy !== undefined) status.healthy = last.healthy;
  if (last?.check_status !== undefined) status.check_status = last.check_status;
  if (last?.container_status !== undefined) status.container_status = last.container_status;
  return status;
}

export interface ReconcileItem {
  taskId: string;
  agentId: string | undefined;
}

export function reconcile(
  ctx: Ctx,
  framework: FrameworkRecord,
  items: readonly ReconcileItem[],
): void {
  if (items.length === 0) {
    // Implicit: every active task (non-terminal, and terminal but unacknowledged); not the
    // unreachable ones.
    for (const task of framework.tasks.values()) send(ctx, framework, latestStatus(ctx, task));
    return;
  }
  const anyRecovered = ctx.s.recoveredAgents.size > 0;
  for (const item of items) {
    const task = framework.tasks.get(item.taskId);
    const standing = agentStanding(ctx, item.agentId);
    const unreachableTimeMs =
      item.agentId === undefined
        ? undefined
        : ctx.s.unreachableAgents.get(item.agentId)?.unreachableTimeMs;
    const answer = decideExplicit(task, standing, anyRecovered, unreachableTimeMs);
    switch (answer.kind) {
      case "no_reply":
        break;
      case "latest":
        send(ctx, framework, latestStatus(ctx, answer.task));
        break;
      case "state": {
        const state = stateFor(framework.partitionAware, answer.state);
        const status = masterStatus(
          ctx,
          { taskId: item.taskId, agentId: item.agentId },
          state,
          "REASON_RECONCILIATION",
          answer.message,
        );
        if (answer.unreachableTimeMs !== undefined && state === "TASK_UNREACHABLE") {
          status.unreachable_time = { nanoseconds: answer.unreachableTimeMs * 1_000_000 };
        }
        send(ctx, framework, status);
        break;
      }
    }
  }
}

function send(ctx: Ctx, framework: FrameworkRecord, status: TaskStatus): void {
  ctx.toFramework(framework, { type: "UPDATE", update: { status } });
}
