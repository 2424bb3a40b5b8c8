// `/files/agent/<agent-id>/{browse,read,download}?path=…`: an agent's v0 files API (reference
// §4.5) reached through the leading master, so the web UI's sandbox browser works where the
// browser cannot reach agents (a standing complaint about the Mesos UI). The query goes to the
// agent unchanged (relay.ts). Standbys redirect to the leader (leader guard).
import { leaderGuard } from "../../http/leader.ts";
import { textResponse } from "../../http/response.ts";
import type { HttpServer } from "../../http/server.ts";
import { agentPid } from "../core/views.ts";
import type { MasterHttpContext } from "./context.ts";
import { relay } from "./relay.ts";

const OPERATIONS = new Set(["browse", "read", "download"]);

export function registerAgentFilesProxy(server: HttpServer, ctx: MasterHttpContext): void {
  server.route({
    name: "files/agent",
    prefixed: false,
    subpaths: true,
    methods: ["GET"],
    guard: leaderGuard(ctx.view),
    handler: (request) => {
      const [agentId, operation, ...rest] = request.tail.split("/");
      if (agentId === undefined || operation === undefined || rest.length > 0) {
        return textResponse(404, "Expecting /files/agent/<agent-id>/{browse,read,download}\n");
      }
      if (!OPERATIONS.has(operation)) {
        return textResponse(404, "Expecting /files/agent/<agent-id>/{browse,read,download}\n");
      }
      // The dispatcher's methods read its own fields: called on it, never detached.
      const dispatcher = ctx.dispatcher;
      const agent = dispatcher.core
        .snapshot(dispatcher.nowMs())
        .agents.find((a) => a.id === agentId);
      if (agent === undefined) return textResponse(404, `No agent '${agentId}' is registered\n`);
      const address = agentPid(agent).slice("slave(1)@".length);
      const query = request.query.toString();
      const url = `http://${address}/files/${operation}${query === "" ? "" : `?${query}`}`;
      return relay(url, { method: "GET" }, `Agent ${agentId} at ${address}`);
    },
  });
}
