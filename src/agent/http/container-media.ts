// The agent API's media types beyond JSON and protobuf (reference §0.2): the streaming calls
// take and give `application/recordio`, the records' own type in `Message-Content-Type` (a
// request) and `Message-Accept` (the answer wanted). Checked in Mesos's order and with its
// messages; a non-streaming call must carry neither header.

import {
  APPLICATION_JSON,
  APPLICATION_PROTOBUF,
  type HttpResponse,
  textResponse,
} from "../../http/response.ts";
import type { HttpRequest } from "../../http/server.ts";
import { encodeV1 } from "../../http/v1-request.ts";
import { parseWire, parseWireText } from "../../wire/json.ts";
import { AgentOperatorCall, ProcessIO } from "../../wire/operator-agent.ts";
import { parseProtobuf } from "../../wire/protobuf.ts";

export const APPLICATION_RECORDIO = "application/recordio";
export type MessageType = typeof APPLICATION_JSON | typeof APPLICATION_PROTOBUF;

/** What the answer is encoded as: one message, or (streaming) RecordIO of `message` records. */
export type AgentAccept =
  | { readonly streaming: false; readonly type: MessageType }
  | { readonly streaming: true; readonly message: MessageType };

/** Whether `type` is acceptable to the header (absent: everything, as libprocess says). */
function accepts(header: string | undefined, type: string): boolean {
  if (header === undefined) return true;
  const [major] = type.split("/");
  return header.split(",").some((part) => {
    const [range = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return range === type || range === `${major}/*` || range === "*/*";
  });
}

function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Accept (JSON, else protobuf, else RecordIO with Message-Accept), or the 406 to answer. */
export function agentAccept(request: HttpRequest): AgentAccept | HttpResponse {
  const accept = header(request, "accept");
  const messageAccept = header(request, "message-accept");
  let streaming = false;
  let type: MessageType = APPLICATION_JSON;
  if (accepts(accept, APPLICATION_JSON)) type = APPLICATION_JSON;
  else if (accepts(accept, APPLICATION_PROTOBUF)) type = APPLICATION_PROTOBUF;
  else if (accepts(accept, APPLICATION_RECORDIO)) streaming = true;
  else {
    return textResponse(
      406,
      `Expecting 'Accept' to allow ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF} or ${APPLICATION_RECORDIO}`,
    );
  }
  if (!streaming) {
    if (messageAccept === undefined) return { streaming: false, type };
    return textResponse(
      406,
      "Expecting 'Message-Accept' to be not set for non-streaming responses",
    );
  }
  if (accepts(messageAccept, APPLICATION_JSON))
    return { streaming: true, message: APPLICATION_JSON };
  if (accepts(messageAccept, APPLICATION_PROTOBUF)) {
    return { streaming: true, message: APPLICATION_PROTOBUF };
  }
  return textResponse(
    406,
    `Expecting 'Message-Accept' to allow ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}`,
  );
}

/** A streaming request's record type, or the answer refusing it; undefined: not streaming. */
export function streamingContent(request: HttpRequest): MessageType | HttpResponse | undefined {
  const contentType = header(request, "content-type");
  const messageContentType = header(request, "message-content-type");
  if (contentType !== APPLICATION_RECORDIO) {
    if (messageContentType === undefined) return undefined;
    return textResponse(
      415,
      "Expecting 'Message-Content-Type' to be not set for non-streaming requests",
    );
  }
  if (messageContentType === undefined) {
    return textResponse(400, "Expecting 'Message-Content-Type' to be set for streaming requests");
  }
  if (messageContentType === APPLICATION_JSON || messageContentType === APPLICATION_PROTOBUF) {
    return messageContentType;
  }
  return textResponse(
    415,
    `Expecting 'Message-Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}`,
  );
}

/** Whether the request's body is a stream the handler reads as it comes (server.ts). */
export function isStreamingRequest(request: HttpRequest): boolean {
  return header(request, "content-type") === APPLICATION_RECORDIO;
}

/** One record of a streaming request: an agent Call, or why it is not one. */
export function decodeCallRecord(
  type: MessageType,
  record: Uint8Array,
): { ok: true; call: AgentOperatorCall } | { ok: false; error: string } {
  if (type === APPLICATION_PROTOBUF) {
    const parsed = parseProtobuf(AgentOperatorCall, record);
    return parsed.ok
      ? { ok: true, call: parsed.value }
      : { ok: false, error: "Failed to parse body into a protobuf object" };
  }
  let json: unknown;
  try {
    json = parseWireText(Buffer.from(record).toString("utf8"));
  } catch (error) {
    return { ok: false, error: `Failed to parse body into JSON: ${(error as Error).message}` };
  }
  const parsed = parseWire(AgentOperatorCall, json);
  return parsed.ok
    ? { ok: true, call: parsed.value }
    : { ok: false, error: `Failed to convert JSON into Call protobuf: ${parsed.error}` };
}

/** The media type a stream's response carries, and its header for RecordIO. */
export function streamMedia(accept: AgentAccept): {
  contentType: string;
  message: MessageType;
  headers: Record<string, string>;
} {
  // Mesos keeps answering a streaming call with JSON records under `application/json` for
  // clients that asked for JSON (its compatibility rule); RecordIO says the record type apart.
  if (!accept.streaming) return { contentType: accept.type, message: accept.type, headers: {} };
  return {
    contentType: APPLICATION_RECORDIO,
    message: accept.message,
    headers: { "Message-Content-Type": accept.message },
  };
}

/** One ProcessIO record in the stream's record type. */
export function encodeProcessIO(message: MessageType, io: ProcessIO): string | Uint8Array {
  return encodeV1(message, ProcessIO, io);
}
