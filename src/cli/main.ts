import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { MESOS_COMPATIBLE_VERSION, TESSERA_VERSION } from "../base/version.ts";
import { isEntryPoint, runCli } from "./cli-runner.ts";
import { addTlsOptions, hoistTlsOptions } from "./tls-options.ts";

/** Adds one module's commands to the program. */
type AddCommands = (program: Command) => void;

/**
 * Each command module with the top-level names it defines, in the order `tessera --help`
 * lists them. Modules are imported only when needed: a command line that names one command
 * loads only its module (its schemas, HTTP client, simulator…), so that `tessera version` or
 * `tessera tasks` does not pay for every other command's imports at start-up. A name missing
 * here still works (the whole program is built), only slower; test/cli/main.test.ts checks
 * that every command is listed.
 */
export const COMMAND_MODULES: ReadonlyArray<{
  readonly names: readonly string[];
  readonly load: () => Promise<AddCommands>;
}> = [
  {
    names: ["dev"],
    load: async () => {
      const { devCommand } = await import("./dev.ts");
      return (program) => program.addCommand(devCommand());
    },
  },
  {
    names: ["master"],
    load: async () => {
      const { masterCommand } = await import("./master.ts");
      return (program) => program.addCommand(masterCommand());
    },
  },
  {
    names: ["agent"],
    load: async () => {
      const { agentCommand } = await import("./agent.ts");
      return (program) => program.addCommand(agentCommand());
    },
  },
  {
    names: ["services"],
    load: async () => {
      const { servicesCommand } = await import("./services.ts");
      return (program) => program.addCommand(servicesCommand());
    },
  },
  {
    names: ["aurora"],
    load: async () => {
      const { auroraCommand } = await import("./aurora.ts");
      return (program) => program.addCommand(auroraCommand());
    },
  },
  {
    names: ["jobs"],
    load: async () => {
      const { jobsCliCommand } = await import("./jobs.ts");
      return (program) => program.addCommand(jobsCliCommand());
    },
  },
  {
    names: [
      "run",
      "tasks",
      "logs",
      "kill",
      "agents",
      "frameworks",
      "roles",
      "state",
      "quota",
      "weights",
      "drain",
      "deactivate",
      "reactivate",
      "teardown",
      "maintenance",
    ],
    load: async () => (await import("./operator-commands.ts")).addOperatorCommands,
  },
  {
    names: ["thermos-executor"],
    load: async () => {
      const { thermosExecutorCommand } = await import("./thermos-executor.ts");
      return (program) => program.addCommand(thermosExecutorCommand());
    },
  },
  {
    names: ["simulate"],
    load: async () => (await import("./simulate.ts")).addSimulateCommand,
  },
];

function baseProgram(): Command {
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
  addTlsOptions(program);

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
  return program;
}

/**
 * The `tessera` program. With `commandName` (the first word of a command line) only what that
 * command needs is loaded; without it, or for a name no module claims (help, a typo that
 * deserves a "did you mean"), every command is.
 */
export async function buildProgram(commandName?: string): Promise<Command> {
  const program = baseProgram();
  if (commandName === "version" || commandName === "-V" || commandName === "--version") {
    return program;
  }
  const owner = COMMAND_MODULES.find(
    (m) => commandName !== undefined && m.names.includes(commandName),
  );
  for (const module of owner === undefined ? COMMAND_MODULES : [owner]) {
    (await module.load())(program);
  }
  return program;
}

// Parse only when run as the `tessera` command (bin/tessera.mjs, `node dist/cli/main.js` or
// `tsx src/cli/main.ts`), so that the reference generator (reference.ts) can import the
// program's definitions.
const entryFiles = [
  fileURLToPath(import.meta.url),
  fileURLToPath(new URL("../../bin/tessera.mjs", import.meta.url)),
];
if (isEntryPoint(entryFiles)) {
  await runCli(await buildProgram(process.argv[2]), hoistTlsOptions(process.argv));
}
