// Mesos metric keys the core can compute from its state (reference §4.6); counters it bumps as
// it goes (valid/invalid status updates and acknowledgements, events) are merged in.
import { fromMilli } from "../../resources/index.ts";
import { isDeactivated } from "./agent-activity.ts";
import { allocatorMetrics } from "./allocator-metrics.ts";
import { frameworkMetrics } from "./framework-metrics.ts";
import type { Ctx } from "./state.ts";
import { isTerminal } from "./task-states.ts";
import type { MasterInput } from "./types.ts";

const OPERATION_STATES = [
  "pending",
  "recovering",
  "unreachable",
  "finished",
  "failed",
  "error",
  "dropped",
  "gone_by_operator",
];
const OPERATION_KINDS = [
  "reserve",
  "unreserve",
  "create",
  "destroy",
  "grow_volume",
  "shrink_volume",
  "create_disk",
  "destroy_disk",
];

/** Counters Mesos lists from the start, at 0 until something happens (reference §4.6). */
const COUNTERS = [
  "master/tasks_finished",
  "master/tasks_failed",
  "master/tasks_killed",
  "master/tasks_lost",
  "master/tasks_error",
  "master/tasks_dropped",
  "master/tasks_gone",
  "master/tasks_gone_by_operator",
  "master/slave_registrations",
  "master/slave_reregistrations",
  "master/agent_subscriptions_refused",
  "master/slave_removals",
  "master/slave_removals/reason_registered",
  "master/slave_removals/reason_unhealthy",
  "master/slave_removals/reason_unregistered",
  "master/valid_status_updates",
  "master/invalid_status_updates",
  "master/valid_status_update_acknowledgements",
  "master/invalid_status_update_acknowledgements",
  "master/valid_framework_to_executor_messages",
  "master/invalid_framework_to_executor_messages",
  "master/valid_executor_to_framework_messages",
  "master/invalid_executor_to_framework_messages",
  "master/dropped_messages",
  "master/slave_unreachable_scheduled",
  "master/slave_unreachable_completed",
  "master/slave_unreachable_canceled",
  // Mesos keeps these beside the unreachable ones; its master no longer shuts agents down.
  "master/slave_shutdowns_scheduled",
  "master/slave_shutdowns_completed",
  "master/slave_shutdowns_canceled",
  "master/recovery_slave_removals",
  "master/valid_operation_status_updates",
  "master/invalid_operation_status_updates",
  "master/valid_operation_status_update_acknowledgements",
  "master/invalid_operation_status_update_acknowledgements",
  "master/http_cache_hits",
  "master/operations/total",
  ...OPERATION_STATES.map((state) => `master/operations/${state}`),
  ...OPERATION_KINDS.flatMap((kind) =>
    OPERATION_STATES.map((state) => `master/operations/${kind}/${state}`),
  ),
];

const reasonMetrics = new Map<string, string>();

/**
 * `master/task_lost/source_master/reason_slave_removed`: a task that ended, by its state and
 * the update's source and reason, in the v0 names Mesos's keys use (AGENT is SLAVE there).
 * Undefined for an update without a source or reason.
 */
export function taskReasonMetric(
  state: string,
  source: string | undefined,
  reason: string | undefined,
): string | undefined {
  if (source === undefined || reason === undefined) return undefined;
  const cacheKey = `${state}/${source}/${reason}`;
  let key = reasonMetrics.get(cacheKey);
  if (key === undefined) {
    const v0 = (name: string) => name.replace(/_AGENT/g, "_SLAVE").toLowerCase();
    key = `master/${state.toLowerCase()}/${v0(source)}/${v0(reason)}`;
    reasonMetrics.set(cacheKey, key);
  }
  return key;
}

/** Mesos's message counter for each scheduler call (its v0 message names). */
const SCHEDULER_MESSAGES: Record<string, string> = {
  ACCEPT: "launch_tasks",
  DECLINE: "decline_offers",
  REVIVE: "revive_offers",
  SUPPRESS: "suppress_offers",
  KILL: "kill_task",
  ACKNOWLEDGE: "status_update_acknowledgement",
  RECONCILE: "reconcile_tasks",
  MESSAGE: "framework_to_executor",
  REQUEST: "resource_request",
  TEARDOWN: "unregister_framework",
  RECONCILE_OPERATIONS: "reconcile_operations",
  ACKNOWLEDGE_OPERATION_STATUS: "operation_status_update_acknowledgement",
};

const AGENT_MESSAGES: Record<string, string> = {
  UPDATE: "status_update",
  EXECUTOR_EXITED: "exited_executor",
  FRAMEWORK_MESSAGE: "executor_to_framework",
  UPDATE_RESOURCES: "update_slave",
};

const MESSAGE_NAMES = [
  ...new Set([
    ...Object.values(SCHEDULER_MESSAGES),
    ...Object.values(AGENT_MESSAGES),
    "register_framework",
    "reregister_framework",
    "register_slave",
    "reregister_slave",
    // v0 messages: no v1 call sends them, so they stay at 0.
    "authenticate",
    "deactivate_framework",
    "unregister_slave",
  ]),
];

/** The `master/messages_*` counter an input bumps, if any. */
export function messageMetric(input: MasterInput): string | undefined {
  let name: string | undefined;
  switch (input.kind) {
    case "scheduler_subscribe":
      name = input.call.framework_id === undefined ? "register_framework" : "reregister_framework";
      break;
    case "scheduler_call":
      name = SCHEDULER_MESSAGES[input.call.type ?? ""];
      break;
    case "agent_subscribe":
      name = input.call.subscribe?.agent_id === undefined ? "register_slave" : "reregister_slave";
      break;
    case "agent_call":
      name = AGENT_MESSAGES[input.call.type ?? ""];
      break;
    default:
      return undefined;
  }
  return name === undefined ? undefined : `master/messages_${name}`;
}

export function metrics(ctx: Ctx, startedAtMs: number): Record<string, number> {
  // Counters first (zero until counted), then the gauges computed from the state.
  const out: Record<string, number> = {};
  for (const key of COUNTERS) out[key] = 0;
  for (const name of MESSAGE_NAMES) out[`master/messages_${name}`] = 0;
  for (const [key, value] of ctx.s.metrics) out[key] = value;
  out["master/elected"] = 1;
  out["master/uptime_secs"] = (ctx.nowMs - startedAtMs) / 1000;
  let active = 0;
  let connected = 0;
  for (const f of ctx.s.frameworks.values()) {
    if (f.active) active++;
    if (f.connection === "connected") connected++;
  }
  out["master/frameworks_active"] = active;
  out["master/frameworks_inactive"] = ctx.s.frameworks.size - active;
  out["master/frameworks_connected"] = connected;
  out["master/frameworks_disconnected"] = ctx.s.frameworks.size - connected;
  let agentsConnected = 0;
  let agentsActive = 0;
  const total = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  const revocableTotal = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  for (const a of ctx.s.agents.values()) {
    if (a.connection === "registered") {
      agentsConnected++;
      // An agent the operator deactivated or is draining is connected but inactive.
      if (!isDeactivated(ctx, a.id)) agentsActive++;
    }
    const revocable = a.total.revocable();
    for (const name of ["cpus", "mem", "disk", "gpus"] as const) {
      total[name] += fromMilli(a.total.get(name) - revocable.get(name));
      revocableTotal[name] += fromMilli(revocable.get(name));
    }
  }
  out["master/slaves_connected"] = agentsConnected;
  out["master/slaves_disconnected"] = ctx.s.agents.size - agentsConnected;
  out["master/slaves_active"] = agentsActive;
  out["master/slaves_inactive"] = ctx.s.agents.size - agentsActive;
  out["master/slaves_unreachable"] = ctx.s.unreachableAgents.size;
  const used = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  const revocableUsed = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  const byState = new Map<string, number>();
  for (const f of ctx.s.frameworks.values()) {
    for (const t of f.tasks.values()) {
      byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
      if (isTerminal(t.state)) continue;
      const revocable = t.resources.revocable();
      for (const name of ["cpus", "mem", "disk", "gpus"] as const) {
        used[name] += fromMilli(t.resources.get(name) - revocable.get(name));
        revocableUsed[name] += fromMilli(revocable.get(name));
      }
    }
  }
  for (const name of ["cpus", "mem", "disk", "gpus"] as const) {
    out[`master/${name}_total`] = total[name];
    out[`master/${name}_used`] = used[name];
    out[`master/${name}_percent`] = total[name] === 0 ? 0 : used[name] / total[name];
    const rTotal = revocableTotal[name];
    out[`master/${name}_revocable_total`] = rTotal;
    out[`master/${name}_revocable_used`] = revocableUsed[name];
    out[`master/${name}_revocable_percent`] = rTotal === 0 ? 0 : revocableUsed[name] / rTotal;
  }
  for (const state of ["STAGING", "STARTING", "RUNNING", "KILLING", "UNREACHABLE"]) {
    out[`master/tasks_${state.toLowerCase()}`] = byState.get(`TASK_${state}`) ?? 0;
  }
  out["master/outstanding_offers"] = ctx.s.offers.size;
  if (ctx.flags.publishPerFrameworkMetrics) frameworkMetrics(ctx, out);
  allocatorMetrics(ctx, out);
  return out;
}
