// `tessera state`: the master's whole state as JSON, for scripts and bug reports: the v1
// GET_STATE answer by default, or the legacy `/master/state` (what Mesos-era tools scrape).
import type { Command } from "commander";
import { connect, type MasterOptions, operatorCommand, runAction } from "./command-kit.ts";
import { printJson } from "./output.ts";

export function stateCommand(): Command {
  return operatorCommand("state", "print the master's state as JSON (GET_STATE)")
    .option("--legacy", "print /master/state (Mesos's v0 JSON) instead")
    .action(
      runAction(async (opts: MasterOptions & { legacy?: boolean }) => {
        const master = await connect(opts);
        printJson(
          opts.legacy
            ? await master.getJson("/master/state")
            : await master.call({ type: "GET_STATE" }),
        );
      }),
    );
}
