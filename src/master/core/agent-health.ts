// Agent health and removal (reference §5.2): pings and pongs, a broken agent stream, the
// re-register timeout, and the two ways an agent leaves: unreachable (it may come back) and
// gone (an operator said so). Registry writes come first: tasks become unreachable only once
// MarkAgentUnreachable is durable, gone once MarkAgentGone is.
import { findByKey, pingTimerId, reregisterTimerId } from "./agents.ts";
import { rescindInverseOffers } from "./inverse-offers.ts";
import { maintenanceAgentRemoved } from "./maintenance.ts";
import { rescindOffers } from "./offers.ts";
import { agentOperationsLost } from "./operation-feedback.ts";
import type { AgentRecord, Ctx, FrameworkRecord, TaskRecord } from "./state.ts";
import { isTerminal, stateFor } from "./task-states.ts";
import { masterStatus, removeTask, transitionByMaster } from "./tasks.ts";
import type { TaskStatus } from "./wire-types.ts";

export function pong(agent: AgentRecord): void {
  agent.pongSinceLastPing = true;
  agent.missedPings = 0;
}

/**
 * The ping timer fired: count a missed pong, or ping again (reference §5.2). A disconnected
 * agent keeps being health-checked, as Mesos's SlaveObserver keeps pinging after the socket
 * breaks: a ping that cannot be delivered is a missed pong, so an agent that died is marked
 * unreachable after agent_ping_timeout × max_agent_ping_timeouts, not the re-register timeout.
 */
export function pingTimeout(ctx: Ctx, agent: AgentRecord): void {
  if (agent.removing) return;
  if (!agent.pongSinceLastPing) agent.missedPings++;
  if (agent.missedPings >= ctx.flags.maxAgentPingTimeouts) {
    ctx.count("master/slave_removals/reason_unhealthy");
    markUnreachable(ctx, agent, "health check timed out");
    return;
  }
  agent.pongSinceLastPing = false;
  ctx.toAgent(agent, { type: "PING", ping: { connected: true } });
  ctx.setTimer(pingTimerId(agent.id), ctx.nowMs + ctx.flags.agentPingTimeoutMs);
}

/**
 * The agent's stream broke: no offers, offers rescinded; tasks of non-checkpointing frameworks
 * are lost right away (TASK_LOST, REASON_AGENT_DISCONNECTED, whatever the capability); the agent
 * is unreachable when its pings time out or --agent_reregister_timeout passes, whichever first.
 */
export function agentDisconnected(ctx: Ctx, agent: AgentRecord): void {
  if (agent.streamId !== undefined) ctx.s.agentStreams.delete(agent.streamId);
  agent.streamId = undefined;
  if (agent.connection !== "registered") return;
  agent.connection = "disconnected";
  ctx.allocator.deactivateAgent(agent.id);
  rescindOffers(ctx, (o) => o.agentId === agent.id);
  rescindInverseOffers(ctx, (r) => r.agentId === agent.id);
  for (const key of [...agent.tasks]) {
    const task = findByKey(ctx, key);
    const framework = task && ctx.s.frameworks.get(task.frameworkId);
    if (task === undefined || framework === undefined || framework.info.checkpoint) continue;
    const status = masterStatus(
      ctx,
      task,
      "TASK_LOST",
      "REASON_AGENT_DISCONNECTED",
      "Agent disconnected",
    );
    transitionByMaster(ctx, framework, task, status, "completed", true);
  }
  ctx.setTimer(reregisterTimerId(agent.id), ctx.nowMs + ctx.flags.agentReregisterTimeoutMs);
}

/** The re-register timer fired for a disconnected agent or one recovered from the registry. */
export function reregisterTimeout(ctx: Ctx, agentId: string): void {
  const agent = ctx.s.agents.get(agentId);
  const message = `Agent did not reregister within ${ctx.flags.agentReregisterTimeoutMs / 1000}secs`;
  if (agent !== undefined) {
    if (agent.connection === "disconnected" && !agent.removing)
      markUnreachable(ctx, agent, message);
    return;
  }
  if (!ctx.s.recoveredAgents.has(agentId)) return;
  ctx.count("master/slave_unreachable_scheduled");
  ctx.persist([{ type: "MarkAgentUnreachable", agentId, unreachableTimeMs: ctx.nowMs }], (next) => {
    next.count("master/slave_unreachable_completed");
    if (!next.s.recoveredAgents.delete(agentId)) return;
    // A recovered agent that never came back (Mesos's recovery_slave_removals).
    next.count("master/recovery_slave_removals");
    next.s.unreachableAgents.set(agentId, { unreachableTimeMs: ctx.nowMs });
    next.operator({ type: "AGENT_REMOVED", agent_removed: { agent_id: { value: agentId } } });
  });
}

/**
 * Marks an agent unreachable: MarkAgentUnreachable first, then tasks -> TASK_UNREACHABLE
 * (PARTITION_AWARE, with unreachable_time) or TASK_LOST, REASON_AGENT_REMOVED; offers rescinded;
 * FAILURE to every connected framework; AGENT_REMOVED (reference §5.2).
 */
export function markUnreachable(ctx: Ctx, agent: AgentRecord, message: string): void {
  agent.removing = true;
  ctx.cancelTimer(pingTimerId(agent.id));
  ctx.cancelTimer(reregisterTimerId(agent.id));
  const unreachableTimeMs = ctx.nowMs;
  ctx.count("master/slave_unreachable_scheduled");
  ctx.persist([{ type: "MarkAgentUnreachable", agentId: agent.id, unreachableTimeMs }], (next) => {
    next.count("master/slave_unreachable_completed");
    next.s.unreachableAgents.set(agent.id, { unreachableTimeMs });
    agentOperationsLost(next, agent.id, "OPERATION_UNREACHABLE");
    removeAgent(next, agent, (task, framework) => {
      const status = masterStatus(next, task, "TASK_UNREACHABLE", "REASON_AGENT_REMOVED", message);
      status.unreachable_time = { nanoseconds: unreachableTimeMs * 1_000_000 };
      task.unreachableTimeMs = unreachableTimeMs;
      transitionTo(next, framework, task, status, "unreachable");
    });
  });
}

/** Marks an agent gone (operator): tasks -> TASK_GONE_BY_OPERATOR / TASK_LOST. */
export function markGone(ctx: Ctx, agentId: string, then: (ctx: Ctx) => void): void {
  const goneTimeMs = ctx.nowMs;
  const agent = ctx.s.agents.get(agentId);
  if (agent !== undefined) agent.removing = true;
  ctx.persist([{ type: "MarkAgentGone", agentId, goneTimeMs }], (next) => {
    next.s.goneAgents.set(agentId, { goneTimeMs });
    agentOperationsLost(next, agentId, "OPERATION_GONE_BY_OPERATOR");
    next.s.recoveredAgents.delete(agentId);
    next.s.unreachableAgents.delete(agentId);
    next.cancelTimer(reregisterTimerId(agentId));
    const gone = (task: TaskRecord, framework: FrameworkRecord) => {
      const pa = framework.partitionAware;
      const status = masterStatus(
        next,
        task,
        "TASK_GONE_BY_OPERATOR",
        pa ? "REASON_AGENT_REMOVED_BY_OPERATOR" : "REASON_AGENT_REMOVED",
        "Agent has been marked gone",
      );
      transitionTo(next, framework, task, status, "completed");
    };
    if (agent !== undefined) {
      if (agent.streamId !== undefined) {
        next.toAgent(agent, { type: "SHUTDOWN", shutdown: { message: "Agent marked gone" } });
        next.out.push({ kind: "close_agent_stream", agentStreamId: agent.streamId });
      }
      removeAgent(next, agent, gone);
    }
    // Tasks that were already unreachable on that agent are gone too.
    for (const framework of next.s.frameworks.values()) {
      for (const task of [...framework.unreachableTasks.values()]) {
        if (task.agentId !== agentId) continue;
        framework.unreachableTasks.delete(task.taskId);
        task.state = "TASK_GONE_BY_OPERATOR";
        framework.completedTasks.push(task);
        const status = masterStatus(
          next,
          task,
          stateFor(framework.partitionAware, "TASK_GONE_BY_OPERATOR"),
          framework.partitionAware ? "REASON_AGENT_REMOVED_BY_OPERATOR" : "REASON_AGENT_REMOVED",
          "Agent has been marked gone",
        );
        next.toFramework(framework, { type: "UPDATE", update: { status } });
      }
    }
    then(next);
  });
}

/** Records `status` and tells the framework the state it may see (TASK_LOST if not PA). */
export function transitionTo(
  ctx: Ctx,
  framework: FrameworkRecord,
  task: TaskRecord,
  status: TaskStatus,
  to: "unreachable" | "completed",
): void {
  transitionByMaster(ctx, framework, task, status, to, false);
  const seen = stateFor(framework.partitionAware, status.state);
  const sent: TaskStatus = { ...status, state: seen };
  if (seen !== status.state) delete sent.unreachable_time;
  ctx.toFramework(framework, { type: "UPDATE", update: { status: sent } });
}

export function removeAgent(
  ctx: Ctx,
  agent: AgentRecord,
  onTask: (task: TaskRecord, framework: FrameworkRecord) => void,
): void {
  ctx.cancelTimer(pingTimerId(agent.id));
  rescindOffers(ctx, (o) => o.agentId === agent.id);
  for (const key of [...agent.tasks]) {
    const task = findByKey(ctx, key);
    const framework = task && ctx.s.frameworks.get(task.frameworkId);
    if (task === undefined || framework === undefined) continue;
    if (isTerminal(task.state)) {
      removeTask(ctx, framework, task, "completed");
      continue;
    }
    onTask(task, framework);
  }
  for (const framework of ctx.s.frameworks.values()) {
    framework.executors.delete(agent.id);
    ctx.toFramework(framework, { type: "FAILURE", failure: { agent_id: { value: agent.id } } });
  }
  maintenanceAgentRemoved(ctx, agent.id);
  ctx.allocator.removeAgent(agent.id);
  ctx.count("master/slave_removals");
  if (agent.streamId !== undefined) ctx.s.agentStreams.delete(agent.streamId);
  ctx.s.agents.delete(agent.id);
  ctx.operator({ type: "AGENT_REMOVED", agent_removed: { agent_id: { value: agent.id } } });
}
