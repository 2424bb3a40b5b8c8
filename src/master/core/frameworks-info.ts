// Reading a FrameworkInfo: capabilities, roles, and Mesos's validation of it at SUBSCRIBE and
// UPDATE_FRAMEWORK (reference §1.3, §2.2).
import { validateId, validateRole } from "../../wire/ids.ts";
import type { FrameworkSpec } from "./allocator-port.ts";
import type { MasterFlags } from "./types.ts";
import type { FrameworkInfo } from "./wire-types.ts";

export function hasCapability(info: FrameworkInfo, type: string): boolean {
  return (info.capabilities ?? []).some((c) => c.type === type);
}

/** MULTI_ROLE frameworks name their roles in `roles`; others use `role` (default "*"). */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (hasCapability(info, "MULTI_ROLE")) return [...(info.roles ?? [])];
  return [info.role ?? "*"];
}

/** What the allocator needs to know of a framework. */
export function allocatorSpec(
  info: FrameworkInfo,
  roles: readonly string[],
  suppressedRoles: Iterable<string>,
  active: boolean,
): FrameworkSpec {
  return {
    roles,
    suppressedRoles: [...suppressedRoles],
    active,
    capabilities: {
      gpuResources: hasCapability(info, "GPU_RESOURCES"),
      revocableResources: hasCapability(info, "REVOCABLE_RESOURCES"),
      sharedResources: hasCapability(info, "SHARED_RESOURCES"),
      reservationRefinement: hasCapability(info, "RESERVATION_REFINEMENT"),
      multiRole: hasCapability(info, "MULTI_ROLE"),
    },
  };
}

/** Returns the Mesos-shaped error message, or undefined when the FrameworkInfo is valid. */
export function validateFrameworkInfo(info: FrameworkInfo, flags: MasterFlags): string | undefined {
  if (hasCapability(info, "MULTI_ROLE")) {
    if (info.role !== undefined) {
      return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
    }
    const roles = info.roles ?? [];
    if (new Set(roles).size !== roles.length) {
      return "'FrameworkInfo.roles' contains duplicate items";
    }
  } else if ((info.roles ?? []).length > 0) {
    return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  }
  for (const role of frameworkRoles(info)) {
    const error = validateRole(role);
    if (error !== undefined) return error;
    if (flags.rolesWhitelist !== undefined && !flags.rolesWhitelist.includes(role)) {
      return `Role '${role}' is not present in the master's --roles`;
    }
  }
  if (info.id !== undefined) {
    const error = validateId(info.id.value);
    if (error !== undefined) return `'FrameworkInfo.id' is invalid: ${error}`;
  }
  const failoverTimeout = info.failover_timeout ?? 0;
  if (!Number.isFinite(failoverTimeout) || failoverTimeout < 0) {
    return `Invalid 'FrameworkInfo.failover_timeout': ${failoverTimeout}`;
  }
  if (info.user === "root" && !flags.rootSubmissions) {
    return "User 'root' is not allowed to run frameworks without --root_submissions set";
  }
  return undefined;
}
