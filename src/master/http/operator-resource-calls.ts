// The operator's resource operations (reference §4.2): RESERVE_RESOURCES, UNRESERVE_RESOURCES,
// CREATE_VOLUMES, DESTROY_VOLUMES, GROW_VOLUME, SHRINK_VOLUME as the offer operation each
// stands for, and the v0 endpoints of the same (`POST /master/reserve`, `/master/unreserve`,
// `/master/create-volumes`, `/master/destroy-volumes`, form-encoded `slaveId` plus a JSON
// array in `resources` or `volumes`). The core checks and applies them (operations-apply.ts).
import { leaderGuard } from "../../http/leader.ts";
import { type Reply, textResponse } from "../../http/response.ts";
import type { HttpServer } from "../../http/server.ts";
import { parseWire } from "../../wire/json.ts";
import type { OfferOperation } from "../../wire/offer.ts";
import type { MasterCall } from "../../wire/operator-master.ts";
import { Resource } from "../../wire/resource.ts";
import type { OperatorCall } from "../core/types.ts";
import type { MasterHttpContext } from "./context.ts";
import { coreCall } from "./operator-api.ts";

// The authenticated principal is set by coreCall (operator-api.ts), which also asks the ACLs.
const NO_PRINCIPAL = undefined;

function offerOperation(agentId: string, operation: OfferOperation): OperatorCall {
  return { type: "OFFER_OPERATION", agentId, operation, principal: NO_PRINCIPAL };
}

/** The core call of a v1 resource operation; undefined for any other call type. */
export function resourceOperationOf(call: MasterCall): OperatorCall | undefined {
  switch (call.type) {
    case "RESERVE_RESOURCES": {
      const c = call.reserve_resources!;
      return offerOperation(c.agent_id.value, {
        type: "RESERVE",
        reserve: { source: c.source ?? [], resources: c.resources ?? [] },
      });
    }
    case "UNRESERVE_RESOURCES": {
      const c = call.unreserve_resources!;
      return offerOperation(c.agent_id.value, {
        type: "UNRESERVE",
        unreserve: { resources: c.resources ?? [] },
      });
    }
    case "CREATE_VOLUMES": {
      const c = call.create_volumes!;
      return offerOperation(c.agent_id.value, {
        type: "CREATE",
        create: { volumes: c.volumes ?? [] },
      });
    }
    case "DESTROY_VOLUMES": {
      const c = call.destroy_volumes!;
      return offerOperation(c.agent_id.value, {
        type: "DESTROY",
        destroy: { volumes: c.volumes ?? [] },
      });
    }
    case "GROW_VOLUME": {
      const c = call.grow_volume!;
      return offerOperation(c.agent_id?.value ?? "", {
        type: "GROW_VOLUME",
        grow_volume: { volume: c.volume, addition: c.addition },
      });
    }
    case "SHRINK_VOLUME": {
      const c = call.shrink_volume!;
      return offerOperation(c.agent_id?.value ?? "", {
        type: "SHRINK_VOLUME",
        shrink_volume: { volume: c.volume, subtract: c.subtract },
      });
    }
    default:
      return undefined;
  }
}

const LEGACY = [
  { name: "reserve", field: "resources", type: "RESERVE" },
  { name: "unreserve", field: "resources", type: "UNRESERVE" },
  { name: "create-volumes", field: "volumes", type: "CREATE" },
  { name: "destroy-volumes", field: "volumes", type: "DESTROY" },
] as const;

const Resources = Resource.array();

/** `POST /master/reserve|unreserve|create-volumes|destroy-volumes`, answered as Mesos's. */
export function registerLegacyResourceOperations(server: HttpServer, ctx: MasterHttpContext): void {
  const guard = leaderGuard(ctx.view);
  for (const endpoint of LEGACY) {
    server.route({
      name: endpoint.name,
      methods: ["POST"],
      guard,
      handler: async (request): Promise<Reply> => {
        const form = new URLSearchParams(request.body.toString("utf8"));
        const agentId = form.get("slaveId");
        if (agentId === null) {
          return textResponse(400, "Missing 'slaveId' query parameter in the request body");
        }
        const text = form.get(endpoint.field);
        if (text === null) {
          return textResponse(
            400,
            `Missing '${endpoint.field}' query parameter in the request body`,
          );
        }
        const problem = `Error in parsing '${endpoint.field}' query parameter in the request body: `;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (error) {
          return textResponse(400, problem + (error as Error).message);
        }
        const parsed = parseWire(Resources, json);
        if (!parsed.ok) return textResponse(400, problem + parsed.error);
        const list = parsed.value;
        const operation: OfferOperation =
          endpoint.type === "RESERVE"
            ? { type: "RESERVE", reserve: { source: [], resources: list } }
            : endpoint.type === "UNRESERVE"
              ? { type: "UNRESERVE", unreserve: { resources: list } }
              : endpoint.type === "CREATE"
                ? { type: "CREATE", create: { volumes: list } }
                : { type: "DESTROY", destroy: { volumes: list } };
        return coreCall(ctx, offerOperation(agentId, operation), request.principal);
      },
    });
  }
}
