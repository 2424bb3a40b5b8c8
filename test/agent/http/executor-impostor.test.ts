// Executor impostors on /api/v1/executor (issue 18, finding 5), with a real master and agent:
// an UPDATE for the agent's own command executor (never subscribed over HTTP) is Mesos's 403
// "Executor is not subscribed" and reaches no scheduler; a SUBSCRIBE or UPDATE as a running
// custom executor from a process outside its container is 403, and the real executor keeps
// its stream (it still gets the kill and reports TASK_KILLED).
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { clusterForSuite } from "../integration/cluster.ts";
import { commandTask, type Loose } from "../integration/helpers.ts";

const SDK = fileURLToPath(new URL("../../../src/sdk/index.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

// Reports TASK_RUNNING and stays until its task is killed, then exits.
const EXECUTOR_SOURCE = `
import { ExecutorClient } from ${JSON.stringify(SDK)};
const executor = new ExecutorClient();
executor.on("launch", (task) => {
  void executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_RUNNING" });
});
executor.on("kill", async ({ taskId }) => {
  await executor.sendUpdate({ taskId, state: "TASK_KILLED", message: "killed by the real executor" });
  // Its only task is done: the executor ends, as executors do (none is left after the suite).
  setTimeout(() => process.exit(0), 1000);
});
await executor.start();
`;

describe("an impostor on the executor API", () => {
  const cluster = clusterForSuite("impostor", { isolation: "posix/cpu,posix/mem" });
  let agentId: Loose;

  const post = (body: Record<string, unknown>) =>
    fetch(`${cluster.agent.url}/api/v1/executor`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ framework_id: { value: cluster.framework.id }, ...body }),
    });
  const finished = (taskId: string) => ({
    type: "UPDATE",
    update: {
      status: {
        task_id: { value: taskId },
        state: "TASK_FINISHED",
        source: "SOURCE_EXECUTOR",
        uuid: Buffer.from("0123456789abcdef").toString("base64"),
        message: "forged",
      },
    },
  });

  before(async () => {
    const script = join(cluster.workDir, "staying-executor.mjs");
    await writeFile(script, EXECUTOR_SOURCE);
    agentId = await cluster.launch([
      commandTask("long", "sleep 1000"),
      {
        task_id: { value: "custom-1" },
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
          { name: "mem", type: "SCALAR", scalar: { value: 256 } },
        ],
        executor: {
          executor_id: { value: "custom-ex" },
          command: { value: `${process.execPath} --import ${TSX} ${script}` },
        },
      },
    ]);
    await cluster.framework.state("long", "TASK_RUNNING");
    await cluster.framework.state("custom-1", "TASK_RUNNING");
  });

  it('an UPDATE for the command executor, which never subscribed over HTTP, is 403 "Executor is not subscribed"', async () => {
    const res = await post({ executor_id: { value: "long" }, ...finished("long") });
    assert.equal(res.status, 403);
    assert.equal(await res.text(), "Executor is not subscribed");
    const sub = await post({ type: "SUBSCRIBE", executor_id: { value: "long" }, subscribe: {} });
    assert.equal(sub.status, 403);
    await sub.body?.cancel();
  });

  it("a SUBSCRIBE and an UPDATE as a running custom executor from outside its container are 403, and the real one keeps its stream", async () => {
    const sub = await post({
      type: "SUBSCRIBE",
      executor_id: { value: "custom-ex" },
      subscribe: { unacknowledged_tasks: [], unacknowledged_updates: [] },
    });
    assert.equal(sub.status, 403);
    await sub.body?.cancel();
    const update = await post({ executor_id: { value: "custom-ex" }, ...finished("custom-1") });
    assert.equal(update.status, 403);
    assert.equal(await update.text(), "Executor is not subscribed");
    // The real executor still hears the agent: it gets the kill and answers it.
    await cluster.framework.kill(agentId, "custom-1");
    const killed = await cluster.framework.state("custom-1", "TASK_KILLED");
    assert.equal(killed.status.message, "killed by the real executor");
    const forged = cluster.framework.updates.filter((u) => u.state === "TASK_FINISHED");
    assert.deepEqual(forged, [], "no forged TASK_FINISHED reached the scheduler");
  });
});
