// `tessera agent`: runs an agent with Mesos-style flags (reference §8.7). Every flag can also
// come from a `TESSERA_<FLAG>` or Mesos's `MESOS_<FLAG>` environment variable; the command line
// wins. A Mesos agent's command line or systemd unit runs it with `mesos-agent` replaced by
// `tessera agent` (or `mesos-slave` by `tessera slave`). SIGINT/SIGTERM stop
// the agent; its tasks keep running and are recovered by the next start (Mesos's behaviour).
import type { Command } from "commander";
import { AGENT_FLAG_SPECS, parseAgentFlags } from "../agent/flags.ts";
import { daemonCommand, runDaemon, startupLogger } from "./daemon.ts";

export function agentCommand(): Command {
  const description = "run a Tessera agent (launches tasks in containers for the master)";
  const command = daemonCommand("agent", description, AGENT_FLAG_SPECS, async (flags) => {
    // Loaded on use, so that the other commands start without compiling the servers.
    const { AgentStartError, startAgent } = await import("../agent/server.ts");
    // Bad flags are left to startAgent, which refuses them as it always has.
    const parsed = parseAgentFlags(flags, process.env);
    const logger = startupLogger(
      "agent",
      parsed.ok
        ? {
            withoutEffect: parsed.withoutEffect,
            level: parsed.flags.logLevel,
            logDir: parsed.flags.logDir,
          }
        : undefined,
    );
    await runDaemon(
      "agent",
      () => startAgent({ flags, env: process.env, ...(logger === undefined ? {} : { logger }) }),
      (error) => error instanceof AgentStartError,
      (agent) => `Tessera agent listening on ${agent.url}`,
    );
  });
  // Mesos's agent binary was `mesos-slave` before 1.0 and is still installed under that name
  // (its systemd units and init scripts run it): `tessera slave` is the same command.
  return command.alias("slave");
}
