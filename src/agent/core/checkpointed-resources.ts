// The agent's checkpointed resources (reference §8.2, containers.md §5): the dynamic
// reservations and persistent volumes the master told it of (CHECKPOINT_RESOURCES, Mesos's
// CheckpointResourcesMessage / ApplyOperationMessage). They are made durable first; then the
// operation the message carried, if any, is reported to the master as applied
// (UPDATE_OPERATION_STATUS, OPERATION_FINISHED). The agent's total is its `--resources` with
// the checkpointed resources in place of what they were made from; both are told to the master
// on every (re-)registration, so that reservations and volumes outlive a master failover.
import {
  isDynamicallyReserved,
  type Resource,
  Resources,
  stripPersistentVolume,
  withOptions,
} from "../../resources/index.ts";
import { resourcesFromWire, resourcesToWire } from "../../resources/wire-format.ts";
import type { AgentEvent } from "../../wire/agent-channel.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import type { Ctx } from "./state.ts";

type Checkpoint = NonNullable<AgentEvent["checkpoint_resources"]>;

/** An operation waiting for its checkpoint write, by the write's token. */
export interface PendingOperation {
  operation: NonNullable<Checkpoint["operation"]>;
}

/**
 * What a checkpointed resource was made from: its dynamic reservations popped, and its
 * persistence, volume and sharing dropped (a ROOT disk then has no DiskInfo left).
 */
export function baseOf(r: Resource): Resource {
  let reservations = r.reservations;
  while (reservations.length > 0 && reservations[reservations.length - 1]?.type === "DYNAMIC") {
    reservations = reservations.slice(0, -1);
  }
  return withOptions(stripPersistentVolume(r), { reservations, allocationRole: undefined });
}

/**
 * The agent's total: `--resources` less what the checkpointed resources were made from, plus
 * them. Checkpointed resources that no longer fit the flags (the operator shrank
 * `--resources`) are left out rather than counted twice.
 */
export function agentTotal(
  staticList: readonly WireResource[],
  checkpointed: readonly WireResource[],
): WireResource[] {
  const parsedStatic = resourcesFromWire([...staticList]);
  const parsedCheckpointed = resourcesFromWire([...checkpointed]);
  if (!parsedStatic.ok || !parsedCheckpointed.ok) return [...staticList];
  let total = parsedStatic.value;
  const kept = Resources.empty();
  for (const r of parsedCheckpointed.value) {
    const base = Resources.of(baseOf(r));
    if (!total.contains(base)) continue;
    total = total.subtract(base);
    kept.addInPlace(r);
  }
  return resourcesToWire(total.add(kept));
}

/** Only dynamic reservations and persistent volumes are checkpointed (Mesos's rule). */
export function checkpointable(list: readonly WireResource[]): WireResource[] {
  const parsed = resourcesFromWire([...list]);
  if (!parsed.ok) return [];
  return resourcesToWire(
    parsed.value.filter((r) => isDynamicallyReserved(r) || r.disk?.persistenceId !== undefined),
  );
}

/** CHECKPOINT_RESOURCES: the new complete set is written; its operation waits for the write. */
export function checkpointResources(ctx: Ctx, event: Checkpoint): void {
  const resources = checkpointable(event.resources ?? []);
  ctx.s.checkpointedResources = resources;
  const token = ctx.checkpoint({ type: "resources", resources });
  if (event.operation !== undefined) {
    ctx.s.pendingOperations.set(token, { operation: event.operation });
  }
}

/** A checkpoint write is durable: the operation it carried is reported applied. */
export function resourcesWritten(ctx: Ctx, token: number): boolean {
  const pending = ctx.s.pendingOperations.get(token);
  if (pending === undefined) return false;
  ctx.s.pendingOperations.delete(token);
  const op = pending.operation;
  ctx.toMaster({
    type: "UPDATE_OPERATION_STATUS",
    agent_id: { value: ctx.agentId },
    update_operation_status: {
      ...(op.framework_id === undefined ? {} : { framework_id: op.framework_id }),
      operation_uuid: op.uuid,
      status: {
        ...(op.operation_id === undefined ? {} : { operation_id: op.operation_id }),
        state: "OPERATION_FINISHED",
        converted_resources: [],
        uuid: { value: ctx.random.uuid() },
        agent_id: { value: ctx.agentId },
      },
    },
  });
  return true;
}
