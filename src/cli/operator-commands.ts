// The commands that talk to a running cluster (issue #6), in the order `tessera --help` lists
// them: run a task and look at it, then the cluster's parts, then operator changes.
import type { Command } from "commander";
import { agentsCommand } from "./agents.ts";
import { deactivateCommand, drainCommand, reactivateCommand } from "./drain.ts";
import { frameworksCommand } from "./frameworks.ts";
import { killCommand } from "./kill.ts";
import { logsCommand } from "./logs.ts";
import { maintenanceCommand } from "./maintenance.ts";
import { quotaCommand } from "./quota.ts";
import { rolesCommand } from "./roles.ts";
import { runCommand } from "./run.ts";
import { stateCommand } from "./state.ts";
import { tasksCommand } from "./tasks.ts";
import { teardownCommand } from "./teardown.ts";
import { weightsCommand } from "./weights.ts";

export function addOperatorCommands(program: Command): void {
  // `tessera run -- CMD -x` and `tessera run CMD -x`: options after the command belong to it
  // (run's passThroughOptions), which commander allows only with positional options on.
  program.enablePositionalOptions();
  for (const command of [
    runCommand(),
    tasksCommand(),
    logsCommand(),
    killCommand(),
    agentsCommand(),
    frameworksCommand(),
    rolesCommand(),
    stateCommand(),
    quotaCommand(),
    weightsCommand(),
    teardownCommand(),
    drainCommand(),
    deactivateCommand(),
    reactivateCommand(),
    maintenanceCommand(),
  ]) {
    program.addCommand(command);
  }
}
