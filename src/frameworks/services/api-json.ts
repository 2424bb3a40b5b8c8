// Response shapes of the services API (reference §1.7): AppInfo with counts and deployments,
// Task objects, DeploymentInfo, QueueItem. Built from ServicesState, never stored.
import { type AppVersion, appToJson } from "./app-json.ts";
import type { DeploymentRecord } from "./app-store.ts";
import { type Instance, isScheduled } from "./instance.ts";
import type { AppId } from "./path-id.ts";
import { isPod } from "./pods.ts";
import type { ServicesState } from "./services-state.ts";
import { taskFailureJson } from "./task-failures.ts";
import { taskIdFor } from "./task-info.ts";
import { deploymentUpdateJson } from "./update-control.ts";

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function taskJson(i: Instance, app: AppVersion | undefined): Record<string, unknown> {
  const hasChecks = (app?.app.healthChecks.length ?? 0) > 0;
  return {
    id: taskIdFor(i.instanceId, i.incarnation),
    appId: i.appId,
    host: i.agent?.hostname ?? "",
    ports: i.hostPorts,
    servicePorts: (app?.app.portDefinitions ?? []).map((p) => p.port),
    slaveId: i.agentId ?? "",
    state: i.state ?? "TASK_STAGING",
    stagedAt: iso(i.stagedAtMs),
    startedAt: iso(i.startedAtMs),
    version: i.version,
    ipAddresses: [],
    localVolumes: [],
    role: app?.app.role ?? "*",
    ...(i.agent?.region === undefined ? {} : { region: i.agent.region }),
    ...(i.agent?.zone === undefined ? {} : { zone: i.agent.zone }),
    healthCheckResults:
      hasChecks && i.healthy !== undefined
        ? [
            {
              alive: i.healthy,
              consecutiveFailures: i.healthy ? 0 : 1,
              firstSuccess: null,
              lastSuccess: null,
              lastFailure: null,
              lastFailureCause: null,
              instanceId: i.instanceId,
            },
          ]
        : [],
  };
}

/** Launched tasks of an app (scheduled instances have no task yet). */
export function tasksOf(state: ServicesState, id: AppId): Record<string, unknown>[] {
  const app = state.app(id);
  return state
    .instancesOf(id)
    .filter((i) => !isScheduled(i))
    .map((i) => taskJson(i, app));
}

export function appInfoJson(
  state: ServicesState,
  v: AppVersion,
  withTasks: boolean,
  withLastTaskFailure = false,
): Record<string, unknown> {
  const id = v.app.id as AppId;
  const instances = state.instancesOf(id).filter((i) => !isScheduled(i));
  const hasChecks = v.app.healthChecks.length > 0;
  const out: Record<string, unknown> = {
    ...appToJson(v),
    tasksStaged: instances.filter((i) => i.state === "TASK_STAGING" || i.state === "TASK_STARTING")
      .length,
    tasksRunning: instances.filter((i) => i.state === "TASK_RUNNING").length,
    tasksHealthy: hasChecks ? instances.filter((i) => i.healthy === true).length : 0,
    tasksUnhealthy: hasChecks ? instances.filter((i) => i.healthy === false).length : 0,
    deployments: state.deploymentsOf(id).map((d) => ({ id: d.id })),
  };
  if (withTasks) out.tasks = tasksOf(state, id);
  const failure = withLastTaskFailure ? state.lastTaskFailure(id) : undefined;
  // Marathon leaves the field out while the app has had no failure.
  if (failure !== undefined) out.lastTaskFailure = taskFailureJson(failure);
  return out;
}

function isPodId(state: ServicesState, id: AppId): boolean {
  const v = state.app(id) ?? state.deploymentsOf(id)[0]?.target[id];
  return v !== undefined && isPod(v.app);
}

export function deploymentJson(d: DeploymentRecord, state: ServicesState): Record<string, unknown> {
  const current = d.steps[d.currentStep] ?? [];
  return {
    id: d.id,
    version: d.version,
    // Pods run as apps (pods.ts); Marathon lists them apart.
    affectedApps: d.affectedApps.filter((id) => !isPodId(state, id)),
    affectedPods: d.affectedApps.filter((id) => isPodId(state, id)),
    steps: d.steps.map((actions) => ({ actions })),
    currentActions: current.map((a) => ({
      action: a.action,
      app: a.app,
      readinessCheckResults: state.readinessResultsOf(a.app),
      // Tessera: why this action has not finished (pain point §4.1).
      ...(d.waiting[a.app] === undefined ? {} : { waitingFor: d.waiting[a.app] }),
    })),
    currentStep: Math.min(d.currentStep + 1, d.steps.length),
    totalSteps: d.steps.length,
    // Tessera: Aurora's update state and per-batch, per-instance progress (update-control.ts).
    ...deploymentUpdateJson(d),
  };
}

export function queueJson(
  state: ServicesState,
  nowMs: number,
  embedOffers: boolean,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const v of state.apps()) {
    const id = v.app.id as AppId;
    const waiting = state.instancesOf(id).filter((i) => isScheduled(i) && i.goal === "Running");
    if (waiting.length === 0) continue;
    const backoff = state.backoff(id);
    const leftMs = backoff === undefined ? 0 : Math.max(0, backoff.untilMs - nowMs);
    const stats = state.offerStats(id);
    const since = Math.min(...waiting.map((i) => i.createdAtMs));
    out.push({
      app: appToJson(v),
      count: waiting.length,
      role: v.app.role,
      delay: { timeLeftSeconds: Math.ceil(leftMs / 1000), overdue: leftMs === 0 },
      since: new Date(since).toISOString(),
      processedOffersSummary: stats?.summaryJson() ?? {
        processedOffersCount: 0,
        unusedOffersCount: 0,
        rejectSummaryLastOffers: [],
        rejectSummaryLaunchAttempt: [],
      },
      // Tessera: per waiting instance, Aurora's state (PENDING / THROTTLED) and pending reason.
      pendingReasons: state.pendingReasons(id, nowMs),
      ...(embedOffers ? { lastUnusedOffers: stats?.lastUnusedOffersJson() ?? [] } : {}),
    });
  }
  return out;
}
