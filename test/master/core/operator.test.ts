import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OperatorEvent } from "../../../src/master/core/types.ts";
import type { TaskInfo } from "../../../src/wire/task.ts";
import { assertMetrics } from "../../support/metrics.ts";
import {
  agentUpdate,
  Harness,
  launchTasks,
  uuidOf,
  wireResources,
  withOffer,
  withTasks,
} from "./harness.ts";

function operatorEvents(h: Harness): OperatorEvent[] {
  return h.outputs.flatMap((o) => (o.kind === "operator_event" ? [o.event] : []));
}

describe("operator event stream", () => {
  it("emits AGENT_ADDED, FRAMEWORK_ADDED, TASK_ADDED (TASK_STAGING) and TASK_UPDATED with the latest state", () => {
    const { h, agent, fw } = withTasks(["t1"]);
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_STARTING", uuidOf(1), "TASK_RUNNING");
    const events = operatorEvents(h);
    const added = events.find((e) => e.type === "AGENT_ADDED")?.agent_added?.agent;
    assert.equal(added?.agent_info.id?.value, agent.agentId);
    assert.deepEqual(
      added?.total_resources?.map((r) => [r.name, r.role]),
      [
        ["cpus", "*"],
        ["mem", "*"],
      ],
    );
    const framework = events.find((e) => e.type === "FRAMEWORK_ADDED")?.framework_added?.framework;
    assert.equal(framework?.framework_info.id?.value, fw.frameworkId);
    assert.equal(framework?.connected, true);
    const task = events.find((e) => e.type === "TASK_ADDED")?.task_added?.task;
    assert.equal(task?.state, "TASK_STAGING");
    assert.equal(task?.user, "u");
    const updated = events.find((e) => e.type === "TASK_UPDATED")?.task_updated;
    assert.equal(updated?.status.state, "TASK_STARTING");
    assert.equal(updated?.state, "TASK_RUNNING");
  });

  it("emits AGENT_REMOVED when an agent is unreachable and FRAMEWORK_REMOVED on teardown", () => {
    const h = new Harness();
    const agent = h.addAgent("a1");
    const fw = h.subscribe();
    h.advance(90_000);
    h.call(fw.streamId, fw.frameworkId, { type: "TEARDOWN" });
    const events = operatorEvents(h);
    assert.deepEqual(events.find((e) => e.type === "AGENT_REMOVED")?.agent_removed, {
      agent_id: { value: agent.agentId },
    });
    assert.equal(
      events.find((e) => e.type === "FRAMEWORK_REMOVED")?.framework_removed?.framework_info.id
        ?.value,
      fw.frameworkId,
    );
  });
});

describe("operator calls and views", () => {
  it("GET_STATE shows frameworks, agents, tasks and executors", () => {
    const { h } = withTasks(["t1"]);
    const state = h.master.getState();
    assert.equal(state.get_agents?.agents?.[0]?.agent_info.hostname, "a1");
    assert.deepEqual(
      state.get_agents?.agents?.[0]?.allocated_resources?.map((r) => [r.name, r.scalar?.value]),
      [
        ["cpus", 1],
        ["mem", 128],
      ],
    );
    assert.equal(state.get_frameworks?.frameworks?.[0]?.framework_info.name, "fw");
    assert.equal(state.get_tasks?.tasks?.[0]?.task_id.value, "t1");
  });

  it("GET_AGENTS lists agents recovered from the registry until they re-register", () => {
    const before = new Harness();
    before.addAgent("a1");
    const h = new Harness({ registry: before.registry, masterId: "M2" });
    assert.equal(h.master.getAgents().recovered_agents?.[0]?.hostname, "a1");
    assert.equal(h.master.getAgents().agents?.length, 0);
  });

  it("operator TEARDOWN of an unknown framework is refused, of a known one answered 200", () => {
    const h = new Harness();
    const unknown = h.operator({ type: "TEARDOWN", frameworkId: "nope" });
    const r1 = h.replies.get(unknown);
    assert.equal(
      r1?.kind === "reply" && !r1.reply.ok && r1.reply.error.code,
      "framework_not_found",
    );
    const fw = h.subscribe();
    const known = h.operator({ type: "TEARDOWN", frameworkId: fw.frameworkId });
    const r2 = h.replies.get(known);
    assert.deepEqual(r2?.kind === "reply" && r2.reply, { ok: true, status: 200 });
    assert.ok(h.closedStreams.has(fw.streamId));
  });

  it("metrics count frameworks, agents, resources and tasks by state", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:4;mem:1024");
    const fw = h.subscribe();
    launchTasks(h, fw, agent.agentId, ["t1"]);
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    const m = h.master.metrics(h.nowMs);
    assertMetrics(m, {
      "master/frameworks_active": 1,
      "master/slaves_connected": 1,
      "master/cpus_total": 4,
      "master/cpus_used": 1,
      "master/tasks_running": 1,
      "master/elected": 1,
    });
  });
});

describe("scheduler calls", () => {
  it("SUPPRESS stops offers for the framework and REVIVE brings them back", () => {
    const h = new Harness();
    h.addAgent("a1");
    const fw = h.subscribe();
    h.call(fw.streamId, fw.frameworkId, { type: "SUPPRESS" });
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, 0);
    h.call(fw.streamId, fw.frameworkId, { type: "REVIVE" });
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, 1);
  });

  it("a framework subscribing with all roles suppressed gets no offers", () => {
    const h = new Harness();
    h.addAgent("a1");
    const fw = h.subscribe({}, ["*"]);
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, 0);
  });

  it("UPDATE_FRAMEWORK removing a role rescinds the offers made to it", () => {
    const h = new Harness();
    h.addAgent("a1");
    const caps = [{ type: "MULTI_ROLE" as const }];
    const fw = h.subscribe({ capabilities: caps, roles: ["a", "b"] });
    h.allocate();
    const offer = h.offers(fw.streamId)[0];
    assert.equal(offer?.allocation_info?.role, "a");
    h.call(fw.streamId, fw.frameworkId, {
      type: "UPDATE_FRAMEWORK",
      update_framework: {
        framework_info: {
          user: "u",
          name: "fw",
          id: { value: fw.frameworkId },
          capabilities: caps,
          roles: ["b"],
        } as never,
      },
    });
    assert.deepEqual(h.frameworkEvents(fw.streamId).at(-1), {
      type: "RESCIND",
      rescind: { offer_id: offer?.id },
    });
  });

  it("SHUTDOWN asks the agent to shut the executor down; its exit is reported as FAILURE with the executor id", () => {
    const { h, agent, fw, offer } = withOffer();
    const task = {
      name: "t",
      task_id: { value: "t" },
      agent_id: { value: agent.agentId },
      resources: wireResources("cpus:1"),
      executor: { executor_id: { value: "ex" }, command: { shell: true, value: "run" } },
    } as TaskInfo;
    h.launch(fw, [offer.id], [task]);
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 1);
    h.call(fw.streamId, fw.frameworkId, {
      type: "SHUTDOWN",
      shutdown: { executor_id: { value: "ex" }, agent_id: { value: agent.agentId } },
    });
    assert.equal(h.agentEventsOn(agent.streamId).at(-1)?.type, "SHUTDOWN_EXECUTOR");
    h.agentCall(agent.agentId, {
      type: "EXECUTOR_EXITED",
      executor_exited: {
        framework_id: { value: fw.frameworkId },
        executor_id: { value: "ex" },
        status: 9,
      },
    });
    assert.deepEqual(h.frameworkEvents(fw.streamId).at(-1), {
      type: "FAILURE",
      failure: { agent_id: { value: agent.agentId }, executor_id: { value: "ex" }, status: 9 },
    });
  });

  it("an unknown call type is answered not_implemented (501)", () => {
    const h = new Harness();
    const fw = h.subscribe();
    const reply = h.call(fw.streamId, fw.frameworkId, {} as never);
    assert.equal(
      reply?.kind === "reply" && !reply.reply.ok && reply.reply.error.code,
      "not_implemented",
    );
  });
});

describe("weights and agent resources", () => {
  it("UPDATE_WEIGHTS answers once UpdateWeights is durable and reaches the allocator; after a restart the allocator learns them from the registry", () => {
    const h = new Harness({ holdRegistry: true });
    h.releaseRegistry();
    const request = h.operator({ type: "UPDATE_WEIGHTS", weights: [{ role: "web", weight: 2 }] });
    assert.equal(h.replies.get(request), undefined);
    h.releaseRegistry();
    const reply = h.replies.get(request);
    assert.deepEqual(reply?.kind === "reply" && reply.reply, { ok: true, status: 200 });
    assert.equal(h.allocator.weights.get("web"), 2);
    const restarted = new Harness({ registry: h.registry, masterId: "M2" });
    assert.equal(restarted.allocator.weights.get("web"), 2);
    const bad = h.operator({ type: "UPDATE_WEIGHTS", weights: [{ role: "web", weight: 0 }] });
    const badReply = h.replies.get(bad);
    assert.equal(
      badReply?.kind === "reply" && !badReply.reply.ok && badReply.reply.error.code,
      "invalid_call",
    );
  });

  it("an agent's resource update rescinds its offers and changes its total", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:4;mem:1024");
    const fw = h.subscribe();
    h.allocate();
    h.agentCall(agent.agentId, {
      type: "UPDATE_RESOURCES",
      update_resources: { total_resources: wireResources("cpus:8;mem:1024") },
    });
    assert.equal(h.frameworkEvents(fw.streamId).at(-1)?.type, "RESCIND");
    assert.equal(h.master.metrics(h.nowMs)["master/cpus_total"], 8);
    h.allocate();
    assert.equal(
      h
        .offers(fw.streamId)
        .at(-1)
        ?.resources?.find((r) => r.name === "cpus")?.scalar?.value,
      8,
    );
  });
});
