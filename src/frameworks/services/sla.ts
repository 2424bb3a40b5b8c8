// An app's SLA as Aurora's SLA-aware updates and maintenance drains read it (reference §3):
// at least `percentage` of the app's instances must be up, where up means running (healthy and
// ready when checked) for at least `durationSeconds`. Default 95% over 30 minutes, Aurora's
// default percentage policy; the app's `slaPolicy` (a Tessera field) overrides it. Pure: the
// time is handed in.
import type { AppDefinition, SlaPolicy } from "./app-definition.ts";
import { type Instance, isHealthyAndReady } from "./instance.ts";

export const DEFAULT_SLA_POLICY: SlaPolicy = { percentage: 95, durationSeconds: 1800 };

// Guards float noise in n * p / 100 (20 * 95 / 100 must be exactly 19).
const EPSILON = 1e-9;

/** How many instances must stay up for the app to keep its SLA. */
export function slaMinimumUp(app: AppDefinition): number {
  const policy = app.slaPolicy ?? DEFAULT_SLA_POLICY;
  return Math.ceil((app.instances * policy.percentage) / 100 - EPSILON);
}

/** Whether the instance counts as up for the SLA at `nowMs`. */
export function isUpForSla(app: AppDefinition, i: Instance, nowMs: number): boolean {
  const policy = app.slaPolicy ?? DEFAULT_SLA_POLICY;
  if (i.goal !== "Running" || !isHealthyAndReady(i, app.healthChecks.length > 0)) return false;
  return i.startedAtMs !== undefined && nowMs - i.startedAtMs >= policy.durationSeconds * 1000;
}

/**
 * Whether the app still keeps its SLA once the instances in `leaving` (ids) go down: the up
 * instances outside `leaving` must reach slaMinimumUp. An app with no instances wanted always
 * keeps it.
 */
export function keepsSla(
  app: AppDefinition,
  instances: readonly Instance[],
  leaving: ReadonlySet<string>,
  nowMs: number,
): boolean {
  const minimum = slaMinimumUp(app);
  if (minimum === 0) return true;
  let up = 0;
  for (const i of instances) if (!leaving.has(i.instanceId) && isUpForSla(app, i, nowMs)) up++;
  return up >= minimum;
}
