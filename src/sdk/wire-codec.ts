// How an SDK client puts its calls and reads its events on the wire: JSON (the default) or
// `application/x-protobuf` (reference §0.2), for requests, answers and the RecordIO records of
// its event stream alike. One schema gives both encodings (src/wire/proto-message.ts).

import type { z } from "zod";
import { APPLICATION_JSON, APPLICATION_PROTOBUF } from "../http/response.ts";
import { encodeWire, parseWire, type WireResult } from "../wire/json.ts";
import { encodeProtobufChecked, parseProtobuf } from "../wire/protobuf.ts";

/** The media types an SDK client speaks. */
export type SdkMediaType = typeof APPLICATION_JSON | typeof APPLICATION_PROTOBUF;

export interface WireCodec<C extends z.ZodType, E extends z.ZodType> {
  readonly mediaType: SdkMediaType;
  encodeCall(call: z.input<C>): string | Uint8Array;
  /** A record of the event stream, decoded (what `parseEvent` is then given). */
  decodeRecord: ((record: Uint8Array) => unknown) | undefined;
  parseEvent(raw: unknown): WireResult<z.output<E>>;
}

export function wireCodec<C extends z.ZodType, E extends z.ZodType>(
  callSchema: C,
  eventSchema: E,
  mediaType: SdkMediaType = APPLICATION_JSON,
): WireCodec<C, E> {
  if (mediaType === APPLICATION_PROTOBUF) {
    return {
      mediaType,
      encodeCall: (call) => encodeProtobufChecked(callSchema, call),
      // Parsed as it is decoded: a record that does not parse is dropped by the client's
      // reader (as a bad JSON event is), not a broken stream.
      decodeRecord: (record) => parseProtobuf(eventSchema, record),
      parseEvent: (raw) => raw as WireResult<z.output<E>>,
    };
  }
  return {
    mediaType,
    encodeCall: (call) => encodeWire(callSchema, call),
    decodeRecord: undefined,
    parseEvent: (raw) => parseWire(eventSchema, raw),
  };
}
