// POST /api/v1/scheduler (also /master/api/v1/scheduler): the v1 scheduler API, with the
// handler order and status codes of reference §1.1. The leader/recovery guard (307/503) and the
// method check (405) run in the HTTP server before this handler; then Content-Type (400/415),
// body parse and Call conversion (400), call validation (400), and for SUBSCRIBE the Accept
// check (406) and the Mesos-Stream-Id check (400) before the always-200 RecordIO stream.
import { randomUUID } from "node:crypto";
import { leaderGuard } from "../../http/leader.ts";
import {
  failureResponse,
  type Reply,
  response,
  streamReply,
  textResponse,
} from "../../http/response.ts";
import type { HttpRequest, HttpServer } from "../../http/server.ts";
import { encodeV1, explainInvalid, negotiateAccept, readV1Call } from "../../http/v1-request.ts";
import { SchedulerCall, SchedulerEvent, validateSchedulerCall } from "../../wire/scheduler.ts";
import { MASTER_ERROR_STATUS, type SchedulerCallReply } from "../core/types.ts";
import { HEARTBEAT_INTERVAL_MS, type MasterHttpContext } from "./context.ts";
import { admitSchedulerCall, checkSchedulerCall } from "./security-scheduler.ts";

export const SCHEDULER_API_PATH = "api/v1/scheduler";
const heartbeatRecord = (mediaType: string) =>
  encodeV1(mediaType, SchedulerEvent, { type: "HEARTBEAT" });

/** A core answer as Mesos's HTTP response: 202/200 with an empty body, or status + message. */
export function replyResponse(reply: SchedulerCallReply) {
  if (reply.ok) return response(reply.status);
  return textResponse(MASTER_ERROR_STATUS[reply.error.code], reply.error.message);
}

export function registerSchedulerApi(server: HttpServer, ctx: MasterHttpContext): void {
  server.route({
    name: SCHEDULER_API_PATH,
    methods: ["POST"],
    guard: leaderGuard(ctx.view),
    handler: (request) => handleSchedulerCall(ctx, request),
  });
}

async function handleSchedulerCall(ctx: MasterHttpContext, request: HttpRequest): Promise<Reply> {
  const read = readV1Call(request, SchedulerCall);
  if (!read.ok) return failureResponse(read.failure);
  const invalid = validateSchedulerCall(read.value.call);
  if (invalid !== undefined) {
    return textResponse(
      400,
      `Failed to validate scheduler::Call: ${explainInvalid(invalid, read.value)}`,
    );
  }
  const checked = checkSchedulerCall(ctx, request, read.value.call);
  if (!checked.ok) return checked.reply;
  const call = checked.call;
  const streamIdHeader = request.headers["mesos-stream-id"];
  const streamId = Array.isArray(streamIdHeader) ? streamIdHeader[0] : streamIdHeader;

  if (call.type === "SUBSCRIBE") {
    const accept = negotiateAccept(request);
    if (!accept.ok) return failureResponse(accept.failure);
    if (streamId !== undefined) {
      return textResponse(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    }
    return streamReply(
      {
        contentType: accept.value,
        streamId: randomUUID(),
        heartbeat: {
          intervalMs: HEARTBEAT_INTERVAL_MS,
          record: () => heartbeatRecord(accept.value),
          ...(ctx.heartbeatTimer === undefined ? {} : { timer: ctx.heartbeatTimer }),
        },
      },
      (stream) => ctx.dispatcher.openSchedulerStream(stream, call),
    );
  }
  const throttled = admitSchedulerCall(ctx, request, call);
  const dropped = throttled === undefined ? undefined : await throttled;
  if (dropped !== undefined) return dropped;
  return replyResponse(await ctx.dispatcher.schedulerCall(streamId, call));
}
