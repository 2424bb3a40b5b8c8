// Framework lifecycle: subscribe, resubscribe and failover, disconnect with failover_timeout,
// removal (teardown, timeout), suppress/revive, UPDATE_FRAMEWORK (reference §1.1, §1.3, §5.3).

import { SCHEDULER_HEARTBEAT_INTERVAL_SECONDS } from "../../wire/scheduler.ts";
import {
  allocatorSpec,
  frameworkRoles,
  hasCapability,
  validateFrameworkInfo,
} from "./frameworks-info.ts";
import { rescindInverseOffers } from "./inverse-offers.ts";
import { discardOffers, rescindOffers } from "./offers.ts";
import { forgetOperations } from "./operation-feedback.ts";
import type { Ctx, FrameworkRecord } from "./state.ts";
import { clearCongestion } from "./stream-pressure.ts";
import { claimRestoredTasks } from "./task-history.ts";
import { masterStatus, transitionByMaster } from "./tasks.ts";
import type { MasterError } from "./types.ts";
import { renderFramework } from "./views.ts";
import type { FrameworkInfo } from "./wire-types.ts";

export function failoverTimerId(frameworkId: string): string {
  return `failover:${frameworkId}`;
}

function allocatorView(framework: FrameworkRecord) {
  return allocatorSpec(
    framework.info,
    framework.roles,
    framework.suppressedRoles,
    framework.active,
  );
}

export function newFrameworkRecord(
  id: string,
  info: FrameworkInfo,
  connection: FrameworkRecord["connection"],
  nowMs: number,
): FrameworkRecord {
  return {
    id,
    info: { ...info, id: { value: id } },
    connection,
    active: connection === "connected",
    congested: false,
    lastCallMs: nowMs,
    streamId: undefined,
    roles: frameworkRoles(info),
    suppressedRoles: new Set(),
    partitionAware: hasCapability(info, "PARTITION_AWARE"),
    registeredTimeMs: nowMs,
    reregisteredTimeMs: undefined,
    unregisteredTimeMs: undefined,
    tasks: new Map(),
    unreachableTasks: new Map(),
    completedTasks: [],
    executors: new Map(),
    counters: new Map(),
  };
}

/** Sends ERROR and closes a stream that never became (or no longer is) a subscription. */
function refuse(ctx: Ctx, streamId: string, frameworkId: string, message: string): void {
  ctx.out.push({
    kind: "framework_event",
    streamId,
    frameworkId,
    event: { type: "ERROR", error: { message } },
  });
  ctx.out.push({ kind: "close_framework_stream", streamId });
}

/**
 * SUBSCRIBE on a new stream. Always answered on the stream: SUBSCRIBED + HEARTBEAT, or a single
 * ERROR and close for an invalid FrameworkInfo or a removed framework (reference §10.1).
 */
export function subscribe(
  ctx: Ctx,
  streamId: string,
  info: FrameworkInfo,
  suppressedRoles: readonly string[],
): void {
  const requestedId = info.id?.value ?? "";
  const refusal = subscribeRefusal(ctx, info, suppressedRoles);
  if (refusal !== undefined) {
    refuse(ctx, streamId, requestedId, refusal);
    return;
  }

  let framework = requestedId === "" ? undefined : ctx.s.frameworks.get(requestedId);
  if (framework === undefined) {
    // A new framework, or one this master does not know (after a master failover Mesos accepts
    // any id that is not in its completed list).
    const id =
      requestedId !== ""
        ? requestedId
        : `${ctx.s.masterInfo.id}-${String(ctx.s.nextFrameworkNumber++).padStart(4, "0")}`;
    framework = newFrameworkRecord(id, info, "connected", ctx.nowMs);
    framework.suppressedRoles = new Set(suppressedRoles);
    claimRestoredTasks(ctx.s, framework);
    ctx.s.frameworks.set(id, framework);
    ctx.allocator.addFramework(id, allocatorView(framework));
    ctx.operator({
      type: "FRAMEWORK_ADDED",
      framework_added: { framework: renderFramework(ctx.s, framework) },
    });
  } else {
    const error = resubscribeError(framework.info, info);
    if (error !== undefined) {
      refuse(ctx, streamId, requestedId, error);
      return;
    }
    if (framework.connection === "connected" && framework.streamId !== undefined) {
      // One subscription per framework: the old stream learns it was replaced.
      refuse(ctx, framework.streamId, framework.id, "Framework failed over");
      ctx.s.streams.delete(framework.streamId);
    }
    // Offers are never reconciled: a (re)subscribing framework starts from none.
    const id = framework.id;
    discardOffers(ctx, (o) => o.frameworkId === id);
    rescindInverseOffers(ctx, (r) => r.frameworkId === id);
    ctx.cancelTimer(failoverTimerId(id));
    // A new stream: whatever the old one's consumer did, this one has not stalled yet.
    clearCongestion(ctx, framework);
    applyMutableFields(ctx, framework, info, suppressedRoles);
    framework.connection = "connected";
    framework.reregisteredTimeMs = ctx.nowMs;
    framework.unregisteredTimeMs = undefined;
    if (!framework.active) {
      framework.active = true;
      ctx.allocator.activateFramework(id);
    }
    ctx.operator({
      type: "FRAMEWORK_UPDATED",
      framework_updated: { framework: renderFramework(ctx.s, framework) },
    });
  }
  framework.streamId = streamId;
  framework.lastCallMs = ctx.nowMs;
  ctx.s.streams.set(streamId, framework.id);
  ctx.toFramework(framework, {
    type: "SUBSCRIBED",
    subscribed: {
      framework_id: { value: framework.id },
      heartbeat_interval_seconds: SCHEDULER_HEARTBEAT_INTERVAL_SECONDS,
      master_info: ctx.s.masterInfo,
    },
  });
  ctx.toFramework(framework, { type: "HEARTBEAT" });
  broadcastFrameworkInfo(ctx, framework);
}

function subscribeRefusal(
  ctx: Ctx,
  info: FrameworkInfo,
  suppressedRoles: readonly string[],
): string | undefined {
  const invalid = validateFrameworkInfo(info, ctx.flags);
  if (invalid !== undefined) return invalid;
  const requestedId = info.id?.value;
  if (ctx.s.completedFrameworks.some((f) => f.id === requestedId)) {
    return "Framework has been removed";
  }
  const roles = frameworkRoles(info);
  const unknown = suppressedRoles.find((r) => !roles.includes(r));
  if (unknown !== undefined) {
    return `Suppressed role '${unknown}' is not contained in the list of roles`;
  }
  return undefined;
}

/** Immutable fields on resubscribe: principal errors; user/checkpoint are silently kept. */
function resubscribeError(old: FrameworkInfo, next: FrameworkInfo): string | undefined {
  if ((old.principal ?? "") !== (next.principal ?? "")) {
    return `Changing framework's principal is not allowed: '${old.principal ?? ""}' -> '${next.principal ?? ""}'`;
  }
  return undefined;
}

function applyMutableFields(
  ctx: Ctx,
  framework: FrameworkRecord,
  info: FrameworkInfo,
  suppressedRoles: readonly string[],
): void {
  const kept: FrameworkInfo = {
    ...info,
    id: { value: framework.id },
    user: framework.info.user,
    checkpoint: framework.info.checkpoint,
  };
  const newRoles = frameworkRoles(kept);
  const removedRoles = framework.roles.filter((r) => !newRoles.includes(r));
  if (removedRoles.length > 0) {
    rescindOffers(ctx, (o) => o.frameworkId === framework.id && removedRoles.includes(o.role));
  }
  const unsuppressed = [...framework.suppressedRoles].filter(
    (r) => !suppressedRoles.includes(r) && newRoles.includes(r),
  );
  framework.info = kept;
  framework.roles = newRoles;
  framework.suppressedRoles = new Set(suppressedRoles);
  framework.partitionAware = hasCapability(kept, "PARTITION_AWARE");
  ctx.allocator.updateFramework(framework.id, allocatorView(framework));
  // Newly unsuppressed roles get their filters cleared (reference §1.3).
  if (unsuppressed.length > 0) ctx.allocator.reviveRoles(framework.id, unsuppressed);
}

/** UPDATE_FRAMEWORK: synchronous, all-or-nothing (reference §1.3, §1.5). */
export function updateFramework(
  ctx: Ctx,
  framework: FrameworkRecord,
  info: FrameworkInfo,
  suppressedRoles: readonly string[],
): MasterError | undefined {
  const invalid =
    validateFrameworkInfo(info, ctx.flags) ??
    resubscribeError(framework.info, info) ??
    (info.user !== framework.info.user
      ? `Updating 'FrameworkInfo.user' is unsupported`
      : (info.checkpoint ?? false) !== (framework.info.checkpoint ?? false)
        ? `Updating 'FrameworkInfo.checkpoint' is unsupported`
        : undefined);
  if (invalid !== undefined) return { code: "invalid_framework_info", message: invalid };
  const roles = frameworkRoles(info);
  const unknown = suppressedRoles.find((r) => !roles.includes(r));
  if (unknown !== undefined) {
    return {
      code: "invalid_framework_info",
      message: `Suppressed role '${unknown}' is not contained in the list of roles`,
    };
  }
  applyMutableFields(ctx, framework, info, suppressedRoles);
  ctx.operator({
    type: "FRAMEWORK_UPDATED",
    framework_updated: { framework: renderFramework(ctx.s, framework) },
  });
  broadcastFrameworkInfo(ctx, framework);
  return undefined;
}

/** Agents running the framework's tasks learn its new FrameworkInfo (UpdateFrameworkMessage). */
function broadcastFrameworkInfo(ctx: Ctx, framework: FrameworkRecord): void {
  for (const agent of ctx.s.agents.values()) {
    if (framework.executors.has(agent.id) || hasTasksOn(framework, agent.id)) {
      ctx.toAgent(agent, {
        type: "UPDATE_FRAMEWORK",
        update_framework: { framework_info: framework.info },
      });
    }
  }
}

function hasTasksOn(framework: FrameworkRecord, agentId: string): boolean {
  for (const task of framework.tasks.values()) if (task.agentId === agentId) return true;
  return false;
}

/**
 * The subscription stream broke: deactivate, rescind offers, start the failover timer
 * (`failover_timeout`, 0 = removal on the spot).
 */
export function disconnect(ctx: Ctx, framework: FrameworkRecord): void {
  if (framework.streamId !== undefined) ctx.s.streams.delete(framework.streamId);
  framework.streamId = undefined;
  framework.connection = "disconnected";
  framework.unregisteredTimeMs = ctx.nowMs;
  clearCongestion(ctx, framework);
  deactivate(ctx, framework);
  const timeoutMs = Math.round((framework.info.failover_timeout ?? 0) * 1000);
  ctx.setTimer(failoverTimerId(framework.id), ctx.nowMs + timeoutMs);
}

function deactivate(ctx: Ctx, framework: FrameworkRecord): void {
  const id = framework.id;
  rescindOffers(ctx, (o) => o.frameworkId === id);
  rescindInverseOffers(ctx, (r) => r.frameworkId === id);
  if (framework.active) {
    framework.active = false;
    ctx.allocator.deactivateFramework(id);
  }
}

/** The failover timer fired; Mesos removes only if the framework has not come back since. */
export function failoverTimeout(ctx: Ctx, framework: FrameworkRecord): void {
  if (framework.connection === "connected") return;
  removeFramework(ctx, framework);
}

/**
 * Removes a framework (TEARDOWN, operator TEARDOWN, failover timeout): its agents shut it down,
 * its tasks become TASK_KILLED (REASON_FRAMEWORK_REMOVED) and completed, offers are discarded.
 */
export function removeFramework(ctx: Ctx, framework: FrameworkRecord): void {
  const id = framework.id;
  ctx.cancelTimer(failoverTimerId(id));
  if (framework.streamId !== undefined) {
    ctx.out.push({ kind: "close_framework_stream", streamId: framework.streamId });
    ctx.s.streams.delete(framework.streamId);
    framework.streamId = undefined;
  }
  discardOffers(ctx, (o) => o.frameworkId === id);
  rescindInverseOffers(ctx, (r) => r.frameworkId === id);
  forgetOperations(ctx, id);
  for (const agent of ctx.s.agents.values()) {
    ctx.toAgent(agent, {
      type: "SHUTDOWN_FRAMEWORK",
      shutdown_framework: { framework_id: { value: id } },
    });
  }
  for (const task of [...framework.tasks.values()]) {
    const status = masterStatus(
      ctx,
      task,
      "TASK_KILLED",
      "REASON_FRAMEWORK_REMOVED",
      "Framework removed",
    );
    transitionByMaster(ctx, framework, task, status, "completed", false);
  }
  for (const task of [...framework.unreachableTasks.values()]) {
    framework.unreachableTasks.delete(task.taskId);
    task.state = "TASK_KILLED";
    framework.completedTasks.push(task);
  }
  framework.executors.clear();
  framework.connection = "disconnected";
  framework.active = false;
  framework.unregisteredTimeMs = ctx.nowMs;
  ctx.allocator.removeFramework(id);
  ctx.s.frameworks.delete(id);
  ctx.s.completedFrameworks.push(framework);
  const excess = ctx.s.completedFrameworks.length - ctx.flags.maxCompletedFrameworks;
  if (excess > 0) ctx.s.completedFrameworks.splice(0, excess);
  ctx.operator({
    type: "FRAMEWORK_REMOVED",
    framework_removed: { framework_info: framework.info },
  });
}

/** SUPPRESS: the roles (all when empty) stop receiving offers; outstanding offers stay. */
export function suppress(ctx: Ctx, framework: FrameworkRecord, roles: readonly string[]): void {
  const target =
    roles.length === 0 ? framework.roles : roles.filter((r) => framework.roles.includes(r));
  for (const role of target) framework.suppressedRoles.add(role);
  ctx.allocator.suppressRoles(framework.id, target);
}

/** REVIVE: unsuppress the roles (all when empty), clear their filters, allocate soon. */
export function revive(ctx: Ctx, framework: FrameworkRecord, roles: readonly string[]): void {
  const target =
    roles.length === 0 ? framework.roles : roles.filter((r) => framework.roles.includes(r));
  for (const role of target) framework.suppressedRoles.delete(role);
  ctx.allocator.reviveRoles(framework.id, target);
}
