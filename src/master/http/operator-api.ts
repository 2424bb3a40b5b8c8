// POST /api/v1 (also /master/api/v1): the master's v1 operator API (reference §4.1, §4.2).
// Order as Mesos: leader guard (307/503) and method (405) in the server, then Content-Type,
// body, Call conversion, `master::call::validate` (400), Accept (406, for every call here),
// then the call. Reads answer 200 with `{type, get_xxx}`; mutations answer 200 with an empty
// body once durable; SUBSCRIBE opens the event stream (operator-events.ts).
import type { Logger } from "pino";
import type { z } from "zod";
import { versionInfo } from "../../http/endpoints.ts";
import { leaderGuard } from "../../http/leader.ts";
import { LoggingLevel } from "../../http/logging-level.ts";
import { notBuiltResponse } from "../../http/not-built.ts";
import {
  APPLICATION_JSON,
  failureResponse,
  type Reply,
  streamReply,
  textResponse,
} from "../../http/response.ts";
import type { HttpRequest, HttpServer } from "../../http/server.ts";
import { explainInvalid, negotiateAccept, readV1Call, v1Response } from "../../http/v1-request.ts";
import { Resources } from "../../resources/index.ts";
import { resourcesToWire } from "../../resources/wire-format.ts";
import type { MasterInfo } from "../../wire/framework.ts";
import {
  MasterCall,
  type MasterCallType,
  MasterResponse,
  validateMasterCall,
} from "../../wire/operator-master.ts";
import type { MasterSnapshot } from "../core/operator.ts";
import type { QuotaConfig } from "../core/registry-state.ts";
import type { OperatorCall } from "../core/types.ts";
import { HEARTBEAT_INTERVAL_MS, type MasterHttpContext } from "./context.ts";
import { maintenanceOperatorCall } from "./maintenance-api.ts";
import {
  getLoggingLevel,
  legacyQuotaCall,
  masterAttachedPaths,
  masterListFiles,
  masterReadFile,
  setLoggingLevel,
} from "./operator-api-process.ts";
import { type OperatorEventHub, operatorHeartbeatRecord } from "./operator-events.ts";
import { resourceOperationOf } from "./operator-resource-calls.ts";
import { replyResponse } from "./scheduler-api.ts";
import { authorizeCoreCall, authorizeMasterCall } from "./security-checks.ts";
import { OperatorEventView, Viewer, viewMasterResponse } from "./security-views.ts";
import { getStateJson } from "./state-json.ts";
import { getStateProtobuf } from "./state-protobuf.ts";

export const OPERATOR_API_PATH = "api/v1";

export interface OperatorContext extends MasterHttpContext {
  readonly hub: OperatorEventHub;
  readonly masterInfo: MasterInfo;
  readonly flags: Readonly<Record<string, string>>;
  readonly metrics: () => Record<string, number>;
  readonly startTimeMs: number;
  readonly electedTimeMs: number;
  /** The process's logger, whose level GET/SET_LOGGING_LEVEL read and change. */
  readonly logger: Logger;
}

/** What the handler keeps across calls: the logging level and the attached file paths. */
interface OperatorProcess {
  readonly logging: LoggingLevel;
  readonly attached: ReadonlyMap<string, string>;
}

type ResponseIn = z.input<typeof MasterResponse>;

export function registerOperatorApi(server: HttpServer, ctx: OperatorContext): void {
  const own: OperatorProcess = {
    logging: new LoggingLevel(ctx.logger),
    attached: masterAttachedPaths(ctx.flags),
  };
  server.route({
    name: OPERATOR_API_PATH,
    methods: ["POST"],
    guard: leaderGuard(ctx.view),
    handler: (request) => handleOperatorCall(ctx, own, request),
  });
}

/**
 * Calls Tessera does not carry out yet, with what they need. Mesos answers every call it
 * knows; these are answered 501 Not Implemented with a message naming the call, and change
 * nothing (the request is refused before it reaches the master).
 */
export const MASTER_CALLS_NOT_BUILT: Partial<Record<MasterCallType, string>> = {};

/** Mutations the master core carries out; answered once durable (or refused, 403 by ACLs). */
export async function coreCall(
  ctx: MasterHttpContext,
  call: OperatorCall,
  principal: string | undefined,
): Promise<Reply> {
  const authorizer = ctx.security?.authorizer;
  if (authorizer !== undefined) {
    const core = ctx.dispatcher.core;
    const denied = authorizeCoreCall(
      authorizer,
      principal,
      call,
      (id) => core.frameworkInfo(id)?.principal,
    );
    if (denied !== undefined) return denied;
  }
  // An operator's reservation or volume carries who asked (reserver, volume creator).
  const asked = call.type === "OFFER_OPERATION" ? { ...call, principal } : call;
  return replyResponse(await ctx.dispatcher.operatorCall(asked));
}

function quotaConfigs(call: NonNullable<MasterCall["update_quota"]>): QuotaConfig[] {
  const values = (m: Record<string, { value: number }> | undefined) =>
    Object.fromEntries(Object.entries(m ?? {}).map(([name, v]) => [name, v.value]));
  return (call.quota_configs ?? []).map((c) => ({
    role: c.role,
    guarantees: values(c.guarantees),
    limits: values(c.limits),
  }));
}

async function handleOperatorCall(
  ctx: OperatorContext,
  own: OperatorProcess,
  request: HttpRequest,
): Promise<Reply> {
  const read = readV1Call(request, MasterCall);
  if (!read.ok) return failureResponse(read.failure);
  const { call } = read.value;
  const invalid = validateMasterCall(call);
  if (invalid !== undefined)
    return textResponse(
      400,
      `Failed to validate master::Call: ${explainInvalid(invalid, read.value)}`,
    );
  const accept = negotiateAccept(request);
  if (!accept.ok) return failureResponse(accept.failure);
  const { principal } = request;
  const denied = ctx.security && authorizeMasterCall(ctx.security.authorizer, principal, call);
  if (denied) return denied;
  const write = coreCallOf(call);
  if (write !== undefined) return coreCall(ctx, write, principal);
  const core = ctx.dispatcher.core;
  const ok = answering(accept.value, viewerOf(ctx, principal), () => core.getFrameworks());
  const snapshot = () => core.snapshot(ctx.dispatcher.nowMs());
  const maintenance = maintenanceOperatorCall(ctx, call, ok);
  if (maintenance !== undefined) return maintenance;
  if (call.type === "SET_QUOTA" || call.type === "REMOVE_QUOTA") {
    const legacy = legacyQuotaCall(call, snapshot);
    return legacy.ok ? coreCall(ctx, legacy.call, principal) : legacy.reply;
  }

  switch (call.type) {
    case "GET_LOGGING_LEVEL":
      return ok(getLoggingLevel(own.logging));
    case "SET_LOGGING_LEVEL":
      return setLoggingLevel(own.logging, call.set_logging_level!);
    case "LIST_FILES":
      return masterListFiles(own.attached, call.list_files!, ok);
    case "READ_FILE":
      return masterReadFile(own.attached, call.read_file!, ok);
    case "GET_HEALTH":
      return ok({ type: "GET_HEALTH", get_health: { healthy: true } });
    case "GET_FLAGS":
      return ok({
        type: "GET_FLAGS",
        get_flags: { flags: Object.entries(ctx.flags).map(([name, value]) => ({ name, value })) },
      });
    case "GET_VERSION": {
      const { tessera_version: _, ...info } = versionInfo();
      return ok({ type: "GET_VERSION", get_version: { version_info: info } });
    }
    case "GET_METRICS":
      return ok({
        type: "GET_METRICS",
        get_metrics: {
          metrics: Object.entries(ctx.metrics()).map(([name, value]) => ({ name, value })),
        },
      });
    case "GET_STATE":
      // Printed (JSON) or encoded (protobuf) piece by piece; answers filtered by ACLs at once.
      if (viewerOf(ctx, principal) === undefined) {
        return accept.value === APPLICATION_JSON ? getStateJson(core) : getStateProtobuf(core);
      }
      return ok({ type: "GET_STATE", get_state: core.getState() });
    case "GET_AGENTS":
      return ok({ type: "GET_AGENTS", get_agents: core.getAgents() });
    case "GET_FRAMEWORKS":
      return ok({ type: "GET_FRAMEWORKS", get_frameworks: core.getFrameworks() });
    case "GET_EXECUTORS":
      return ok({ type: "GET_EXECUTORS", get_executors: core.getExecutors() });
    case "GET_TASKS":
      return ok({ type: "GET_TASKS", get_tasks: core.getTasks() });
    case "GET_OPERATIONS":
      return ok({ type: "GET_OPERATIONS", get_operations: { operations: core.getOperations() } });
    case "GET_ROLES":
      return ok({ type: "GET_ROLES", get_roles: { roles: roles(ctx, snapshot()) } });
    case "GET_WEIGHTS":
      return ok({
        type: "GET_WEIGHTS",
        get_weights: {
          weight_infos: [...snapshot().weights].map(([role, weight]) => ({ role, weight })),
        },
      });
    case "GET_MASTER":
      return ok({
        type: "GET_MASTER",
        get_master: {
          master_info: ctx.masterInfo,
          start_time: ctx.startTimeMs / 1000,
          elected_time: ctx.electedTimeMs / 1000,
        },
      });
    case "GET_QUOTA":
      return ok({
        type: "GET_QUOTA",
        get_quota: {
          status: {
            configs: [...snapshot().quotas.values()].map((q) => ({
              role: q.role,
              guarantees: scalarMap(q.guarantees),
              limits: scalarMap(q.limits),
            })),
          },
        },
      });
    case "SUBSCRIBE":
      return subscribeReply(ctx, accept.value, principal);
    default:
      return notBuiltResponse("master", call.type, MASTER_CALLS_NOT_BUILT);
  }
}

/** SUBSCRIBE: the event stream, filtered for the subscriber when ACLs are on. */
function subscribeReply(
  ctx: OperatorContext,
  contentType: Parameters<typeof v1Response>[0],
  principal: string | undefined,
): Reply {
  return streamReply(
    {
      contentType,
      streamId: false,
      heartbeat: {
        intervalMs: HEARTBEAT_INTERVAL_MS,
        record: () => operatorHeartbeatRecord(contentType),
        ...(ctx.heartbeatTimer === undefined ? {} : { timer: ctx.heartbeatTimer }),
      },
    },
    (stream) => {
      const viewer = viewerOf(ctx, principal);
      ctx.hub.add(stream, viewer && new OperatorEventView(viewer));
    },
  );
}

function viewerOf(ctx: MasterHttpContext, principal: string | undefined): Viewer | undefined {
  const authorizer = ctx.security?.authorizer;
  return authorizer?.enabled ? new Viewer(authorizer, principal) : undefined;
}

/** The 200 answer of a read, as the caller may see it (security-views.ts). */
function answering(
  mediaType: Parameters<typeof v1Response>[0],
  viewer: Viewer | undefined,
  frameworks: () => Record<string, unknown>,
): (body: ResponseIn) => Reply {
  return (body) =>
    v1Response(
      mediaType,
      MasterResponse,
      viewer ? viewMasterResponse(body, viewer, frameworks) : body,
    );
}

/** The operator writes the core carries out, as core inputs; undefined for any other call. */
function coreCallOf(call: MasterCall): OperatorCall | undefined {
  switch (call.type) {
    case "UPDATE_WEIGHTS":
      return {
        type: "UPDATE_WEIGHTS",
        weights: (call.update_weights?.weight_infos ?? []).map((w) => ({
          role: w.role ?? "",
          weight: w.weight,
        })),
      };
    case "UPDATE_QUOTA":
      return {
        type: "UPDATE_QUOTA",
        configs: quotaConfigs(call.update_quota!),
        force: call.update_quota!.force ?? false,
      };
    case "DEACTIVATE_AGENT":
      return {
        type: "DEACTIVATE_AGENT",
        agentId: call.deactivate_agent!.agent_id.value,
      };
    case "REACTIVATE_AGENT":
      return {
        type: "REACTIVATE_AGENT",
        agentId: call.reactivate_agent!.agent_id.value,
      };
    case "DRAIN_AGENT": {
      const drain = call.drain_agent!;
      const grace = drain.max_grace_period;
      return {
        type: "DRAIN_AGENT",
        agentId: drain.agent_id.value,
        // The call carries google.protobuf.Duration; DrainConfig keeps Mesos's DurationInfo.
        config: {
          mark_gone: drain.mark_gone ?? false,
          ...(grace === undefined
            ? {}
            : {
                max_grace_period: {
                  nanoseconds: (grace.seconds ?? 0) * 1_000_000_000 + (grace.nanos ?? 0),
                },
              }),
        },
      };
    }
    case "TEARDOWN":
      return { type: "TEARDOWN", frameworkId: call.teardown!.framework_id.value };
    case "MARK_AGENT_GONE":
      return {
        type: "MARK_AGENT_GONE",
        agentId: call.mark_agent_gone!.agent_id.value,
      };
    default:
      return resourceOperationOf(call);
  }
}

function scalarMap(record: Record<string, number>): Record<string, { value: number }> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, { value: v }]));
}

/** GET_ROLES: roles with frameworks, weights, quota or in the whitelist (reference §4.5). */
function roles(ctx: OperatorContext, s: MasterSnapshot) {
  const names = new Set<string>([...s.weights.keys(), ...s.quotas.keys()]);
  const frameworks = new Map<string, string[]>();
  for (const f of s.frameworks) {
    for (const role of f.roles) {
      names.add(role);
      frameworks.set(role, [...(frameworks.get(role) ?? []), f.id]);
    }
  }
  for (const role of (ctx.flags.roles ?? "").split(",")) if (role !== "") names.add(role);
  const used = new Map<string, Resources>();
  const add = (role: string, r: Resources) =>
    used.set(role, (used.get(role) ?? Resources.empty()).add(r));
  for (const t of s.tasks) if (!t.released) add(t.role, t.resources);
  for (const o of s.offers) add(o.role, o.resources);
  return [...names].sort().map((name) => ({
    name,
    weight: s.weights.get(name) ?? 1,
    frameworks: (frameworks.get(name) ?? []).map((value) => ({ value })),
    resources: resourcesToWire(used.get(name) ?? Resources.empty(), "ENDPOINT"),
  }));
}
