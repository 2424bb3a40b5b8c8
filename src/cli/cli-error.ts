// The one failure type of the operator commands. A command's expected failures (no master,
// unknown task, a call the master refused) end the command with one line on stderr and an exit
// code; `runAction` (command-kit.ts) is the single place that turns them into that line.
// Thrown rather than returned because a command is a short straight-line script whose every
// step can end it; nothing above the action catches or inspects it.

/** Exit codes: 1 for a failure, 2 for a usage error (as commander's own errors here). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export type CliErrorCode =
  | "NO_MASTER" // nothing listens at the master address
  | "NO_LEADER" // ZooKeeper names no leading master
  | "BAD_ADDRESS" // --master / TESSERA_MASTER does not parse
  | "BAD_ARGUMENT" // a flag value that does not parse
  | "REFUSED" // the master or agent answered the call with an error status
  | "NOT_FOUND" // unknown task, agent, ...
  | "UNSUPPORTED" // the cluster does not offer what the command needs
  | "UNREACHABLE"; // an agent (not the master) could not be reached

export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, exitCode: number = EXIT_FAILURE) {
    super(message);
    this.name = "CliError";
    this.code = code;
    this.exitCode = exitCode;
  }
}

export function usageError(message: string): CliError {
  return new CliError("BAD_ARGUMENT", message, EXIT_USAGE);
}
