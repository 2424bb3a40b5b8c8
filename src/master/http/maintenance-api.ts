// Maintenance over HTTP (reference security-ui-maintenance.md §5, §4.2, §4.5): the v1 operator
// calls GET_MAINTENANCE_SCHEDULE, UPDATE_MAINTENANCE_SCHEDULE, GET_MAINTENANCE_STATUS,
// START_MAINTENANCE, STOP_MAINTENANCE, and the v0 endpoints that predate them:
// `GET|POST /master/maintenance/schedule` (a maintenance.Schedule as JSON),
// `GET /master/maintenance/status`, `POST /master/machine/down|up` (a JSON array of
// MachineID). Writes answer 200 with an empty body once durable and carried out (Mesos's code
// answers 200, though its docs say 202), 400 with Mesos's message when refused. Leader-only.
import { jsonOrJsonp } from "../../http/jsonp.ts";
import { leaderGuard } from "../../http/leader.ts";
import { type Reply, textResponse } from "../../http/response.ts";
import type { HttpRequest, HttpServer } from "../../http/server.ts";
import type { AclAction } from "../../security/acls.ts";
import { MachineID } from "../../wire/framework.ts";
import { parseWire, parseWireText, stringifyWire } from "../../wire/json.ts";
import { MaintenanceSchedule } from "../../wire/operator-common.ts";
import type { MasterCall, MasterResponse } from "../../wire/operator-master.ts";
import type { MaintenanceWindow } from "../core/registry-state.ts";
import type { OperatorCall } from "../core/types.ts";
import type { MasterHttpContext } from "./context.ts";
import { replyResponse } from "./scheduler-api.ts";
import { authorizeCoreCall } from "./security-checks.ts";

const MachineIDs = MachineID.array();

/** The body as JSON, then as `schema`; Mesos answers either failure with a 400. */
function parseJsonBody<S extends Parameters<typeof parseWire>[0]>(request: HttpRequest, schema: S) {
  let json: unknown;
  try {
    json = parseWireText(request.body.toString("utf8"));
  } catch (error) {
    return { ok: false as const, error: (error as Error).message };
  }
  return parseWire(schema, json);
}

type Schedule = NonNullable<MasterCall["update_maintenance_schedule"]>["schedule"];
type ResponseIn = import("zod").input<typeof MasterResponse>;

function windowsOf(schedule: Schedule): MaintenanceWindow[] {
  return (schedule.windows ?? []).map((w) => ({
    machineIds: w.machine_ids ?? [],
    unavailability: w.unavailability,
  }));
}

/**
 * The v1 maintenance calls: a reply, or undefined for any other call. Reads are answered with
 * `ok` in the negotiated media type; writes go to the master core.
 */
export function maintenanceOperatorCall(
  ctx: MasterHttpContext,
  call: MasterCall,
  ok: (body: ResponseIn) => Reply,
): Reply | Promise<Reply> | undefined {
  const core = ctx.dispatcher.core;
  switch (call.type) {
    case "GET_MAINTENANCE_SCHEDULE":
      return ok({
        type: "GET_MAINTENANCE_SCHEDULE",
        get_maintenance_schedule: { schedule: core.maintenanceSchedule() },
      });
    case "GET_MAINTENANCE_STATUS":
      return ok({
        type: "GET_MAINTENANCE_STATUS",
        get_maintenance_status: { status: core.maintenanceStatus() },
      });
    case "UPDATE_MAINTENANCE_SCHEDULE":
      return run(ctx, {
        type: "UPDATE_MAINTENANCE_SCHEDULE",
        windows: windowsOf(call.update_maintenance_schedule!.schedule),
      });
    case "START_MAINTENANCE":
      return run(ctx, {
        type: "START_MAINTENANCE",
        machines: call.start_maintenance?.machines ?? [],
      });
    case "STOP_MAINTENANCE":
      return run(ctx, {
        type: "STOP_MAINTENANCE",
        machines: call.stop_maintenance?.machines ?? [],
      });
    default:
      return undefined;
  }
}

async function run(ctx: MasterHttpContext, call: OperatorCall, v0?: HttpRequest): Promise<Reply> {
  // The v0 endpoints' ACLs (the v1 calls were checked before they got here).
  const core = ctx.dispatcher.core;
  const frameworkPrincipal = (id: string) => core.frameworkInfo(id)?.principal;
  const denied =
    v0 &&
    ctx.security &&
    authorizeCoreCall(ctx.security.authorizer, v0.principal, call, frameworkPrincipal);
  if (denied) return denied;
  return replyResponse(await ctx.dispatcher.operatorCall(call));
}

/** get_maintenance_schedules / _statuses take only ANY or NONE: all machines, or none. */
function mayRead(ctx: MasterHttpContext, request: HttpRequest, action: AclAction): boolean {
  return ctx.security?.authorizer.authorize(action, request.principal) ?? true;
}

export function registerMaintenanceEndpoints(server: HttpServer, ctx: MasterHttpContext): void {
  const guard = leaderGuard(ctx.view);
  const core = () => ctx.dispatcher.core;
  server.route({
    name: "maintenance/schedule",
    methods: ["GET", "POST"],
    guard,
    handler: (request) => {
      if (request.method === "GET") {
        const schedule = mayRead(ctx, request, "get_maintenance_schedules")
          ? core().maintenanceSchedule()
          : { windows: [] };
        return jsonOrJsonp(request.query, stringifyWire(schedule));
      }
      const parsed = parseJsonBody(request, MaintenanceSchedule);
      if (!parsed.ok) return textResponse(400, parsed.error);
      const windows = windowsOf(parsed.value);
      return run(ctx, { type: "UPDATE_MAINTENANCE_SCHEDULE", windows }, request);
    },
  });
  server.route({
    name: "maintenance/status",
    methods: ["GET"],
    guard,
    handler: (request) => {
      const status = mayRead(ctx, request, "get_maintenance_statuses")
        ? core().maintenanceStatus()
        : { draining_machines: [], down_machines: [] };
      return jsonOrJsonp(request.query, stringifyWire(status));
    },
  });
  const machines = (type: "START_MAINTENANCE" | "STOP_MAINTENANCE") => (request: HttpRequest) => {
    const parsed = parseJsonBody(request, MachineIDs);
    if (!parsed.ok) return textResponse(400, parsed.error);
    return run(ctx, { type, machines: parsed.value }, request);
  };
  server.route({
    name: "machine/down",
    methods: ["POST"],
    guard,
    handler: machines("START_MAINTENANCE"),
  });
  server.route({
    name: "machine/up",
    methods: ["POST"],
    guard,
    handler: machines("STOP_MAINTENANCE"),
  });
}
