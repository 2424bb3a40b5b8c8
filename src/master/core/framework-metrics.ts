// Mesos's per-framework metrics (`--publish_per_framework_metrics`, reference §4.6): under
// `master/frameworks/<url-encoded name>/<framework id>/`, counters of the framework's calls,
// the events sent to it, its offers and operations and its tasks that ended, which the core
// bumps as it goes, and gauges read from its state (subscribed, active tasks by state,
// suppressed roles). They go when the framework is removed, as in Mesos.
import { TERMINAL_TASK_STATES } from "../../wire/status.ts";
import type { Ctx, FrameworkRecord, TaskRecord } from "./state.ts";
import { isTerminal } from "./task-states.ts";
import type { SchedulerCall } from "./wire-types.ts";

/** Listed at 0 from the start, as Mesos creates them with the framework. */
const CALL_TYPES = [
  "SUBSCRIBE",
  "TEARDOWN",
  "ACCEPT",
  "DECLINE",
  "ACCEPT_INVERSE_OFFERS",
  "DECLINE_INVERSE_OFFERS",
  "REVIVE",
  "KILL",
  "SHUTDOWN",
  "ACKNOWLEDGE",
  "ACKNOWLEDGE_OPERATION_STATUS",
  "RECONCILE",
  "RECONCILE_OPERATIONS",
  "MESSAGE",
  "REQUEST",
  "SUPPRESS",
  "UPDATE_FRAMEWORK",
];
const EVENT_TYPES = [
  "SUBSCRIBED",
  "OFFERS",
  "INVERSE_OFFERS",
  "RESCIND",
  "RESCIND_INVERSE_OFFER",
  "UPDATE",
  "UPDATE_OPERATION_STATUS",
  "MESSAGE",
  "FAILURE",
  "ERROR",
  "HEARTBEAT",
];
const OPERATION_TYPES = [
  "LAUNCH",
  "LAUNCH_GROUP",
  "RESERVE",
  "UNRESERVE",
  "CREATE",
  "DESTROY",
  "GROW_VOLUME",
  "SHRINK_VOLUME",
  "CREATE_DISK",
  "DESTROY_DISK",
];
const ACTIVE_STATES = [
  "TASK_STAGING",
  "TASK_STARTING",
  "TASK_RUNNING",
  "TASK_KILLING",
  "TASK_UNREACHABLE",
];
const keyCache = new Map<string, Map<string, string>>();

/** `calls/accept`, `events/offers`, `operations/launch`, `tasks/terminal/task_finished`. */
function subKey(group: string, type: string): string {
  // Two lookups and no string built: this runs for every event the master sends.
  let byType = keyCache.get(group);
  if (byType === undefined) {
    byType = new Map();
    keyCache.set(group, byType);
  }
  let key = byType.get(type);
  if (key === undefined) {
    key = `${group}/${type.toLowerCase()}`;
    byType.set(type, key);
  }
  return key;
}

function bump(framework: FrameworkRecord, key: string, by: number): void {
  framework.counters.set(key, (framework.counters.get(key) ?? 0) + by);
}

/** A call the framework made (`calls` and `calls/<type>`). */
export function countCall(framework: FrameworkRecord, type: string): void {
  bump(framework, "calls", 1);
  bump(framework, subKey("calls", type), 1);
}

/** An event sent to the framework (`events` and `events/<type>`). */
export function countEvent(framework: FrameworkRecord, type: string): void {
  bump(framework, "events", 1);
  bump(framework, subKey("events", type), 1);
}

/**
 * A scheduler call of a framework the master knows (a first SUBSCRIBE has no framework yet):
 * the call, and for ACCEPT and DECLINE their offers and ACCEPT's operations.
 */
export function countSchedulerCall(ctx: Ctx, call: SchedulerCall): void {
  const id = call.framework_id?.value ?? call.subscribe?.framework_info.id?.value;
  const framework = id === undefined ? undefined : ctx.s.frameworks.get(id);
  if (framework === undefined || call.type === undefined) return;
  countCall(framework, call.type);
  if (call.accept !== undefined) {
    countOffers(framework, "accepted", call.accept.offer_ids?.length ?? 0);
    for (const op of call.accept.operations ?? []) countOperation(framework, op.type ?? "UNKNOWN");
  }
  if (call.decline !== undefined)
    countOffers(framework, "declined", call.decline.offer_ids?.length ?? 0);
}

export type OfferCount = "sent" | "accepted" | "declined" | "rescinded";

export function countOffers(framework: FrameworkRecord, what: OfferCount, by: number): void {
  if (by > 0) bump(framework, `offers/${what}`, by);
}

/** An operation of an ACCEPT (`operations` and `operations/<type>`). */
export function countOperation(framework: FrameworkRecord, type: string): void {
  bump(framework, "operations", 1);
  bump(framework, subKey("operations", type), 1);
}

/** The task's latest state became terminal (`tasks/terminal/<state>`). */
export function countTerminalTask(ctx: Ctx, task: TaskRecord): void {
  const framework = ctx.s.frameworks.get(task.frameworkId);
  if (framework !== undefined) bump(framework, subKey("tasks/terminal", task.state), 1);
}

/** `master/frameworks/<name>/<id>/`: the name percent-encoded, as Mesos does. */
export function frameworkPrefix(framework: FrameworkRecord): string {
  return `master/frameworks/${encodeURIComponent(framework.info.name)}/${framework.id}/`;
}

/** Every per-framework key of every framework the master holds. */
export function frameworkMetrics(ctx: Ctx, out: Record<string, number>): void {
  for (const framework of ctx.s.frameworks.values()) {
    const prefix = frameworkPrefix(framework);
    out[`${prefix}subscribed`] = framework.connection === "connected" ? 1 : 0;
    for (const key of ["calls", "events", "operations"]) out[prefix + key] = 0;
    for (const what of ["sent", "accepted", "declined", "rescinded"])
      out[`${prefix}offers/${what}`] = 0;
    for (const type of CALL_TYPES) out[prefix + subKey("calls", type)] = 0;
    for (const type of EVENT_TYPES) out[prefix + subKey("events", type)] = 0;
    for (const type of OPERATION_TYPES) out[prefix + subKey("operations", type)] = 0;
    for (const state of TERMINAL_TASK_STATES) out[prefix + subKey("tasks/terminal", state)] = 0;
    for (const [key, value] of framework.counters) out[prefix + key] = value;
    const active = new Map<string, number>(ACTIVE_STATES.map((state) => [state, 0]));
    for (const task of framework.tasks.values()) {
      if (!isTerminal(task.state)) active.set(task.state, (active.get(task.state) ?? 0) + 1);
    }
    active.set("TASK_UNREACHABLE", framework.unreachableTasks.size);
    for (const [state, n] of active) out[prefix + subKey("tasks/active", state)] = n;
    for (const role of framework.roles) {
      out[`${prefix}roles/${role}/suppressed`] = framework.suppressedRoles.has(role) ? 1 : 0;
    }
  }
}
