// Runs the real `tessera` command (bin/tessera.mjs) as a child process and collects its exit
// code and output, for the CLI's tests. Bounded: a command that hangs fails the test.
import { execFile } from "node:child_process";

export { freePort } from "../support/cluster.ts";

export const BIN = new URL("../../bin/tessera.mjs", import.meta.url).pathname;
/** Longest a single CLI command may take in a test (process start-up included). */
export const COMMAND_TIMEOUT_MS = 120_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tessera(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { ...process.env, TESSERA_MASTER: "", ...env },
        timeout: COMMAND_TIMEOUT_MS,
        killSignal: "SIGKILL",
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (error !== null && typeof code !== "number") {
          reject(new Error(`tessera ${args.join(" ")}: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: typeof code === "number" ? code : 0, stdout, stderr });
      },
    );
  });
}

/** The non-empty lines of some output. */
export function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}
