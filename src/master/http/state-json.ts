// The master's big answers printed as they are written (src/wire/json-stream.ts): /master/state
// (legacy JSON) and the operator API's GET_STATE in JSON (protobuf JSON, Mesos's dialect). The
// text is the one the whole answer would have printed as at once; only its pacing changed.
import { JSONP_CALLBACK } from "../../http/jsonp.ts";
import { APPLICATION_JSON, chunkedReply, type Reply, textResponse } from "../../http/response.ts";
import { verifyTrustedText } from "../../wire/json.ts";
import { type JsonDialect, jsonChunks, jsonText, StreamedObject } from "../../wire/json-stream.ts";
import { MasterResponse } from "../../wire/operator-master.ts";
import type { MasterCore } from "../core/master.ts";

/** `document` as a 200 JSON answer in chunks, wrapped when the query asks for `jsonp`. */
export function streamedJsonOrJsonp(
  query: URLSearchParams,
  document: unknown,
  dialect: JsonDialect = "json",
): Reply {
  const callback = query.get("jsonp");
  if (callback === null) return streamedJson(document, dialect);
  if (!JSONP_CALLBACK.test(callback)) return textResponse(400, "Invalid 'jsonp' callback name");
  return chunkedReply(200, { "Content-Type": "text/javascript" }, wrapped(callback, document));
}

export function streamedJson(
  document: unknown,
  dialect: JsonDialect,
  mediaType = APPLICATION_JSON,
) {
  return chunkedReply(200, { "Content-Type": mediaType }, jsonChunks(document, dialect));
}

function* wrapped(callback: string, document: unknown): Generator<string> {
  yield `${callback}(`;
  yield* jsonChunks(document, "json");
  yield ");";
}

/**
 * GET_STATE in JSON, printed as it is written. Not validated on the way out: the core's values
 * were validated where they came in, and the tests check the text against the validated form
 * (verifyTrustedText), as the operator stream's SUBSCRIBED is (operator-events.ts).
 */
export function getStateJson(core: MasterCore): Reply {
  const document = new StreamedObject([
    ["type", "GET_STATE"],
    ["get_state", core.getStateDocument()],
  ]);
  verifyTrustedText(
    MasterResponse,
    () => jsonText(document, "wire"),
    () => ({ type: "GET_STATE" as const, get_state: core.getState() }),
  );
  return streamedJson(document, "wire");
}
