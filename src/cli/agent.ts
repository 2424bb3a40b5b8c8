// `tessera agent`: runs an agent with Mesos-style flags (reference §8.7). Every flag can also
// come from a `TESSERA_<FLAG>` environment variable; the command line wins. SIGINT/SIGTERM stop
// the agent; its tasks keep running and are recovered by the next start (Mesos's behaviour).
import { Command } from "commander";
import { AGENT_FLAG_SPECS } from "../agent/flags.ts";
import { addMesosFlags } from "./mesos-flags.ts";

export function agentCommand(): Command {
  const command = new Command("agent")
    .description("run a Tessera agent (launches tasks in containers for the master)")
    .allowExcessArguments(false);
  addMesosFlags(command, AGENT_FLAG_SPECS);
  command.action(async (opts: Record<string, string | boolean | undefined>) => {
    // Loaded on use, so that the other commands start without compiling the servers.
    const { AgentStartError, startAgent } = await import("../agent/server.ts");
    let agent: Awaited<ReturnType<typeof startAgent>>;
    try {
      agent = await startAgent({ flags: opts, env: process.env });
    } catch (error) {
      if (error instanceof AgentStartError) {
        process.stderr.write(`tessera agent: ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
    process.stdout.write(`Tessera agent listening on ${agent.url}\n`);
    const stop = () => {
      process.stdout.write("Stopping the agent\n");
      void agent.close();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await agent.stopped;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  });
  return command;
}
