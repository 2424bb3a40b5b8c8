// `tessera teardown FRAMEWORK`: the operator's TEARDOWN call (reference §4.2) removes a
// framework and kills all its tasks — the way to end a `tessera run --detach` task for good.
import type { Command } from "commander";
import { CliError } from "./cli-error.ts";
import { clusterState } from "./cluster-views.ts";
import { connect, type MasterOptions, operatorCommand, runAction } from "./command-kit.ts";

export function teardownCommand(): Command {
  return operatorCommand("teardown", "remove a framework and kill all its tasks")
    .argument("<framework>", "framework id (see `tessera frameworks`)")
    .action(
      runAction(async (frameworkId: string, opts: MasterOptions) => {
        const master = await connect(opts);
        const state = await clusterState(master);
        if (!state.frameworks.some((f) => f.framework_info.id?.value === frameworkId)) {
          throw new CliError(
            "NOT_FOUND",
            `no active framework '${frameworkId}' — \`tessera frameworks\` lists them`,
          );
        }
        await master.call({ type: "TEARDOWN", teardown: { framework_id: { value: frameworkId } } });
        process.stdout.write(`framework ${frameworkId} torn down\n`);
      }),
    );
}
