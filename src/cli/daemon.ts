// What `tessera master` and `tessera agent` do alike once their flags are read: start the
// daemon, print where it listens, stop it on SIGINT/SIGTERM, and return once it has stopped.
import { Command } from "commander";
import type { MesosFlagSpec } from "../base/flag-parsing.ts";
import { addMesosFlags } from "./mesos-flags.ts";

export type DaemonFlags = Record<string, string | boolean | undefined>;

/** A daemon's command: its Mesos-style flags, and `action` run with their values. */
export function daemonCommand(
  name: "master" | "agent",
  description: string,
  specs: readonly MesosFlagSpec[],
  action: (flags: DaemonFlags) => Promise<void>,
): Command {
  const command = new Command(name).description(description).allowExcessArguments(false);
  addMesosFlags(command, specs);
  command.action(action);
  return command;
}

export interface RunningDaemon {
  readonly url: string;
  readonly stopped: Promise<unknown>;
  close(): Promise<unknown>;
}

/**
 * Runs a daemon in the foreground. A refused start (`isStartError`) is printed as
 * `tessera <name>: <message>` with exit code 1 and gives undefined; any other error is thrown.
 */
export async function runDaemon<D extends RunningDaemon>(
  name: "master" | "agent",
  start: () => Promise<D>,
  isStartError: (error: unknown) => boolean,
  banner: (daemon: D) => string,
): Promise<D | undefined> {
  let daemon: D;
  try {
    daemon = await start();
  } catch (error) {
    if (isStartError(error)) {
      process.stderr.write(`tessera ${name}: ${(error as Error).message}\n`);
      process.exitCode = 1;
      return undefined;
    }
    throw error;
  }
  process.stdout.write(`${banner(daemon)}\n`);
  const stop = () => {
    process.stdout.write(`Stopping the ${name}\n`);
    void daemon.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await daemon.stopped;
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  return daemon;
}
