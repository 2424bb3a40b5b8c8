// The master's end of the master <-> agent channel (DESIGN.md "Master <-> agent channel"): not
// a public Mesos API, so it is ours, but built from the v1 machinery. The agent POSTs SUBSCRIBE
// and keeps the 200 RecordIO response open as the master -> agent event stream (its
// `Mesos-Stream-Id` names the connection); every other agent call is POSTed carrying that
// stream id, answered 202. Versioned by path and by the optional
// `Tessera-Agent-Channel-Version` header; bad calls get a 400 that says what is wrong.
//
// A POST carries one call (a JSON object) or several (a JSON array of calls, SUBSCRIBE never
// among them), handled in their order: the agent sends the calls it has queued while its
// previous POST was out in one request, as libprocess sends the messages queued on one
// connection together, instead of paying a request per status update. A batch is checked
// whole before any of it is handled, so one bad call refuses the batch and changes nothing.
import { randomUUID } from "node:crypto";
import { leaderGuard } from "../../http/leader.ts";
import {
  APPLICATION_JSON,
  failureResponse,
  type Reply,
  response,
  streamReply,
  textResponse,
} from "../../http/response.ts";
import type { HttpRequest, HttpServer } from "../../http/server.ts";
import {
  checkContentType,
  convertCall,
  negotiateAccept,
  parseJsonBody,
} from "../../http/v1-request.ts";
import {
  AGENT_CHANNEL_PATH,
  AGENT_CHANNEL_VERSION,
  AGENT_CHANNEL_VERSION_HEADER,
  AgentCall,
} from "../../wire/agent-channel.ts";
import { WIRE_REQUEST_MAX_VALUES } from "../../wire/json.ts";
import { validateAgentSubscribe } from "../core/agents.ts";
import { AGENT_TASK_INFOS_MAX_BYTES } from "../core/task-validation.ts";
import type { MasterHttpContext } from "./context.ts";
import { authorizeOne } from "./security-checks.ts";

/**
 * The agent channel takes what the master admitted: a re-registration carries every task on the
 * agent, whose TaskInfos the master bounds at launch to AGENT_TASK_INFOS_MAX_BYTES together;
 * twice that leaves the other half for the agent's info, executors, frameworks and statuses.
 * (Bounded rather than unbounded-and-streamed: the whole call is parsed at once either way, and
 * a bound the master enforces at launch is one an agent can never outgrow.)
 */
export const AGENT_CHANNEL_MAX_BODY_BYTES = 2 * AGENT_TASK_INFOS_MAX_BYTES;

/** The v1 APIs' value bound scaled to the larger body (src/wire/json.ts). */
const AGENT_CHANNEL_MAX_VALUES = WIRE_REQUEST_MAX_VALUES * 10;

const AGENT_CHANNEL_JSON_ONLY = `The agent channel speaks ${APPLICATION_JSON} only`;

/** The sub-message each agent call type must carry. */
const CALL_FIELDS = {
  SUBSCRIBE: "subscribe",
  UPDATE: "update",
  EXECUTOR_EXITED: "executor_exited",
  UPDATE_RESOURCES: "update_resources",
  FRAMEWORK_MESSAGE: "framework_message",
} as const satisfies Partial<Record<AgentCall["type"], keyof AgentCall>>;

/** Mesos-like validation of an agent call; returns the problem or undefined. */
export function validateAgentCall(call: AgentCall): string | undefined {
  if (call.type === "UNKNOWN") return "Unsupported agent call type 'UNKNOWN'";
  const field = (CALL_FIELDS as Partial<Record<string, keyof AgentCall>>)[call.type];
  if (field !== undefined && call[field] === undefined) return `Expecting '${field}' to be present`;
  if (call.type !== "SUBSCRIBE" && call.agent_id === undefined) {
    return "Expecting 'agent_id' to be present";
  }
  if (call.type === "SUBSCRIBE" && call.subscribe !== undefined) {
    const inner = call.subscribe.agent_id?.value;
    if (inner !== call.agent_id?.value) return "'agent_id' differs from 'subscribe.agent_id'";
    return validateAgentSubscribe(call.subscribe);
  }
  return undefined;
}

export function registerAgentChannel(server: HttpServer, ctx: MasterHttpContext): void {
  server.route({
    name: AGENT_CHANNEL_PATH,
    methods: ["POST"],
    guard: leaderGuard(ctx.view),
    maxBodyBytes: AGENT_CHANNEL_MAX_BODY_BYTES,
    handler: (request) => handleAgentCall(ctx, request),
  });
}

function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function handleAgentCall(ctx: MasterHttpContext, request: HttpRequest): Reply {
  const version = header(request, AGENT_CHANNEL_VERSION_HEADER);
  if (version !== undefined && version !== AGENT_CHANNEL_VERSION) {
    return textResponse(
      400,
      `Unsupported agent channel version '${version}': this master speaks version '${AGENT_CHANNEL_VERSION}'`,
    );
  }
  const contentType = checkContentType(request);
  if (!contentType.ok) return failureResponse(contentType.failure);
  // The channel is Tessera's own, not a Mesos API: JSON only, both ways.
  if (contentType.value !== APPLICATION_JSON) return textResponse(415, AGENT_CHANNEL_JSON_ONLY);
  const json = parseJsonBody(request, { maxValues: AGENT_CHANNEL_MAX_VALUES });
  if (!json.ok) return failureResponse(json.failure);
  if (Array.isArray(json.value)) return handleAgentCallBatch(ctx, request, json.value);
  const converted = convertCall(AgentCall, json.value);
  if (!converted.ok) return failureResponse(converted.failure);
  const call = converted.value;
  const invalid = validateAgentCall(call);
  if (invalid !== undefined) return textResponse(400, `Failed to validate agent Call: ${invalid}`);
  const streamId = header(request, "Mesos-Stream-Id");

  if (call.type === "SUBSCRIBE") {
    const accept = negotiateAccept(request);
    if (!accept.ok) return failureResponse(accept.failure);
    if (accept.value !== APPLICATION_JSON) return textResponse(406, AGENT_CHANNEL_JSON_ONLY);
    if (streamId !== undefined) {
      return textResponse(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    }
    const denied =
      ctx.security && authorizeOne(ctx.security.authorizer, request.principal, "register_agents");
    if (denied !== undefined) return denied;
    return streamReply({ contentType: accept.value, streamId: randomUUID() }, (stream) =>
      ctx.dispatcher.openAgentStream(stream, call, request.remoteAddress || undefined),
    );
  }
  const subscribed = subscribedAgent(ctx, streamId);
  if (!subscribed.ok) return subscribed.refusal;
  const mismatch = agentMismatch(call, subscribed.agentId, subscribed.streamId);
  if (mismatch !== undefined) return mismatch;
  ctx.dispatcher.agentCall(subscribed.agentId, call);
  return response(202);
}

/** The agent subscribed on the call's stream, or the answer refusing the call. */
function subscribedAgent(
  ctx: MasterHttpContext,
  streamId: string | undefined,
): { ok: true; agentId: string; streamId: string } | { ok: false; refusal: Reply } {
  if (streamId === undefined) {
    return {
      ok: false,
      refusal: textResponse(
        400,
        "All non-subscribe calls should include the 'Mesos-Stream-Id' header",
      ),
    };
  }
  const agentId = ctx.dispatcher.agentIdForStream(streamId);
  if (agentId === undefined) {
    return {
      ok: false,
      refusal: textResponse(403, `Agent is not subscribed on stream '${streamId}'`),
    };
  }
  return { ok: true, agentId, streamId };
}

function agentMismatch(call: AgentCall, agentId: string, streamId: string): Reply | undefined {
  if (call.agent_id?.value === agentId) return undefined;
  return textResponse(
    400,
    `The agent ID '${call.agent_id?.value ?? ""}' does not match the agent '${agentId}' subscribed on stream '${streamId}'`,
  );
}

/** Several calls in one POST: each checked as a single call would be, then all handled. */
function handleAgentCallBatch(
  ctx: MasterHttpContext,
  request: HttpRequest,
  items: readonly unknown[],
): Reply {
  if (items.length === 0) return textResponse(400, "Expecting at least one agent call");
  const calls: AgentCall[] = [];
  for (const [index, item] of items.entries()) {
    const converted = convertCall(AgentCall, item);
    if (!converted.ok) {
      return textResponse(400, `Call [${index}]: ${converted.failure.message}`);
    }
    const call = converted.value;
    const invalid =
      call.type === "SUBSCRIBE" ? "SUBSCRIBE must be posted on its own" : validateAgentCall(call);
    if (invalid !== undefined) {
      return textResponse(400, `Call [${index}]: Failed to validate agent Call: ${invalid}`);
    }
    calls.push(call);
  }
  const subscribed = subscribedAgent(ctx, header(request, "Mesos-Stream-Id"));
  if (!subscribed.ok) return subscribed.refusal;
  for (const call of calls) {
    const mismatch = agentMismatch(call, subscribed.agentId, subscribed.streamId);
    if (mismatch !== undefined) return mismatch;
  }
  for (const call of calls) ctx.dispatcher.agentCall(subscribed.agentId, call);
  return response(202);
}
