// A custom executor given in ExecutorInfo.command: the agent starts it as its own process in
// the container, with the Mesos executor environment (§3.4), and it speaks /api/v1/executor
// over HTTP. The executor here is a small script on src/sdk's ExecutorClient run by node.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { eventually } from "../../support/eventually.ts";
import { type Cluster, startCluster } from "./cluster.ts";
import { alive } from "./helpers.ts";

const SDK = fileURLToPath(new URL("../../../src/sdk/index.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

// Reports its environment in TASK_RUNNING's message, finishes the task, and exits once the
// agent has acknowledged the terminal update (a Mesos executor may exit then).
const EXECUTOR_SOURCE = `
import { writeFileSync } from "node:fs";
import { ExecutorClient } from ${JSON.stringify(SDK)};
writeFileSync("executor.pid", String(process.pid));
const executor = new ExecutorClient();
let terminal;
executor.on("launch", async (task) => {
  const env = {};
  for (const name of ["MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_AGENT_ENDPOINT",
    "MESOS_SANDBOX", "MESOS_DIRECTORY", "MESOS_CHECKPOINT"]) env[name] = process.env[name];
  env.cwd = process.cwd();
  await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_RUNNING", message: JSON.stringify(env) });
  terminal = (await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_FINISHED", message: "custom done" })).uuid;
});
executor.on("acknowledged", ({ uuid }) => {
  if (uuid === terminal) void executor.stop().then(() => process.exit(0));
});
await executor.start();
`;

describe("a custom executor with a real master and agent", () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster("custom", { isolation: "posix/cpu,posix/mem" });
  });
  after(async () => {
    await cluster?.stop();
  });

  it("runs as its own process with the Mesos executor environment and reports over /api/v1/executor", async () => {
    const c = cluster;
    const script = join(c.workDir, "custom-executor.mjs");
    await writeFile(script, EXECUTOR_SOURCE);
    await c.launch([
      {
        task_id: { value: "custom-1" },
        // The container holds a whole Node.js process (the default 32 MB would be exceeded).
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
          { name: "mem", type: "SCALAR", scalar: { value: 256 } },
        ],
        executor: {
          executor_id: { value: "custom-ex" },
          name: "custom executor",
          command: { value: `${process.execPath} --import ${TSX} ${script}` },
        },
      },
    ]);
    const running = await c.framework.state("custom-1", "TASK_RUNNING");
    const env = JSON.parse(String(running.status.message)) as Record<string, string>;
    assert.equal(env.MESOS_FRAMEWORK_ID, c.framework.id);
    assert.equal(env.MESOS_EXECUTOR_ID, "custom-ex");
    assert.equal(env.MESOS_AGENT_ENDPOINT, new URL(c.agent.url).host);
    assert.equal(env.MESOS_CHECKPOINT, "1");
    assert.equal(env.MESOS_SANDBOX, env.MESOS_DIRECTORY);
    assert.equal(env.cwd, env.MESOS_SANDBOX);
    assert.equal(running.status.source, "SOURCE_EXECUTOR");
    const finished = await c.framework.state("custom-1", "TASK_FINISHED");
    assert.equal(finished.status.message, "custom done");
    const pid = Number(
      (await readFile(join(env.MESOS_SANDBOX ?? "", "executor.pid"), "utf8")).trim(),
    );
    assert.notEqual(pid, process.pid, "the executor is not the agent's process");
    await eventually("the executor process to exit", () => !alive(pid));
  });
});
