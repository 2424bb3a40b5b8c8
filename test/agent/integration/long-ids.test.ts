// The longest task id Mesos allows (255 characters, NAME_MAX) on a real agent: it runs, its
// checkpoint is written and removed, and the agent stays healthy.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { clusterForSuite } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

describe("a 255-character task id", () => {
  const cluster = clusterForSuite("long-ids");

  it("runs to TASK_FINISHED and its checkpoint is removed without a failure", async () => {
    const { agent, framework } = cluster;
    const id = "x".repeat(255);
    await framework.launch(await framework.offer(), [commandTask(id, "true")]);
    await framework.state(id, "TASK_FINISHED");
    // Acknowledged (the framework acks every update): the executor is forgotten, its meta removed.
    await eventually("the executor to be forgotten", () =>
      (agent.core.frameworks.get(framework.id)?.executors.size ?? 0) === 0 ? true : undefined,
    );
    const meta = join(
      cluster.workDir,
      "meta",
      "slaves",
      agent.agentId() ?? "",
      "frameworks",
      framework.id,
    );
    await eventually("its meta to be removed", () =>
      existsSync(join(meta, "executors", id)) ? undefined : true,
    );
    assert.equal(agent.core.checkpointFailure, undefined);
    assert.equal((await fetch(`${agent.url}/health`)).status, 200);
  });
});
