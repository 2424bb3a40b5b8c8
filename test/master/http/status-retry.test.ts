// Conformance: an agent's retried status update (reference §5.5, §9.3 task_status_update_manager
// "duplicate before ack"): the master forwards the retry again, keeps it as the update awaiting
// acknowledgement, and relays the framework's ACKNOWLEDGE of it to the agent.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type Loose,
  launchRunning,
  operatorCall,
  startTestMaster,
  subscribeScheduler,
  webFramework,
} from "./helpers.ts";
import { TestAgent } from "./test-agent.ts";

describe("retried status updates", () => {
  it("a retried update is forwarded again and the framework's ACK of it reaches the agent", async () => {
    const master = await startTestMaster({ allocation_interval: "50ms" });
    try {
      const agent = await TestAgent.start(master.url, { hostname: "retry-agent" });
      const scheduler = await subscribeScheduler(master, webFramework("hal", "acker"));
      await launchRunning(master, scheduler, agent, "r-1");
      const uuid = Buffer.from("0123456789abcdef").toString("base64");
      const update = {
        type: "UPDATE",
        update: {
          framework_id: { value: scheduler.frameworkId },
          status: {
            task_id: { value: "r-1" },
            state: "TASK_FINISHED",
            source: "SOURCE_EXECUTOR",
            agent_id: { value: agent.agentId },
            uuid,
          },
          latest_state: "TASK_FINISHED",
        },
      };
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await agent.call(update);
        assert.equal(res.status, 202, res.body);
        const forwarded = ((await scheduler.events.next("UPDATE")).update as Loose).status;
        assert.equal(forwarded.state, "TASK_FINISHED");
        assert.equal(forwarded.uuid, uuid);
      }
      const tasks = (await operatorCall(master, { type: "GET_TASKS" })).json as Loose;
      assert.equal(tasks.get_tasks.tasks[0].status_update_uuid, uuid);
      assert.equal(tasks.get_tasks.tasks[0].status_update_state, "TASK_FINISHED");

      const ack = await scheduler.call({
        type: "ACKNOWLEDGE",
        acknowledge: { agent_id: { value: agent.agentId }, task_id: { value: "r-1" }, uuid },
      });
      assert.equal(ack.status, 202, ack.body);
      const relayed = (await agent.waitFor("ACKNOWLEDGE")).acknowledge as Loose;
      assert.equal(relayed.uuid, uuid);
      const after = (await operatorCall(master, { type: "GET_TASKS" })).json as Loose;
      assert.equal(after.get_tasks.tasks, undefined, "the acknowledged terminal task is done");
      assert.equal(after.get_tasks.completed_tasks[0].task_id.value, "r-1");
      scheduler.close();
      agent.close();
    } finally {
      await master.close();
    }
  });
});
