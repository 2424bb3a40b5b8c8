// Conformance: the scheduler API's happy paths against a real master and a test agent
// (reference §1.1, §1.4, §1.5; §9.1 checklist).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchCall, scalar } from "../scheduler-calls.ts";
import {
  type Event,
  type Loose,
  subscribeScheduler,
  type TestScheduler,
  WIRE_MEDIA_TYPE,
  webFramework,
} from "./helpers.ts";
import { masterOnlySuite } from "./suite.ts";
import { TestAgent } from "./test-agent.ts";

type Offer = {
  id: { value: string };
  agent_id: { value: string };
  resources: { name: string; scalar?: { value: number }; allocation_info?: { role: string } }[];
};

function offersOf(event: Event): Offer[] {
  return (event.offers as { offers: Offer[] }).offers;
}

function launchTask(offer: Offer, taskId: string, cpus = 1, mem = 128) {
  const task = {
    name: taskId,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources: [scalar("cpus", cpus, "web"), scalar("mem", mem, "web")],
    command: { value: "sleep 1000" },
  };
  return launchCall([offer.id], [task as Loose], { refuse_seconds: 0 });
}

describe("scheduler API flow", () => {
  const master = masterOnlySuite();

  it("SUBSCRIBE answers 200 with a stream id, then SUBSCRIBED and a HEARTBEAT", async () => {
    const scheduler = await subscribeScheduler(master);
    try {
      assert.equal(scheduler.headers["content-type"], WIRE_MEDIA_TYPE);
      assert.match(scheduler.streamId, /^[0-9a-f-]{36}$/);
      const [subscribed] = scheduler.events.seen;
      const body = subscribed?.subscribed as Loose;
      assert.equal(body.heartbeat_interval_seconds, 15);
      assert.equal(body.framework_id.value, `${master.masterInfo.id}-0000`);
      assert.equal(body.master_info.id, master.masterInfo.id);
      assert.equal(body.master_info.port, master.port);
      assert.deepEqual(await scheduler.events.nextAny(), { type: "HEARTBEAT" });
    } finally {
      scheduler.close();
    }
  });

  it("the scheduler API is also served at /master/api/v1/scheduler", async () => {
    const res = await fetch(`${master.url}/master/api/v1/scheduler`, { method: "GET" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
  });

  describe("with an agent", () => {
    let agent: TestAgent;
    let scheduler: TestScheduler;
    before(async () => {
      agent = await TestAgent.start(master.url);
      scheduler = await subscribeScheduler(master, webFramework("bob", "flow"));
    });
    after(() => {
      scheduler.close();
      agent.close();
    });

    it("offers carry the test agent's resources allocated to the framework's role", async () => {
      const offers = offersOf(await scheduler.events.next("OFFERS"));
      assert.equal(offers.length, 1);
      const offer = offers[0]!;
      assert.equal(offer.agent_id.value, agent.agentId);
      const cpus = offer.resources.find((r) => r.name === "cpus");
      assert.equal(cpus?.scalar?.value, 4);
      assert.equal(cpus?.allocation_info?.role, "web");
      // Hand the offer back so the next test gets one again.
      const res = await scheduler.call({
        type: "DECLINE",
        decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } },
      });
      assert.equal(res.status, 202);
      assert.equal(res.body, "");
    });

    it("ACCEPT LAUNCH runs the task at the agent, TASK_RUNNING reaches the scheduler and its ACKNOWLEDGE reaches the agent", async () => {
      const offer = offersOf(await scheduler.events.next("OFFERS"))[0]!;
      const accepted = await scheduler.call(launchTask(offer, "task-1"));
      assert.equal(accepted.status, 202, accepted.body);
      const run = await agent.waitFor("RUN_TASK");
      const runTask = run.run_task as Loose;
      assert.equal(runTask.task.task_id.value, "task-1");
      assert.equal(runTask.framework_id.value, scheduler.frameworkId);

      const uuid = await agent.sendUpdate(scheduler.frameworkId, "task-1", "TASK_RUNNING");
      const update = await scheduler.events.next("UPDATE");
      const status = (update.update as Loose).status;
      assert.equal(status.task_id.value, "task-1");
      assert.equal(status.state, "TASK_RUNNING");
      assert.equal(status.uuid, uuid);
      assert.equal(status.agent_id.value, agent.agentId);

      const ack = await scheduler.call({
        type: "ACKNOWLEDGE",
        acknowledge: { agent_id: { value: agent.agentId }, task_id: { value: "task-1" }, uuid },
      });
      assert.equal(ack.status, 202, ack.body);
      const relayed = (await agent.waitFor("ACKNOWLEDGE")).acknowledge as Loose;
      assert.equal(relayed.task_id.value, "task-1");
      assert.equal(relayed.uuid, uuid);
    });

    it("RECONCILE of a known task answers with its latest state", async () => {
      const res = await scheduler.call({
        type: "RECONCILE",
        reconcile: { tasks: [{ task_id: { value: "task-1" } }] },
      });
      assert.equal(res.status, 202);
      const update = await scheduler.events.next("UPDATE");
      const status = (update.update as Loose).status;
      assert.equal(status.task_id.value, "task-1");
      assert.equal(status.state, "TASK_RUNNING");
      assert.equal(status.reason, "REASON_RECONCILIATION");
    });

    it("KILL of a running task sends KILL_TASK to the agent", async () => {
      const res = await scheduler.call({ type: "KILL", kill: { task_id: { value: "task-1" } } });
      assert.equal(res.status, 202);
      const kill = (await agent.waitFor("KILL_TASK")).kill_task as Loose;
      assert.equal(kill.task_id.value, "task-1");
      assert.equal(kill.framework_id.value, scheduler.frameworkId);
    });

    it("KILL of an unknown task is answered like a reconciliation of it", async () => {
      const res = await scheduler.call({ type: "KILL", kill: { task_id: { value: "nope" } } });
      assert.equal(res.status, 202);
      const update = await scheduler.events.next("UPDATE");
      const status = (update.update as Loose).status;
      assert.equal(status.task_id.value, "nope");
      assert.equal(status.state, "TASK_LOST");
    });

    it("a second SUBSCRIBE for the same framework sends 'Framework failed over' on the old stream", async () => {
      const second = await subscribeScheduler(
        master,
        webFramework("bob", "flow"),
        scheduler.frameworkId,
      );
      try {
        const error = await scheduler.events.next("ERROR");
        assert.deepEqual(error, { type: "ERROR", error: { message: "Framework failed over" } });
        await scheduler.events.end();
        // The old stream id is no longer valid.
        const stale = await scheduler.call({ type: "REVIVE" });
        assert.equal(stale.status, 400);
        const fresh = await second.call({ type: "REVIVE" });
        assert.equal(fresh.status, 202);
        scheduler = second;
      } catch (error) {
        second.close();
        throw error;
      }
    });

    it("TEARDOWN removes the framework, closes its stream and shuts it down at the agent", async () => {
      const res = await scheduler.call({ type: "TEARDOWN" });
      assert.equal(res.status, 202);
      await scheduler.events.end();
      const shutdown = (await agent.waitFor("SHUTDOWN_FRAMEWORK")).shutdown_framework as Loose;
      assert.equal(shutdown.framework_id.value, scheduler.frameworkId);
      const again = await scheduler.call({ type: "REVIVE" });
      assert.equal(again.status, 400);
      assert.equal(again.body, "Framework cannot be found");
    });
  });
});
