import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideExplicit } from "../../../src/master/core/reconciliation.ts";
import { cloneRegistryState } from "../../../src/master/core/registry-state.ts";
import type { TaskRecord } from "../../../src/master/core/state.ts";
import {
  agentSubscribeCall,
  agentUpdate,
  Harness,
  launchTasks,
  reportedTask,
  uuidOf,
  withTasks,
} from "./harness.ts";

const PA = [{ type: "PARTITION_AWARE" as const }];

function reconcile(
  h: Harness,
  fw: { streamId: string; frameworkId: string },
  tasks: { task: string; agent?: string }[],
) {
  const before = h.updates(fw.streamId).length;
  h.call(fw.streamId, fw.frameworkId, {
    type: "RECONCILE",
    reconcile: {
      tasks: tasks.map((t) => ({
        task_id: { value: t.task },
        ...(t.agent === undefined ? {} : { agent_id: { value: t.agent } }),
      })),
    },
  });
  return h.updates(fw.streamId).slice(before);
}

describe("the explicit reconciliation decision table", () => {
  const task = { taskId: "t" } as TaskRecord;
  it("a known task: its latest state", () => {
    assert.deepEqual(decideExplicit(task, "registered", true, undefined), { kind: "latest", task });
  });
  it("unknown task on a recovered agent, or no agent given while agents are recovering: no reply", () => {
    assert.deepEqual(decideExplicit(undefined, "recovered", false, undefined), {
      kind: "no_reply",
    });
    assert.deepEqual(decideExplicit(undefined, undefined, true, undefined), { kind: "no_reply" });
  });
  it("unknown task on a registered agent: TASK_GONE", () => {
    assert.equal(
      decideExplicit(undefined, "registered", false, undefined).kind === "state" && "TASK_GONE",
      "TASK_GONE",
    );
  });
  it("unknown task on an unreachable agent: TASK_UNREACHABLE with the unreachable time", () => {
    assert.deepEqual(decideExplicit(undefined, "unreachable", false, 5), {
      kind: "state",
      state: "TASK_UNREACHABLE",
      message: "Reconciliation: Task is unreachable",
      unreachableTimeMs: 5,
    });
  });
  it("unknown task on a gone agent: TASK_GONE_BY_OPERATOR; on an unknown agent or none: TASK_UNKNOWN", () => {
    const gone = decideExplicit(undefined, "gone", false, undefined);
    assert.equal(gone.kind === "state" && gone.state, "TASK_GONE_BY_OPERATOR");
    const unknown = decideExplicit(undefined, "unknown", false, undefined);
    assert.equal(unknown.kind === "state" && unknown.state, "TASK_UNKNOWN");
    const none = decideExplicit(undefined, undefined, false, undefined);
    assert.equal(none.kind === "state" && none.state, "TASK_UNKNOWN");
  });
});

describe("reconciliation through the master", () => {
  for (const [caps, expected] of [
    [PA, ["TASK_GONE", "TASK_UNKNOWN", "TASK_UNREACHABLE", "TASK_GONE_BY_OPERATOR"]],
    [[], ["TASK_LOST", "TASK_LOST", "TASK_LOST", "TASK_LOST"]],
  ] as const) {
    it(`unknown tasks are answered ${expected.join(", ")} for a ${caps.length ? "partition-aware" : "legacy"} framework`, () => {
      const h = new Harness();
      const registered = h.addAgent("a1");
      const unreachable = h.addAgent("a2");
      const gone = h.addAgent("a3");
      const fw = h.subscribe({ capabilities: [...caps] });
      // a2 misses its pings, a1 and a3 answer them.
      for (let i = 0; i < 6; i++) {
        h.advance(15_000);
        h.agentCall(registered.agentId, { type: "PONG" });
        h.agentCall(gone.agentId, { type: "PONG" });
      }
      h.operator({ type: "MARK_AGENT_GONE", agentId: gone.agentId });
      const answers = reconcile(h, fw, [
        { task: "x", agent: registered.agentId },
        { task: "y", agent: "M-S77" },
        { task: "z", agent: unreachable.agentId },
        { task: "w", agent: gone.agentId },
      ]);
      assert.deepEqual(
        answers.map((s) => s.state),
        expected,
      );
      for (const s of answers) {
        assert.equal(s.reason, "REASON_RECONCILIATION");
        assert.equal(s.source, "SOURCE_MASTER");
        assert.equal(s.uuid, undefined);
      }
      if (caps.length) assert.ok(answers[2]?.unreachable_time !== undefined);
    });
  }

  it("implicit reconciliation reports every active task, preferring status_update_state, and no unreachable ones", () => {
    const { h, agent, fw } = withTasks(["t1", "t2"]);
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1), "TASK_FINISHED");
    const answers = reconcile(h, fw, []);
    assert.deepEqual(
      answers.map((s) => [s.task_id.value, s.state, s.message]),
      [
        ["t1", "TASK_RUNNING", "Reconciliation: Latest task state"],
        ["t2", "TASK_STAGING", "Reconciliation: Latest task state"],
      ],
    );
  });

  it("KILL of an unknown task answers exactly like an explicit reconciliation", () => {
    const h = new Harness();
    const agent = h.addAgent("a1");
    const fw = h.subscribe({ capabilities: PA });
    h.call(fw.streamId, fw.frameworkId, {
      type: "KILL",
      kill: { task_id: { value: "ghost" }, agent_id: { value: agent.agentId } },
    });
    const status = h.updates(fw.streamId).at(-1);
    assert.equal(status?.state, "TASK_GONE");
    assert.equal(status?.reason, "REASON_RECONCILIATION");
    assert.equal(h.agentEventsOn(agent.streamId).filter((e) => e.type === "KILL_TASK").length, 0);
  });
});

describe("master restart from the registry", () => {
  function restarted(caps: { type: "PARTITION_AWARE" }[] = PA) {
    const before = new Harness();
    const agent = before.addAgent("a1");
    const fw = before.subscribe({ capabilities: caps, failover_timeout: 3600, checkpoint: true });
    launchTasks(before, fw, agent.agentId, ["t1"]);
    agentUpdate(before, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    // The new master starts from what the old one made durable; frameworks and tasks are not in it.
    const h = new Harness({
      registry: cloneRegistryState(before.registry),
      startMs: before.nowMs + 5_000,
    });
    const back = h.subscribe({
      id: { value: fw.frameworkId },
      capabilities: caps,
      failover_timeout: 3600,
      checkpoint: true,
    });
    return { h, agentId: agent.agentId, fw: back };
  }

  it("the framework resubscribes with its id; tasks on recovered agents get no reply until the agent is back", () => {
    const { h, agentId, fw } = restarted();
    assert.equal(h.master.snapshot(h.nowMs).recoveredAgents.length, 1);
    assert.equal(reconcile(h, fw, [{ task: "t1", agent: agentId }]).length, 0);
    assert.equal(reconcile(h, fw, [{ task: "t1" }]).length, 0);
    assert.equal(reconcile(h, fw, []).length, 0, "implicit reconciliation knows no tasks yet");
  });

  it("a recovered agent re-registers with its tasks, which come back and reconcile to their latest state", () => {
    const { h, agentId, fw } = restarted();
    h.reregister("back", agentId, [[fw.frameworkId, "t1"]]);
    assert.equal(h.agentEventsOn("back")[0]?.type, "SUBSCRIBED");
    assert.equal(h.master.snapshot(h.nowMs).recoveredAgents.length, 0);
    const answers = reconcile(h, fw, [{ task: "t1", agent: agentId }]);
    assert.deepEqual(
      answers.map((s) => s.state),
      ["TASK_RUNNING"],
    );
    // The recovered agent's resources are in use by the task.
    h.allocate();
    const offered = h.offers(fw.streamId).at(-1);
    assert.deepEqual(
      offered?.resources?.map((r) => [r.name, r.scalar?.value]),
      [
        ["cpus", 3],
        ["mem", 896],
      ],
    );
  });

  it("a recovered agent that does not re-register within agent_reregister_timeout becomes unreachable", () => {
    const { h, agentId, fw } = restarted();
    h.advance(600_000);
    assert.ok(h.registry.unreachable.has(agentId));
    const answers = reconcile(h, fw, [{ task: "t1", agent: agentId }]);
    assert.equal(answers[0]?.state, "TASK_UNREACHABLE");
    const legacy = restarted([]);
    legacy.h.advance(600_000);
    assert.equal(
      reconcile(legacy.h, legacy.fw, [{ task: "t1", agent: legacy.agentId }])[0]?.state,
      "TASK_LOST",
    );
  });

  it("frameworks known only from a re-registering agent are recovered, not connected", () => {
    const { h, agentId } = restarted();
    h.step({
      kind: "agent_subscribe",
      agentStreamId: "back",
      call: agentSubscribeCall("a1", "cpus:4;mem:1024", {
        agent_id: { value: agentId },
        tasks: [reportedTask("M-0042", "other", agentId, "TASK_RUNNING")],
        frameworks: [
          {
            user: "u",
            name: "other",
            id: { value: "M-0042" },
            failover_timeout: 0,
            checkpoint: true,
          },
        ],
      }),
    });
    const recovered = h.master.snapshot(h.nowMs).frameworks.find((f) => f.id === "M-0042");
    assert.equal(recovered?.connection, "recovered");
    assert.equal(recovered?.tasks.get("other")?.state, "TASK_RUNNING");
  });
});
