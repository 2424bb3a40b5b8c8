// Agent recovery with real processes (reference §8.3): kill -9 of `tessera agent` with three
// running tasks and one unacknowledged update; the restarted agent finds the tasks still
// running, re-registers with them, delivers the pending update (one uuid, acknowledged once)
// and offers the same resources. A restart with --recover=cleanup kills and reports them.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { processClusterForSuite } from "./agent-process.ts";
import { alive, commandTask, type Loose } from "./helpers.ts";

describe("agent recovery after kill -9", () => {
  const taskPids: number[] = [];
  const cluster = processClusterForSuite("cgroups/cpu,cgroups/mem", {
    leftoverPids: () => taskPids,
  });

  async function masterAgent(): Promise<Loose> {
    const res = await fetch(`${cluster.master.url}/master/slaves`);
    const json = (await res.json()) as Loose;
    return json.slaves[0];
  }

  it("keeps three running tasks across kill -9, delivers the unacknowledged update once, and keeps its resources", async () => {
    const { framework } = cluster;
    const offer = await framework.offer();
    const agentId = offer.agent_id;
    // t3's TASK_RUNNING stays unacknowledged.
    framework.autoAck = false;
    const acked = new Set<string>();
    const ackAllBut = async (skipTask: string) => {
      for (const u of framework.updates) {
        if (u.taskId === skipTask && u.state === "TASK_RUNNING") continue;
        if (acked.has(u.status.uuid)) continue;
        acked.add(u.status.uuid);
        await framework.ack(u.status);
      }
    };
    const sleeper = "echo $$ > task.pid; exec sleep 1000";
    await framework.launch(offer, [
      commandTask("t1", sleeper),
      commandTask("t2", sleeper),
      commandTask("t3", sleeper),
    ]);
    for (const id of ["t1", "t2", "t3"]) {
      await framework.state(id, "TASK_STARTING");
      await ackAllBut("t3");
      await framework.state(id, "TASK_RUNNING");
      await ackAllBut("t3");
    }
    const before = await masterAgent();
    const pending = framework.updates.find((u) => u.taskId === "t3" && u.state === "TASK_RUNNING");
    assert.ok(pending);

    const state = (await (await fetch(`${cluster.agent?.url}/state`)).json()) as Loose;
    for (const ex of state.frameworks[0].executors) {
      const pid = Number((await readFile(join(ex.directory, "task.pid"), "utf8")).trim());
      taskPids.push(pid);
    }
    assert.equal(taskPids.length, 3);

    await cluster.kill9();
    for (const pid of taskPids) assert.ok(alive(pid), `task process ${pid} died with the agent`);
    const countBefore = framework.updates.length;
    const agent = await cluster.start();

    // The pending update comes again, with the same uuid; acknowledging it ends its retries.
    const redelivered = await framework.until("t3's pending update again", () =>
      framework.updates.slice(countBefore).find((u) => u.taskId === "t3"),
    );
    assert.equal(redelivered.state, "TASK_RUNNING");
    assert.equal(redelivered.status.uuid, pending.status.uuid);
    await framework.ack(redelivered.status);

    const after = (await (await fetch(`${agent.url}/state`)).json()) as Loose;
    assert.equal(after.id, agentId.value);
    const tasks = after.frameworks[0].executors.flatMap((e: Loose) => e.tasks);
    assert.deepEqual(tasks.map((t: Loose) => [t.id, t.state]).sort(), [
      ["t1", "TASK_RUNNING"],
      ["t2", "TASK_RUNNING"],
      ["t3", "TASK_RUNNING"],
    ]);
    for (const pid of taskPids) assert.ok(alive(pid));
    const now = await masterAgent();
    assert.equal(now.id, before.id);
    assert.deepEqual(now.resources, before.resources);
    assert.deepEqual(now.used_resources, before.used_resources);
    // Nothing but the one redelivery happened to these tasks.
    assert.deepEqual(
      framework.updates.slice(countBefore).map((u) => [u.taskId, u.state, u.status.uuid]),
      [["t3", "TASK_RUNNING", pending.status.uuid]],
    );
  });

  it("with --recover=cleanup a restart kills the running tasks and reports them", async () => {
    const { framework } = cluster;
    await cluster.kill9();
    const countBefore = framework.updates.length;
    framework.autoAck = true;
    await cluster.start({ recover: "cleanup" });
    for (const id of ["t1", "t2", "t3"]) {
      const update = await framework.until(`${id} reported`, () =>
        framework.updates.slice(countBefore).find((u) => u.taskId === id),
      );
      assert.equal(update.state, "TASK_FAILED");
    }
    for (const pid of taskPids) assert.equal(alive(pid), false, `task process ${pid} still runs`);
  });
});
