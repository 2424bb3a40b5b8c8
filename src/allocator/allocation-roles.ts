// Resources carry the role they are allocated to (Mesos `Resource.allocation_info`); what a
// master hands back is split by it before it is returned to the books.
import { Resources } from "../resources/index.ts";
import type { FrameworkState } from "./records.ts";

/** Splits resources by allocation role (a single-role framework's may omit it). */
export function splitByAllocationRole(
  fw: FrameworkState,
  resources: Resources,
): Map<string, Resources> {
  const out = new Map<string, Resources>();
  const only = fw.roles.size === 1 ? [...fw.roles][0] : undefined;
  for (const r of resources) {
    const role = r.allocationRole ?? only;
    if (role === undefined) {
      throw new Error(`bug: resources of multi-role framework ${fw.id} without allocation role`);
    }
    const part = out.get(role);
    const withRole = r.allocationRole === undefined ? Resources.of(r).allocate(role) : r;
    if (part === undefined) out.set(role, Resources.empty().addInPlace(withRole));
    else part.addInPlace(withRole);
  }
  return out;
}

/** The allocation role every resource carries, or undefined (none, several, or missing). */
export function singleAllocationRole(resources: Resources): string | undefined {
  let single: string | undefined;
  for (const r of resources) {
    if (r.allocationRole === undefined || (single !== undefined && r.allocationRole !== single)) {
      return undefined;
    }
    single = r.allocationRole;
  }
  return single;
}
