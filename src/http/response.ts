// The values route handlers return, and the one place where expected HTTP failures become
// Mesos-shaped responses. Handlers never touch a ServerResponse for non-streaming replies:
// they return a `HttpResponse`, and the server writes it (gzip included, see server.ts).
import type { FileHandle } from "node:fs/promises";
import type { EventStream, EventStreamOptions } from "./event-stream.ts";
import type { SseStream, SseStreamOptions } from "./sse-stream.ts";

/** A complete, non-streaming response. */
export interface HttpResponse {
  readonly kind: "response";
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

/**
 * A streaming response: the server opens an EventStream on the connection (status 200,
 * headers sent at once, chunked) and hands it to `onOpen`, which writes the first records.
 */
export interface StreamReply {
  readonly kind: "stream";
  readonly options: EventStreamOptions;
  readonly onOpen: (stream: EventStream) => void;
}

/** A Server-Sent Events response: the server opens an SseStream and hands it to `onOpen`. */
export interface SseReply {
  readonly kind: "sse";
  readonly options: SseStreamOptions;
  readonly onOpen: (stream: SseStream) => void;
}

/** An open file's first `size` bytes, streamed by the server with backpressure (a download of
 *  any size costs one chunk of memory); the server calls `close` once it is done, however. */
export interface FileReply {
  readonly kind: "file";
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly file: {
    readonly handle: FileHandle;
    readonly size: number;
    close(): Promise<void>;
  };
}

/** A complete response printed in pieces (chunked-reply.ts): a big JSON state. */
export interface ChunkedReply {
  readonly kind: "chunked";
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body in order; pulled one chunk at a time, as the socket takes them. */
  readonly chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
}

export type Reply = HttpResponse | StreamReply | SseReply | FileReply | ChunkedReply;

/** libprocess answers its error responses (BadRequest, NotFound, ...) as plain UTF-8 text. */
export const TEXT_PLAIN = "text/plain; charset=utf-8";
export const APPLICATION_JSON = "application/json";
export const APPLICATION_PROTOBUF = "application/x-protobuf";

export function response(
  status: number,
  body: string | Uint8Array = "",
  headers: Record<string, string> = {},
): HttpResponse {
  return { kind: "response", status, headers, body };
}

/** A text response; an empty body carries no Content-Type, as libprocess's empty `OK()`. */
export function textResponse(
  status: number,
  text: string,
  headers: Record<string, string> = {},
): HttpResponse {
  if (text === "") return response(status, "", headers);
  return response(status, text, { "Content-Type": TEXT_PLAIN, ...headers });
}

/** A JSON response from text already in the Mesos JSON dialect (see src/wire/json.ts). */
export function jsonResponse(
  status: number,
  jsonText: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return response(status, jsonText, { "Content-Type": APPLICATION_JSON, ...headers });
}

export function chunkedReply(
  status: number,
  headers: Record<string, string>,
  chunks: ChunkedReply["chunks"],
): ChunkedReply {
  return { kind: "chunked", status, headers, chunks };
}

export function streamReply(
  options: EventStreamOptions,
  onOpen: (stream: EventStream) => void,
): StreamReply {
  return { kind: "stream", options, onOpen };
}

export function fileReply(
  status: number,
  headers: Record<string, string>,
  file: FileReply["file"],
): FileReply {
  return { kind: "file", status, headers, file };
}

export function sseReply(options: SseStreamOptions, onOpen: (stream: SseStream) => void): SseReply {
  return { kind: "sse", options, onOpen };
}

/** Stable codes for every expected failure of the shell layer; the status is derived. */
export type HttpFailureCode =
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "BODY_TOO_LARGE"
  | "CONTENT_TYPE_MISSING"
  | "CONTENT_TYPE_UNSUPPORTED"
  | "NOT_ACCEPTABLE"
  | "BODY_NOT_JSON"
  | "BODY_NOT_A_CALL"
  | "NO_LEADER"
  | "NOT_LEADER"
  | "RECOVERING"
  | "INTERNAL_ERROR";

export interface HttpFailure {
  readonly code: HttpFailureCode;
  readonly message: string;
  /** Extra response headers (`Allow` for 405, `Location` for 307). */
  readonly headers?: Readonly<Record<string, string>>;
}

const STATUS_BY_CODE: Record<HttpFailureCode, number> = {
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  CONTENT_TYPE_MISSING: 400,
  CONTENT_TYPE_UNSUPPORTED: 415,
  NOT_ACCEPTABLE: 406,
  BODY_NOT_JSON: 400,
  BODY_NOT_A_CALL: 400,
  NOT_LEADER: 307,
  NO_LEADER: 503,
  RECOVERING: 503,
  INTERNAL_ERROR: 500,
};

export function failureStatus(code: HttpFailureCode): number {
  return STATUS_BY_CODE[code];
}

/** The response for a failure: its status, its headers, its message as plain text. */
export function failureResponse(failure: HttpFailure): HttpResponse {
  return textResponse(failureStatus(failure.code), failure.message, { ...failure.headers });
}

/** What a check returns: the value, or the failure to answer with. */
export type HttpResult<T> = { ok: true; value: T } | { ok: false; failure: HttpFailure };

export function fail(
  code: HttpFailureCode,
  message: string,
  headers?: Record<string, string>,
): { ok: false; failure: HttpFailure } {
  return { ok: false, failure: headers ? { code, message, headers } : { code, message } };
}
