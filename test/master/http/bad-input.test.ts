// Conformance: invalid ACCEPTs over the real scheduler API with a test agent (reference §1.5,
// §5.6, §9.2 master_validation_tests, LaunchDuplicateOffer*, §10.2 item 7). Each is answered the
// way Mesos answers it (202 plus a TASK_ERROR / TASK_DROPPED update, or a refusal) and leaves the
// tasks, executors and agents exactly as they were: no RUN_TASK reaches the agent.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { RunningMaster } from "../../../src/master/server.ts";
import {
  acceptLaunch,
  currentOffer,
  type Loose,
  launchRunning,
  operatorCall,
  taskInfo,
  webFramework,
} from "./helpers.ts";
import { masterSuite } from "./suite.ts";

/** Tasks, executors and agents (times dropped): what an invalid ACCEPT must not change. */
async function workload(master: RunningMaster): Promise<unknown> {
  const res = await operatorCall(master, { type: "GET_STATE" });
  assert.equal(res.status, 200);
  const state = JSON.parse(res.body, (key, value) =>
    key.endsWith("_time") || key === "offered_resources" ? undefined : value,
  ) as Loose;
  return {
    tasks: state.get_state.get_tasks,
    executors: state.get_state.get_executors,
    agents: state.get_state.get_agents,
  };
}

describe("invalid ACCEPTs leave the master's tasks unchanged", () => {
  const { master, agent, scheduler } = masterSuite({
    flags: { allocation_interval: "50ms" },
    agent: { hostname: "strict-agent" },
    framework: webFramework("frank", "careless", {
      failover_timeout: 3600,
      capabilities: [{ type: "MULTI_ROLE" }, { type: "PARTITION_AWARE" }],
    }),
  });
  before(async () => {
    await launchRunning(master, scheduler, agent, "running-1");
  });

  /** ACCEPTs an outstanding offer with `tasks(offer)`; returns the HTTP answer and the UPDATE. */
  async function invalidLaunch(
    tasks: (offer: Loose) => Loose[],
    offerIds?: (offer: Loose) => Loose[],
  ): Promise<{ status: number; update: Loose }> {
    const offer = await currentOffer(master, scheduler);
    const before = await workload(master);
    const runTasks = agent.events.filter((e) => e.type === "RUN_TASK").length;
    const res = await acceptLaunch(scheduler, offerIds?.(offer) ?? [offer.id], tasks(offer));
    assert.equal(res.status, 202, res.body);
    const update = ((await scheduler.events.next("UPDATE")).update as Loose).status;
    assert.deepEqual(await workload(master), before);
    assert.equal(agent.events.filter((e) => e.type === "RUN_TASK").length, runTasks);
    return { status: res.status, update };
  }

  it("a task id that is not a valid Mesos id gets TASK_ERROR REASON_TASK_INVALID", async () => {
    const { update } = await invalidLaunch((offer) => [taskInfo(offer, "bad/id")]);
    assert.equal(update.task_id.value, "bad/id");
    assert.equal(update.state, "TASK_ERROR");
    assert.equal(update.reason, "REASON_TASK_INVALID");
    assert.equal(update.source, "SOURCE_MASTER");
    assert.match(update.message, /^Task ID 'bad\/id' is invalid/);
  });

  it("a task using more than the offer gets TASK_ERROR", async () => {
    const { update } = await invalidLaunch((offer) => [taskInfo(offer, "greedy", "web", 64)]);
    assert.equal(update.state, "TASK_ERROR");
    assert.equal(update.reason, "REASON_TASK_INVALID");
  });

  it("a task reusing the id of a running task gets TASK_ERROR 'Task has duplicate ID'", async () => {
    const { update } = await invalidLaunch((offer) => [taskInfo(offer, "running-1")]);
    assert.equal(update.state, "TASK_ERROR");
    assert.equal(update.message, "Task has duplicate ID: running-1");
  });

  it("an unknown offer id drops the task (TASK_DROPPED, REASON_INVALID_OFFERS, partition-aware)", async () => {
    const { update } = await invalidLaunch(
      (offer) => [taskInfo(offer, "orphan")],
      () => [{ value: "no-such-offer" }],
    );
    assert.equal(update.state, "TASK_DROPPED");
    assert.equal(update.reason, "REASON_INVALID_OFFERS");
    assert.match(update.message, /Offer no-such-offer is no longer valid/);
  });

  it("the same offer twice in one ACCEPT drops the task", async () => {
    const { update } = await invalidLaunch(
      (offer) => [taskInfo(offer, "twice")],
      (offer) => [offer.id, offer.id],
    );
    assert.equal(update.state, "TASK_DROPPED");
    assert.equal(update.reason, "REASON_INVALID_OFFERS");
  });

  it("an operation that is not implemented refuses the whole ACCEPT with 501; the offer stays outstanding", async () => {
    const offer = await currentOffer(master, scheduler);
    const before = await operatorCall(master, { type: "GET_FRAMEWORKS" });
    const res = await scheduler.call({
      type: "ACCEPT",
      accept: {
        offer_ids: [offer.id],
        operations: [
          { type: "LAUNCH", launch: { task_infos: [taskInfo(offer, "not-yet")] } },
          { type: "UNKNOWN" },
        ],
      },
    });
    assert.equal(res.status, 501);
    assert.match(res.body, /^Offer operation 'UNKNOWN' is not implemented/);
    const after = await operatorCall(master, { type: "GET_FRAMEWORKS" });
    const offers = (r: Loose) =>
      r.json.get_frameworks.frameworks[0].offers.map((o: Loose) => o.id.value);
    assert.deepEqual(offers(after), offers(before));
    assert.ok(offers(after).includes(offer.id.value));
    const declined = await scheduler.call({ type: "DECLINE", decline: { offer_ids: [offer.id] } });
    assert.equal(declined.status, 202);
  });
});
