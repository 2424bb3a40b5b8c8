// The v1 executor HTTP API endpoint (reference §3.1): `POST /api/v1/executor`, also at
// `/slave(1)/api/v1/executor`. Checks in Mesos's order: 503 until the agent has read its
// checkpoint (a route guard, before the method check), 405, Content-Type 415/400, body 400,
// validation 400 "Failed to validate Executor::Call: ...", SUBSCRIBE's Accept 406; then the
// caller must be a process of the executor's container (executor-caller.ts: 403); then the
// agent core answers (HEARTBEAT 202 first, 503 while reconnecting, 400 unknown framework or
// executor, 403 not subscribed, 200 stream for SUBSCRIBE, 202 for UPDATE/MESSAGE).
import { randomUUID } from "node:crypto";
import {
  fail,
  failureResponse,
  type HttpResponse,
  type Reply,
  response,
  streamReply,
  textResponse,
} from "../../http/response.ts";
import type { HttpRequest, HttpServer } from "../../http/server.ts";
import { encodeV1, explainInvalid, negotiateAccept, readV1Call } from "../../http/v1-request.ts";
import { ExecutorCall, ExecutorEvent, validateExecutorCall } from "../../wire/executor.ts";
import type { LocalExecutorEndpoint } from "../executor/executor-transport.ts";
import { checkExecutorCaller, type ExecutorCallerContext } from "./executor-caller.ts";

export const EXECUTOR_API_PATH = "api/v1/executor";

/** The agent's executor entry points, shared with the in-process transport. */
export type ExecutorApiPort = LocalExecutorEndpoint;

/** The token check of executor authentication (security.ts): the answer refusing a call. */
export type ExecutorCallCheck = (
  request: HttpRequest,
  call: ExecutorCall,
) => HttpResponse | undefined;

export function registerExecutorApi(
  server: HttpServer,
  port: ExecutorApiPort,
  callers: ExecutorCallerContext,
  check?: ExecutorCallCheck,
): void {
  server.route({
    name: EXECUTOR_API_PATH,
    methods: ["POST"],
    guard: () =>
      port.recovered() ? undefined : fail("RECOVERING", "Agent has not finished recovery").failure,
    handler: async (request): Promise<Reply> => {
      const read = readV1Call(request, ExecutorCall);
      if (!read.ok) return failureResponse(read.failure);
      const { call } = read.value;
      const invalid = validateExecutorCall(call);
      if (invalid !== undefined) {
        return textResponse(
          400,
          `Failed to validate Executor::Call: ${explainInvalid(invalid, read.value)}`,
        );
      }
      // Mesos checks the token's claims before the call reaches the executor's state.
      const refused = check?.(request, call);
      if (refused !== undefined) return refused;
      if (call.type !== "SUBSCRIBE") {
        const caller = await checkExecutorCaller(callers, request, call);
        if (!caller.ok) return textResponse(caller.status, caller.message);
        const reply = port.call(call, undefined);
        return reply.ok ? response(reply.status) : textResponse(reply.status, reply.message);
      }
      const accept = negotiateAccept(request);
      if (!accept.ok) return failureResponse(accept.failure);
      const caller = await checkExecutorCaller(callers, request, call);
      if (!caller.ok) return textResponse(caller.status, caller.message);
      const streamId = randomUUID();
      const reply = port.call(call, streamId);
      if (!reply.ok) {
        port.abandon(streamId);
        return textResponse(reply.status, reply.message);
      }
      return streamReply({ contentType: accept.value, streamId: false }, (stream) =>
        port.attach(streamId, {
          send: (event) => stream.send(encodeV1(stream.contentType, ExecutorEvent, event)),
          close: () => stream.close(),
          onClose: (callback) => stream.onClose(() => callback()),
        }),
      );
    },
  });
}
