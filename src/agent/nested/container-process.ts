// The process side of an API-launched container: its argv and environment from CommandInfo,
// what a DEBUG container inherits from its parent's first process (environment, user), how it
// is signalled (its whole process group) and how its end is reported.

import { readFileSync } from "node:fs";
import type { ContainerTermination } from "../../wire/operator-agent.ts";
import type { CommandInfo } from "../../wire/task.ts";
import { findTool } from "../containerizer/namespaces-detect.ts";

/** Mesos's default PATH for a container whose environment sets none. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function terminationOf(
  waitStatus: number | null,
  limitation: { reason: string; message: string } | undefined,
): ContainerTermination {
  return {
    ...(waitStatus === null ? {} : { exit_status: waitStatus }),
    ...(limitation === undefined
      ? {}
      : {
          state: "TASK_FAILED" as const,
          reason: limitation.reason as ContainerTermination["reason"],
          message: limitation.message,
        }),
  };
}

export function signalGroup(pid: number, signal: NodeJS.Signals | number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // Already gone.
    }
  }
}

export function commandSpec(command: CommandInfo | undefined) {
  return {
    shell: command?.shell ?? true,
    value: command?.value ?? "",
    arguments: command?.arguments ?? [],
  };
}

export function commandArgv(command: CommandInfo | undefined, sh: string): string[] {
  const spec = commandSpec(command);
  return spec.shell ? [sh, "-c", spec.value] : [spec.value, ...spec.arguments.slice(1)];
}

/** CommandInfo.environment's plain values (secrets are not built). */
export function commandEnv(command: CommandInfo | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of command?.environment?.variables ?? []) {
    if (v.value !== undefined) env[v.name] = v.value;
  }
  return env;
}

/** The environment of a running process (a DEBUG container inherits its parent's). */
export function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  try {
    for (const pair of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
      const at = pair.indexOf("=");
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  } catch {
    // Gone, or not readable: the container starts with only its own variables.
  }
  return env;
}

/** Runs as the parent's user when that is not the agent's (Mesos inherits the parent's). */
export function userSwitch(pid: number): string[] {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return [];
  }
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
  const gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1]);
  const setpriv = findTool("setpriv");
  if (!Number.isInteger(uid) || uid === process.getuid?.() || setpriv === null) return [];
  return [setpriv, `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--"];
}
