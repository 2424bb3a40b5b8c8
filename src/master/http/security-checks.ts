// The master's authorization checks of calls that change or reveal something (reference §2
// table): each names its ACL action and object, and a denial is Mesos's 403 `403 Forbidden.`.
// One place for every call: the v1 operator API, the legacy writes and the agent channel ask
// here; calls other engineers add (reservations, volumes, maintenance) are already mapped by
// their wire names, so their handlers need no check of their own.
import type { HttpResponse } from "../../http/response.ts";
import type { AclAction } from "../../security/acls.ts";
import { type Authorizer, authorizeAll } from "../../security/authorizer.ts";
import type { MasterCall } from "../../wire/operator-master.ts";
import type { OperationAuthorizer, OperatorCall } from "../core/types.ts";
import type { OfferOperation } from "../core/wire-types.ts";
import { forbidden } from "./security.ts";

/** A resource as the checks read it: its role(s) and who reserved or created it. */
interface ResourceView {
  readonly role?: string | undefined;
  readonly reservations?: readonly { role?: string | undefined; principal?: string | undefined }[];
  readonly disk?: { persistence?: { principal?: string | undefined } | undefined } | undefined;
}

/** The role a resource is (last) reserved to: Mesos's object of the reservation ACLs. */
function roleOf(r: ResourceView): string {
  return r.reservations?.[r.reservations.length - 1]?.role ?? r.role ?? "*";
}

function reserverOf(r: ResourceView): string | undefined {
  return r.reservations?.[r.reservations.length - 1]?.principal;
}

type Check = { readonly action: AclAction; readonly objects: readonly (string | undefined)[] };

const any = (action: AclAction): Check => ({ action, objects: [] });

/** The maintenance writes, by the same names in the v1 calls and the core's inputs. */
const MAINTENANCE_ACTIONS: Readonly<Record<string, AclAction>> = {
  UPDATE_MAINTENANCE_SCHEDULE: "update_maintenance_schedules",
  START_MAINTENANCE: "start_maintenances",
  STOP_MAINTENANCE: "stop_maintenances",
};

function maintenanceChecks(type: string | undefined): Check[] {
  const action = MAINTENANCE_ACTIONS[type ?? ""];
  return action === undefined ? [] : [any(action)];
}

/**
 * An operator's reservation or volume operation (v1 RESERVE_RESOURCES ... SHRINK_VOLUME and the
 * v0 /reserve, /unreserve, /create-volumes, /destroy-volumes), whichever API asked for it.
 */
function operationChecks(operation: OfferOperation): Check[] {
  const resources = (list: readonly ResourceView[] | undefined) => list ?? [];
  switch (operation.type) {
    case "RESERVE":
      return [
        {
          action: "reserve_resources",
          objects: resources(operation.reserve?.resources).map(roleOf),
        },
      ];
    case "UNRESERVE":
      return [
        {
          action: "unreserve_resources",
          objects: resources(operation.unreserve?.resources).map(reserverOf),
        },
      ];
    case "CREATE":
      return [
        { action: "create_volumes", objects: resources(operation.create?.volumes).map(roleOf) },
      ];
    case "DESTROY":
      return [
        {
          action: "destroy_volumes",
          objects: resources(operation.destroy?.volumes).map((r) => r.disk?.persistence?.principal),
        },
      ];
    case "GROW_VOLUME":
    case "SHRINK_VOLUME": {
      const volume = operation.grow_volume?.volume ?? operation.shrink_volume?.volume;
      return [{ action: "resize_volumes", objects: volume === undefined ? [] : [roleOf(volume)] }];
    }
    default:
      return [];
  }
}

/** The checks a v1 operator call needs beyond the core writes (coreCallChecks). */
function masterCallChecks(call: MasterCall): Check[] {
  switch (call.type) {
    case "GET_FLAGS":
      return [any("view_flags")];
    case "SET_LOGGING_LEVEL":
      return [any("set_log_level")];
    case "GET_METRICS":
      return [{ action: "get_endpoints", objects: ["/metrics/snapshot"] }];
    case "LIST_FILES":
    case "READ_FILE":
      // The master's files are its log directory (operator-api-process.ts).
      return [any("access_mesos_logs")];
    default:
      return maintenanceChecks(call.type);
  }
}

/** The checks of a core write, whichever API asked for it (v1 or legacy). */
function coreCallChecks(
  call: OperatorCall,
  frameworkPrincipal: (id: string) => string | undefined,
): Check[] {
  switch (call.type) {
    case "TEARDOWN":
      return [{ action: "teardown_frameworks", objects: [frameworkPrincipal(call.frameworkId)] }];
    case "UPDATE_WEIGHTS":
      return [{ action: "update_weights", objects: call.weights.map((w) => w.role) }];
    case "UPDATE_QUOTA":
      return [{ action: "update_quotas", objects: call.configs.map((c) => c.role) }];
    case "DEACTIVATE_AGENT":
      return [any("deactivate_agents")];
    case "REACTIVATE_AGENT":
      return [any("reactivate_agents")];
    case "DRAIN_AGENT":
      return [any("drain_agents")];
    case "MARK_AGENT_GONE":
      return [any("mark_agents_gone")];
    case "OFFER_OPERATION":
      return operationChecks(call.operation);
    default:
      return maintenanceChecks(call.type);
  }
}

function allowed(authorizer: Authorizer, principal: string | undefined, checks: readonly Check[]) {
  for (const check of checks) {
    // An object the request names no value for (a framework without principal) is Mesos's ANY.
    const named = check.objects.filter((o): o is string => o !== undefined);
    const ok =
      named.length < check.objects.length
        ? authorizer.authorize(check.action, principal) &&
          authorizeAll(authorizer, check.action, principal, named)
        : authorizeAll(authorizer, check.action, principal, named);
    if (!ok) return false;
  }
  return true;
}

function run(authorizer: Authorizer, principal: string | undefined, checks: readonly Check[]) {
  return allowed(authorizer, principal, checks) ? undefined : forbidden();
}

/**
 * The core's check of a framework's reservation and volume operations in ACCEPT: the same
 * actions and objects as the operator's calls, asked as the framework's principal. None
 * without ACLs.
 */
export function operationAuthorizer(authorizer: Authorizer): {
  authorizeOperation?: OperationAuthorizer;
} {
  if (!authorizer.enabled) return {};
  return {
    authorizeOperation: (framework, operation) =>
      allowed(authorizer, framework.principal, operationChecks(operation)),
  };
}

/** 403 when the ACLs deny the v1 operator call; undefined when it may go on. */
export function authorizeMasterCall(
  authorizer: Authorizer,
  principal: string | undefined,
  call: MasterCall,
): HttpResponse | undefined {
  if (!authorizer.enabled) return undefined;
  return run(authorizer, principal, masterCallChecks(call));
}

/** 403 when the ACLs deny the core write (TEARDOWN, UPDATE_WEIGHTS, …). */
export function authorizeCoreCall(
  authorizer: Authorizer,
  principal: string | undefined,
  call: OperatorCall,
  frameworkPrincipal: (id: string) => string | undefined,
): HttpResponse | undefined {
  if (!authorizer.enabled) return undefined;
  return run(authorizer, principal, coreCallChecks(call, frameworkPrincipal));
}

/** 403 when `action` on `object` is denied (the legacy endpoints' single checks). */
export function authorizeOne(
  authorizer: Authorizer,
  principal: string | undefined,
  action: AclAction,
  object?: string,
): HttpResponse | undefined {
  if (!authorizer.enabled) return undefined;
  return authorizer.authorize(action, principal, object) ? undefined : forbidden();
}
