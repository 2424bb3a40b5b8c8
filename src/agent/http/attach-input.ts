// ATTACH_CONTAINER_INPUT (reference §4.4): a streamed RecordIO request of agent Calls, read as
// it arrives (server.ts's Route.streamBody), whose records after the first are written to the
// container's stdin; checked record by record with the messages of Mesos's I/O switchboard.

import { type Reply, textResponse } from "../../http/response.ts";
import type { HttpRequest } from "../../http/server.ts";
import type { AgentOperatorCall } from "../../wire/operator-agent.ts";
import { RecordDecoder } from "../../wire/recordio.ts";
import { type AgentContainers, containerKey } from "../nested/agent-containers.ts";
import { decodeCallRecord, type MessageType } from "./container-media.ts";

/** Largest record of an ATTACH_CONTAINER_INPUT stream (one chunk of stdin). */
export const ATTACH_INPUT_MAX_RECORD_BYTES = 1024 * 1024;

/**
 * ATTACH_CONTAINER_INPUT: a RecordIO request whose first record names the container and whose
 * others carry its stdin (CONTROL records are heartbeats and terminal sizes); answered 200 once
 * the request ends. One input at a time (409), as Mesos's switchboard.
 */
export async function attachContainerInput(
  containers: AgentContainers,
  request: HttpRequest,
  type: MessageType,
): Promise<Reply> {
  const decoder = new RecordDecoder({ maxRecordBytes: ATTACH_INPUT_MAX_RECORD_BYTES });
  const whole = async function* () {
    yield request.body;
  };
  const iterator = (request.bodyStream ?? whole())[Symbol.asyncIterator]();
  const pending: Uint8Array[] = [];
  const next = async (): Promise<Uint8Array | "eof" | string> => {
    for (;;) {
      const record = pending.shift();
      if (record !== undefined) return record;
      let chunk: IteratorResult<Buffer>;
      try {
        chunk = await iterator.next();
      } catch {
        return "The request was aborted";
      }
      if (chunk.done === true) return decoder.end()?.message ?? "eof";
      const pushed = decoder.push(chunk.value);
      pending.push(...pushed.records);
      if (pushed.error !== undefined && pending.length === 0) return pushed.error.message;
    }
  };
  const first = await next();
  if (first === "eof") return textResponse(400, "Received EOF while reading request body");
  if (typeof first === "string") return textResponse(400, first);
  const decoded = decodeCallRecord(type, first);
  if (!decoded.ok) return textResponse(400, decoded.error);
  const call = decoded.call;
  if (call.type !== "ATTACH_CONTAINER_INPUT" || call.attach_container_input === undefined) {
    return textResponse(
      415,
      `Streaming 'Content-Type' application/recordio is not supported for ${call.type ?? "UNKNOWN"} call`,
    );
  }
  const attach = call.attach_container_input;
  if (attach.type !== "CONTAINER_ID" || attach.container_id === undefined) {
    return textResponse(400, "Expecting 'attach_container_input.type' to be CONTAINER_ID");
  }
  const entry = containers.live(attach.container_id);
  if (entry === undefined || entry.io === null) {
    return textResponse(404, `Container ${containerKey(attach.container_id)} cannot be found`);
  }
  const input = entry.io.attachInput();
  if (input === "conflict") return textResponse(409, "Multiple input connections are not allowed");
  if (input === "no_stdin") return textResponse(200, "");
  try {
    for (;;) {
      const record = await next();
      if (record === "eof") return textResponse(200, "");
      if (typeof record === "string") return textResponse(400, record);
      const parsed = decodeCallRecord(type, record);
      if (!parsed.ok) return textResponse(400, parsed.error);
      const invalid = stdinRecordError(parsed.call);
      if (invalid !== undefined) return textResponse(400, invalid);
      const io = parsed.call.attach_container_input!.process_io!;
      if (io.type !== "DATA") continue;
      const data = Buffer.from(io.data!.data!, "base64");
      // An empty DATA record is the end of the input: the container's stdin is closed.
      if (data.length === 0) input.close();
      else await input.write(data);
    }
  } finally {
    input.release();
  }
}

/** Mesos's checks of each record after the first (its switchboard's messages). */
function stdinRecordError(call: AgentOperatorCall): string | undefined {
  const a = call.attach_container_input;
  if (a?.type !== "PROCESS_IO") {
    return "Expecting 'attach_container_input.type' to be 'PROCESS_IO'";
  }
  const io = a.process_io;
  if (io === undefined) return "Expecting 'attach_container_input.process_io' to be present";
  if (io.type === undefined) return "Expecting 'process_io.type' to be present";
  if (io.type === "CONTROL") {
    if (io.control === undefined) return "Expecting 'process_io.control' to be present";
    if (io.control.type === undefined) return "Expecting 'process_io.control.type' to be present";
    if (io.control.type === "TTY_INFO" && io.control.tty_info === undefined) {
      return "Expecting 'process_io.control.tty_info' to be present";
    }
    if (io.control.type === "HEARTBEAT" && io.control.heartbeat === undefined) {
      return "Expecting 'process_io.control.heartbeat' to be present";
    }
    return undefined;
  }
  if (io.type !== "DATA") return "'process_io.type' is unknown";
  if (io.data === undefined) return "Expecting 'process_io.data' to be present";
  if (io.data.type === undefined) return "Expecting 'process_io.data.type' to be present";
  if (io.data.type !== "STDIN") return "Expecting 'process_io.data.type' to be 'STDIN'";
  if (io.data.data === undefined) return "Expecting 'process_io.data.data' to be present";
  return undefined;
}
