// What every operator command shares: the `--master` option (and `--json` where it prints
// rows), the action wrapper that turns a CliError into one line on stderr and an exit
// code, so that no expected failure ever shows a stack trace, and the shape of a command that
// lists rows.
import { Command, Option } from "commander";
import { CliError } from "./cli-error.ts";
import { applyCliCredential, type CredentialOptions, credentialOptions } from "./credentials.ts";
import { DEFAULT_MASTER, MASTER_ENV } from "./master-address.ts";
import { MasterClient } from "./operator-client.ts";
import { type Column, printJson, printTable } from "./output.ts";

export interface MasterOptions extends CredentialOptions {
  master?: string;
}
export interface JsonOptions {
  json?: boolean;
}

export function masterOption(): Option {
  return new Option(
    "--master <address>",
    `master URL, HOST:PORT or zk://HOST:PORT/PATH (env ${MASTER_ENV}; default ${DEFAULT_MASTER})`,
  );
}

export function jsonOption(): Option {
  return new Option("--json", "print JSON for scripts instead of a table");
}

/** A command that talks to a master: `--master` added, extra arguments refused. */
export function operatorCommand(name: string, description: string): Command {
  const command = new Command(name).description(description).addOption(masterOption());
  for (const option of credentialOptions()) command.addOption(option);
  return command.allowExcessArguments(false);
}

export function connect(opts: MasterOptions): Promise<MasterClient> {
  applyCliCredential(opts);
  return MasterClient.connect(opts.master);
}

/** Writes a failure as the command's one line on stderr and sets the exit code. */
export function reportFailure(error: CliError): void {
  process.stderr.write(`error: ${error.message}\n`);
  process.exitCode = error.exitCode;
}

/** Wraps an action: CliErrors become one stderr line and their exit code; bugs still throw. */
export function runAction<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof CliError) reportFailure(error);
      else throw error;
    }
  };
}

/**
 * Makes `command` (built by `operatorCommand`, with its own options) a listing: `--json` is
 * added after its options, and its action prints the rows `read` gets from the master as a
 * table of `columns`, or as JSON with `--json`.
 */
export function listing<Row, Opts extends object = object>(
  command: Command,
  columns: readonly Column<Row>[],
  read: (master: MasterClient, opts: Opts) => Promise<Row[]>,
): Command {
  return command.addOption(jsonOption()).action(
    runAction(async (opts: MasterOptions & JsonOptions & Opts) => {
      const rows = await read(await connect(opts), opts);
      if (opts.json) printJson(rows);
      else printTable(columns, rows);
    }),
  );
}
