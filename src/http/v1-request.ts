// The request checks every v1 API endpoint makes (reference §0.2, §1.1, §3.1, §4.1), in
// Mesos's order: Content-Type, body as JSON or protobuf, that as the API's Call, and for
// streaming calls the Accept negotiation. Each returns the value or a failure with a stable
// code; the server turns failures into responses with `failureResponse`. `v1Response` and
// `encodeV1` put a message on the wire in the negotiated media type.
import type { z } from "zod";
import {
  encodeTrusted,
  parseWire,
  parseWireText,
  WIRE_REQUEST_MAX_VALUES,
  type WireTextLimits,
} from "../wire/json.ts";
import { encodeProtobuf, parseProtobuf } from "../wire/protobuf.ts";
import {
  APPLICATION_JSON,
  APPLICATION_PROTOBUF,
  fail,
  type HttpResponse,
  type HttpResult,
  response,
} from "./response.ts";
import type { HttpRequest } from "./server.ts";

/** The media types of v1 request and response bodies (reference §0.2). */
export type V1MediaType = typeof APPLICATION_JSON | typeof APPLICATION_PROTOBUF;

/**
 * Mesos compares the request Content-Type exactly (no parameters, case-sensitive), so
 * `application/json; charset=utf-8` is refused with 415, as Mesos does (§10.2.3).
 */
export function checkContentType(request: HttpRequest): HttpResult<V1MediaType> {
  const contentType = request.headers["content-type"];
  if (contentType === undefined) {
    return fail("CONTENT_TYPE_MISSING", "Expecting 'Content-Type' to be present");
  }
  if (contentType === APPLICATION_JSON || contentType === APPLICATION_PROTOBUF) {
    return { ok: true, value: contentType };
  }
  return fail(
    "CONTENT_TYPE_UNSUPPORTED",
    `Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}`,
  );
}

/** One media range of an Accept header, with its quality. */
interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [mediaRange = "", ...params] = part.split(";");
    const [type = "", subtype = ""] = mediaRange.trim().toLowerCase().split("/");
    if (type === "" || subtype === "") continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=").map((s) => s.trim());
      if (key?.toLowerCase() === "q") {
        const parsed = Number(value);
        q = Number.isFinite(parsed) ? parsed : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/**
 * The quality the Accept header gives `mediaType`: the most specific matching range wins
 * (RFC 7231 §5.3.2); a media type matched by no range is not acceptable.
 */
function acceptQuality(ranges: readonly MediaRange[], mediaType: string): number {
  const [type, subtype] = mediaType.split("/");
  let best: { specificity: number; q: number } | undefined;
  for (const range of ranges) {
    let specificity: number;
    if (range.type === type && range.subtype === subtype) specificity = 2;
    else if (range.type === type && range.subtype === "*") specificity = 1;
    else if (range.type === "*" && range.subtype === "*") specificity = 0;
    else continue;
    if (best === undefined || specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best?.q ?? 0;
}

/** Mesos picks JSON when acceptable, else protobuf; an absent Accept means JSON; neither -> 406. */
export function negotiateAccept(request: HttpRequest): HttpResult<V1MediaType> {
  const header = request.headers.accept;
  if (header === undefined) return { ok: true, value: APPLICATION_JSON };
  const ranges = parseAccept(header);
  if (acceptQuality(ranges, APPLICATION_JSON) > 0) return { ok: true, value: APPLICATION_JSON };
  if (acceptQuality(ranges, APPLICATION_PROTOBUF) > 0) {
    return { ok: true, value: APPLICATION_PROTOBUF };
  }
  return fail(
    "NOT_ACCEPTABLE",
    `Expecting 'Accept' to allow '${APPLICATION_JSON}' or '${APPLICATION_PROTOBUF}'`,
  );
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses the body in Mesos's JSON dialect (bare Infinity/NaN allowed), refusing bodies nested
 * too deep or holding more values than `limits` allow (bounded parse work, src/wire/json.ts).
 */
export function parseJsonBody(
  request: HttpRequest,
  limits: WireTextLimits = { maxValues: WIRE_REQUEST_MAX_VALUES },
): HttpResult<unknown> {
  let text: string;
  try {
    text = utf8.decode(request.body);
  } catch {
    return fail("BODY_NOT_JSON", "Failed to parse body into JSON: body is not valid UTF-8");
  }
  try {
    return { ok: true, value: parseWireText(text, limits) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail("BODY_NOT_JSON", `Failed to parse body into JSON: ${reason}`);
  }
}

export interface CallParseOptions {
  /**
   * Names the message in the conversion error, "Failed to convert JSON into <name> protobuf";
   * Mesos says `Call` for the scheduler, executor and operator APIs alike.
   */
  readonly protoName?: string;
  /**
   * The answer to a protobuf body that does not parse (or lacks a required field). Mesos's
   * scheduler, executor and master operator endpoints say the default; the agent's operator
   * endpoint goes through a generic helper that says "Failed to parse body into a protobuf
   * object".
   */
  readonly protobufError?: string;
}

/** Mesos's answer to a protobuf body its Call does not parse from. */
export const PROTOBUF_BODY_ERROR = "Failed to parse body into Call protobuf";

/** Validates parsed JSON against the API's Call schema (field types, required fields, enums). */
export function convertCall<S extends z.ZodType>(
  schema: S,
  json: unknown,
  options: CallParseOptions = {},
): HttpResult<z.output<S>> {
  const parsed = parseWire(schema, json);
  if (parsed.ok) return parsed;
  const name = options.protoName ?? "Call";
  return fail("BODY_NOT_A_CALL", `Failed to convert JSON into ${name} protobuf: ${parsed.error}`);
}

export interface V1Call<T> {
  readonly call: T;
  /** The request's media type, which is also the answer's for non-streaming calls. */
  readonly contentType: V1MediaType;
  /** A JSON `type` this API does not know (Mesos then leaves the optional type unset). */
  readonly unknownType?: string;
}

const MISSING_TYPE = "Expecting 'type' to be present";
const ECHOED_TYPE_MAX = 64;

/**
 * A validation message with what Mesos leaves out: for a call whose JSON `type` names no call
 * of this API, Mesos's own text ("Expecting 'type' to be present") followed by the name it did
 * not know, so `{"type":"NOPE"}` is not answered as if the type were missing.
 */
export function explainInvalid(invalid: string, read: { readonly unknownType?: string }): string {
  if (invalid !== MISSING_TYPE || read.unknownType === undefined) return invalid;
  const name = read.unknownType.slice(0, ECHOED_TYPE_MAX);
  return `${invalid} ('${name}' is not a call type of this API)`;
}

/**
 * Content-Type check, JSON parse and Call conversion in Mesos's order: what every v1 POST
 * handler runs first (after the server's leader and method checks). The Accept check is
 * separate because Mesos makes it only for some calls (SUBSCRIBE, RECONCILE_OPERATIONS, ...).
 */
export function readV1Call<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
  options: CallParseOptions = {},
): HttpResult<V1Call<z.output<S>>> {
  const contentType = checkContentType(request);
  if (!contentType.ok) return contentType;
  if (contentType.value === APPLICATION_PROTOBUF) {
    const call = parseProtobuf(schema, request.body);
    if (!call.ok) return fail("BODY_NOT_A_CALL", options.protobufError ?? PROTOBUF_BODY_ERROR);
    return { ok: true, value: { call: call.value, contentType: APPLICATION_PROTOBUF } };
  }
  const json = parseJsonBody(request);
  if (!json.ok) return json;
  const call = convertCall(schema, json.value, options);
  if (!call.ok) return call;
  const raw = (json.value as { type?: unknown } | null)?.type;
  const unknownType =
    typeof raw === "string" && (call.value as { type?: unknown }).type === undefined
      ? { unknownType: raw }
      : {};
  return { ok: true, value: { call: call.value, contentType: contentType.value, ...unknownType } };
}

/**
 * A message this process built (typed as the schema's output, as `encodeTrusted` takes it) in
 * the negotiated media type: JSON text or protobuf bytes. Streams and responses alike.
 */
export function encodeV1<S extends z.ZodType>(
  mediaType: string,
  schema: S,
  value: z.output<S>,
): string | Uint8Array {
  return mediaType === APPLICATION_PROTOBUF
    ? encodeProtobuf(schema, value)
    : encodeTrusted(schema, value);
}

/** A v1 response: the message (validated, as `encodeWire` does) in the negotiated media type. */
export function v1Response<S extends z.ZodType>(
  mediaType: V1MediaType,
  schema: S,
  value: z.input<S>,
): HttpResponse {
  const body = encodeV1(mediaType, schema, schema.parse(value));
  return response(200, body, { "Content-Type": mediaType });
}
