// Parses the command line and runs the chosen command with the CLI's error conventions: a
// wrong flag or argument is one line naming it (commander's own message, no help dump) and
// exit code 2; help and version exit 0. Commander's settings are applied to every command,
// since `addCommand` does not pass them down.
import { realpathSync } from "node:fs";
import { type Command, CommanderError } from "commander";
import { EXIT_USAGE } from "./cli-error.ts";

/** Commander's "(Did you mean …?)" second line, folded into the error's one line. */
export function oneLineError(text: string): string {
  return text.replace(/\n\(Did you mean (.+)\?\)/, "; did you mean $1?");
}

function configure(command: Command): void {
  command.exitOverride();
  command.showHelpAfterError(false);
  command.showSuggestionAfterError(true);
  command.configureOutput({ outputError: (text, write) => write(oneLineError(text)) });
  for (const sub of command.commands) configure(sub);
}

/** Runs the program on argv (as `process.argv`); sets process.exitCode for usage errors. */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  configure(program);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help and version (exit code 0) and help shown for a missing subcommand keep their code.
    const informational =
      error.exitCode === 0 || error.code === "commander.help" || error.code === "commander.version";
    process.exitCode = informational ? error.exitCode : EXIT_USAGE;
  }
}

/** True when `file` (a module path) is what node was asked to run, symlinks resolved. */
export function isEntryPoint(files: readonly string[]): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    const real = realpathSync(entry);
    return files.some((f) => real === f);
  } catch {
    return false;
  }
}
