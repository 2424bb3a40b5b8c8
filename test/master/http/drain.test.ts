// Conformance: DRAIN_AGENT, DEACTIVATE_AGENT and REACTIVATE_AGENT over the real operator API
// with a test agent and a scheduler (reference §4.2, §9.3 registrar DrainAgent/MarkAgentDrained):
// the drained agent's tasks are killed with the capped grace period, mark_gone removes it once
// drained, and the drain state survives a master restart with the sqlite registry.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { subscribe } from "../../../src/http/client.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import {
  EventReader,
  type Loose,
  launchRunning,
  operatorCall,
  runningTask,
  startTestMaster,
  subscribeScheduler,
  webFramework,
} from "./helpers.ts";
import { firstRun } from "./suite.ts";
import { TestAgent } from "./test-agent.ts";

const FRAMEWORK = webFramework("erin", "drained", {
  failover_timeout: 3600,
  capabilities: [{ type: "MULTI_ROLE" }, { type: "PARTITION_AWARE" }],
});

async function agentView(master: RunningMaster, agentId: string): Promise<Loose> {
  const res = await operatorCall(master, { type: "GET_AGENTS" });
  assert.equal(res.status, 200);
  return ((res.json as Loose).get_agents.agents ?? []).find(
    (a: Loose) => a.agent_info.id.value === agentId,
  );
}

describe("draining an agent", () => {
  const workDir = mkdtempSync(join(tmpdir(), "tessera-master-drain-"));
  after(() => rmSync(workDir, { recursive: true, force: true }));

  it("DRAIN_AGENT with mark_gone kills the tasks with max_grace_period, then marks the agent gone", async () => {
    const master = await startTestMaster();
    const op = await subscribe(`${master.url}/api/v1`, JSON.stringify({ type: "SUBSCRIBE" }));
    assert.ok(op.ok);
    const operatorEvents = new EventReader(op.events);
    try {
      await operatorEvents.next("SUBSCRIBED");
      const agent = await TestAgent.start(master.url, { hostname: "drain-me" });
      const scheduler = await subscribeScheduler(master, FRAMEWORK);
      await launchRunning(master, scheduler, agent, "d-1");

      const drained = await operatorCall(master, {
        type: "DRAIN_AGENT",
        drain_agent: {
          agent_id: { value: agent.agentId },
          max_grace_period: { seconds: 5 },
          mark_gone: true,
        },
      });
      assert.equal(drained.status, 200, drained.body);
      assert.equal(drained.body, "");
      const kill = (await agent.waitFor("KILL_TASK")).kill_task as Loose;
      assert.equal(kill.task_id.value, "d-1");
      assert.equal(kill.kill_policy.grace_period.nanoseconds, 5_000_000_000);
      const draining = await agentView(master, agent.agentId);
      assert.equal(draining.deactivated, true);
      assert.equal(draining.active, false);
      assert.deepEqual(draining.drain_info, {
        state: "DRAINING",
        config: { mark_gone: true, max_grace_period: { nanoseconds: 5_000_000_000 } },
      });
      const early = await operatorCall(master, {
        type: "REACTIVATE_AGENT",
        reactivate_agent: { agent_id: { value: agent.agentId } },
      });
      assert.equal(early.status, 400);
      assert.match(early.body, /still draining/);

      await agent.sendUpdate(scheduler.frameworkId, "d-1", "TASK_KILLED");
      await agent.waitFor("SHUTDOWN");
      const removed = await operatorEvents.next("AGENT_REMOVED");
      assert.deepEqual(removed.agent_removed, { agent_id: { value: agent.agentId } });
      assert.equal(await agentView(master, agent.agentId), undefined);
      scheduler.close();
      agent.close();
    } finally {
      op.close();
      await master.close();
    }
  });

  it("the drain survives a master restart: the re-registered agent gets no offers and its task is killed again", async () => {
    const flags = { registry: "sqlite", work_dir: workDir };
    const { agentId, frameworkId } = await firstRun(
      flags,
      "drain-durable",
      FRAMEWORK,
      "d-2",
      async ({ master, agent }) => {
        const drained = await operatorCall(master, {
          type: "DRAIN_AGENT",
          drain_agent: { agent_id: { value: agent.agentId } },
        });
        assert.equal(drained.status, 200, drained.body);
        await agent.waitFor("KILL_TASK");
      },
    );

    const second = await startTestMaster(flags);
    try {
      const agent = await TestAgent.start(second.url, {
        hostname: "drain-durable",
        agentId,
        tasks: [runningTask("d-2", frameworkId, agentId)],
        frameworks: [{ ...FRAMEWORK, id: { value: frameworkId } }],
      });
      const kill = (await agent.waitFor("KILL_TASK")).kill_task as Loose;
      assert.equal(kill.task_id.value, "d-2");
      const view = await agentView(second, agentId);
      assert.equal(view.deactivated, true);
      assert.equal(view.drain_info.state, "DRAINING");
      const legacy = (await (await fetch(`${second.url}/master/slaves`)).json()) as Loose;
      assert.equal(legacy.slaves[0].deactivated, true);
      assert.equal(legacy.slaves[0].drain_info.state, "DRAINING");
      agent.close();
    } finally {
      await second.close();
    }
  });

  it("DEACTIVATE_AGENT rescinds the agent's offer; REACTIVATE_AGENT brings offers back", async () => {
    const master = await startTestMaster();
    try {
      const agent = await TestAgent.start(master.url, { hostname: "pause-me" });
      const scheduler = await subscribeScheduler(master, FRAMEWORK);
      const offer = ((await scheduler.events.next("OFFERS")).offers as Loose).offers[0];
      const off = await operatorCall(master, {
        type: "DEACTIVATE_AGENT",
        deactivate_agent: { agent_id: { value: agent.agentId } },
      });
      assert.equal(off.status, 200, off.body);
      const rescind = await scheduler.events.next("RESCIND");
      assert.deepEqual((rescind.rescind as Loose).offer_id, offer.id);
      assert.equal((await agentView(master, agent.agentId)).deactivated, true);
      const on = await operatorCall(master, {
        type: "REACTIVATE_AGENT",
        reactivate_agent: { agent_id: { value: agent.agentId } },
      });
      assert.equal(on.status, 200, on.body);
      const again = ((await scheduler.events.next("OFFERS")).offers as Loose).offers[0];
      assert.equal(again.agent_id.value, agent.agentId);
      assert.equal((await agentView(master, agent.agentId)).deactivated, false);
      scheduler.close();
      agent.close();
    } finally {
      await master.close();
    }
  });
});
