import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tessera } from "../cli/helpers.ts";
import { eventually, watchOutput } from "../support/eventually.ts";
import { claimPortSlot } from "../support/port-slots.ts";

const bin = new URL("../../bin/tessera.mjs", import.meta.url).pathname;

test("`tessera dev` starts a master with a registered agent, the services and jobs APIs, and stops cleanly on SIGINT", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-dev-"));
  const child = spawn(
    process.execPath,
    [
      bin,
      "dev",
      "--fresh",
      "--data_dir",
      dataDir,
      "--port",
      "0",
      "--services_port",
      "0",
      "--jobs_port",
      "0",
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  try {
    const output = watchOutput(child);
    const masterUrl = await output.until(
      "the start-up banner",
      (out) =>
        out.includes("agent 0:") && out.includes("services:") && out.includes("jobs:")
          ? /master:\s+(http:\/\/\S+)/.exec(out)?.[1]
          : undefined,
      60_000,
    );
    const out = output.text();
    // The banner names the next steps and what Ctrl-C keeps.
    assert.match(out, /^Next:$/m);
    assert.match(out, /^ {2}tessera run --master http:\/\/127\.0\.0\.1:\d+ -- echo hello/m);
    assert.match(out, /Ctrl-C stops the master, agents and frameworks here/);

    // The agent registers asynchronously after the banner; wait for it (bounded).
    const agents = await eventually(
      "the agent to register",
      async () => {
        const res = await fetch(`${masterUrl}/api/v1`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ type: "GET_AGENTS" }),
        });
        assert.equal(res.status, 200);
        const body = (await res.json()) as { get_agents: { agents?: { active: boolean }[] } };
        const list = body.get_agents.agents ?? [];
        return list.length > 0 ? list : undefined;
      },
      { everyMs: 100 },
    );
    assert.equal(agents.length, 1);
    assert.equal(agents[0]?.active, true);

    const services = /services:\s+(http:\/\/\S+)/.exec(out)?.[1];
    const ping = await fetch(`${services}/ping`);
    assert.equal(ping.status, 200);
    const jobs = /jobs:\s+(http:\/\/\S+)/.exec(out)?.[1];
    const jobList = await fetch(`${jobs}/v1/scheduler/jobs`);
    assert.equal(jobList.status, 200);
    assert.deepEqual(await jobList.json(), []);

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    assert.equal(await exited, 0);
    // An orderly stop is not an error: no error-level (pino 50) line.
    assert.doesNotMatch(output.text(), /"level":50/);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * Ports for a dev cluster that is stopped and started again on the same ports: the first two
 * of a claimed slot (the master's and its one agent's), below the ephemeral range, so no
 * client socket of another test takes them while the cluster is down.
 */
async function devPorts(): Promise<{ port: number; release: () => Promise<void> }> {
  const slot = await claimPortSlot();
  return { port: slot.base, release: slot.release };
}

function startDev(dataDir: string, port: number) {
  const child = spawn(
    process.execPath,
    // No services or jobs API: their fixed default ports could be another test's.
    [
      bin,
      "dev",
      "--data_dir",
      dataDir,
      "--port",
      String(port),
      "--services_port",
      "off",
      "--jobs_port",
      "off",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const output = watchOutput(child);
  const up = output.until(
    "the start-up banner",
    (out) => (out.includes("agent 0:") ? true : undefined),
    60_000,
  );
  return { child, output, up };
}

async function stopDev(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  await exited;
}

test("a `tessera run --detach` task keeps running across Ctrl-C and a restart of `tessera dev`, recovered", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-dev-restart-"));
  const { port, release } = await devPorts();
  const master = `http://127.0.0.1:${port}`;
  const cli = (...args: string[]) => tessera(args, { TESSERA_MASTER: master });
  let dev = startDev(dataDir, port);
  let taskId = "";
  try {
    await dev.up;
    const detached = await cli("run", "--detach", "--name", "keeper", "--", "sleep", "600");
    assert.equal(detached.code, 0, detached.stderr);
    taskId = detached.stdout.trim();
    await stopDev(dev.child);

    dev = startDev(dataDir, port);
    await dev.up;
    const task = await eventually("the detached task to be recovered as running", async () => {
      const rows = JSON.parse((await cli("tasks", "--json")).stdout) as {
        id: string;
        state: string;
      }[];
      return rows.find((t) => t.id === taskId && t.state === "TASK_RUNNING");
    });
    assert.equal(task.state, "TASK_RUNNING");
    const killed = await cli("kill", taskId);
    assert.equal(killed.code, 0, killed.stderr);
  } finally {
    await stopDev(dev.child);
    // Whatever a failed run left: processes running in a sandbox under the data dir.
    for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      try {
        if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dataDir))
          process.kill(Number(pid), "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
    await release();
  }
});

test("a finished task stays listed by `tessera tasks --all` across Ctrl-C and a restart of `tessera dev`", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-dev-history-"));
  const { port, release } = await devPorts();
  const cli = (...args: string[]) => tessera(args, { TESSERA_MASTER: `http://127.0.0.1:${port}` });
  const finished = async () =>
    (
      JSON.parse((await cli("tasks", "--all", "--json")).stdout) as {
        name: string;
        state: string;
      }[]
    )
      .filter((t) => t.name === "kept")
      .map((t) => t.state);
  let dev = startDev(dataDir, port);
  try {
    await dev.up;
    const ran = await cli("run", "--name", "kept", "--", "true");
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual(await finished(), ["TASK_FINISHED"]);
    await stopDev(dev.child);

    dev = startDev(dataDir, port);
    await dev.up;
    assert.deepEqual(await finished(), ["TASK_FINISHED"]);
  } finally {
    await stopDev(dev.child);
    rmSync(dataDir, { recursive: true, force: true });
    await release();
  }
});
