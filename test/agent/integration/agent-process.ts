// Runs `tessera agent` as a child process (so that a test can kill -9 it) and waits for it to
// listen. Every child is stopped by its pid.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../support/cluster.ts";
import { TEST_RESOURCES } from "./helpers.ts";

export { freePort };

const BIN = fileURLToPath(new URL("../../../bin/tessera.mjs", import.meta.url));

/** The flags of an agent process for a test: its master, work dir and isolation, a fixed free
 *  port (so that a restart listens where the first run did), the test resources. */
export async function agentProcessFlags(
  masterUrl: string,
  workDir: string,
  isolation: string,
): Promise<Record<string, string>> {
  return {
    master: masterUrl.replace("http://", ""),
    work_dir: workDir,
    ip: "127.0.0.1",
    port: String(await freePort()),
    hostname: "localhost",
    resources: TEST_RESOURCES,
    isolation,
    registration_backoff_factor: "10ms",
    log_level: "error",
  };
}

export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  url: string;
  exited: Promise<number | null>;
  kill9(): Promise<void>;
}

export async function spawnAgent(
  flags: Record<string, string>,
  timeoutMs = 20_000,
): Promise<AgentProcess> {
  const args = [BIN, "agent", ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`)];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    url,
    exited,
    kill9: async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
      await exited;
    },
  };
}
