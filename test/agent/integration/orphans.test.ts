// A framework that does not checkpoint loses its tasks when the agent dies, as in Mesos: after
// kill -9 of `tessera agent` (posix isolation, so no cgroup marks the task's processes), the
// restarted agent finds the task's container in its runtime log, knows no checkpoint of it, and
// destroys it as an orphan; nothing of the task is left running.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { processClusterForSuite } from "./agent-process.ts";
import { processesWith } from "./cluster.ts";
import { commandTask, FRAMEWORK_INFO } from "./helpers.ts";

describe("orphaned containers after kill -9 of the agent", () => {
  const marker = `tessera-orphan-${process.pid}`;
  const cluster = processClusterForSuite("posix/cpu,posix/mem", {
    frameworkInfo: { ...FRAMEWORK_INFO, checkpoint: false },
    leftoverPids: () => processesWith(marker),
  });

  it("the restarted agent destroys the running task of a framework that does not checkpoint", async () => {
    const { framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [commandTask("orphan", `sleep 300 # ${marker}`)]);
    await framework.state("orphan", "TASK_RUNNING");
    await cluster.kill9();
    assert.notDeepEqual(processesWith(marker), [], "the task outlives the agent at first");
    await cluster.start();
    await eventually(
      "the orphan's processes to be gone",
      () => processesWith(marker).length === 0,
      {
        everyMs: 50,
        detail: () => `still running: ${processesWith(marker).join(", ")}`,
      },
    );
  });
});
