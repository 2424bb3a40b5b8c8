// The master's legacy (v0) operator endpoints that change state (reference §4.5), carried out
// as the v1 calls they predate: `POST /master/teardown` (form `frameworkId=`) as TEARDOWN,
// `GET|PUT /master/weights` (a JSON array of WeightInfo) as GET_WEIGHTS / UPDATE_WEIGHTS, and
// `GET|POST /master/quota`, `DELETE /master/quota/<role>` as GET_QUOTA / SET_QUOTA /
// REMOVE_QUOTA. Leader-only (307/503 otherwise); 200 with an empty body once durable.
import { jsonOrJsonp } from "../../http/jsonp.ts";
import { leaderGuard } from "../../http/leader.ts";
import { type Reply, textResponse } from "../../http/response.ts";
import type { HttpRequest, HttpServer } from "../../http/server.ts";
import { WeightInfo } from "../../wire/framework.ts";
import { parseWire, stringifyWire } from "../../wire/json.ts";
import { QuotaRequest } from "../../wire/operator-common.ts";
import type { MasterSnapshot } from "../core/operator.ts";
import type { OperatorCall } from "../core/types.ts";
import type { MasterHttpContext } from "./context.ts";
import { coreCall } from "./operator-api.ts";
import { legacyQuotaCall } from "./operator-api-process.ts";
import { Viewer, viewSnapshot } from "./security-views.ts";

const WeightInfos = WeightInfo.array();

export function registerLegacyWrites(server: HttpServer, ctx: MasterHttpContext): void {
  const guard = leaderGuard(ctx.view);
  // What the caller may see (weights by view_roles, quotas by get_quotas) and do (ACLs).
  const view = (request: HttpRequest) => () => {
    const s = ctx.dispatcher.core.snapshot(ctx.dispatcher.nowMs());
    const authorizer = ctx.security?.authorizer;
    return authorizer?.enabled ? viewSnapshot(s, new Viewer(authorizer, request.principal)) : s;
  };
  const whole = () => ctx.dispatcher.core.snapshot(ctx.dispatcher.nowMs());
  const runAs = (request: HttpRequest) => (call: OperatorCall) =>
    coreCall(ctx, call, request.principal);

  server.route({
    name: "teardown",
    methods: ["POST"],
    guard,
    handler: (request) => {
      const id = new URLSearchParams(request.body.toString("utf8")).get("frameworkId");
      if (id === null || id === "") {
        return textResponse(400, "Missing 'frameworkId' query parameter in the request body");
      }
      return runAs(request)({ type: "TEARDOWN", frameworkId: id });
    },
  });

  server.route({
    name: "weights",
    methods: ["GET", "PUT"],
    guard,
    handler: (request) => {
      if (request.method === "GET") {
        const infos = [...view(request)().weights].map(([role, weight]) => ({ weight, role }));
        return jsonOrJsonp(request.query, stringifyWire(infos));
      }
      const parsed = parseBody(request, WeightInfos);
      if (!parsed.ok)
        return textResponse(400, `Failed to parse update weights request: ${parsed.error}`);
      return runAs(request)({
        type: "UPDATE_WEIGHTS",
        weights: parsed.value.map((w) => ({ role: w.role ?? "", weight: w.weight })),
      });
    },
  });

  server.route({
    name: "quota",
    methods: ["GET", "POST", "DELETE"],
    subpaths: true,
    guard,
    handler: (request) => quota(request, view(request), runAs(request), whole),
  });
}

function quota(
  request: HttpRequest,
  snapshot: () => MasterSnapshot,
  run: (call: OperatorCall) => Promise<Reply>,
  whole: () => MasterSnapshot,
): Reply | Promise<Reply> {
  if (request.method === "GET") {
    if (request.tail !== "") return textResponse(404, "");
    const quotas = [...snapshot().quotas.values()];
    const scalar = (m: Record<string, number>) =>
      Object.fromEntries(Object.entries(m).map(([name, value]) => [name, { value }]));
    return jsonOrJsonp(
      request.query,
      stringifyWire({
        infos: quotas.map((q) => ({
          role: q.role,
          guarantee: Object.entries(q.guarantees).map(([name, value]) => ({
            name,
            type: "SCALAR",
            scalar: { value },
          })),
        })),
        configs: quotas.map((q) => ({
          role: q.role,
          guarantees: scalar(q.guarantees),
          limits: scalar(q.limits),
        })),
      }),
    );
  }
  const legacy =
    request.method === "DELETE" ? removeQuota(request, whole) : setQuota(request, whole);
  return legacy.ok ? run(legacy.call) : legacy.reply;
}

type LegacyQuota = ReturnType<typeof legacyQuotaCall>;

function removeQuota(request: HttpRequest, snapshot: () => MasterSnapshot): LegacyQuota {
  if (request.tail === "") {
    return {
      ok: false,
      reply: textResponse(
        400,
        "Failed to parse remove quota request: expecting a role in the path",
      ),
    };
  }
  return legacyQuotaCall({ type: "REMOVE_QUOTA", remove_quota: { role: request.tail } }, snapshot);
}

function setQuota(request: HttpRequest, snapshot: () => MasterSnapshot): LegacyQuota {
  const parsed = parseBody(request, QuotaRequest);
  if (!parsed.ok) {
    return {
      ok: false,
      reply: textResponse(400, `Failed to parse set quota request JSON: ${parsed.error}`),
    };
  }
  return legacyQuotaCall(
    { type: "SET_QUOTA", set_quota: { quota_request: parsed.value } },
    snapshot,
  );
}

function parseBody<S extends Parameters<typeof parseWire>[0]>(request: HttpRequest, schema: S) {
  let json: unknown;
  try {
    json = JSON.parse(request.body.toString("utf8"));
  } catch (error) {
    return { ok: false as const, error: (error as Error).message };
  }
  return parseWire(schema, json);
}
