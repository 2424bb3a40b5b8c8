// `/framework-api/<framework-id>/<path>`: a framework's own HTTP API, at the address it
// registered as FrameworkInfo.webui_url, relayed by the leading master (relay.ts). The web UI
// drives the built-in services framework (its Marathon API) this way: one origin, so no CORS
// opening on the framework's API, and it works where the browser cannot reach the framework's
// host. Only an http(s) webui_url of a registered framework is ever reached, and only below
// it; whoever may use the master's UI may use these APIs, as with Mesos's own UI links.
import { leaderGuard } from "../../http/leader.ts";
import { textResponse } from "../../http/response.ts";
import type { HttpServer } from "../../http/server.ts";
import type { MasterHttpContext } from "./context.ts";
import { relay } from "./relay.ts";

/** Request headers passed on to the framework. */
const FORWARDED_HEADERS = ["content-type", "accept"];

export function registerFrameworkProxy(server: HttpServer, ctx: MasterHttpContext): void {
  server.route({
    name: "framework-api",
    prefixed: false,
    subpaths: true,
    methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    guard: leaderGuard(ctx.view),
    handler: (request) => {
      const at = request.tail.indexOf("/");
      const frameworkId = at === -1 ? request.tail : request.tail.slice(0, at);
      const rest = at === -1 ? "" : request.tail.slice(at + 1);
      // The dispatcher's methods read its own fields: called on it, never detached.
      const dispatcher = ctx.dispatcher;
      const framework = dispatcher.core
        .snapshot(dispatcher.nowMs())
        .frameworks.find((f) => f.id === frameworkId);
      const declared = framework?.info.webui_url;
      if (declared === undefined) {
        return textResponse(404, `No registered framework '${frameworkId}' has a webui_url\n`);
      }
      let base: URL;
      try {
        base = new URL(declared);
      } catch {
        return textResponse(502, `Framework ${frameworkId} has an unusable webui_url\n`);
      }
      if (base.protocol !== "http:" && base.protocol !== "https:") {
        return textResponse(502, `Framework ${frameworkId} has an unusable webui_url\n`);
      }
      const query = request.query.toString();
      const target = new URL(`${base.pathname.replace(/\/$/, "")}/${rest}`, base.origin);
      if (query !== "") target.search = query;
      const headers: Record<string, string> = {};
      for (const name of FORWARDED_HEADERS) {
        const value = request.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      const withBody = request.method !== "GET" && request.body.length > 0;
      return relay(
        target.toString(),
        { method: request.method, headers, ...(withBody ? { body: request.body } : {}) },
        `Framework ${frameworkId} at ${base.origin}`,
      );
    },
  });
}
