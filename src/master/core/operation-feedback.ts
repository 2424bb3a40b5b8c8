// Operation feedback (reference §1.4, §2.6, §5.4): an offer operation that carries an `id` is
// tracked by the master as an `Operation` until the framework acknowledges its terminal
// status. The master applies it speculatively and sends it to the agent with the checkpoint
// (CHECKPOINT_RESOURCES with `operation`); the agent answers UPDATE_OPERATION_STATUS once the
// checkpoint is durable, and the master relays it, with its uuid, as UPDATE_OPERATION_STATUS.
// ACKNOWLEDGE_OPERATION_STATUS of the terminal status forgets the operation;
// RECONCILE_OPERATIONS answers from what the master knows, as Mesos's reconcileOperations.
import type { OfferOperation, Operation, OperationStatus } from "../../wire/offer.ts";
import { isTerminalOperationState, type OperationState } from "../../wire/offer.ts";
import type { AgentRecord, Ctx, FrameworkRecord } from "./state.ts";

export interface OperationRecord {
  /** The master's uuid of the operation (Operation.uuid), base64 of 16 bytes. */
  uuid: string;
  /** Order of application at the master: a checkpoint holds every operation before it. */
  seq: number;
  frameworkId: string;
  agentId: string;
  info: OfferOperation;
  latest: OperationStatus;
  statuses: OperationStatus[];
}

export interface OperationBook {
  byUuid: Map<string, OperationRecord>;
  /** Numbers the uuids this master hands out. */
  next: number;
}

/** At most this many operations are tracked per framework: beyond, the oldest acknowledged-
 *  or-not terminal one is forgotten (a framework that never acknowledges cannot grow it). */
export const MAX_OPERATIONS_PER_FRAMEWORK = 10_000;

/**
 * A fresh operation uuid: 8 bytes naming this master (FNV-1a of its id), 8 bytes counting.
 * The core has no randomness; this is unique per master run, which is all a uuid here needs.
 */
function newUuid(ctx: Ctx): string {
  let hash = 0xcbf29ce484222325n;
  for (const ch of ctx.s.masterInfo.id) {
    hash ^= BigInt(ch.charCodeAt(0));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(hash, 0);
  bytes.writeBigUInt64BE(BigInt(ctx.s.operations.next++), 8);
  return bytes.toString("base64");
}

/** Starts tracking an operation with an id; returns its uuid for the agent. */
export function trackOperation(
  ctx: Ctx,
  framework: FrameworkRecord,
  agent: AgentRecord,
  operation: OfferOperation,
): string {
  const seq = ctx.s.operations.next;
  const uuid = newUuid(ctx);
  const latest: OperationStatus = {
    ...(operation.id === undefined ? {} : { operation_id: operation.id }),
    state: "OPERATION_PENDING",
    agent_id: { value: agent.id },
  };
  const book = ctx.s.operations.byUuid;
  let count = 0;
  let oldestTerminal: string | undefined;
  for (const record of book.values()) {
    if (record.frameworkId !== framework.id) continue;
    count++;
    if (oldestTerminal === undefined && isTerminalOperationState(record.latest.state)) {
      oldestTerminal = record.uuid;
    }
  }
  if (count >= MAX_OPERATIONS_PER_FRAMEWORK && oldestTerminal !== undefined) {
    book.delete(oldestTerminal);
  }
  book.set(uuid, {
    uuid,
    seq,
    frameworkId: framework.id,
    agentId: agent.id,
    info: operation,
    latest,
    statuses: [],
  });
  ctx.count("master/operations/total");
  return uuid;
}

/** The agent's status of an operation: recorded and relayed to the framework. */
export function agentOperationStatus(
  ctx: Ctx,
  agent: AgentRecord,
  update: { operation_uuid: { value: string }; status: OperationStatus },
): void {
  const record = ctx.s.operations.byUuid.get(update.operation_uuid.value);
  if (record === undefined || record.agentId !== agent.id) {
    ctx.count("master/invalid_operation_status_updates");
    return;
  }
  // A retried status the master has already seen changes nothing but is relayed again.
  const uuid = update.status.uuid?.value;
  const seen = uuid !== undefined && record.statuses.some((s) => s.uuid?.value === uuid);
  if (!seen) ctx.count("master/valid_operation_status_updates");
  relayStatus(ctx, record, update.status, !seen);
  if (update.status.state !== "OPERATION_FINISHED") return;
  // The checkpoint the agent wrote holds every operation applied before this one: one whose
  // report was lost (the agent was away when it wrote it) is finished too.
  finishPending(ctx, agent.id, record.seq);
}

/** Pending operations of the agent applied before `beforeSeq` are reported finished. */
export function finishPending(ctx: Ctx, agentId: string, beforeSeq = Number.POSITIVE_INFINITY) {
  for (const earlier of ctx.s.operations.byUuid.values()) {
    if (earlier.agentId !== agentId || earlier.seq >= beforeSeq) continue;
    if (earlier.latest.state !== "OPERATION_PENDING") continue;
    relayStatus(ctx, earlier, { state: "OPERATION_FINISHED", uuid: { value: newUuid(ctx) } }, true);
  }
}

/** The agent's latest pending operation, as CHECKPOINT_RESOURCES names it; undefined: none. */
export function latestPending(ctx: Ctx, agentId: string) {
  let latest: OperationRecord | undefined;
  for (const r of ctx.s.operations.byUuid.values()) {
    if (r.agentId !== agentId || r.latest.state !== "OPERATION_PENDING") continue;
    if (latest === undefined || r.seq > latest.seq) latest = r;
  }
  if (latest?.info.id === undefined) return undefined;
  return {
    uuid: { value: latest.uuid },
    framework_id: { value: latest.frameworkId },
    operation_id: latest.info.id,
  };
}

/** Records (unless `record` is false: a retry) and relays a status of a tracked operation. */
function relayStatus(
  ctx: Ctx,
  operation: OperationRecord,
  given: OperationStatus,
  record: boolean,
): void {
  const status: OperationStatus = {
    ...given,
    ...(operation.info.id === undefined ? {} : { operation_id: operation.info.id }),
    agent_id: { value: operation.agentId },
  };
  if (record) {
    operation.statuses.push(status);
    operation.latest = status;
    ctx.count(`master/operations/${status.state.slice(10).toLowerCase()}`);
  }
  const framework = ctx.s.frameworks.get(operation.frameworkId);
  if (framework !== undefined) {
    ctx.toFramework(framework, {
      type: "UPDATE_OPERATION_STATUS",
      update_operation_status: { status },
    });
  }
}

/** ACKNOWLEDGE_OPERATION_STATUS: a terminal status acknowledged ends the tracking. */
export function acknowledgeOperationStatus(
  ctx: Ctx,
  framework: FrameworkRecord,
  ack: { agent_id?: { value: string } | undefined; uuid: string; operation_id: { value: string } },
): void {
  for (const record of ctx.s.operations.byUuid.values()) {
    if (record.frameworkId !== framework.id) continue;
    if (record.info.id?.value !== ack.operation_id.value) continue;
    if (ack.agent_id !== undefined && record.agentId !== ack.agent_id.value) continue;
    if (record.latest.uuid?.value !== ack.uuid) {
      ctx.count("master/invalid_operation_status_update_acknowledgements");
      return;
    }
    ctx.count("master/valid_operation_status_update_acknowledgements");
    if (isTerminalOperationState(record.latest.state)) ctx.s.operations.byUuid.delete(record.uuid);
    return;
  }
  ctx.count("master/invalid_operation_status_update_acknowledgements");
}

type ReconcileEntry = {
  operation_id: { value: string };
  agent_id?: { value: string } | undefined;
};

/**
 * RECONCILE_OPERATIONS: with no operations listed, the latest status of every operation the
 * master tracks for the framework; else one status per operation listed: the latest if known,
 * or what the master can say of its agent (Mesos's reconcileOperations). No uuid: these are
 * never acknowledged.
 */
export function reconcileOperations(
  ctx: Ctx,
  framework: FrameworkRecord,
  entries: readonly ReconcileEntry[],
): void {
  const mine = [...ctx.s.operations.byUuid.values()].filter((r) => r.frameworkId === framework.id);
  const send = (status: OperationStatus) => {
    const { uuid: _, ...withoutUuid } = status;
    ctx.toFramework(framework, {
      type: "UPDATE_OPERATION_STATUS",
      update_operation_status: { status: withoutUuid },
    });
  };
  if (entries.length === 0) {
    for (const record of mine) send(record.latest);
    return;
  }
  for (const entry of entries) {
    const agentId = entry.agent_id?.value;
    const known = mine.find(
      (r) =>
        r.info.id?.value === entry.operation_id.value &&
        (agentId === undefined || r.agentId === agentId),
    );
    if (known !== undefined) {
      send(known.latest);
      continue;
    }
    send({
      operation_id: entry.operation_id,
      state: unknownOperationState(ctx, agentId),
      ...(agentId === undefined ? {} : { agent_id: { value: agentId } }),
    });
  }
}

function unknownOperationState(ctx: Ctx, agentId: string | undefined): OperationState {
  if (agentId === undefined) return "OPERATION_UNKNOWN";
  if (ctx.s.recoveredAgents.has(agentId)) return "OPERATION_RECOVERING";
  if (ctx.s.unreachableAgents.has(agentId)) return "OPERATION_UNREACHABLE";
  if (ctx.s.goneAgents.has(agentId)) return "OPERATION_GONE_BY_OPERATOR";
  return "OPERATION_UNKNOWN";
}

/** GET_OPERATIONS: every operation the master tracks. */
export function renderOperations(ctx: { s: Ctx["s"] }): Operation[] {
  return [...ctx.s.operations.byUuid.values()].map((r) => ({
    framework_id: { value: r.frameworkId },
    agent_id: { value: r.agentId },
    info: r.info,
    latest_status: r.latest,
    statuses: r.statuses,
    uuid: { value: r.uuid },
  }));
}

/**
 * The agent of pending operations is gone for good (removed, marked gone): each becomes
 * OPERATION_GONE_BY_OPERATOR, or OPERATION_UNREACHABLE while it may come back.
 */
export function agentOperationsLost(ctx: Ctx, agentId: string, state: OperationState): void {
  for (const record of ctx.s.operations.byUuid.values()) {
    if (record.agentId !== agentId || isTerminalOperationState(record.latest.state)) continue;
    // With a uuid, so that the framework acknowledges it and the master can forget it.
    const status: OperationStatus = { ...record.latest, state, uuid: { value: newUuid(ctx) } };
    record.latest = status;
    record.statuses.push(status);
    const framework = ctx.s.frameworks.get(record.frameworkId);
    if (framework !== undefined) {
      ctx.toFramework(framework, {
        type: "UPDATE_OPERATION_STATUS",
        update_operation_status: { status },
      });
    }
  }
}

/** A removed framework's operations are forgotten with it. */
export function forgetOperations(ctx: Ctx, frameworkId: string): void {
  for (const [uuid, record] of ctx.s.operations.byUuid) {
    if (record.frameworkId === frameworkId) ctx.s.operations.byUuid.delete(uuid);
  }
}
