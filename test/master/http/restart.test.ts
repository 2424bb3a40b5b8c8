// Conformance: a master restarted on the same --work_dir recovers the sqlite registry; agents
// re-register with their tasks, which are back in the state, and a re-subscribed framework
// reconciles them (reference §5.8, §9.3).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  type Loose,
  operatorCall,
  runningTask,
  startTestMaster,
  subscribeScheduler,
  webFramework,
} from "./helpers.ts";
import { firstRun } from "./suite.ts";
import { DEFAULT_AGENT_RESOURCES, TestAgent } from "./test-agent.ts";

const FRAMEWORK = webFramework("dave", "survivor", { failover_timeout: 3600 });

describe("master restart with the sqlite registry", () => {
  const workDir = mkdtempSync(join(tmpdir(), "tessera-master-restart-"));
  after(() => rmSync(workDir, { recursive: true, force: true }));

  it("agents re-register after a restart and their tasks are back", async () => {
    const flags = { registry: "sqlite", work_dir: workDir };
    const run = await firstRun(flags, "durable-agent", FRAMEWORK, "t-1");
    const { master: first, agentId, frameworkId } = run;

    const second = await startTestMaster(flags);
    try {
      assert.notEqual(second.masterInfo.id, first.masterInfo.id);
      // Before it re-registers, the agent is known from the registry only.
      const before = (await operatorCall(second, { type: "GET_AGENTS" })).json as Loose;
      assert.deepEqual(
        before.get_agents.recovered_agents.map((a: Loose) => a.id.value),
        [agentId],
      );
      const agent = await TestAgent.start(second.url, {
        hostname: "durable-agent",
        agentId,
        tasks: [runningTask("t-1", frameworkId, agentId)],
        frameworks: [{ ...FRAMEWORK, id: { value: frameworkId } }],
        resources: DEFAULT_AGENT_RESOURCES,
      });
      try {
        assert.equal(agent.agentId, agentId);
        const state = (await operatorCall(second, { type: "GET_STATE" })).json as Loose;
        const tasks = state.get_state.get_tasks.tasks;
        assert.equal(tasks.length, 1);
        assert.equal(tasks[0].task_id.value, "t-1");
        assert.equal(tasks[0].state, "TASK_RUNNING");
        assert.equal(state.get_state.get_agents.agents[0].agent_info.id.value, agentId);

        const scheduler = await subscribeScheduler(second, FRAMEWORK, frameworkId);
        try {
          assert.equal(scheduler.frameworkId, frameworkId);
          const res = await scheduler.call({ type: "RECONCILE", reconcile: {} });
          assert.equal(res.status, 202);
          const update = (await scheduler.events.next("UPDATE")).update as Loose;
          assert.equal(update.status.task_id.value, "t-1");
          assert.equal(update.status.state, "TASK_RUNNING");
        } finally {
          scheduler.close();
        }
      } finally {
        agent.close();
      }
    } finally {
      await second.close();
    }
  });
});
