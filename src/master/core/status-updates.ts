// Status updates from agents and acknowledgements from frameworks (reference §5.5): the master
// records the latest state, releases resources as soon as the latest state is terminal, forwards
// the update (with its uuid) to the framework if connected, and relays the framework's ACK to the
// agent. The task leaves the active set once its terminal update is acknowledged.
import type { AgentStatusUpdate } from "../../wire/agent-channel.ts";
import type { AgentRecord, Ctx, FrameworkRecord } from "./state.ts";
import { isTerminal } from "./task-states.ts";
import { applyStatus, removeTask } from "./tasks.ts";
import type { TaskStatus } from "./wire-types.ts";

export function statusUpdate(ctx: Ctx, agent: AgentRecord, update: AgentStatusUpdate): void {
  const framework = ctx.s.frameworks.get(update.framework_id.value);
  if (framework === undefined) {
    // Unknown or removed framework: dropped; the agent keeps retrying until it learns more.
    ctx.count("master/invalid_status_updates");
    return;
  }
  const status: TaskStatus = {
    ...update.status,
    agent_id: { value: agent.id },
  };
  if (update.executor_id !== undefined) status.executor_id = update.executor_id;
  const task = framework.tasks.get(status.task_id.value);
  if (task !== undefined && task.agentId === agent.id) {
    const duplicate =
      status.uuid !== undefined && task.statuses.some((s) => s.uuid === status.uuid);
    // A duplicate is forwarded again (its ack may have been lost) without changing the task.
    if (!duplicate) applyStatus(ctx, task, status, update.latest_state);
  }
  ctx.count("master/valid_status_updates");
  if (!ctx.toFramework(framework, { type: "UPDATE", update: { status } })) {
    // Mesos drops updates for disconnected frameworks; the agent retries (reference §1.5).
    ctx.count("master/dropped_status_updates");
  }
  if (task !== undefined && status.uuid === undefined && isTerminal(status.state)) {
    // Nothing will acknowledge an update without uuid.
    removeTask(ctx, framework, task, "completed");
  }
}

export interface Acknowledgement {
  agentId: string;
  taskId: string;
  uuid: string;
}

/** ACKNOWLEDGE from the framework; duplicate or unknown acks are ignored and counted. */
export function acknowledge(ctx: Ctx, framework: FrameworkRecord, ack: Acknowledgement): void {
  const agent = ctx.s.agents.get(ack.agentId);
  const task = framework.tasks.get(ack.taskId);
  const stale =
    task === undefined
      ? framework.completedTasks.some((t) => t.taskId === ack.taskId && t.agentId === ack.agentId)
      : task.statusUpdateUuid !== ack.uuid || task.agentId !== ack.agentId;
  if (agent === undefined || agent.connection !== "registered" || stale) {
    ctx.count("master/invalid_status_update_acknowledgements");
    return;
  }
  ctx.count("master/valid_status_update_acknowledgements");
  ctx.toAgent(agent, {
    type: "ACKNOWLEDGE",
    acknowledge: {
      framework_id: { value: framework.id },
      task_id: { value: ack.taskId },
      uuid: ack.uuid,
    },
  });
  if (task === undefined) return;
  task.statusUpdateUuid = undefined;
  if (task.statusUpdateState !== undefined && isTerminal(task.statusUpdateState)) {
    removeTask(ctx, framework, task, "completed");
  }
}
