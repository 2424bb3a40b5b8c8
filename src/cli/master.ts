// `tessera master`: runs a master with Mesos-style flags (reference §5.9). Every flag can also
// come from a `TESSERA_<FLAG>` or Mesos's `MESOS_<FLAG>` environment variable; the command line
// wins. A Mesos master's command line or systemd unit runs it with `mesos-master` replaced by
// `tessera master`.
import type { Command } from "commander";
import { MASTER_FLAG_SPECS, parseMasterFlags } from "../master/flags.ts";
import { daemonCommand, runDaemon, startupLogger } from "./daemon.ts";

export function masterCommand(): Command {
  const description = "run a Tessera master (Mesos-compatible scheduler, operator and agent APIs)";
  return daemonCommand("master", description, MASTER_FLAG_SPECS, async (flags) => {
    // Loaded on use, so that the other commands start without compiling the servers.
    const { MasterStartError, startMaster } = await import("../master/server.ts");
    // Bad flags are left to startMaster, which refuses them as it always has.
    const parsed = parseMasterFlags(flags, process.env);
    const logger = startupLogger(
      "master",
      parsed.ok
        ? {
            withoutEffect: parsed.withoutEffect,
            level: parsed.flags.quiet ? "error" : parsed.flags.logLevel,
            logDir: parsed.flags.logDir,
          }
        : undefined,
    );
    const master = await runDaemon(
      "master",
      () => startMaster({ flags, env: process.env, ...(logger === undefined ? {} : { logger }) }),
      (error) => error instanceof MasterStartError,
      (m) => `Tessera master ${m.masterInfo.id} listening on ${m.url}`,
    );
    // A leader that lost its ZooKeeper session stops (as Mesos's does): a failure exit tells
    // its supervisor to restart it, and it comes back as a standby.
    // A stop asked for (SIGTERM: `systemctl stop`) withdraws the leader: that exits cleanly.
    const last = master?.leadershipRecords.at(-1);
    if (last?.phase === "stepped_down" && !last.reason?.startsWith("withdrawn")) {
      process.stderr.write(
        "tessera master: lost leadership; exiting for the supervisor to restart\n",
      );
      process.exitCode = 1;
    }
  });
}
