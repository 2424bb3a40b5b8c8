// Mesos's allocator gauges (reference §4.6), read from the allocator and the registry when the
// metrics are asked for: scalar resources in total and offered or allocated, each role's
// dominant share, and per quota role its guarantee, limit, consumption and holdings.
import { fromMilli, type ResourceQuantities } from "../../resources/index.ts";
import type { Ctx } from "./state.ts";

function addAll(into: Map<string, number>, q: ResourceQuantities): void {
  for (let i = 0; i < q.size; i++)
    into.set(q.nameAt(i), (into.get(q.nameAt(i)) ?? 0) + q.amountAt(i));
}

export function allocatorMetrics(ctx: Ctx, out: Record<string, number>): void {
  const total = new Map<string, number>();
  const held = new Map<string, number>();
  for (const agent of ctx.s.agents.values()) {
    addAll(total, agent.total.toQuantities());
    addAll(held, ctx.allocator.allocatedOn(agent.id).toQuantities());
  }
  for (const [name, milli] of total) {
    out[`allocator/mesos/resources/${name}/total`] = fromMilli(milli);
    out[`allocator/mesos/resources/${name}/offered_or_allocated`] = fromMilli(held.get(name) ?? 0);
  }
  const roles = new Set<string>();
  for (const framework of ctx.s.frameworks.values())
    for (const role of framework.roles) roles.add(role);
  for (const role of roles) {
    out[`allocator/mesos/roles/${role}/shares/dominant`] = ctx.allocator.roleShare(role);
  }
  for (const [role, quota] of ctx.s.registry.quotas) {
    const prefix = `allocator/mesos/quota/roles/${role}/resources/`;
    const consumed = ctx.allocator.quotaConsumed(role);
    const holding = new Map<string, number>();
    for (const framework of ctx.s.frameworks.values()) {
      if (!framework.roles.includes(role)) continue;
      addAll(holding, ctx.allocator.allocatedTo(framework.id, role).toQuantities());
    }
    const names = new Set([
      ...Object.keys(quota.guarantees),
      ...Object.keys(quota.limits),
      ...consumed.nameList(),
    ]);
    for (const name of names) {
      const guarantee = quota.guarantees[name];
      const limit = quota.limits[name];
      if (guarantee !== undefined) out[`${prefix}${name}/guarantee`] = guarantee;
      if (limit !== undefined) out[`${prefix}${name}/limit`] = limit;
      out[`${prefix}${name}/consumed`] = fromMilli(consumed.get(name));
      out[`${prefix}${name}/offered_or_allocated`] = fromMilli(holding.get(name) ?? 0);
    }
  }
}
