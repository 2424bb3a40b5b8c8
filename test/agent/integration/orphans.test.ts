// A framework that does not checkpoint loses its tasks when the agent dies, as in Mesos: after
// kill -9 of `tessera agent` (posix isolation, so no cgroup marks the task's processes), the
// restarted agent finds the task's container in its runtime log, knows no checkpoint of it, and
// destroys it as an orphan; nothing of the task is left running.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningMaster } from "../../../src/master/server.ts";
import { eventually } from "../../support/eventually.ts";
import { type AgentProcess, agentProcessFlags, spawnAgent } from "./agent-process.ts";
import { processesWith } from "./cluster.ts";
import {
  commandTask,
  FRAMEWORK_INFO,
  Framework,
  startMasterForAgents,
  tempWorkDir,
} from "./helpers.ts";

describe("orphaned containers after kill -9 of the agent", () => {
  let master: RunningMaster;
  let framework: Framework;
  let work: Awaited<ReturnType<typeof tempWorkDir>>;
  let agent: AgentProcess | undefined;
  let flags: Record<string, string>;
  const marker = `tessera-orphan-${process.pid}`;

  before(async () => {
    work = await tempWorkDir();
    master = await startMasterForAgents();
    flags = await agentProcessFlags(master.url, work.dir, "posix/cpu,posix/mem");
    agent = await spawnAgent(flags);
    framework = await Framework.subscribe(master, { ...FRAMEWORK_INFO, checkpoint: false });
  });

  after(async () => {
    framework.close();
    await agent?.kill9();
    for (const pid of processesWith(marker)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    await master.close();
    await work.remove();
  });

  it("the restarted agent destroys the running task of a framework that does not checkpoint", async () => {
    const offer = await framework.offer();
    await framework.launch(offer, [commandTask("orphan", `sleep 300 # ${marker}`)]);
    await framework.state("orphan", "TASK_RUNNING");
    await agent?.kill9();
    assert.notDeepEqual(processesWith(marker), [], "the task outlives the agent at first");
    agent = await spawnAgent(flags);
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
