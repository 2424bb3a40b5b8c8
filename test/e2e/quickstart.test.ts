// The README's quick start, typed as a new user would from the repository: start `tessera dev`,
// run `tessera run -- sh -c 'echo hello; exit 3'` (prints hello, exits 3), see the task as
// TASK_FAILED in `tessera tasks --all`, then Ctrl-C the cluster. Everything runs as real
// processes; the test stops what it started and checks that no task process is left behind.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, lines, tessera } from "../cli/helpers.ts";
import { watchOutput } from "../support/eventually.ts";

/** Longest wait for the dev cluster's banner and its agent's registration. */
const START_TIMEOUT_MS = 120_000;

function waitForBanner(child: ChildProcess): Promise<string> {
  return watchOutput(child).until(
    "the dev cluster's banner",
    (out) => (out.includes("agent 0:") ? /master:\s+(http:\/\/\S+)/.exec(out)?.[1] : undefined),
    START_TIMEOUT_MS,
  );
}

/** Pids of processes whose working directory is inside `dir` (task processes run in sandboxes). */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

test("quick start: `tessera dev`, then `tessera run` prints hello and exits 3, `tessera tasks --all` shows TASK_FAILED, Ctrl-C stops everything", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-quickstart-"));
  // Port 0: the master and agent take free ports, printed in the banner (no race for a port).
  const dev = spawn(
    process.execPath,
    [
      BIN,
      "dev",
      "--data_dir",
      dataDir,
      "--port",
      "0",
      "--services_port",
      "off",
      "--jobs_port",
      "off",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  try {
    const master = await waitForBanner(dev);

    // The agent registers just after the banner; `tessera agents` shows it once it has.
    let agents: { state: string }[] = [];
    for (let i = 0; i < 60 && agents.length === 0; i++) {
      const r = await tessera(["agents", "--json", "--master", master]);
      assert.equal(r.code, 0, r.stderr);
      agents = JSON.parse(r.stdout);
    }
    assert.equal(agents[0]?.state, "active");

    const run = await tessera(["run", "--master", master, "--", "sh", "-c", "echo hello; exit 3"]);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stdout, "hello\n");
    const id = /^task (\S+) TASK_FAILED/m.exec(run.stderr)?.[1];
    assert.ok(id !== undefined, run.stderr);

    const table = await tessera(["tasks", "--all", "--master", master]);
    assert.ok(
      lines(table.stdout).some((l) => l.startsWith(id) && /\bTASK_FAILED\b/.test(l)),
      table.stdout,
    );
    const json = await tessera(["tasks", "--all", "--json", "--master", master]);
    const rows = JSON.parse(json.stdout) as { id: string; state: string }[];
    assert.equal(rows.find((r) => r.id === id)?.state, "TASK_FAILED");

    const exited = new Promise<number | null>((resolve) => dev.once("exit", resolve));
    dev.kill("SIGINT");
    assert.equal(await exited, 0);
    assert.deepEqual(processesUnder(dataDir), []);
  } finally {
    if (dev.exitCode === null && dev.signalCode === null) dev.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
});
