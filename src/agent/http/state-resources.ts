// The resource fields of the agent's `/state` (reference §4.5): the total is `--resources`
// with the checkpointed reservations and volumes in place (checkpointed-resources.ts), split
// by reservation role as Mesos's `reserved_resources` / `unreserved_resources`, in its
// resources-object form and in full (`*_full`, Resource messages).
import type { Resource } from "../../wire/resource.ts";
import { agentTotal } from "../core/checkpointed-resources.ts";
import { resourcesObject } from "./state-render.ts";

function roleOf(r: Resource): string | undefined {
  const last = r.reservations?.at(-1)?.role;
  if (last !== undefined) return last;
  return r.role !== undefined && r.role !== "*" ? r.role : undefined;
}

export function stateResources(
  flags: readonly Resource[],
  checkpointed: readonly Resource[],
): Record<string, unknown> {
  const total = agentTotal(flags, checkpointed);
  const byRole = new Map<string, Resource[]>();
  const unreserved: Resource[] = [];
  for (const r of total) {
    const role = roleOf(r);
    if (role === undefined) unreserved.push(r);
    else byRole.set(role, [...(byRole.get(role) ?? []), r]);
  }
  const each = (f: (list: Resource[]) => unknown) =>
    Object.fromEntries([...byRole].map(([role, list]) => [role, f(list)]));
  return {
    resources: resourcesObject(total),
    reserved_resources: each(resourcesObject),
    unreserved_resources: resourcesObject(unreserved),
    reserved_resources_full: each((list) => list),
    unreserved_resources_full: unreserved,
  };
}
