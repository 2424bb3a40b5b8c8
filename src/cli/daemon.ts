// What `tessera master` and `tessera agent` do alike once their flags are read: refuse an
// unknown flag (with a "did you mean"), name the Mesos flags given that have no effect here in
// one start-up line, log to --log_dir too when it is given, start the daemon, print where it
// listens, stop it on SIGINT/SIGTERM, and return once it has stopped.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { destination, type Logger, multistream, pino } from "pino";
import {
  type FlagWithoutEffect,
  type LogLevel,
  type MesosFlagSpec,
  unknownFlagMessage,
  withoutEffectLine,
} from "../base/flag-parsing.ts";
import { addMesosFlags, strayArgumentMessage } from "./mesos-flags.ts";

export type DaemonFlags = Record<string, string | boolean | undefined>;

/** A daemon's command: its Mesos-style flags, and `action` run with their values. */
export function daemonCommand(
  name: "master" | "agent",
  description: string,
  specs: readonly MesosFlagSpec[],
  action: (flags: DaemonFlags) => Promise<void>,
): Command {
  // Unknown words are let through commander so that they are refused the Mesos way, below.
  const command = new Command(name)
    .description(description)
    .allowUnknownOption(true)
    .allowExcessArguments(true);
  addMesosFlags(command, specs);
  command.action(async (flags: DaemonFlags, self: Command) => {
    const stray = strayArgumentMessage(self.args, specs, unknownFlagMessage);
    if (stray !== undefined) {
      process.stderr.write(`tessera ${name}: ${stray}\n`);
      process.exitCode = 1;
      return;
    }
    await action(flags);
  });
  return command;
}

/** What the daemon's flags, once parsed, say about how it starts up. */
export interface StartupFlags {
  withoutEffect: readonly FlagWithoutEffect[];
  level: LogLevel;
  logDir: string | undefined;
}

/**
 * Prints the line naming the flags without effect, and gives the logger for --log_dir (also
 * on stderr, as Mesos's glog also logs there), or undefined to leave the daemon its default.
 */
export function startupLogger(
  name: "master" | "agent",
  startup: StartupFlags | undefined,
): Logger | undefined {
  if (startup === undefined) return undefined;
  const line = withoutEffectLine(name, startup.withoutEffect);
  if (line !== undefined) process.stderr.write(`${line}\n`);
  if (startup.logDir === undefined) return undefined;
  mkdirSync(startup.logDir, { recursive: true });
  const file = destination({ dest: join(startup.logDir, `tessera-${name}.log`), sync: true });
  return pino(
    { level: startup.level },
    multistream([
      { level: "trace", stream: destination(2) },
      { level: "trace", stream: file },
    ]),
  );
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
