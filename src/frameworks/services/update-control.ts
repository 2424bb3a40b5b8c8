// How the deployment driver uses Aurora's update control (aurora-update.ts): the update of an
// app starts with the first decision of its RestartApplication action, failures past the budget
// end the deployment (rolled back or FAILED), commands reach every update of a deployment, and
// finished updates stay queryable for a while (Aurora's getJobUpdateDetails shows terminal
// states; Marathon's /v2/deployments lists only running deployments).
import type { AppVersion } from "./app-json.ts";
import type { DeploymentRecord } from "./app-store.ts";
import {
  type AuroraUpdate,
  commandUpdate,
  decideUpdate,
  isAuroraStrategy,
  isTerminalUpdateState,
  planRollback,
  planUpdate,
  type UpdateCommand,
  type UpdateState,
  updateJson,
  updateSettings,
} from "./aurora-update.ts";
import type { ActionDecision } from "./deployment-plan.ts";
import { type Instance, isActive } from "./instance.ts";
import type { AppId } from "./path-id.ts";

/** Finished deployments with updates kept for queries; older ones are forgotten. */
export const MAX_FINISHED_UPDATES = 100;

/** The order an update replaces instances in; `instanceRange` counts positions in it. */
export function updateOrder(a: Instance, b: Instance): number {
  const unnumbered = Number.MAX_SAFE_INTEGER;
  return (
    (a.shard ?? unnumbered) - (b.shard ?? unnumbered) ||
    a.createdAtMs - b.createdAtMs ||
    (a.instanceId < b.instanceId ? -1 : 1)
  );
}

/**
 * The RestartApplication decision for an app under Aurora's update control, or undefined when
 * the app uses Marathon's rolling restart. The update is planned on first use: the old-config
 * instances by Aurora instance number where they have one (Aurora updates instance ids in
 * ascending order, so a shrinking update removes the highest), else in creation order.
 */
export function auroraDecision(
  d: DeploymentRecord,
  target: AppVersion,
  instances: readonly Instance[],
  nowMs: number,
): ActionDecision | undefined {
  const id = target.app.id as AppId;
  d.updates ??= {};
  let u = d.updates[id];
  if (u === undefined) {
    if (!isAuroraStrategy(target.app.upgradeStrategy)) return undefined;
    const all = instances
      .filter((i) => i.configVersion !== target.lastConfigChangeAt && i.goal === "Running")
      .filter(isActive)
      .sort(updateOrder)
      .map((i) => i.instanceId);
    const current = instances.filter(
      (i) => i.configVersion === target.lastConfigChangeAt && i.goal === "Running" && isActive(i),
    ).length;
    const range = target.app.upgradeStrategy.instanceRange;
    // A range replaces just those instances one for one; otherwise the count follows the app.
    const old = range === undefined ? all : all.slice(range[0], range[1] + 1);
    const wanted = range === undefined ? Math.max(0, target.app.instances - current) : old.length;
    u = planUpdate(updateSettings(target.app.upgradeStrategy), old, wanted);
    d.updates[id] = u;
  }
  const decision = decideUpdate(u, target.app, instances, nowMs);
  return {
    kill: decision.kill,
    launch: decision.launch,
    done: decision.done,
    waiting: decision.waiting,
  };
}

/** Why an update of the deployment is over its failure budget, and whether to roll back. */
export function overBudget(
  d: DeploymentRecord,
): { readonly reason: string; readonly rollBack: boolean } | undefined {
  for (const [app, u] of Object.entries(d.updates ?? {})) {
    if (u === undefined || isTerminalUpdateState(u.state)) continue;
    if (u.failedInstances <= u.settings.maxTotalFailures) continue;
    const reason = `${u.failedInstances} instances of ${app} failed, more than maxTotalFailures ${u.settings.maxTotalFailures}`;
    return { reason, rollBack: !u.rollingBack && u.settings.rollbackOnFailure };
  }
  return undefined;
}

/** Sets every unfinished update of the deployment to `state` (ABORTED, FAILED). */
export function setUpdateStates(d: DeploymentRecord, state: UpdateState): void {
  for (const u of Object.values(d.updates ?? {}))
    if (u !== undefined && !isTerminalUpdateState(u.state)) u.state = state;
}

/** The rollback plans of the deployment's updates, or undefined when it has none. */
export function rollbackUpdates(
  d: DeploymentRecord,
): Partial<Record<AppId, AuroraUpdate>> | undefined {
  const out: Partial<Record<AppId, AuroraUpdate>> = {};
  let any = false;
  for (const [app, u] of Object.entries(d.updates ?? {}) as [AppId, AuroraUpdate | undefined][]) {
    if (u === undefined || u.rollingBack) continue;
    // The forward update ends here; its slots are what the rollback undoes.
    if (!isTerminalUpdateState(u.state)) u.state = "ROLLING_BACK";
    out[app] = planRollback(u);
    any = true;
  }
  return any ? out : undefined;
}

/**
 * A command for every update of the deployment; the first refusal, if any. A rollback is only
 * checked here (the driver carries it out); any deployment may be rolled back, once.
 */
export function commandAll(
  d: DeploymentRecord,
  command: UpdateCommand | "rollback",
  nowMs: number,
): string | undefined {
  const updates = Object.values(d.updates ?? {}).filter((u) => u !== undefined);
  if (command === "rollback")
    return updates.some((u) => u.rollingBack) ? "the update is already rolling back" : undefined;
  if (updates.length === 0)
    return "the deployment has no update control (upgradeStrategy.batchSize)";
  for (const u of updates) {
    const refused = commandUpdate(u, command, nowMs);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

/**
 * What of a deployment record the driver's passes change (waiting reasons, update progress),
 * as a string: equal strings mean nothing to write.
 */
export function recordSignature(d: DeploymentRecord): string {
  let sig = JSON.stringify(d.waiting);
  for (const u of Object.values(d.updates ?? {})) {
    if (u === undefined) continue;
    sig += `|${u.state}:${u.failedInstances}:${u.lastPulseMs}:${u.pausedBeforeBatch}:`;
    for (const s of u.slots)
      sig += `${s.status}${s.instanceId ?? ""}${s.failures}${s.healthySinceMs ?? ""},`;
  }
  return sig;
}

/** Keeps a finished deployment with updates for queries, the oldest going past the bound. */
export function recordFinished(finished: Map<string, DeploymentRecord>, d: DeploymentRecord): void {
  if (Object.keys(d.updates ?? {}).length === 0) return;
  finished.delete(d.id);
  finished.set(d.id, d);
  for (const id of finished.keys()) {
    if (finished.size <= MAX_FINISHED_UPDATES) break;
    finished.delete(id);
  }
}

/** The update fields of a deployment's JSON: `updateState` (the first app's) and progress. */
export function deploymentUpdateJson(d: DeploymentRecord): Record<string, unknown> {
  const entries = Object.entries(d.updates ?? {}).filter(([, u]) => u !== undefined) as [
    string,
    AuroraUpdate,
  ][];
  if (entries.length === 0) return {};
  return {
    updateState: (entries[0] as [string, AuroraUpdate])[1].state,
    updates: Object.fromEntries(entries.map(([app, u]) => [app, updateJson(u)])),
  };
}
