// `/files/agent/<agent-id>/{browse,read,download}?path=…`: an agent's v0 files API (reference
// §4.5) reached through the leading master, so the web UI's sandbox browser works where the
// browser cannot reach agents (a standing complaint about the Mesos UI, reference §4 of
// security-ui-maintenance.md). The query goes to the agent unchanged; its answer comes back
// with its status and content type. Standbys redirect to the leader (leader guard).
import { leaderGuard } from "../../http/leader.ts";
import { response, textResponse } from "../../http/response.ts";
import type { HttpServer } from "../../http/server.ts";
import { agentPid } from "../core/views.ts";
import type { MasterHttpContext } from "./context.ts";

/** Longest the master waits for an agent's files API before answering 504. */
export const AGENT_FILES_TIMEOUT_MS = 10_000;
/**
 * Largest body relayed (a download is held in memory once); a bigger file is refused with a
 * 502 that says so. Reads are 64 KiB at most anyway (the agent's own cap).
 */
export const AGENT_FILES_MAX_BYTES = 16 * 1024 * 1024;

const OPERATIONS = new Set(["browse", "read", "download"]);

export function registerAgentFilesProxy(server: HttpServer, ctx: MasterHttpContext): void {
  server.route({
    name: "files/agent",
    prefixed: false,
    subpaths: true,
    methods: ["GET"],
    guard: leaderGuard(ctx.view),
    handler: async (request) => {
      const [agentId, operation, ...rest] = request.tail.split("/");
      if (
        agentId === undefined ||
        operation === undefined ||
        rest.length > 0 ||
        !OPERATIONS.has(operation)
      ) {
        return textResponse(404, "Expecting /files/agent/<agent-id>/{browse,read,download}\n");
      }
      const dispatcher = ctx.dispatcher;
      const agent = dispatcher.core
        .snapshot(dispatcher.nowMs())
        .agents.find((a) => a.id === agentId);
      if (agent === undefined) return textResponse(404, `No agent '${agentId}' is registered\n`);
      const address = agentPid(agent).slice("slave(1)@".length);
      const query = request.query.toString();
      const url = `http://${address}/files/${operation}${query === "" ? "" : `?${query}`}`;
      let reply: Response;
      try {
        reply = await fetch(url, { signal: AbortSignal.timeout(AGENT_FILES_TIMEOUT_MS) });
      } catch (error) {
        const timedOut = (error as { name?: string }).name === "TimeoutError";
        return textResponse(
          timedOut ? 504 : 502,
          `Agent ${agentId} at ${address} ${timedOut ? "did not answer in time" : "cannot be reached"}\n`,
        );
      }
      const length = Number(reply.headers.get("content-length") ?? "0");
      if (length > AGENT_FILES_MAX_BYTES) {
        await reply.body?.cancel();
        return textResponse(
          502,
          `The file is larger than the master relays (${AGENT_FILES_MAX_BYTES} bytes)\n`,
        );
      }
      const body = new Uint8Array(await reply.arrayBuffer());
      if (body.length > AGENT_FILES_MAX_BYTES) {
        return textResponse(
          502,
          `The file is larger than the master relays (${AGENT_FILES_MAX_BYTES} bytes)\n`,
        );
      }
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "content-disposition"]) {
        const value = reply.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      return response(reply.status, body, headers);
    },
  });
}
