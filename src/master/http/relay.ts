// One HTTP request relayed by the master to a peer it knows (an agent's files API, a
// framework's own API), for the web UI, so the browser needs to reach only the master. The
// answer comes back with its status and content type; a peer that is down or slow is a 502 or
// 504 naming it, and a body past the bound is refused rather than held.
import { type HttpResponse, response, textResponse } from "../../http/response.ts";

/** Longest the master waits for a peer before answering 504. */
export const RELAY_TIMEOUT_MS = 10_000;
/** Largest body relayed (held in memory once); a bigger one is refused with a 502 saying so. */
export const RELAY_MAX_BYTES = 16 * 1024 * 1024;

/** Response headers passed back to the browser (the rest are the peer's own business). */
const RELAYED_HEADERS = ["content-type", "content-disposition", "location"];

export async function relay(url: string, init: RequestInit, peer: string): Promise<HttpResponse> {
  let reply: Response;
  try {
    reply = await fetch(url, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(RELAY_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = (error as { name?: string }).name === "TimeoutError";
    return textResponse(
      timedOut ? 504 : 502,
      `${peer} ${timedOut ? "did not answer in time" : "cannot be reached"}\n`,
    );
  }
  const tooLarge = `The answer of ${peer} is larger than the master relays (${RELAY_MAX_BYTES} bytes)\n`;
  if (Number(reply.headers.get("content-length") ?? "0") > RELAY_MAX_BYTES) {
    await reply.body?.cancel();
    return textResponse(502, tooLarge);
  }
  const body = new Uint8Array(await reply.arrayBuffer());
  if (body.length > RELAY_MAX_BYTES) return textResponse(502, tooLarge);
  const headers: Record<string, string> = {};
  for (const name of RELAYED_HEADERS) {
    const value = reply.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return response(reply.status, body, headers);
}
