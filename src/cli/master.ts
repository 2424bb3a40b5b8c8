// `tessera master`: runs a master with Mesos-style flags (reference §5.9). Every flag can also
// come from a `TESSERA_<FLAG>` environment variable; the command line wins.
import { Command } from "commander";
import { MASTER_FLAG_SPECS } from "../master/flags.ts";
import { addMesosFlags } from "./mesos-flags.ts";

export function masterCommand(): Command {
  const command = new Command("master")
    .description("run a Tessera master (Mesos-compatible scheduler, operator and agent APIs)")
    .allowExcessArguments(false);
  addMesosFlags(command, MASTER_FLAG_SPECS);
  command.action(async (opts: Record<string, string | boolean | undefined>) => {
    // Loaded on use, so that the other commands start without compiling the servers.
    const { MasterStartError, startMaster } = await import("../master/server.ts");
    let master: Awaited<ReturnType<typeof startMaster>>;
    try {
      master = await startMaster({ flags: opts, env: process.env });
    } catch (error) {
      if (error instanceof MasterStartError) {
        process.stderr.write(`tessera master: ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
    process.stdout.write(`Tessera master ${master.masterInfo.id} listening on ${master.url}\n`);
    const stop = () => {
      process.stdout.write("Stopping the master\n");
      void master.close();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await master.stopped;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    // A leader that lost its ZooKeeper session stops (as Mesos's does): a failure exit tells
    // its supervisor to restart it, and it comes back as a standby.
    if (master.leadershipRecords.at(-1)?.phase === "stepped_down") {
      process.stderr.write(
        "tessera master: lost leadership; exiting for the supervisor to restart\n",
      );
      process.exitCode = 1;
    }
  });
  return command;
}
