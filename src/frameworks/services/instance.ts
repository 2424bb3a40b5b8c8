// An instance of an app (reference §1.11): a slot with a goal (Running, or Decommissioned =
// remove when terminal) that runs one task at a time; a relaunch of the same instance is a new
// incarnation with a new task id. A Scheduled instance has no task yet (waiting for an offer).
import { isTerminalState, type TaskState } from "../../wire/status.ts";
import type { AgentFacts } from "./constraints.ts";
import type { AppId } from "./path-id.ts";

export type InstanceGoal = "Running" | "Decommissioned";

export interface Instance {
  readonly instanceId: string;
  readonly appId: AppId;
  /** The app version the instance was created for (shown as the task's `version`). */
  version: string;
  /** The app's lastConfigChangeAt when created: instances of another one are "old". */
  configVersion: string;
  incarnation: number;
  goal: InstanceGoal;
  /** Undefined while Scheduled (no task launched for this incarnation yet). */
  state: TaskState | undefined;
  agentId: string | undefined;
  agent: AgentFacts | undefined;
  hostPorts: number[];
  /** Health as last reported by the executor; undefined = no result yet. */
  healthy: boolean | undefined;
  /** Readiness (readiness checks); true when the app has none. */
  ready: boolean;
  stagedAtMs: number | undefined;
  startedAtMs: number | undefined;
  /** When its task was first reported TASK_UNREACHABLE (unreachableStrategy); cleared on return. */
  unreachableSinceMs?: number | undefined;
  /** THROTTLED (throttle.ts): a flapping instance waits until then before it is rescheduled. */
  throttledUntilMs?: number | undefined;
  /** The last flapping penalty; the next flap doubles it. */
  throttlePenaltyMs?: number | undefined;
  /** When this instance was created: kill selection orders by it. */
  readonly createdAtMs: number;
  /**
   * Aurora's instance number (Thermos apps, thermos-app.ts): given at its first launch and kept,
   * so a replacement takes the number its predecessor gave up and numbers never shift.
   */
  shard?: number | undefined;
}

export function isScheduled(i: Instance): boolean {
  return i.state === undefined;
}

/**
 * Launched and not yet terminal: it still holds resources on an agent. An unreachable instance
 * that was already replaced (inactive, goal Decommissioned) no longer counts: nothing waits for
 * its kill, which only happens if it comes back.
 */
export function isAlive(i: Instance): boolean {
  if (i.state === "TASK_UNREACHABLE" && i.goal === "Decommissioned") return false;
  return i.state !== undefined && !isTerminalState(i.state);
}

/** Still counts toward capacity: alive, or scheduled with goal Running. */
export function isActive(i: Instance): boolean {
  return isAlive(i) || (isScheduled(i) && i.goal === "Running");
}

/**
 * Running and passing its checks: with health checks a result must have arrived and be alive
 * (Marathon's `tasksHealthy`); readiness must hold too.
 */
export function isHealthyAndReady(i: Instance, hasHealthChecks: boolean): boolean {
  if (i.state !== "TASK_RUNNING" || !i.ready) return false;
  return hasHealthChecks ? i.healthy === true : true;
}

/** Scheduled but held back by a flapping penalty at `nowMs` (Aurora's THROTTLED). */
export function isThrottled(i: Instance, nowMs: number): boolean {
  return isScheduled(i) && i.throttledUntilMs !== undefined && i.throttledUntilMs > nowMs;
}
