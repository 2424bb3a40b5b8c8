// Oversubscription in the agent core (what Twitter built into Mesos): the resource estimator's
// revocable resources are reported to the master — once per change and once per connection,
// as Mesos's UpdateSlaveMessage with `update_oversubscribed_resources` — and a QoS correction
// ends a revocable task's container: its live tasks end TASK_LOST (TASK_GONE_BY_OPERATOR for a
// partition-aware framework) with REASON_CONTAINER_PREEMPTED, Mesos's reason for a QoS kill.
// The estimator and the controller that decide live in src/agent/oversubscription/ (pure).
import type { Resource } from "../../wire/resource.ts";
import type { Ctx } from "./state.ts";

export const QOS_CORRECTION_MESSAGE = "Container preempted by a QoS correction";

/** The estimator's newest revocable resources: the master hears of a change. */
export function oversubscribedResources(ctx: Ctx, resources: readonly Resource[]): void {
  ctx.s.oversubscribed = resources.map((r) => ({ ...r, revocable: {} }));
  sendOversubscribed(ctx);
}

/** Tells the master the revocable resources unless it already knows them on this connection. */
export function sendOversubscribed(ctx: Ctx): void {
  if (ctx.s.connection !== "registered") return;
  const key = JSON.stringify(ctx.s.oversubscribed);
  if (key === ctx.s.oversubscribedSent) return;
  // A connection that never heard of oversubscription needs no empty report.
  if (ctx.s.oversubscribedSent === undefined && ctx.s.oversubscribed.length === 0) return;
  ctx.s.oversubscribedSent = key;
  ctx.toMaster({
    type: "UPDATE_RESOURCES",
    agent_id: { value: ctx.agentId },
    update_resources: {
      total_resources: [],
      update_oversubscribed: true,
      oversubscribed_resources: ctx.s.oversubscribed,
    },
  });
}

/** A QoS correction: the container of a revocable task is destroyed. */
export function qosCorrection(ctx: Ctx, containerId: string): boolean {
  const ids = ctx.s.containers.get(containerId);
  const executor = ids === undefined ? undefined : ctx.executor(ids[0], ids[1]);
  if (executor === undefined || executor.phase === "terminated") return false;
  const framework = ctx.s.frameworks.get(executor.frameworkId);
  const partitionAware = (framework?.info.capabilities ?? []).some(
    (c) => c.type === "PARTITION_AWARE",
  );
  executor.phase = "terminating";
  executor.terminationReason = "REASON_CONTAINER_PREEMPTED";
  executor.terminationMessage = QOS_CORRECTION_MESSAGE;
  executor.terminationState = partitionAware ? "TASK_GONE_BY_OPERATOR" : "TASK_LOST";
  ctx.s.counts.executorsPreempted++;
  ctx.out.push({ kind: "destroy_container", containerId });
  return true;
}
