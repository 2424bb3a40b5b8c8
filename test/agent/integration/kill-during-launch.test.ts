// A kill that arrives while the task's launch is in flight (issue 22, fault 5): a framework
// that kills its task, or tears down, right after ACCEPT. The terminal state may be sent only
// once the task's processes are gone: the kill waits for the launch and then kills what it
// started. Repeated with a growing delay, since the window is a few milliseconds wide.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningAgent } from "../../../src/agent/server.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { killPids } from "../../support/cluster.ts";
import { eventually } from "../../support/eventually.ts";
import { processesWith } from "./cluster.ts";
import {
  commandTask,
  Framework,
  startMasterForAgents,
  startTestAgent,
  tempWorkDir,
} from "./helpers.ts";

// Round i waits i ms between ACCEPT and the kill: one of them lands while the executor's
// launch of the task is in flight (a few ms from RUN_TASK on these machines).
const ROUNDS = 12;
const GONE_WITHIN_MS = 10_000;

async function untilGone(marker: string): Promise<void> {
  await eventually(`no process of ${marker}`, () => processesWith(marker).length === 0, {
    timeoutMs: GONE_WITHIN_MS,
    detail: () => `still running: ${processesWith(marker).join(", ")}`,
  });
}

describe("a kill while the launch is in flight", () => {
  let master: RunningMaster;
  let agent: RunningAgent;
  let work: Awaited<ReturnType<typeof tempWorkDir>>;
  const marker = `tessera-kill-launch-${process.pid}`;

  before(async () => {
    work = await tempWorkDir();
    master = await startMasterForAgents();
    agent = await startTestAgent(master, work.dir, { isolation: "posix/cpu,posix/mem" });
  });

  after(async () => {
    killPids(processesWith(marker));
    await agent.close();
    await master.close();
    await work.remove();
  });

  it("KILL right after ACCEPT: TASK_KILLED comes only once the task's process is gone, and none survives", async () => {
    const framework = await Framework.subscribe(master);
    try {
      for (let i = 0; i < ROUNDS; i++) {
        const offer = await framework.offer();
        const id = `k${i}`;
        const mine = `${marker}-k${i}`;
        await framework.launch(offer, [commandTask(id, `sleep 600 # ${mine}`)]);
        await new Promise((r) => setTimeout(r, i));
        await framework.kill(offer.agent_id, id);
        const aliveAtEnd = await framework.until(`${id} terminal`, () => {
          const end = framework.updates.find((u) => u.taskId === id && u.state === "TASK_KILLED");
          return end === undefined ? undefined : { pids: processesWith(mine) };
        });
        assert.deepEqual(aliveAtEnd.pids, [], `${id}: TASK_KILLED while its process runs`);
        await untilGone(mine);
      }
    } finally {
      framework.close();
    }
  });

  it("TEARDOWN right after ACCEPT: no process of the framework's task survives", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const framework = await Framework.subscribe(master);
      const offer = await framework.offer();
      await framework.launch(offer, [commandTask(`d${i}`, `sleep 600 # ${marker}-d${i}`)]);
      await new Promise((r) => setTimeout(r, i));
      const res = await framework.scheduler.call({ type: "TEARDOWN" });
      assert.equal(res.status, 202, res.body);
      framework.close();
      await untilGone(`${marker}-d${i}`);
    }
  });
});
