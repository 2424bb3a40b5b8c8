import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { eventually, watchOutput } from "../support/eventually.ts";

const bin = new URL("../../bin/tessera.mjs", import.meta.url).pathname;

test("`tessera dev` starts a master with a registered agent and the services API, and stops cleanly on SIGINT", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-dev-"));
  const child = spawn(
    process.execPath,
    [bin, "dev", "--fresh", "--data_dir", dataDir, "--port", "0", "--services_port", "0"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  try {
    const output = watchOutput(child);
    const masterUrl = await output.until(
      "the start-up banner",
      (out) =>
        out.includes("agent 0:") && out.includes("services:")
          ? /master:\s+(http:\/\/\S+)/.exec(out)?.[1]
          : undefined,
      60_000,
    );
    const out = output.text();

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

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
});
