// Real `tessera` processes for the TLS tests: a daemon whose output is collected, and one CLI
// command run to its end (bounded).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { BIN } from "../cli/helpers.ts";

/** Longest a CLI command may take (a tsx start-up on a loaded machine). */
const CLI_TIMEOUT_MS = 60_000;

export interface Daemon {
  child: ChildProcess;
  out: string;
}

export function spawnTessera(args: readonly string[], env: NodeJS.ProcessEnv): Daemon {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, TESSERA_MASTER: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const daemon = { child, out: "" };
  child.stdout?.on("data", (d: Buffer) => {
    daemon.out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    daemon.out += d.toString();
  });
  return daemon;
}

export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, TESSERA_MASTER: "", ...env }, timeout: CLI_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ code: typeof code === "number" ? code : error ? 1 : 0, out: stdout + stderr });
      },
    );
  });
}

/** The pids of daemons still known, for killPids. */
export function daemonPids(daemons: readonly Daemon[]): number[] {
  return daemons.flatMap((d) => (d.child.pid === undefined ? [] : [d.child.pid]));
}
