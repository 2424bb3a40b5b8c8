// A real `tessera dev` cluster (master, agent, services and jobs frameworks on free ports) for
// the web UI's browser tests, and its tear-down: every framework torn down and its tasks waited
// out first, since Ctrl-C of `tessera dev` leaves services' tasks running for the next one
// (README), then SIGINT and the data directory removed.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN } from "../cli/helpers.ts";
import { eventually, watchOutput } from "../support/eventually.ts";

export interface DevCluster {
  /** The master's URL, from the banner. */
  readonly master: string;
  stop(): Promise<void>;
}

export async function startDevCluster(waitMs: number): Promise<DevCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-ui-"));
  const dev: ChildProcess = spawn(
    process.execPath,
    [BIN, "dev", "--data_dir", dataDir, "--port", "0", "--services_port", "0", "--jobs_port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const stopDev = async () => {
    if (dev.exitCode === null && dev.signalCode === null) {
      const exited = new Promise((resolve) => dev.once("exit", resolve));
      dev.kill("SIGINT");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  let master: string;
  try {
    master = await watchOutput(dev).until(
      "the dev cluster's banner",
      (out) => (out.includes("agent 0:") ? /master:\s+(http:\/\/\S+)/.exec(out)?.[1] : undefined),
      waitMs,
    );
  } catch (e) {
    await stopDev();
    throw e;
  }
  return {
    master,
    stop: async () => {
      try {
        await endAllTasks(master, waitMs);
      } finally {
        await stopDev();
      }
    },
  };
}

async function endAllTasks(master: string, waitMs: number): Promise<void> {
  const state = async () =>
    (await (await fetch(`${master}/master/state`)).json()) as {
      frameworks: { id: string; tasks: unknown[] }[];
    };
  for (const f of (await state()).frameworks) {
    await fetch(`${master}/api/v1`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "TEARDOWN", teardown: { framework_id: { value: f.id } } }),
    });
  }
  await eventually(
    "every task of the dev cluster to end",
    async () => (await state()).frameworks.every((f) => f.tasks.length === 0),
    { timeoutMs: waitMs, everyMs: 200 },
  );
}
