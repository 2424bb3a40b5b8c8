// What the checks of operations.ts and operations-volumes.ts share: who does an operation
// and where (OperationScope), what a check returns (Conversion), and the small rules several
// operation types apply alike (agent capabilities, one allocation role), with Mesos's messages.
import { type Resource, Resources, reservationRole } from "../../resources/index.ts";
import { resourcesFromWire } from "../../resources/wire-format.ts";
import type { AgentCapabilityType } from "../../wire/framework.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import type { FrameworkRecord } from "./state.ts";
import { operationResources } from "./task-validation.ts";

/** Who does the operation, and on which agent. */
export interface OperationScope {
  /** The framework accepting an offer; undefined for the operator API. */
  framework: FrameworkRecord | undefined;
  /** The offer's allocation role (framework path only). */
  role: string | undefined;
  /** The principal doing it; undefined: no principal checks (no authentication). */
  principal: string | undefined;
  agentCapabilities: readonly AgentCapabilityType[];
  /** The agent's checkpointed resources (dynamic reservations and persistent volumes). */
  checkpointed: Resources;
  /** What tasks and executors use on the agent, unallocated. */
  used: Resources;
}

/** What a valid operation consumes and what it converts that into. */
export type Conversion =
  | { ok: true; consumed: Resources; converted: Resources }
  | { ok: false; message: string };

export type Parsed = { ok: true; value: Resources } | { ok: false; message: string };

export function parse(scope: OperationScope, list: readonly WireResource[]): Parsed {
  if (scope.framework !== undefined && scope.role !== undefined) {
    return operationResources([...list], scope.role);
  }
  const parsed = resourcesFromWire([...list]);
  return parsed.ok ? parsed : { ok: false, message: parsed.message };
}

export function error(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

/** Checks one operation of CONVERSION_TYPES; changes nothing. */
export const has = (scope: OperationScope, cap: AgentCapabilityType) =>
  scope.agentCapabilities.length === 0 || scope.agentCapabilities.includes(cap);

export function str(r: Resource): string {
  return Resources.of(r).toString();
}

/** Checks every reserved resource (RESERVE) or volume (CREATE) shares on the agent's side. */
export function roleCapabilityError(
  scope: OperationScope,
  r: Resource,
  what: string,
): string | undefined {
  const role = reservationRole(r);
  const verb = what === "Resource" ? "reserved" : "created";
  if (!has(scope, "HIERARCHICAL_ROLE") && role.includes("/")) {
    return `${what} ${str(r)} with reservation for hierarchical role '${role}' cannot be ${verb} on an agent without HIERARCHICAL_ROLE capability`;
  }
  if (!has(scope, "RESERVATION_REFINEMENT") && r.reservations.length > 1) {
    return `${what} ${str(r)} with reservation refinement cannot be ${verb} on an agent without RESERVATION_REFINEMENT capability`;
  }
  return undefined;
}

export function singleAllocationRole(resources: Resources): string | undefined {
  let role: string | undefined;
  for (const r of resources) {
    if (r.allocationRole === undefined) return "The resources are not allocated to a role";
    if (role === undefined) role = r.allocationRole;
    else if (r.allocationRole !== role) {
      return `The resources have multiple allocation roles ('${r.allocationRole}' and '${role}') but only one allocation role is allowed`;
    }
  }
  return undefined;
}

export function reservationStacksEqual(resources: Resources): boolean {
  const first = resources.toArray()[0];
  if (first === undefined) return true;
  const key = JSON.stringify(first.reservations);
  return resources.toArray().every((r) => JSON.stringify(r.reservations) === key);
}
