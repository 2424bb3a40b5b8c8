// The agent's own endpoints (reference §4.4, §4.5, §4.6): `/state` (503 while recovering),
// `/monitor/statistics`, `/containers`, `/flags`, `/files/{browse,read,download}`, the agent
// operator API v1 (`POST /api/v1`: every call type; the reads and files in operator-api.ts, the
// container, resource provider and image calls in container-calls.ts, KILL_CONTAINER of an
// executor's container here; JSON, protobuf and, for the streaming container calls,
// application/recordio) and the `slave/*` and `gc/*` metrics. /health, /version, /metrics/snapshot and /metrics are the
// common ones (src/http/endpoints.ts), registered by the server.

import type { Logger } from "pino";
import { versionInfo } from "../../http/endpoints.ts";
import { jsonOrJsonp } from "../../http/jsonp.ts";
import type { MetricsRegistry } from "../../http/metrics.ts";
import {
  APPLICATION_JSON,
  failureResponse,
  type Reply,
  textResponse,
} from "../../http/response.ts";
import type { HttpRequest, HttpServer } from "../../http/server.ts";
import { explainInvalid, readV1Call, v1Response } from "../../http/v1-request.ts";
import type { Authorizer } from "../../security/authorizer.ts";
import { Viewer } from "../../security/viewer.ts";

import type { AgentInfo } from "../../wire/framework.ts";
import { stringifyWire } from "../../wire/json.ts";
import {
  AgentOperatorCall,
  AgentOperatorResponse,
  validateAgentOperatorCall,
} from "../../wire/operator-agent.ts";
import type { Containerizer } from "../containerizer/containerizer.ts";
import type { AgentCore } from "../core/agent.ts";
import { agentSandboxRoot } from "../core/paths.ts";
import type { AgentContainers } from "../nested/agent-containers.ts";
import { registerAgentMetrics } from "./agent-metrics.ts";
import { attachContainerInput } from "./attach-input.ts";
import { containerCall, streamsAnswer } from "./container-calls.ts";
import { agentAccept, isStreamingRequest, streamingContent } from "./container-media.ts";
import { browse, download, type FilesContext, read } from "./files.ts";
import { agentOperatorProcess, executorsOf, operatorAnswer } from "./operator-api.ts";
import {
  agentCallRefusal,
  agentUsers,
  viewAgentResponse,
  viewAgentState,
} from "./security-checks.ts";
import { attributesObject, legacyFramework } from "./state-render.ts";
import { stateResources } from "./state-resources.ts";

// The agent's operator endpoint parses through Mesos's generic helper, whose message differs.
const AGENT_PROTOBUF_BODY_ERROR = "Failed to parse body into a protobuf object";

export interface AgentEndpointsContext {
  core: AgentCore;
  containerizer: Containerizer;
  /** The nested and standalone containers the operator API launches. */
  containers: AgentContainers;
  metrics: MetricsRegistry;
  /** Flag values as strings (agentFlagValues). */
  flags: Record<string, string>;
  /** The process's logger, whose level GET/SET_LOGGING_LEVEL read and change. */
  logger: Logger;
  workDir: string;
  /** hostname, port, resources, attributes (the id is the core's). */
  agentInfo: AgentInfo;
  startTimeMs: number;
  pid: string;
  masterHostname(): string | undefined;
  recovered(): boolean;
  /** The sandbox garbage collector's counts, and how old a sandbox may get at the disk's use. */
  gcStats(): { pending: number; succeeded: number; failed: number; maxAllowedAgeMs: number };
  /** Recovery's errors (unreadable checkpoints) and time, once it is done. */
  recovery(): { errors: number; durationMs: number } | undefined;
  /**
   * KILL_CONTAINER (reference §4.4): signal a top-level container (`signal` unset = SIGKILL),
   * through its executor, so that a command task ends TASK_KILLED.
   */
  killContainer(containerId: string, signal: number | undefined): Promise<KillContainerResult>;
  /** The ACLs of `--acls` (security-checks.ts); undefined: everything passes. */
  authorizer?: Authorizer;
  /** The image pull a container's launch waits for, shown in `/monitor/statistics`. */
  imagePull?(
    containerId: string,
  ): { image: string; layersDone: number; layers: number; bytes: number } | undefined;
}

export type KillContainerResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 404 | 500; readonly message: string };

const recoveringGuard = (ctx: AgentEndpointsContext) => () =>
  ctx.recovered()
    ? undefined
    : { code: "RECOVERING" as const, message: "Agent has not finished recovery" };

export function registerAgentEndpoints(server: HttpServer, ctx: AgentEndpointsContext): void {
  registerAgentMetrics(ctx);
  const guard = recoveringGuard(ctx);
  // Also at the deprecated `state.json`, which Mesos still serves.
  for (const name of ["state", "state.json"]) {
    server.route({
      name,
      methods: ["GET"],
      guard,
      // JSON.stringify, not the protobuf printer: Mesos's /state always has its lists, empty
      // or not (`"frameworks": []`), and tools index them without looking first.
      handler: (r) => jsonOrJsonp(r.query, JSON.stringify(viewed(ctx, r, stateJson(ctx)))),
    });
  }
  server.route({
    name: "flags",
    methods: ["GET"],
    handler: (r) => jsonOrJsonp(r.query, stringifyWire({ flags: ctx.flags })),
  });
  for (const name of ["monitor/statistics", "monitor/statistics.json"]) {
    server.route({
      name,
      prefixed: false,
      methods: ["GET"],
      handler: (r) => jsonOrJsonp(r.query, stringifyWire(statistics(ctx, false))),
    });
  }
  server.route({
    name: "containers",
    methods: ["GET"],
    handler: (r) => jsonOrJsonp(r.query, stringifyWire(statistics(ctx, true))),
  });
  const files: FilesContext = {
    sandboxRoot: () => {
      const id = ctx.core.agentId;
      return id === undefined ? undefined : agentSandboxRoot(ctx.workDir, id);
    },
    // As in Mesos, `runs/latest` stays attached after the executor ended (until its sandbox
    // is garbage-collected): a finished task's sandbox can still be browsed.
    latestRun: (fw, ex) => {
      const f = ctx.core.frameworks.get(fw) ?? ctx.core.completedFrameworks.get(fw);
      return (
        f?.executors.get(ex)?.containerId ??
        f?.completedExecutors.findLast((e) => e.id === ex)?.containerId
      );
    },
  };
  server.route({
    name: "files/browse",
    prefixed: false,
    methods: ["GET"],
    handler: (r) => browse(files, r.query),
  });
  server.route({
    name: "files/read",
    prefixed: false,
    methods: ["GET"],
    handler: (r) => read(files, r.query),
  });
  server.route({
    name: "files/download",
    prefixed: false,
    methods: ["GET"],
    handler: (r) => download(files, r.query),
  });
  const operator = agentOperatorProcess(ctx, files);
  const containers = ctx.containers;
  server.route({
    name: "api/v1",
    methods: ["POST"],
    guard,
    // ATTACH_CONTAINER_INPUT's body is read as it comes (container-calls.ts bounds it).
    streamBody: isStreamingRequest,
    handler: async (request) => {
      const streaming = streamingContent(request);
      if (streaming !== undefined && typeof streaming !== "string") return streaming;
      if (streaming !== undefined) {
        const accept = agentAccept(request);
        if ("kind" in accept) return accept;
        return attachContainerInput(containers, request, streaming);
      }
      const parsed = readV1Call(request, AgentOperatorCall, {
        protobufError: AGENT_PROTOBUF_BODY_ERROR,
      });
      if (!parsed.ok) return failureResponse(parsed.failure);
      const accept = agentAccept(request);
      if ("kind" in accept) return accept;
      const call = parsed.value.call;
      const invalid = validateAgentOperatorCall(call);
      if (invalid !== undefined)
        return textResponse(
          400,
          `Failed to validate agent::Call: ${explainInvalid(invalid, parsed.value)}`,
        );
      const acl = callAcl(ctx, files.sandboxRoot, request, call);
      if (acl.denied !== undefined) return acl.denied;
      if (accept.streaming && !streamsAnswer(call)) {
        return textResponse(
          406,
          `Streaming response is not supported for ${call.type ?? "UNKNOWN"} call`,
        );
      }
      const answerType = accept.streaming ? APPLICATION_JSON : accept.type;
      const own = await containerCall(ctx, containers, call, accept);
      if (own !== undefined) {
        return "kind" in own ? own : v1Response(answerType, AgentOperatorResponse, own);
      }
      if (call.type === "KILL_CONTAINER" && call.kill_container !== undefined) {
        return killContainer(
          ctx,
          call.kill_container.container_id.value,
          call.kill_container.signal,
        );
      }
      const body = await operatorAnswer(ctx, operator, call);
      if ("kind" in body) return body;
      return v1Response(answerType, AgentOperatorResponse, acl.view(body));
    },
  });
}

/** The ACL check of an agent v1 call, and the view of its answer the caller may see. */
function callAcl(
  ctx: AgentEndpointsContext,
  sandboxRoot: () => string | undefined,
  request: HttpRequest,
  call: AgentOperatorCall,
) {
  const authorizer = ctx.authorizer;
  const users = agentUsers(ctx.core);
  const denied =
    authorizer && agentCallRefusal(authorizer, users, sandboxRoot, request.principal, call);
  const viewer = authorizer?.enabled ? new Viewer(authorizer, request.principal) : undefined;
  return {
    denied,
    view: <T extends { type?: string | undefined }>(body: T): T =>
      viewer === undefined ? body : viewAgentResponse(body, viewer, users),
  };
}

/** /state as the caller may see it (view_frameworks, view_executors, view_tasks, view_flags). */
function viewed(ctx: AgentEndpointsContext, request: HttpRequest, state: Record<string, unknown>) {
  const authorizer = ctx.authorizer;
  return authorizer?.enabled
    ? viewAgentState(state, new Viewer(authorizer, request.principal))
    : state;
}

function stateJson(ctx: AgentEndpointsContext): Record<string, unknown> {
  const { core } = ctx;
  const info = ctx.agentInfo;
  const agentId = core.agentId ?? "";
  const v = versionInfo();
  const frameworks = [...core.frameworks.values()];
  const master = ctx.masterHostname();
  return {
    version: v.version,
    build_date: v.build_date,
    build_time: v.build_time,
    build_user: v.build_user,
    start_time: ctx.startTimeMs / 1000,
    id: agentId,
    pid: ctx.pid,
    hostname: info.hostname,
    // Tessera's own, only while it holds: why the agent refuses new tasks.
    ...(core.checkpointFailure === undefined ? {} : { checkpoint_failure: core.checkpointFailure }),
    capabilities: [
      "MULTI_ROLE",
      "HIERARCHICAL_ROLE",
      "RESERVATION_REFINEMENT",
      "RESIZE_VOLUME",
      "AGENT_OPERATION_FEEDBACK",
      "AGENT_DRAINING",
      "TASK_RESOURCE_LIMITS",
    ],
    ...stateResources(info.resources ?? [], core.checkpointedResources),
    reserved_resources_allocated: {},
    unreserved_resources_allocated: [],
    resource_providers: [],
    attributes: attributesObject(info.attributes),
    ...(master === undefined ? {} : { master_hostname: master }),
    flags: ctx.flags,
    frameworks: frameworks
      .filter((f) => f.phase === "running")
      .map((f) => legacyFramework(f, ctx.workDir, agentId)),
    completed_frameworks: [
      ...ctx.core.completedFrameworks.values(),
      ...frameworks.filter((f) => f.phase !== "running"),
    ].map((f) => legacyFramework(f, ctx.workDir, agentId)),
  };
}

/** `/monitor/statistics` (and `/containers` with the container id) of live executors. */
function statistics(ctx: AgentEndpointsContext, withContainer: boolean): unknown[] {
  const out: unknown[] = [];
  for (const e of executorsOf(ctx.core)) {
    if (e.phase === "terminated") continue;
    const usage = ctx.containerizer.usage(e.containerId);
    const pull = ctx.imagePull?.(e.containerId);
    out.push({
      framework_id: e.frameworkId,
      executor_id: e.id,
      executor_name: e.info.name ?? "",
      source: e.info.source ?? "",
      ...(withContainer ? { container_id: e.containerId } : {}),
      ...(usage.ok ? { statistics: usage.value } : withContainer ? {} : { statistics: {} }),
      // Beyond Mesos: the pull of the container's image while its launch waits for it.
      ...(pull === undefined
        ? {}
        : {
            image_pull: {
              image: pull.image,
              layers_done: pull.layersDone,
              layers_total: pull.layers,
              bytes: pull.bytes,
            },
          }),
    });
  }
  return out;
}

/** KILL_CONTAINER: 404 for a container the agent does not run (as Mesos), else the kill. */
async function killContainer(
  ctx: AgentEndpointsContext,
  containerId: string,
  signal: number | undefined,
): Promise<Reply> {
  const running = executorsOf(ctx.core).some(
    (e) => e.containerId === containerId && e.phase !== "terminated",
  );
  if (!running) return textResponse(404, `Container ${containerId} cannot be found`);
  const killed = await ctx.killContainer(containerId, signal);
  return killed.ok ? textResponse(200, "") : textResponse(killed.status, killed.message);
}
