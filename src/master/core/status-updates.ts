// Status updates from agents and acknowledgements from frameworks (reference §5.5): the master
// records the latest state, releases resources as soon as the latest state is terminal, forwards
// the update (with its uuid) to the framework if connected, and relays the framework's ACK to the
// agent. The task leaves the active set once its terminal update is acknowledged.
import type { AgentStatusUpdate } from "../../wire/agent-channel.ts";
import {
  type AgentRecord,
  type Ctx,
  type FrameworkRecord,
  type TaskRecord,
  taskStateMetric,
} from "./state.ts";
import { isTerminal } from "./task-states.ts";
import { applyStatus, countTaskEnd, releaseResources, removeTask } from "./tasks.ts";
import type { TaskState, TaskStatus } from "./wire-types.ts";

export function statusUpdate(ctx: Ctx, agent: AgentRecord, update: AgentStatusUpdate): void {
  const framework = ctx.s.frameworks.get(update.framework_id.value);
  if (framework === undefined) {
    // Unknown or removed framework: dropped; the agent keeps retrying until it learns more.
    ctx.count("master/invalid_status_updates");
    return;
  }
  const status: TaskStatus = {
    ...update.status,
    state: reconciledState(framework, update.status),
    agent_id: { value: agent.id },
  };
  if (update.executor_id !== undefined) status.executor_id = update.executor_id;
  const task = framework.tasks.get(status.task_id.value);
  if (task !== undefined && task.agentId === agent.id) {
    const duplicate =
      status.uuid !== undefined && task.statuses.some((s) => s.uuid === status.uuid);
    if (duplicate) retried(ctx, task, status, update.latest_state);
    else applyStatus(ctx, task, status, update.latest_state);
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

/**
 * A task the master holds but a restarted agent does not (kill -9 right after ACCEPT: the
 * RUN_TASK never reached its checkpoint) is answered by the agent with TASK_LOST when it never
 * learnt the framework, as it then cannot tell whether the framework is partition-aware. The
 * master can: a PARTITION_AWARE framework gets TASK_DROPPED, as in Mesos (reference §5.6, §9.3
 * "tasks missing on agent -> TASK_LOST (non-PA) / TASK_DROPPED (PA)").
 */
function reconciledState(framework: FrameworkRecord, status: TaskStatus): TaskState {
  const unknownToAgent =
    status.state === "TASK_LOST" &&
    status.source === "SOURCE_AGENT" &&
    status.reason === "REASON_RECONCILIATION";
  return unknownToAgent && framework.partitionAware ? "TASK_DROPPED" : status.state;
}

/**
 * An update the master already recorded, sent again by the agent (its ack was lost, or the
 * retry crossed a newer update). It is forwarded again and, as Mesos's updateTask does for every
 * update it forwards, becomes the update awaiting the framework's acknowledgement; the task's
 * history and latest state stay as they are. A retry that would move a task whose latest state
 * is terminal back to a non-terminal one is out of order and changes nothing (Mesos too).
 */
function retried(
  ctx: Ctx,
  task: TaskRecord,
  status: TaskStatus,
  latestState: TaskState | undefined,
): void {
  if (isTerminal(task.state) && !isTerminal(status.state)) return;
  task.statusUpdateState = status.state;
  task.statusUpdateUuid = status.uuid;
  // The retry may carry news: the agent learned a newer state while this update waited for
  // its ack (say the task finished while its framework was away). As in Mesos, the task's
  // latest state follows it, and a task that became terminal gives its resources back.
  if (latestState === undefined || latestState === task.state || isTerminal(task.state)) return;
  task.state = latestState;
  ctx.count(taskStateMetric(latestState));
  if (isTerminal(latestState)) countTaskEnd(ctx, task, status);
  ctx.operator({
    type: "TASK_UPDATED",
    task_updated: { framework_id: { value: task.frameworkId }, status, state: latestState },
  });
  if (isTerminal(latestState)) releaseResources(ctx, task);
}

export interface Acknowledgement {
  agentId: string;
  taskId: string;
  uuid: string;
}

/**
 * ACKNOWLEDGE from the framework, relayed to the agent's status update manager, which ignores
 * duplicate and unexpected ones (Mesos's master relays them too: after a lost ack the agent
 * retries the update, and only a relayed duplicate ack unblocks it). The master itself refuses
 * acks it cannot deliver (agent not registered or disconnected) or that cannot be for a pending
 * update (the task never had one), and counts them.
 */
export function acknowledge(ctx: Ctx, framework: FrameworkRecord, ack: Acknowledgement): void {
  const agent = ctx.s.agents.get(ack.agentId);
  const task = framework.tasks.get(ack.taskId);
  const noPendingUpdate =
    task !== undefined && (task.statusUpdateState === undefined || task.agentId !== ack.agentId);
  if (
    agent === undefined ||
    agent.connection !== "registered" ||
    agent.removing ||
    noPendingUpdate
  ) {
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
  // The acknowledged terminal update ends the task's life at the master.
  if (
    task !== undefined &&
    task.statusUpdateUuid === ack.uuid &&
    task.statusUpdateState !== undefined &&
    isTerminal(task.statusUpdateState)
  ) {
    removeTask(ctx, framework, task, "completed");
  }
}
