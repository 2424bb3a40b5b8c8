import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { MESOS_COMPATIBLE_VERSION, TESSERA_VERSION } from "../base/version.ts";
import { agentCommand } from "./agent.ts";
import { isEntryPoint, runCli } from "./cli-runner.ts";
import { devCommand } from "./dev.ts";
import { masterCommand } from "./master.ts";
import { addOperatorCommands } from "./operator-commands.ts";
import { servicesCommand } from "./services.ts";
import { addSimulateCommand } from "./simulate.ts";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("tessera")
    .description(
      "Tessera: a Mesos-compatible data-center kernel (master, agents, DRF allocator, v1 APIs).",
    )
    .version(
      `tessera ${TESSERA_VERSION} (Mesos API ${MESOS_COMPATIBLE_VERSION})`,
      "-V, --version",
      "print the version",
    );

  program
    .command("version")
    .description("print the Tessera version and the Mesos API version it speaks")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        console.log(
          JSON.stringify({ version: TESSERA_VERSION, mesos_api: MESOS_COMPATIBLE_VERSION }),
        );
      } else {
        console.log(`tessera ${TESSERA_VERSION} (Mesos API ${MESOS_COMPATIBLE_VERSION})`);
      }
    });

  program.addCommand(devCommand());
  program.addCommand(masterCommand());
  program.addCommand(agentCommand());
  program.addCommand(servicesCommand());
  addOperatorCommands(program);
  addSimulateCommand(program);

  return program;
}

// Parse only when run as the `tessera` command (bin/tessera.mjs or `tsx src/cli/main.ts`), so
// that the reference generator (reference.ts) can import the program's definitions.
const entryFiles = [
  fileURLToPath(import.meta.url),
  fileURLToPath(new URL("../../bin/tessera.mjs", import.meta.url)),
];
if (isEntryPoint(entryFiles)) await runCli(buildProgram(), process.argv);
