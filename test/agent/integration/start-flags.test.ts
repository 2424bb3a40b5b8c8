// Agent flags that decide how it starts: --strict (a checkpoint that cannot be recovered stops
// the agent, as in Mesos, unless --strict=false) and --advertise_ip/--advertise_port (what the
// master, executors and tools are told, where the agent listens elsewhere, e.g. behind NAT).
import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AgentStartError } from "../../../src/agent/server.ts";
import { eventually } from "../../support/eventually.ts";
import { clusterForSuite } from "./cluster.ts";
import { type Loose, startTestAgent, tempWorkDir } from "./helpers.ts";

describe("--strict", () => {
  let work: Awaited<ReturnType<typeof tempWorkDir>>;

  before(async () => {
    work = await tempWorkDir();
    // The checkpoint names an agent whose info cannot be read back.
    const slaves = join(work.dir, "meta", "slaves");
    await mkdir(join(slaves, "S-broken"), { recursive: true });
    await writeFile(join(slaves, "S-broken", "slave.info"), "{not json");
    await symlink("S-broken", join(slaves, "latest"));
  });

  after(async () => {
    await work.remove();
  });

  it("by default, a checkpoint that cannot be read stops the agent, saying how to go on", async () => {
    await assert.rejects(startTestAgent(undefined, work.dir), (error: unknown) => {
      assert.ok(error instanceof AgentStartError, String(error));
      assert.equal(error.flag, "strict");
      assert.match(error.message, /Failed to recover the agent from .*meta\/slaves\/latest/);
      assert.match(error.message, /--strict=false/);
      return true;
    });
  });

  it("with --strict=false the agent starts afresh and counts the recovery error", async () => {
    const agent = await startTestAgent(undefined, work.dir, { strict: "false" });
    assert.equal(agent.agentId(), undefined, "the unreadable checkpoint's agent is not taken on");
    const metrics = (await (await fetch(`${agent.url}/metrics/snapshot`)).json()) as Loose;
    assert.equal(metrics["slave/recovery_errors"], 1);
    await agent.close();
  });
});

describe("--advertise_ip and --advertise_port", () => {
  const cluster = clusterForSuite("advertise", {
    hostname: "",
    advertise_ip: "127.0.0.1",
    advertise_port: "15099",
  });

  it("the master records the advertised address, and the agent's /state names it", async () => {
    const { agent, master } = cluster;
    const registered: Loose = await eventually(
      "the agent to register",
      async () => ((await (await fetch(`${master.url}/master/state`)).json()) as Loose).slaves?.[0],
      { everyMs: 50 },
    );
    assert.equal(registered.hostname, "127.0.0.1", "the hostname defaults to the advertised ip");
    assert.equal(registered.port, 15099);
    // It still listens where it was told to (port 0: any free port).
    assert.notEqual(agent.port, 15099);
    const own = (await (await fetch(`http://127.0.0.1:${agent.port}/state`)).json()) as Loose;
    assert.equal(own.pid, "slave(1)@127.0.0.1:15099");
    assert.equal(agent.url, "http://127.0.0.1:15099");
  });
});
