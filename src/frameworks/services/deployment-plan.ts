// Marathon's deployment plans and the per-action decisions (reference §1.9, §1.10), as pure
// functions: a plan is built from the original and target app versions; each action is driven
// level-triggered by `decide*`, which looks at the instances now and returns what to kill, how
// many to launch, and whether the action is done — or why it cannot progress.
import { assert } from "../../base/assert.ts";
import type { AppDefinition } from "./app-definition.ts";
import { type AppVersion, isUpgrade } from "./app-json.ts";
import { balancingKillOrder } from "./constraints.ts";
import { type Instance, isActive, isAlive, isHealthyAndReady, isScheduled } from "./instance.ts";
import type { AppId } from "./path-id.ts";
import { appConstraints } from "./placement.ts";

export type ActionKind =
  | "StartApplication"
  | "StopApplication"
  | "ScaleApplication"
  | "RestartApplication";

export interface DeploymentAction {
  readonly action: ActionKind;
  readonly app: AppId;
}

export type DeploymentSteps = DeploymentAction[][];

/**
 * Marathon's plan (DeploymentPlan.scala): stops first, then the legacy start no-ops, then the
 * affected apps layered by longest dependency path (dependencies first), one step per layer.
 * `restart` names apps restarted without a config change (POST /restart).
 */
export function buildPlan(
  original: ReadonlyMap<AppId, AppVersion>,
  target: ReadonlyMap<AppId, AppVersion>,
  restart: ReadonlySet<AppId> = new Set(),
): DeploymentSteps {
  const steps: DeploymentSteps = [];
  const stops = [...original.keys()].filter((id) => !target.has(id)).sort();
  if (stops.length > 0) steps.push(stops.map((app) => ({ action: "StopApplication", app })));
  const starts = [...target.keys()].filter((id) => !original.has(id)).sort();
  if (starts.length > 0) steps.push(starts.map((app) => ({ action: "StartApplication", app })));
  const affected = new Map<AppId, ActionKind>();
  for (const [id, next] of target) {
    const before = original.get(id);
    if (before === undefined) affected.set(id, "ScaleApplication");
    else if (restart.has(id) || isUpgrade(before.app, next.app))
      affected.set(id, "RestartApplication");
    else if (before.app.instances !== next.app.instances) affected.set(id, "ScaleApplication");
  }
  const depth = new Map<AppId, number>();
  const depthOf = (id: AppId, seen: Set<AppId>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle: Marathon refuses those at validation; stay finite here
    seen.add(id);
    // A dependency may name a group: every app of the plan below it (Marathon's group deps).
    const deps = ((target.get(id)?.app.dependencies ?? []) as AppId[]).flatMap((dep) =>
      target.has(dep) ? [dep] : [...target.keys()].filter((k) => k.startsWith(`${dep}/`)),
    );
    const d = deps.reduce(
      (max, dep) => (target.has(dep) ? Math.max(max, depthOf(dep, seen) + 1) : max),
      0,
    );
    depth.set(id, d);
    return d;
  };
  const layers: DeploymentAction[][] = [];
  for (const [app, action] of [...affected].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const d = depthOf(app, new Set());
    const layer = layers[d] ?? [];
    layer.push({ action, app });
    layers[d] = layer;
  }
  for (const layer of layers) if (layer !== undefined && layer.length > 0) steps.push(layer);
  return steps;
}

/** What one action wants done now. */
export interface ActionDecision {
  /** Instances to give goal Decommissioned (scheduled ones vanish, launched ones are killed). */
  readonly kill: readonly string[];
  /** New instances of the target config to schedule. */
  readonly launch: number;
  readonly done: boolean;
  /** Why the action is not done yet, for `/v2/deployments` (pain point §4.1). */
  readonly waiting: string | undefined;
}

/** Orders instances for removal: unlaunched first, then GROUP_BY balance, then killSelection. */
export function killOrder(app: AppDefinition, instances: readonly Instance[]): Instance[] {
  const byAge = [...instances].sort((a, b) =>
    app.killSelection === "YOUNGEST_FIRST"
      ? b.createdAtMs - a.createdAtMs
      : a.createdAtMs - b.createdAtMs,
  );
  const scheduled = byAge.filter(isScheduled);
  const launched = byAge.filter((i) => !isScheduled(i));
  const placedFacts = launched.map((i) => i.agent ?? { hostname: "", attributes: [] });
  const balanced = balancingKillOrder(appConstraints(app), placedFacts).map(
    (k) => launched[k] as Instance,
  );
  return [...scheduled, ...balanced];
}

function healthWord(app: AppDefinition): string {
  return app.healthChecks.length > 0 ? "healthy" : "running";
}

/** ScaleApplication: reach `app.instances` instances, then wait until they are all healthy. */
export function decideScale(app: AppDefinition, instances: readonly Instance[]): ActionDecision {
  const running = instances.filter((i) => i.goal === "Running" && isActive(i));
  const target = app.instances;
  const kill =
    running.length > target ? killOrder(app, running).slice(0, running.length - target) : [];
  const launch = Math.max(0, target - running.length);
  const leaving =
    instances.filter((i) => i.goal === "Decommissioned" && isAlive(i)).length + kill.length;
  const hasChecks = app.healthChecks.length > 0;
  const good = running.filter((i) => isHealthyAndReady(i, hasChecks)).length;
  const done = launch === 0 && kill.length === 0 && leaving === 0 && good >= target;
  let waiting: string | undefined;
  if (!done) {
    waiting =
      leaving > 0
        ? `waiting for ${leaving} instances to be killed`
        : `waiting for ${target - Math.min(good, target)} of ${target} instances to be ${healthWord(app)}`;
  }
  return { kill: kill.map((i) => i.instanceId), launch, done, waiting };
}

/** StopApplication: every instance goes; done when none is alive. */
export function decideStop(instances: readonly Instance[]): ActionDecision {
  const kill = instances.filter((i) => i.goal === "Running").map((i) => i.instanceId);
  const alive = instances.filter(isAlive).length;
  return {
    kill,
    launch: 0,
    done:
      alive === 0 &&
      kill.every((id) => instances.find((i) => i.instanceId === id)?.state === undefined),
    waiting: alive > 0 ? `waiting for ${alive} instances to be killed` : undefined,
  };
}

/** The numbers a rolling restart fixes when it starts (TaskReplaceActor). */
export interface RestartBounds {
  readonly minHealthy: number;
  readonly maxCapacity: number;
  /** Old instances (goal Running) when the restart began. */
  readonly oldAtStart: number;
  /** How many old instances may be killed before any new one is ready. */
  readonly killAtStart: number;
}

// Guards float noise in N*m / N*(1+o) (3*0.7 = 2.0999999999999996 must still ceil to 3).
const EPSILON = 1e-9;

export function restartBounds(app: AppDefinition, old: readonly Instance[]): RestartBounds {
  const n = app.instances;
  const { minimumHealthCapacity: m, maximumOverCapacity: o } = app.upgradeStrategy;
  const minHealthy = Math.ceil(n * m - EPSILON);
  let maxCapacity = Math.floor(n * (1 + o) + EPSILON);
  const hasChecks = app.healthChecks.length > 0;
  const oldRunning = old.filter((i) => i.goal === "Running" && isActive(i));
  const healthy = oldRunning.filter((i) => isHealthyAndReady(i, hasChecks)).length;
  // Marathon's surge slot: with no room either way nothing could progress, so allow one extra.
  if (minHealthy === maxCapacity && maxCapacity <= healthy) maxCapacity += 1;
  // Old instances that are not healthy give no capacity: they may go at once too. Without this
  // an unhealthy old instance (say, of a failed version being rolled back) under
  // maximumOverCapacity 0 would hold its slot forever and the restart could never progress.
  const unhealthy = oldRunning.length - healthy;
  const killAtStart = Math.max(0, healthy - minHealthy + unhealthy, oldRunning.length - n);
  return { minHealthy, maxCapacity, oldAtStart: oldRunning.length, killAtStart };
}

/**
 * RestartApplication. `configVersion` is the target's lastConfigChangeAt: instances of any other
 * config are old. Old instances are killed `killAtStart` at once and then one per new instance
 * that is healthy and ready; new ones are launched while old + new stay within maxCapacity.
 */
export function decideRestart(
  app: AppDefinition,
  configVersion: string,
  bounds: RestartBounds,
  instances: readonly Instance[],
): ActionDecision {
  const hasChecks = app.healthChecks.length > 0;
  const isNew = (i: Instance) => i.configVersion === configVersion;
  const oldRunning = instances.filter((i) => !isNew(i) && i.goal === "Running" && isActive(i));
  const oldAlive = instances.filter((i) => !isNew(i) && isAlive(i)).length;
  const fresh = instances.filter((i) => isNew(i) && i.goal === "Running" && isActive(i));
  const freshReady = fresh.filter((i) => isHealthyAndReady(i, hasChecks)).length;
  const keepOld = Math.max(0, bounds.oldAtStart - bounds.killAtStart - freshReady);
  const killCount = Math.max(0, oldRunning.length - keepOld);
  // Unhealthy old instances go first: killing them costs no healthy capacity.
  const ordered = [
    ...oldRunning.filter((i) => !isHealthyAndReady(i, hasChecks)),
    ...killOrder(
      app,
      oldRunning.filter((i) => isHealthyAndReady(i, hasChecks)),
    ),
  ];
  const kill = ordered.slice(0, killCount);
  const oldActiveAfter =
    oldAlive + oldRunning.filter(isScheduled).length - kill.filter(isScheduled).length;
  const room = Math.max(0, bounds.maxCapacity - oldActiveAfter - fresh.length);
  const launch = Math.min(Math.max(0, app.instances - fresh.length), room);
  assert(launch >= 0 && kill.length <= oldRunning.length, "restart decision out of bounds");
  const done = freshReady >= app.instances && oldAlive === 0 && oldRunning.length === 0;
  let waiting: string | undefined;
  if (!done) {
    const parts = [`${freshReady} of ${app.instances} new instances ${healthWord(app)}`];
    if (oldAlive > 0) parts.push(`${oldAlive} old instances still running`);
    waiting = `waiting: ${parts.join(", ")}`;
  }
  return { kill: kill.map((i) => i.instanceId), launch, done, waiting };
}

/**
 * Launch backoff (RateLimiter): the first failure delays by backoffSeconds, each further one
 * multiplies by backoffFactor; never above maxLaunchDelaySeconds.
 */
export function nextBackoffSeconds(app: AppDefinition, currentSeconds: number | undefined): number {
  const next =
    currentSeconds === undefined ? app.backoffSeconds : currentSeconds * app.backoffFactor;
  return Math.min(next, app.maxLaunchDelaySeconds);
}
