// `tessera master`: runs a master with Mesos-style flags (reference §5.9). Every flag can also
// come from a `TESSERA_<FLAG>` environment variable; the command line wins.
import type { Command } from "commander";
import { MASTER_FLAG_SPECS } from "../master/flags.ts";
import { daemonCommand, runDaemon } from "./daemon.ts";

export function masterCommand(): Command {
  const description = "run a Tessera master (Mesos-compatible scheduler, operator and agent APIs)";
  return daemonCommand("master", description, MASTER_FLAG_SPECS, async (flags) => {
    // Loaded on use, so that the other commands start without compiling the servers.
    const { MasterStartError, startMaster } = await import("../master/server.ts");
    const master = await runDaemon(
      "master",
      () => startMaster({ flags, env: process.env }),
      (error) => error instanceof MasterStartError,
      (m) => `Tessera master ${m.masterInfo.id} listening on ${m.url}`,
    );
    // A leader that lost its ZooKeeper session stops (as Mesos's does): a failure exit tells
    // its supervisor to restart it, and it comes back as a standby.
    if (master?.leadershipRecords.at(-1)?.phase === "stepped_down") {
      process.stderr.write(
        "tessera master: lost leadership; exiting for the supervisor to restart\n",
      );
      process.exitCode = 1;
    }
  });
}
