// `?jsonp=<callback>` on the legacy JSON endpoints of master and agent (reference §4.5): the
// answer wrapped as `callback(<json>);` with a JavaScript content type, as libprocess's OK
// response does; a callback that is not a JavaScript name is refused.
import { type HttpResponse, jsonResponse, response, textResponse } from "./response.ts";

export const JSONP_CALLBACK = /^[A-Za-z_$][A-Za-z0-9_$.]*$/;

/** `text` (JSON) as the answer, wrapped when the query asks for `jsonp`. */
export function jsonOrJsonp(query: URLSearchParams, text: string): HttpResponse {
  const callback = query.get("jsonp");
  if (callback === null) return jsonResponse(200, text);
  if (!JSONP_CALLBACK.test(callback)) return textResponse(400, "Invalid 'jsonp' callback name");
  return response(200, `${callback}(${text});`, { "Content-Type": "text/javascript" });
}
