// Aurora's update control (reference §3, UpdateConfig) for one app of a deployment, as pure
// functions over a plain record kept in the DeploymentRecord. Used instead of Marathon's rolling
// restart (deployment-plan.ts decideRestart) when the app's upgradeStrategy names a `batchSize`
// or `batchSizes`.
//
// The update is a list of slots, one per instance position: a slot kills the old instance it
// replaces, and once that one is gone adds one instance of the new config (Aurora: kill, then
// add; never more instances than wanted). A new instance succeeds once it has stayed running
// (healthy and ready when checked) for `watchSeconds`; each failure of it (a failed task, an
// unhealthy report) counts against `maxPerInstanceFailures`, beyond which the slot has failed;
// failed slots count against `maxTotalFailures`, beyond which the update is over budget (the
// driver rolls back when `rollbackOnFailure`, else the update is FAILED). Slots start in batches:
// `batchSizes[k]` for batch k (the last size for the rest), or `batchSize` for all; with a single
// size and no `waitForBatchCompletion` a new slot starts as soon as fewer than that many are in
// flight (Aurora's default), otherwise a batch starts only when the one before it has completed.
// `autopauseAfterBatch` pauses before each next batch; `pulseIntervalSeconds` blocks new slots
// (*_AWAITING_PULSE) unless pulsed within the interval; `slaAware` starts a slot only if the app
// keeps its SLA without the instance it replaces (sla.ts). A rollback is a new plan over the
// slots that had started, batches in reverse order. All time is the `nowMs` handed in.
import { assert } from "../../base/assert.ts";
import type { AppDefinition, UpgradeStrategy } from "./app-definition.ts";
import { type Instance, isActive, isAlive, isHealthyAndReady } from "./instance.ts";
import { keepsSla } from "./sla.ts";

export const UPDATE_STATES = [
  "ROLLING_FORWARD",
  "ROLLING_BACK",
  "ROLL_FORWARD_PAUSED",
  "ROLL_BACK_PAUSED",
  "ROLLED_FORWARD",
  "ROLLED_BACK",
  "ABORTED",
  "ERROR",
  "FAILED",
  "ROLL_FORWARD_AWAITING_PULSE",
  "ROLL_BACK_AWAITING_PULSE",
] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

const TERMINAL: ReadonlySet<UpdateState> = new Set<UpdateState>([
  "ROLLED_FORWARD",
  "ROLLED_BACK",
  "ABORTED",
  "ERROR",
  "FAILED",
]);

export function isTerminalUpdateState(s: UpdateState): boolean {
  return TERMINAL.has(s);
}

export interface UpdateSettings {
  readonly batchSizes: readonly number[];
  /** One size and no waitForBatchCompletion: keep up to that many slots in flight. */
  readonly sliding: boolean;
  readonly watchMs: number;
  readonly maxPerInstanceFailures: number;
  readonly maxTotalFailures: number;
  readonly rollbackOnFailure: boolean;
  readonly autopause: boolean;
  readonly pulseIntervalMs: number | undefined;
  readonly slaAware: boolean;
}

export type SlotStatus = "pending" | "killing" | "starting" | "watching" | "succeeded" | "failed";

export interface UpdateSlot {
  /** The instance this slot replaces; undefined when it only adds one. */
  readonly replaces: string | undefined;
  /** Whether a new instance takes the place (false: the update shrinks the app). */
  readonly adds: boolean;
  /** The new instance, once scheduled. */
  instanceId: string | undefined;
  status: SlotStatus;
  failures: number;
  /** Since when the new instance has been healthy and ready; the watch runs from here. */
  healthySinceMs: number | undefined;
}

export interface AuroraUpdate {
  state: UpdateState;
  readonly rollingBack: boolean;
  readonly settings: UpdateSettings;
  readonly slots: UpdateSlot[];
  /** The slot index each batch begins at, ascending, first 0. */
  readonly batchStarts: number[];
  failedInstances: number;
  lastPulseMs: number | undefined;
  /** The last batch an autopause was taken before (-1: none), so a resume goes on. */
  pausedBeforeBatch: number;
}

/** Whether the strategy asks for Aurora's update control rather than Marathon's restart. */
export function isAuroraStrategy(s: UpgradeStrategy): boolean {
  return s.batchSize !== undefined || s.batchSizes !== undefined;
}

export function updateSettings(s: UpgradeStrategy): UpdateSettings {
  const batchSizes = s.batchSizes ?? [s.batchSize ?? 1];
  return {
    batchSizes,
    sliding: batchSizes.length === 1 && s.waitForBatchCompletion !== true,
    watchMs: (s.watchSeconds ?? 0) * 1000,
    maxPerInstanceFailures: s.maxPerInstanceFailures ?? 0,
    maxTotalFailures: s.maxTotalFailures ?? 0,
    rollbackOnFailure: s.rollbackOnFailure ?? false,
    autopause: s.autopauseAfterBatch ?? false,
    pulseIntervalMs:
      s.pulseIntervalSeconds === undefined ? undefined : s.pulseIntervalSeconds * 1000,
    slaAware: s.slaAware ?? false,
  };
}

function batchStartsFor(sizes: readonly number[], slots: number): number[] {
  const starts: number[] = [];
  for (let at = 0, k = 0; at < slots; k++) {
    starts.push(at);
    at += sizes[Math.min(k, sizes.length - 1)] as number;
  }
  return starts;
}

/**
 * A forward update: `old` are the instances to replace in update order, `wanted` the new
 * instance count. Slot k replaces old[k] (if any) and adds one instance if k < wanted.
 */
export function planUpdate(
  settings: UpdateSettings,
  old: readonly string[],
  wanted: number,
): AuroraUpdate {
  const slots: UpdateSlot[] = [];
  for (let k = 0; k < Math.max(old.length, wanted); k++) slots.push(newSlot(old[k], k < wanted));
  return {
    state: "ROLLING_FORWARD",
    rollingBack: false,
    settings,
    slots,
    batchStarts: batchStartsFor(settings.batchSizes, slots.length),
    failedInstances: 0,
    lastPulseMs: undefined,
    pausedBeforeBatch: -1,
  };
}

function newSlot(replaces: string | undefined, adds: boolean): UpdateSlot {
  return {
    replaces,
    adds,
    instanceId: undefined,
    status: "pending",
    failures: 0,
    healthySinceMs: undefined,
  };
}

/**
 * The rollback of `forward`: every slot that had started is undone, the last batch first and
 * within a batch the last slot first (Aurora replays batches in reverse). A slot that added an
 * instance replaces it; one that replaced an old instance adds one of the old config back.
 * No autopause, pulse or SLA gate on the way back: the old config is the safe one.
 */
export function planRollback(forward: AuroraUpdate): AuroraUpdate {
  const slots: UpdateSlot[] = [];
  const sizes: number[] = [];
  for (let b = forward.batchStarts.length - 1; b >= 0; b--) {
    const from = forward.batchStarts[b] as number;
    const to = forward.batchStarts[b + 1] ?? forward.slots.length;
    let size = 0;
    for (let k = to - 1; k >= from; k--) {
      const s = forward.slots[k] as UpdateSlot;
      if (s.status === "pending") continue;
      slots.push(newSlot(s.instanceId, s.replaces !== undefined));
      size++;
    }
    if (size > 0) sizes.push(size);
  }
  const starts: number[] = [];
  for (let at = 0, k = 0; k < sizes.length; k++) {
    starts.push(at);
    at += sizes[k] as number;
  }
  return {
    state: "ROLLING_BACK",
    rollingBack: true,
    settings: { ...forward.settings, sliding: false, autopause: false, slaAware: false },
    slots,
    batchStarts: starts,
    failedInstances: 0,
    lastPulseMs: undefined,
    pausedBeforeBatch: -1,
  };
}

const IN_FLIGHT: ReadonlySet<SlotStatus> = new Set<SlotStatus>(["killing", "starting", "watching"]);
const COMPLETE: ReadonlySet<SlotStatus> = new Set<SlotStatus>(["succeeded", "failed"]);

function batchOf(u: AuroraUpdate, slot: number): number {
  let b = 0;
  while (b + 1 < u.batchStarts.length && (u.batchStarts[b + 1] as number) <= slot) b++;
  return b;
}

const running = (u: AuroraUpdate): UpdateState =>
  u.rollingBack ? "ROLLING_BACK" : "ROLLING_FORWARD";
const paused = (u: AuroraUpdate): UpdateState =>
  u.rollingBack ? "ROLL_BACK_PAUSED" : "ROLL_FORWARD_PAUSED";
const awaitingPulse = (u: AuroraUpdate): UpdateState =>
  u.rollingBack ? "ROLL_BACK_AWAITING_PULSE" : "ROLL_FORWARD_AWAITING_PULSE";

/** What the update wants done now. */
export interface UpdateDecision {
  /** Old instances to decommission. */
  readonly kill: readonly string[];
  /** Slots now waiting for a new instance (assign them with assignInstances). */
  readonly launch: number;
  readonly done: boolean;
  readonly overBudget: boolean;
  readonly waiting: string | undefined;
}

/**
 * Moves the update on at `nowMs` given the app's instances now; changes `u` and returns what
 * to kill and launch. `app` is the definition being rolled to.
 */
export function decideUpdate(
  u: AuroraUpdate,
  app: AppDefinition,
  instances: readonly Instance[],
  nowMs: number,
): UpdateDecision {
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  const hasChecks = app.healthChecks.length > 0;
  for (const s of u.slots) {
    if (s.status === "killing") {
      const old = s.replaces === undefined ? undefined : byId.get(s.replaces);
      if (old !== undefined && isAlive(old)) continue;
      s.status = s.adds ? "starting" : "succeeded";
    } else if (s.status === "starting" || s.status === "watching") {
      if (s.instanceId === undefined) continue;
      const i = byId.get(s.instanceId);
      if (i === undefined || i.goal !== "Running") {
        // Killed from outside the update (e.g. scaled away): it cannot be watched any more.
        s.status = "failed";
        u.failedInstances++;
      } else if (isHealthyAndReady(i, hasChecks)) {
        s.healthySinceMs ??= nowMs;
        s.status = nowMs - s.healthySinceMs >= u.settings.watchMs ? "succeeded" : "watching";
      } else {
        s.healthySinceMs = undefined;
        s.status = "starting";
      }
    }
  }
  const overBudget = u.failedInstances > u.settings.maxTotalFailures;
  if (overBudget || isTerminalUpdateState(u.state))
    return { kill: [], launch: 0, done: false, overBudget, waiting: undefined };
  if (u.slots.every((s) => COMPLETE.has(s.status))) {
    u.state = u.rollingBack ? "ROLLED_BACK" : "ROLLED_FORWARD";
    return { kill: [], launch: 0, done: true, overBudget: false, waiting: undefined };
  }
  const kill = startSlots(u, app, instances, nowMs);
  const launch = u.slots.filter(
    (s) => s.status === "starting" && s.instanceId === undefined,
  ).length;
  return { kill, launch, done: false, overBudget: false, waiting: describe(u) };
}

/** Starts the pending slots the gates allow; returns the old instances to kill. */
function startSlots(
  u: AuroraUpdate,
  app: AppDefinition,
  instances: readonly Instance[],
  nowMs: number,
): string[] {
  const kill: string[] = [];
  const { settings } = u;
  if (u.state === paused(u)) return kill;
  if (settings.pulseIntervalMs !== undefined) {
    const fresh = u.lastPulseMs !== undefined && nowMs - u.lastPulseMs <= settings.pulseIntervalMs;
    if (!fresh) {
      u.state = awaitingPulse(u);
      return kill;
    }
  }
  u.state = running(u);
  // Scheduled ones count too: an old instance still waiting for an offer is decommissioned.
  const present = new Set(
    instances.filter((i) => i.goal === "Running" && isActive(i)).map((i) => i.instanceId),
  );
  // The instances this pass takes down: the SLA must hold without all of them together.
  const leaving = new Set<string>();
  for (let k = 0; k < u.slots.length; k++) {
    const s = u.slots[k] as UpdateSlot;
    if (s.status !== "pending") continue;
    const b = batchOf(u, k);
    const batchStart = u.batchStarts[b] as number;
    const earlierDone = u.slots.slice(0, batchStart).every((x) => COMPLETE.has(x.status));
    if (settings.sliding) {
      const inFlight = u.slots.filter((x) => IN_FLIGHT.has(x.status)).length;
      if (inFlight >= (settings.batchSizes[0] as number)) break;
    } else if (!earlierDone) break;
    if (settings.autopause && b > 0 && k === batchStart && u.pausedBeforeBatch < b) {
      if (!earlierDone) break;
      u.pausedBeforeBatch = b;
      u.state = paused(u);
      break;
    }
    if (s.replaces !== undefined) leaving.add(s.replaces);
    if (settings.slaAware && s.replaces !== undefined && !keepsSla(app, instances, leaving, nowMs))
      break;
    if (s.replaces !== undefined && present.has(s.replaces)) {
      s.status = "killing";
      kill.push(s.replaces);
    } else s.status = s.adds ? "starting" : "succeeded";
  }
  return kill;
}

/** Gives the slots waiting for a new instance their instances, in slot order. */
export function assignInstances(u: AuroraUpdate, instanceIds: readonly string[]): void {
  let next = 0;
  for (const s of u.slots) {
    if (next >= instanceIds.length) break;
    if (s.status === "starting" && s.instanceId === undefined) s.instanceId = instanceIds[next++];
  }
  assert(next === instanceIds.length, "more new instances than update slots waiting for one");
}

/** A new instance of the update failed (its task ended in failure, or it turned unhealthy). */
export function noteFailure(u: AuroraUpdate, instanceId: string): void {
  const s = u.slots.find((x) => x.instanceId === instanceId);
  if (s === undefined || !IN_FLIGHT.has(s.status)) return;
  s.failures++;
  s.healthySinceMs = undefined;
  s.status = "starting";
  if (s.failures > u.settings.maxPerInstanceFailures) {
    s.status = "failed";
    u.failedInstances++;
  }
}

export type UpdateCommand = "pause" | "resume" | "pulse";

/** Pause, resume or pulse at `nowMs`; an error message when the state does not allow it. */
export function commandUpdate(
  u: AuroraUpdate,
  command: UpdateCommand,
  nowMs: number,
): string | undefined {
  if (isTerminalUpdateState(u.state)) return `the update is ${u.state}`;
  switch (command) {
    case "pause":
      u.state = paused(u);
      return undefined;
    case "resume":
      if (u.state !== paused(u)) return `the update is ${u.state}, not paused`;
      u.state = running(u);
      return undefined;
    case "pulse":
      if (u.settings.pulseIntervalMs === undefined) return "the update takes no pulses";
      u.lastPulseMs = nowMs;
      if (u.state === awaitingPulse(u)) u.state = running(u);
      return undefined;
  }
}

function describe(u: AuroraUpdate): string {
  const done = u.slots.filter((s) => s.status === "succeeded").length;
  const inFlight = u.slots.filter((s) => IN_FLIGHT.has(s.status)).length;
  const parts = [`${done} of ${u.slots.length} instances updated`];
  if (inFlight > 0) parts.push(`${inFlight} in progress`);
  if (u.failedInstances > 0) parts.push(`${u.failedInstances} failed`);
  return `update ${u.state}: ${parts.join(", ")}`;
}

/** The update as `/v2/deployments` shows it: state, batches and every instance's progress. */
export function updateJson(u: AuroraUpdate): Record<string, unknown> {
  const firstOpen = u.slots.findIndex((s) => !COMPLETE.has(s.status));
  return {
    updateState: u.state,
    currentBatch: firstOpen < 0 ? u.batchStarts.length : batchOf(u, firstOpen) + 1,
    totalBatches: u.batchStarts.length,
    failedInstances: u.failedInstances,
    instances: u.slots.map((s, k) => ({
      batch: batchOf(u, k) + 1,
      ...(s.replaces === undefined ? {} : { replaces: s.replaces }),
      ...(s.instanceId === undefined ? {} : { instanceId: s.instanceId }),
      status: s.status.toUpperCase(),
      failures: s.failures,
    })),
  };
}
