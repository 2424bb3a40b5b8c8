// Calls an agent makes on its channel besides SUBSCRIBE: status updates, pongs, executor exits,
// executor-to-framework messages, resource changes (DESIGN.md "Master <-> agent channel").
import { resourcesFromWire } from "../../resources/wire-format.ts";
import { checkDrained } from "./agent-activity.ts";
import { pong } from "./agent-health.ts";
import { rescindOffers } from "./offers.ts";
import { agentOperationStatus } from "./operation-feedback.ts";
import type { AgentRecord, Ctx } from "./state.ts";
import { statusUpdate } from "./status-updates.ts";
import type { AgentCall } from "./wire-types.ts";

export function agentCall(ctx: Ctx, agentId: string, call: AgentCall): void {
  const agent = ctx.s.agents.get(agentId);
  if (agent === undefined || agent.connection !== "registered" || agent.removing) return;
  switch (call.type) {
    case "UPDATE":
      if (call.update !== undefined) {
        statusUpdate(ctx, agent, call.update);
        // A draining agent is drained once its last task is terminal.
        checkDrained(ctx, agent.id);
      }
      break;
    case "PONG":
    case "HEARTBEAT":
      pong(agent);
      break;
    case "EXECUTOR_EXITED": {
      const e = call.executor_exited;
      if (e === undefined) break;
      const framework = ctx.s.frameworks.get(e.framework_id.value);
      const executor = framework?.executors.get(agent.id)?.get(e.executor_id.value);
      if (framework === undefined || executor === undefined) break;
      framework.executors.get(agent.id)?.delete(e.executor_id.value);
      ctx.recover(framework.id, agent.id, executor.resources, 0);
      ctx.toFramework(framework, {
        type: "FAILURE",
        failure: { agent_id: { value: agent.id }, executor_id: e.executor_id, status: e.status },
      });
      break;
    }
    case "FRAMEWORK_MESSAGE": {
      const m = call.framework_message;
      const framework = m === undefined ? undefined : ctx.s.frameworks.get(m.framework_id.value);
      if (m === undefined || framework === undefined) break;
      ctx.toFramework(framework, {
        type: "MESSAGE",
        message: { agent_id: { value: agent.id }, executor_id: m.executor_id, data: m.data },
      });
      break;
    }
    case "UPDATE_RESOURCES": {
      if (call.update_resources?.update_oversubscribed === true) {
        updateOversubscribed(ctx, agent, call.update_resources.oversubscribed_resources ?? []);
        break;
      }
      // The agent's total changed (oversubscription, operator reservations): outstanding
      // offers are rescinded, the allocator gets the new total (reference §1.5).
      const parsed = resourcesFromWire(call.update_resources?.total_resources ?? []);
      if (!parsed.ok) {
        ctx.count("master/invalid_agent_resource_updates");
        break;
      }
      rescindOffers(ctx, (o) => o.agentId === agent.id);
      agent.total = parsed.value;
      ctx.allocator.updateAgent(agent.id, agent.total);
      break;
    }
    case "UPDATE_OPERATION_STATUS":
      if (call.update_operation_status !== undefined) {
        agentOperationStatus(ctx, agent, call.update_operation_status);
      }
      break;
    default:
      break;
  }
}

/**
 * The agent's resource estimator reported its revocable resources (Mesos's UpdateSlaveMessage
 * with update_oversubscribed_resources): they replace the revocable part of its total; offers
 * holding revocable resources of that agent are rescinded (the others stand), and the
 * allocator offers the new amount to frameworks with REVOCABLE_RESOURCES only.
 */
function updateOversubscribed(
  ctx: Ctx,
  agent: AgentRecord,
  wire: Parameters<typeof resourcesFromWire>[0],
): void {
  const parsed = resourcesFromWire(wire);
  if (!parsed.ok) {
    ctx.count("master/invalid_agent_resource_updates");
    return;
  }
  const revocable = parsed.value.revocable();
  const total = agent.total.nonRevocable().add(revocable);
  if (total.equals(agent.total)) return;
  rescindOffers(ctx, (o) => o.agentId === agent.id && !o.resources.revocable().isEmpty());
  agent.total = total;
  ctx.allocator.updateAgent(agent.id, agent.total);
}
