// Open-file limits for the benches that hold tens of thousands of connections (one socket per
// agent stream, on both ends): a child is started through `sh -c 'ulimit -n HARD; exec node'`,
// raising its soft limit to the hard one (raising the hard limit needs CAP_SYS_RESOURCE, which
// a bench does not assume). The benches size themselves to what the hard limit allows and say so.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** Sockets and files a process needs besides its agent streams (pools, registry, logs). */
export const FILE_HEADROOM = 512;

/** This process's hard limit on open files (children inherit it), from /proc/self/limits. */
export function hardFileLimit(): number {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const hard = line?.trim().split(/\s+/)[4];
    return hard === undefined || hard === "unlimited" ? 1_048_576 : Number(hard);
  } catch {
    return 1024;
  }
}

/** Agent streams one process can hold under the hard limit. */
export function streamsPerProcess(): number {
  return hardFileLimit() - FILE_HEADROOM;
}

/** Like fork (IPC channel, tsx loader), with the soft open-file limit raised to the hard one. */
export function forkWithFileLimit(
  script: string,
  args: readonly string[],
  nodeArgs: readonly string[],
  stdio: "inherit" | "ignore" = "ignore",
  env: Readonly<Record<string, string>> = {},
): ChildProcess {
  const limit = hardFileLimit();
  return spawn(
    "sh",
    [
      "-c",
      `ulimit -n ${limit} 2>/dev/null; exec "$0" "$@"`,
      process.execPath,
      "--import",
      "tsx",
      ...nodeArgs,
      script,
      ...args,
    ],
    { stdio: ["ignore", stdio, "inherit", "ipc"], env: { ...process.env, ...env } },
  );
}
