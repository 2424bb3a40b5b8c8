import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  agentSubscribeCall,
  agentUpdate,
  Harness,
  launchTasks,
  uuidOf,
  withTasks,
} from "./harness.ts";

const PA = [{ type: "PARTITION_AWARE" as const }];

/** Lets the agent miss every ping until the master gives up on it. */
function missPings(h: Harness): void {
  h.advance(15_000 * 5);
}

describe("agent registration", () => {
  it("a new agent gets <masterId>-S0 and SUBSCRIBED only once AdmitAgent is durable", () => {
    const h = new Harness({ holdRegistry: true });
    const streamId = "agent-x";
    h.step({
      kind: "agent_subscribe",
      agentStreamId: streamId,
      call: agentSubscribeCall("a1", "cpus:2;mem:512"),
    });
    assert.equal(h.agentEventsOn(streamId).length, 0);
    assert.equal(h.heldWrites.at(-1)?.ops[0]?.type, "AdmitAgent");
    // A retried registration while the write is in flight does not admit a second agent.
    h.step({
      kind: "agent_subscribe",
      agentStreamId: "agent-y",
      call: agentSubscribeCall("a1", "cpus:2;mem:512"),
    });
    h.releaseRegistry();
    assert.equal(h.registry.admitted.size, 1);
    const subscribed = h.agentEventsOn("agent-y")[0];
    assert.equal(subscribed?.type, "SUBSCRIBED");
    assert.equal(subscribed?.subscribed?.agent_id.value, "M-S0");
    assert.equal(subscribed?.subscribed?.ping_interval_seconds, 15);
    assert.equal(subscribed?.subscribed?.total_ping_timeout_seconds, 75);
    assert.ok(h.outputs.some((o) => o.kind === "operator_event" && o.event.type === "AGENT_ADDED"));
  });

  it("an agent that answers pings stays registered", () => {
    const h = new Harness();
    const agent = h.addAgent("a1");
    for (let i = 0; i < 10; i++) {
      h.advance(15_000);
      h.agentCall(agent.agentId, { type: "PONG" });
    }
    assert.equal(h.master.snapshot(h.nowMs).agents.length, 1);
    assert.equal(h.agentEventsOn(agent.streamId).filter((e) => e.type === "PING").length, 11);
  });

  it("re-registering with a task the master has but the agent lacks lists it in reconciliations", () => {
    const { h, agent, fw } = withTasks(["t1", "t2"], { checkpoint: true });
    h.step({ kind: "agent_stream_closed", agentStreamId: agent.streamId });
    h.reregister("again", agent.agentId, [[fw.frameworkId, "t1"]]);
    const subscribed = h.agentEventsOn("again")[0]?.subscribed;
    assert.deepEqual(subscribed?.reconciliations, [
      { framework_id: { value: fw.frameworkId }, task_id: { value: "t2" }, state: "TASK_STAGING" },
    ]);
  });
});

describe("a task lost in a restarted agent (issue 22, fault 7)", () => {
  // kill -9 of the agent right after ACCEPT: the RUN_TASK never reached its checkpoint, so the
  // restarted agent knows neither the task nor the framework and answers the master's
  // reconciliation with TASK_LOST (src/agent/core/tasks.ts); Mesos gives a PARTITION_AWARE
  // framework TASK_DROPPED for a task missing on the agent (reference §9.3).
  for (const [caps, expected] of [
    [PA, "TASK_DROPPED"],
    [[], "TASK_LOST"],
  ] as const) {
    it(`the agent's "task unknown" answer reaches a ${caps.length ? "partition-aware" : "legacy"} framework as ${expected}`, () => {
      const h = new Harness();
      const agent = h.addAgent("a1");
      const fw = h.subscribe({ checkpoint: true, capabilities: [...caps] });
      launchTasks(h, fw, agent.agentId, ["t1"]);
      h.step({ kind: "agent_stream_closed", agentStreamId: agent.streamId });
      h.step({
        kind: "agent_subscribe",
        agentStreamId: "again",
        call: agentSubscribeCall("a1", "cpus:4;mem:1024", { agent_id: { value: agent.agentId } }),
      });
      const reconciliations = h.agentEventsOn("again")[0]?.subscribed?.reconciliations ?? [];
      assert.equal(reconciliations[0]?.task_id.value, "t1");
      h.agentCall(agent.agentId, {
        type: "UPDATE",
        agent_id: { value: agent.agentId },
        update: {
          framework_id: { value: fw.frameworkId },
          status: {
            task_id: { value: "t1" },
            state: "TASK_LOST",
            source: "SOURCE_AGENT",
            reason: "REASON_RECONCILIATION",
            message: "Reconciliation: task unknown to the agent",
            uuid: uuidOf(1),
          },
        },
      });
      const status = h.updates(fw.streamId).at(-1);
      assert.equal(status?.state, expected);
      assert.equal(status?.reason, "REASON_RECONCILIATION");
      assert.equal(
        h.master.getTasks().completed_tasks?.[0]?.state ?? h.master.getTasks().tasks?.[0]?.state,
        expected,
      );
    });
  }
});

describe("agent failure", () => {
  for (const [caps, state] of [
    [[], "TASK_LOST"],
    [PA, "TASK_UNREACHABLE"],
  ] as const) {
    it(`after max_agent_ping_timeouts missed pings the agent is unreachable and its tasks ${state} (${caps.length ? "partition-aware" : "legacy"})`, () => {
      const { h, agent, fw } = withTasks(["t1"], { capabilities: [...caps] });
      missPings(h);
      const status = h.updates(fw.streamId).at(-1);
      assert.equal(status?.state, state);
      assert.equal(status?.reason, "REASON_AGENT_REMOVED");
      assert.equal(status?.source, "SOURCE_MASTER");
      assert.equal(status?.message, "health check timed out");
      if (state === "TASK_UNREACHABLE") assert.ok(status?.unreachable_time !== undefined);
      assert.ok(
        h
          .frameworkEvents(fw.streamId)
          .some((e) => e.type === "FAILURE" && e.failure?.agent_id?.value === agent.agentId),
      );
      assert.ok(h.registry.unreachable.has(agent.agentId));
      const snap = h.master.snapshot(h.nowMs);
      assert.equal(snap.agents.length, 0);
      assert.equal(snap.unreachableTasks[0]?.taskId, "t1");
      assert.ok(
        h.outputs.some((o) => o.kind === "operator_event" && o.event.type === "AGENT_REMOVED"),
      );
    });
  }

  it("tasks become unreachable only once MarkAgentUnreachable is durable", () => {
    const { h } = withTasks(["t1"]);
    h.holdRegistry = true;
    missPings(h);
    assert.equal(h.heldWrites[0]?.ops[0]?.type, "MarkAgentUnreachable");
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 1);
    h.releaseRegistry();
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 0);
  });

  it("a re-registration while MarkAgentUnreachable is in flight closes its stream, and the retry after it is answered", () => {
    const { h, agent, fw } = withTasks(["t1"], { capabilities: PA });
    h.holdRegistry = true;
    missPings(h);
    assert.equal(h.heldWrites[0]?.ops[0]?.type, "MarkAgentUnreachable");
    h.reregister("early", agent.agentId, [[fw.frameworkId, "t1"]]);
    assert.equal(h.agentEventsOn("early").length, 0);
    assert.ok(h.closedStreams.has("early"), "the agent is told to retry, not left waiting");
    h.releaseRegistry();
    h.holdRegistry = false;
    h.reregister("retry", agent.agentId, [[fw.frameworkId, "t1"]]);
    assert.equal(h.agentEventsOn("retry")[0]?.type, "SUBSCRIBED");
  });

  it("an unreachable agent that re-registers gets its tasks back and frameworks hear REASON_AGENT_REREGISTERED", () => {
    const { h, agent, fw } = withTasks(["t1"], { capabilities: PA });
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    missPings(h);
    h.reregister("back", agent.agentId, [[fw.frameworkId, "t1"]]);
    assert.equal(h.agentEventsOn("back")[0]?.type, "SUBSCRIBED");
    assert.ok(!h.registry.unreachable.has(agent.agentId));
    assert.ok(h.registry.admitted.has(agent.agentId));
    const status = h.updates(fw.streamId).at(-1);
    assert.equal(status?.state, "TASK_RUNNING");
    assert.equal(status?.reason, "REASON_AGENT_REREGISTERED");
    const snap = h.master.snapshot(h.nowMs);
    assert.equal(snap.tasks[0]?.state, "TASK_RUNNING");
    assert.equal(snap.unreachableTasks.length, 0);
  });

  it("a disconnected agent loses the tasks of non-checkpointing frameworks at once and is unreachable after agent_reregister_timeout", () => {
    // Pings slower than the re-register timeout, so that timer is the one that fires.
    const h = new Harness({ flags: { agentPingTimeoutMs: 300_000 } });
    const agent = h.addAgent("a1");
    const plain = h.subscribe({ name: "plain" });
    launchTasks(h, plain, agent.agentId, ["p1"], "cpus:1;mem:100");
    const durable = h.subscribe({ name: "durable", checkpoint: true, capabilities: PA });
    launchTasks(h, durable, agent.agentId, ["d1"], "cpus:1;mem:100");
    h.step({ kind: "agent_stream_closed", agentStreamId: agent.streamId });
    const lost = h.updates(plain.streamId).at(-1);
    assert.equal(lost?.state, "TASK_LOST");
    assert.equal(lost?.reason, "REASON_AGENT_DISCONNECTED");
    assert.equal(h.updates(durable.streamId).length, 0);
    h.advance(600_000);
    const unreachable = h.updates(durable.streamId).at(-1);
    assert.equal(unreachable?.state, "TASK_UNREACHABLE");
    assert.match(unreachable?.message ?? "", /did not reregister within 600secs/);
  });

  it("a disconnected agent is still pinged and is unreachable once max_agent_ping_timeouts pings go unanswered", () => {
    const h = new Harness();
    const agent = h.addAgent("a1");
    const fw = h.subscribe({ checkpoint: true, capabilities: PA });
    launchTasks(h, fw, agent.agentId, ["d1"], "cpus:1;mem:100");
    h.step({ kind: "agent_stream_closed", agentStreamId: agent.streamId });
    h.advance(4 * 15_000);
    assert.equal(h.updates(fw.streamId).length, 0);
    assert.ok(!h.registry.unreachable.has(agent.agentId));
    h.advance(15_000);
    const unreachable = h.updates(fw.streamId).at(-1);
    assert.equal(unreachable?.state, "TASK_UNREACHABLE");
    assert.match(unreachable?.message ?? "", /health check timed out/);
    assert.ok(h.registry.unreachable.has(agent.agentId));
  });

  it("MARK_AGENT_GONE answers once MarkAgentGone is durable; tasks TASK_GONE_BY_OPERATOR and the agent is told to shut down", () => {
    const { h, agent, fw } = withTasks(["t1"], { capabilities: PA });
    h.holdRegistry = true;
    const request = h.operator({ type: "MARK_AGENT_GONE", agentId: agent.agentId });
    assert.equal(h.replies.get(request), undefined);
    h.releaseRegistry();
    const reply = h.replies.get(request);
    assert.deepEqual(reply?.kind === "reply" && reply.reply, { ok: true, status: 200 });
    const status = h.updates(fw.streamId).at(-1);
    assert.equal(status?.state, "TASK_GONE_BY_OPERATOR");
    assert.equal(status?.reason, "REASON_AGENT_REMOVED_BY_OPERATOR");
    assert.equal(h.agentEventsOn(agent.streamId).at(-1)?.type, "SHUTDOWN");
    // Coming back is refused with SHUTDOWN.
    h.holdRegistry = false;
    h.reregister("zombie", agent.agentId);
    assert.equal(h.agentEventsOn("zombie")[0]?.type, "SHUTDOWN");
    // Idempotent; unknown agents are 404.
    const again = h.operator({ type: "MARK_AGENT_GONE", agentId: agent.agentId });
    assert.deepEqual((h.replies.get(again) as { reply: unknown }).reply, { ok: true, status: 200 });
    const unknown = h.operator({ type: "MARK_AGENT_GONE", agentId: "nope" });
    assert.equal(
      (h.replies.get(unknown) as { reply: { error: { code: string } } }).reply.error.code,
      "agent_not_found",
    );
  });

  it("a legacy framework sees TASK_LOST with REASON_AGENT_REMOVED when the agent is marked gone", () => {
    const { h, agent, fw } = withTasks(["t1"]);
    h.operator({ type: "MARK_AGENT_GONE", agentId: agent.agentId });
    const status = h.updates(fw.streamId).at(-1);
    assert.equal(status?.state, "TASK_LOST");
    assert.equal(status?.reason, "REASON_AGENT_REMOVED");
  });

  it("outstanding offers on an agent that becomes unreachable are rescinded", () => {
    const h = new Harness();
    h.addAgent("a1");
    const fw = h.subscribe();
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, 1);
    missPings(h);
    assert.ok(h.frameworkEvents(fw.streamId).some((e) => e.type === "RESCIND"));
    assert.equal(h.master.snapshot(h.nowMs).offers.length, 0);
  });
});

describe("kills across an agent disconnection", () => {
  it("a KILL requested while the agent is disconnected is sent when it re-registers", () => {
    const { h, agent, fw } = withTasks(["t1"], { checkpoint: true });
    h.step({ kind: "agent_stream_closed", agentStreamId: agent.streamId });
    h.call(fw.streamId, fw.frameworkId, { type: "KILL", kill: { task_id: { value: "t1" } } });
    h.reregister("back", agent.agentId, [[fw.frameworkId, "t1"]]);
    assert.deepEqual(
      h.agentEventsOn("back").map((e) => e.type),
      ["SUBSCRIBED", "PING", "KILL_TASK"],
    );
  });

  it("tasks of a non-checkpointing framework, lost when the agent disconnected, are killed when it comes back", () => {
    const { h, agent, fw } = withTasks(["t1"]);
    h.step({ kind: "agent_stream_closed", agentStreamId: agent.streamId });
    assert.equal(h.updates(fw.streamId).at(-1)?.state, "TASK_LOST");
    h.reregister("back", agent.agentId, [[fw.frameworkId, "t1"]]);
    assert.equal(h.agentEventsOn("back").at(-1)?.kill_task?.task_id.value, "t1");
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 0, "the lost task is not resurrected");
  });
});
