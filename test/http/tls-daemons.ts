// Helpers of the TLS tests: real `tessera` processes (a daemon whose output is collected, one
// CLI command run to its end, bounded) and seeded garbage thrown at a TLS port.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { connect } from "node:net";
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

/**
 * Opens `rounds` connections to a TLS port and writes seeded random bytes on each: most start
 * like a TLS handshake record (0x16, some with a TLS version after it), the rest with any byte.
 */
export async function sendTlsGarbage(port: number, rounds: number, seed: number): Promise<void> {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  for (let round = 0; round < rounds; round++) {
    const bytes = Buffer.alloc(1 + (next() % 600));
    for (let i = 0; i < bytes.length; i++) bytes[i] = next() % 256;
    if (round % 4 !== 0) bytes[0] = 0x16;
    if (round % 3 === 0 && bytes.length > 5) bytes.set([0x16, 0x03, 0x01], 0);
    await new Promise<void>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => socket.end(bytes));
      socket.on("error", () => resolve());
      socket.on("close", () => resolve());
      socket.setTimeout(2_000, () => socket.destroy());
      socket.resume();
    });
  }
}
