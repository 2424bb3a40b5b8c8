// Aurora's quota admission (reference §3.1 "Quotas"): production apps — preferred tier, not on
// dedicated hosts — must fit their role's quota, the Mesos quota an operator set on the master
// (GET_QUOTA; the shell fetches it and hands it in). Everything else is quota-free (and
// preemptible). A change is refused when it raises a role's production demand above its quota;
// a change that lowers it (scaling down a role that is over) always passes.
import type { AppDefinition } from "./app-definition.ts";
import { isDedicatedApp } from "./dedicated.ts";
import { type TierConfig, tierSettings } from "./tiers.ts";

export const QUOTA_RESOURCES = ["cpus", "mem", "disk", "gpus"] as const;

/** A role's quota as the master reports it (GET_QUOTA's config, values unwrapped). */
export interface RoleQuota {
  readonly role: string;
  readonly guarantees: Readonly<Record<string, number>>;
  readonly limits: Readonly<Record<string, number>>;
}

/** Whether the app counts against its role's quota (Aurora's "production"). */
export function countsAgainstQuota(app: AppDefinition, tiers: TierConfig): boolean {
  return !tierSettings(app, tiers).preemptible && !isDedicatedApp(app);
}

/** Per resource, what the role's production apps need in all (instances x resources). */
export function productionDemand(
  apps: Iterable<AppDefinition>,
  role: string,
  tiers: TierConfig,
): Record<string, number> {
  const need: Record<string, number> = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  for (const app of apps) {
    if (app.role !== role || !countsAgainstQuota(app, tiers)) continue;
    for (const r of QUOTA_RESOURCES) need[r] = (need[r] ?? 0) + app.instances * app[r];
  }
  return need;
}

/**
 * The amount of each resource the role may use for production: the guarantee where one is set,
 * else the limit; a resource named in neither gets none (Aurora: no quota, no production).
 */
export function quotaAmounts(quota: RoleQuota | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of QUOTA_RESOURCES) out[r] = quota?.guarantees[r] ?? quota?.limits[r] ?? 0;
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function describe(amounts: Record<string, number>, keys: readonly string[]): string {
  return keys.map((k) => `${k} ${round(amounts[k] ?? 0)}`).join(", ");
}

/**
 * Checks a change: `before` and `after` are every app definition before and after it. Ok, or
 * a message naming the role, what its production apps would need and its quota.
 */
export function checkQuota(
  before: readonly AppDefinition[],
  after: readonly AppDefinition[],
  quotas: ReadonlyMap<string, RoleQuota> | undefined,
  tiers: TierConfig,
): { ok: true } | { ok: false; message: string } {
  const roles = new Set(after.filter((a) => countsAgainstQuota(a, tiers)).map((a) => a.role));
  for (const role of [...roles].sort()) {
    const need = productionDemand(after, role, tiers);
    const had = productionDemand(before, role, tiers);
    const grows = QUOTA_RESOURCES.some((r) => (need[r] ?? 0) > (had[r] ?? 0));
    if (!grows) continue;
    if (quotas === undefined)
      return {
        ok: false,
        message: `Insufficient quota for role '${role}': the master's quota is not known yet (GET_QUOTA failed); production apps need ${describe(need, QUOTA_RESOURCES)}`,
      };
    const quota = quotaAmounts(quotas.get(role));
    const over = QUOTA_RESOURCES.filter((r) => (need[r] ?? 0) > (quota[r] ?? 0) + 1e-9);
    if (over.length > 0)
      return {
        ok: false,
        message: `Insufficient quota for role '${role}': production apps would need ${describe(need, QUOTA_RESOURCES)}; quota is ${describe(quota, QUOTA_RESOURCES)} (over in ${over.join(", ")})`,
      };
  }
  return { ok: true };
}
