// The master's usage relay (`GET /master/usage`, usage-relay.ts) against a real agent: with a
// task spinning on a cpu, the master reports the cluster's cpus in use above zero (the rate of
// the task's cpu time between two sweeps) and its resident memory, having asked the agent's
// /monitor/statistics itself.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { clusterForSuite } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

interface Usage {
  cpus_used: number;
  mem_rss_bytes: number;
  containers: number;
  agents: { total: number; with_rate: number };
}

describe("the master's usage relay", () => {
  const cluster = clusterForSuite("usage", { isolation: "posix/cpu,posix/mem" });

  it("reports cpus in use above zero while a task spins", async () => {
    await cluster.launch([commandTask("busy", "while :; do :; done")]);
    await cluster.framework.state("busy", "TASK_RUNNING");
    const usage = await eventually(
      "the relay to report cpu in use",
      async () => {
        const reply = await fetch(`${cluster.master.url}/master/usage`);
        assert.equal(reply.status, 200);
        const body = (await reply.json()) as Usage;
        return body.cpus_used > 0.2 ? body : undefined;
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
    assert.equal(usage.agents.total, 1);
    assert.equal(usage.agents.with_rate, 1);
    assert.ok(usage.containers >= 1);
    assert.ok(usage.mem_rss_bytes > 0, "the task's resident memory is counted");
    await cluster.framework.kill({ value: cluster.agent.agentId() }, "busy");
    await cluster.framework.state("busy", "TASK_KILLED");
  });
});
