// Carrying out a checked resource conversion (operations.ts) at the master, speculatively as
// Mesos does for RESERVE / UNRESERVE / CREATE / DESTROY / GROW_VOLUME / SHRINK_VOLUME: the
// agent's total and checkpointed resources change at once, the allocator learns the new total,
// and the agent is sent its complete checkpointed set to make durable (with the operation,
// when the framework asked for feedback). Also the operator's form of the same operations
// (RESERVE_RESOURCES ... SHRINK_VOLUME and the v0 endpoints): checked against the agent's
// unused resources after rescinding its offers, 202 once applied, 409 if they do not fit.
import { Resources } from "../../resources/index.ts";
import { resourcesToWire } from "../../resources/wire-format.ts";
import { rescindOffers } from "./offers.ts";
import { finishPending, latestPending, trackOperation } from "./operation-feedback.ts";
import {
  CONVERSION_TYPES,
  checkConversion,
  needsCheckpointing,
  type OperationScope,
} from "./operations.ts";
import type { AgentRecord, Ctx, FrameworkRecord } from "./state.ts";
import type { SchedulerCallReply } from "./types.ts";
import type { OfferOperation } from "./wire-types.ts";

/** What tasks and executors use on the agent (unallocated): the in-use checks read it. */
export function agentUsed(ctx: Ctx, agent: AgentRecord): Resources {
  const used = Resources.empty();
  for (const key of agent.tasks) {
    const slash = key.indexOf("/");
    const task = ctx.s.frameworks.get(key.slice(0, slash))?.tasks.get(key.slice(slash + 1));
    if (task !== undefined && !task.released) used.addInPlace(task.resources.unallocate());
  }
  for (const framework of ctx.s.frameworks.values()) {
    for (const executor of framework.executors.get(agent.id)?.values() ?? []) {
      used.addInPlace(executor.resources.unallocate());
    }
  }
  return used;
}

/** The scope of an operation on `agent`, by a framework (with its offer's role) or not. */
export function operationScope(
  ctx: Ctx,
  agent: AgentRecord,
  by: { framework: FrameworkRecord; role: string } | { principal: string | undefined },
): OperationScope {
  const framework = "framework" in by ? by.framework : undefined;
  return {
    framework,
    role: "role" in by ? by.role : undefined,
    principal:
      framework !== undefined ? framework.info.principal : (by as { principal?: string }).principal,
    agentCapabilities: agent.capabilities,
    checkpointed: agent.checkpointed,
    used: agentUsed(ctx, agent),
  };
}

/** Mesos's `stringify(Slave)`: how messages name an agent. */
export function agentName(agent: AgentRecord): string {
  return `${agent.id} at slave(1)@${agent.ip}:${agent.info.port ?? 5051} (${agent.info.hostname})`;
}

/**
 * Applies a checked conversion. With a framework, `consumed` came out of its offer and
 * `converted` stays allocated to it (give back, new total, take again: nothing allocates in
 * between); without, both are unallocated resources of the agent.
 */
export function applyConversion(
  ctx: Ctx,
  agent: AgentRecord,
  consumed: Resources,
  converted: Resources,
  by: { framework: FrameworkRecord; operation: OfferOperation } | undefined,
): void {
  const plainFrom = consumed.unallocate();
  const plainTo = converted.unallocate();
  agent.total = agent.total.subtractContained(plainFrom).add(plainTo);
  agent.checkpointed = agent.checkpointed
    .subtract(plainFrom.filter(needsCheckpointing))
    .add(plainTo.filter(needsCheckpointing));
  if (by !== undefined) {
    ctx.allocator.recoverResources(by.framework.id, agent.id, consumed, undefined, ctx.nowMs);
  }
  ctx.allocator.updateAgent(agent.id, agent.total);
  if (by !== undefined) ctx.allocator.addUsed(by.framework.id, agent.id, converted);
  const kind = (by?.operation.type ?? "operation").toLowerCase();
  ctx.count(`master/operations/${kind}/finished`);
  const operation =
    by?.operation.id === undefined
      ? undefined
      : {
          uuid: { value: trackOperation(ctx, by.framework, agent, by.operation) },
          framework_id: { value: by.framework.id },
          operation_id: by.operation.id,
        };
  sendCheckpoint(ctx, agent, operation);
}

/** Tells the agent its complete checkpointed set (Mesos's CheckpointResourcesMessage). */
export function sendCheckpoint(
  ctx: Ctx,
  agent: AgentRecord,
  operation?: {
    uuid: { value: string };
    framework_id: { value: string };
    operation_id: { value: string };
  },
): void {
  ctx.toAgent(agent, {
    type: "CHECKPOINT_RESOURCES",
    checkpoint_resources: {
      resources: resourcesToWire(agent.checkpointed),
      ...(operation === undefined ? {} : { operation }),
    },
  });
}

/**
 * An agent the master kept registered subscribes again with its checkpointed resources: if
 * they are the master's, every pending operation on it was applied (its report was lost);
 * if not, the master's set is sent again (its view wins, as Mesos's for such an agent), with
 * the latest pending operation, whose report then finishes the earlier ones too.
 */
export function resyncCheckpoint(ctx: Ctx, agent: AgentRecord, reported: Resources): void {
  if (reported.equals(agent.checkpointed)) {
    finishPending(ctx, agent.id);
    return;
  }
  sendCheckpoint(ctx, agent, latestPending(ctx, agent.id));
}

function refuse(code: "invalid_call" | "conflict", message: string): SchedulerCallReply {
  return { ok: false, error: { code, message } };
}

/**
 * An operator's RESERVE_RESOURCES ... SHRINK_VOLUME: Mesos's order (master/http.cpp): agent
 * registered (400), the operation valid (400), then the offers on the agent rescinded and the
 * operation applied to its unused resources (409 when they do not cover it), 202.
 */
export function operatorOperation(
  ctx: Ctx,
  agentId: string,
  operation: OfferOperation,
  principal: string | undefined,
): SchedulerCallReply {
  const agent = ctx.s.agents.get(agentId);
  if (agent === undefined || agent.connection !== "registered" || agent.removing) {
    return refuse("invalid_call", "No agent found with specified ID");
  }
  const type = operation.type ?? "UNKNOWN";
  if (!CONVERSION_TYPES.has(type)) return refuse("invalid_call", `Unsupported operation ${type}`);
  const checked = checkConversion(operationScope(ctx, agent, { principal }), operation);
  if (!checked.ok) {
    // Mesos names the agent for these four, not for DESTROY and UNRESERVE (master/http.cpp).
    const where = type === "DESTROY" || type === "UNRESERVE" ? "" : ` on agent ${agentName(agent)}`;
    return refuse("invalid_call", `Invalid ${type} operation${where}: ${checked.message}`);
  }
  // Offers of the agent go back first, so that what they held can be converted (Mesos
  // rescinds offers until the operation fits; all of the agent's is the simple superset).
  rescindOffers(ctx, (o) => o.agentId === agent.id);
  const available = agent.total.subtract(agentUsed(ctx, agent));
  if (!available.contains(checked.consumed)) {
    return refuse(
      "conflict",
      `Failed to apply ${type} operation: ${available.toString()} does not contain ${checked.consumed.toString()}`,
    );
  }
  applyConversion(ctx, agent, checked.consumed, checked.converted, undefined);
  return { ok: true, status: 202 };
}
